import Foundation
import HGMCheck
import HGMModel
import HGMReport
import XCTest

final class SARIFReporterTests: XCTestCase {
    func sarif(_ results: [CheckResult], errors: [String] = []) throws -> (text: String, run: [String: Any], results: [[String: Any]]) {
        let text = SARIFReporter().render(results, errors: errors)
        let log = try jsonObject(text)
        let runs = try XCTUnwrap(log["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        let run = runs[0]
        return (text, run, run["results"] as? [[String: Any]] ?? [])
    }

    func testValidAgainstTheSARIFSchema() throws {
        let (text, _, results) = try sarif(try Fixture.all(), errors: [Fixture.loadError])
        XCTAssertFalse(results.isEmpty)
        let errors = try jsonSchemaErrors(text, schema: schemasDir.appendingPathComponent("sarif-schema-2.1.0.json").path,
                                          validatorClass: "Draft4Validator")
        XCTAssertEqual(errors, [], "SARIF output is not valid SARIF 2.1.0:\n" + errors.joined(separator: "\n"))
        let log = try jsonObject(text)
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        XCTAssertEqual(log["$schema"] as? String, SARIFReporter.schemaURI)
    }

    func testEmptyRunIsValid() throws {
        let (text, _, results) = try sarif([])
        XCTAssertEqual(results.count, 0)
        let errors = try jsonSchemaErrors(text, schema: schemasDir.appendingPathComponent("sarif-schema-2.1.0.json").path,
                                          validatorClass: "Draft4Validator")
        XCTAssertEqual(errors, [])
    }

    /// A result per violation, located at the violation's anchor; its code flow follows the
    /// trace step by step, at the lines of the steps.
    func testViolationLocationsAndCodeFlows() throws {
        let race = try Fixture.result(Fixture.race)
        let user = try Fixture.result(Fixture.user)
        let (_, _, results) = try sarif([race, user])
        XCTAssertEqual(results.count, race.violations.count + user.violations.count)
        for r in [race, user] {
            for v in r.violations {
                let res = try XCTUnwrap(results.first { $0["ruleId"] as? String == v.invariant
                    && ($0["properties"] as? [String: Any])?["spec"] as? String == r.spec }, "no result for \(v.invariant)")
                XCTAssertEqual(res["level"] as? String, "error")
                let text = try XCTUnwrap((res["message"] as? [String: Any])?["text"] as? String)
                XCTAssertTrue(text.hasPrefix(v.message), text)

                let anchor = splitLocation(try XCTUnwrap(v.location))
                let physical = try XCTUnwrap(((res["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any])
                let uri = try XCTUnwrap((physical["artifactLocation"] as? [String: Any])?["uri"] as? String)
                let region = try XCTUnwrap(physical["region"] as? [String: Any])
                XCTAssertEqual(uri, lexicallyNormalized(anchor.file))
                XCTAssertEqual(region["startLine"] as? Int, anchor.line)
                XCTAssertEqual(region["startColumn"] as? Int, anchor.column)
                try assertLineExists(uri: uri, line: anchor.line)

                let flows = try XCTUnwrap(res["codeFlows"] as? [[String: Any]])
                XCTAssertEqual(flows.count, 1)
                let threadFlows = try XCTUnwrap(flows[0]["threadFlows"] as? [[String: Any]])
                XCTAssertEqual(threadFlows.count, 1)
                let steps = try XCTUnwrap(threadFlows[0]["locations"] as? [[String: Any]])
                XCTAssertEqual(steps.count, v.trace.count)
                XCTAssertGreaterThan(steps.count, 1)
                for (s, t) in zip(steps, v.trace) {
                    XCTAssertEqual(s["executionOrder"] as? Int, t.step)
                    let loc = try XCTUnwrap(s["location"] as? [String: Any])
                    XCTAssertEqual((loc["message"] as? [String: Any])?["text"] as? String, "thread \(t.thread): \(t.statement)" + (t.outcome.map { "  \($0)" } ?? ""))
                    let p = try XCTUnwrap(loc["physicalLocation"] as? [String: Any])
                    let stepURI = try XCTUnwrap((p["artifactLocation"] as? [String: Any])?["uri"] as? String)
                    let want = splitLocation(t.location)
                    XCTAssertEqual(stepURI, lexicallyNormalized(want.file))
                    XCTAssertFalse(stepURI.contains(".."), stepURI)
                    XCTAssertEqual((p["region"] as? [String: Any])?["startLine"] as? Int, want.line)
                    XCTAssertEqual(((loc["logicalLocations"] as? [[String: Any]])?.first)?["name"] as? String, t.procedure)
                    XCTAssertEqual((s["properties"] as? [String: Any])?["changes"] as? [String] ?? [], t.changes.map(\.text))
                    try assertLineExists(uri: stepURI, line: want.line)
                }
                // Expected by the spec: reported, but suppressed in source with the reason.
                let suppressions = try XCTUnwrap(res["suppressions"] as? [[String: Any]])
                XCTAssertEqual(suppressions.first?["kind"] as? String, "inSource")
            }
        }
        // The race's trace reaches into the library: the anchor of use-after-free is there or in the spec,
        // and at least one step is in Specs/lib/rfc-v2.hgm.
        let flowsURIs = results.flatMap { ($0["codeFlows"] as? [[String: Any]]) ?? [] }
            .flatMap { ($0["threadFlows"] as? [[String: Any]]) ?? [] }
            .flatMap { ($0["locations"] as? [[String: Any]]) ?? [] }
            .compactMap { ((($0["location"] as? [String: Any])?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"] as? String }
        XCTAssertTrue(flowsURIs.contains("Specs/lib/rfc-v2.hgm"))
    }

    /// A livelock's code flow is its lasso: `cycle_start` in the result's properties, and the
    /// first step of the cycle says that the steps from there repeat forever.
    func testLivelockLassoInCodeFlow() throws {
        let r = try Fixture.result(Fixture.livelock)
        let v = try XCTUnwrap(r.violations.first { $0.invariant == "livelock" })
        let start = try XCTUnwrap(v.cycleStart)
        let (_, _, results) = try sarif([r])
        let res = try XCTUnwrap(results.first { $0["ruleId"] as? String == "livelock" })
        XCTAssertEqual((res["properties"] as? [String: Any])?["cycle_start"] as? Int, start)
        let flow = try XCTUnwrap((res["codeFlows"] as? [[String: Any]])?.first)
        XCTAssertTrue(((flow["message"] as? [String: Any])?["text"] as? String ?? "").hasPrefix("shortest lasso: \(start - 1) steps to a state on the cycle"))
        let steps = try XCTUnwrap(((flow["threadFlows"] as? [[String: Any]])?.first)?["locations"] as? [[String: Any]])
        for s in steps {
            let text = ((s["location"] as? [String: Any])?["message"] as? [String: Any])?["text"] as? String ?? ""
            XCTAssertEqual(text.hasPrefix("-- the following \(v.trace.count - start + 1) steps repeat forever -- thread "),
                           s["executionOrder"] as? Int == start, text)
        }
    }

    /// The spec files the URIs name exist (relative to the package root) and have the line.
    func assertLineExists(uri: String, line: Int, file: StaticString = #filePath, at: UInt = #line) throws {
        let path = packageRoot.appendingPathComponent(uri.removingPercentEncoding ?? uri).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let count = text.split(separator: "\n", omittingEmptySubsequences: false).count
        XCTAssertTrue(line >= 1 && line <= count, "\(uri):\(line) is outside the file (\(count) lines)", file: file, line: at)
    }

    func testRulesCarryHelpText() throws {
        let (_, run, results) = try sarif(try Fixture.all(), errors: [Fixture.loadError])
        let driver = try XCTUnwrap((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "hgm-check")
        XCTAssertEqual(driver["version"] as? String, "0.1.0")
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]])
        let ids = rules.compactMap { $0["id"] as? String }
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(Set(ids), Set(results.compactMap { $0["ruleId"] as? String }), "one rule per rule id used, no more")
        for res in results {
            let id = try XCTUnwrap(res["ruleId"] as? String)
            XCTAssertEqual(res["ruleIndex"] as? Int, ids.firstIndex(of: id))
        }
        func text(_ rule: [String: Any], _ key: String) -> String? { (rule[key] as? [String: Any])?["text"] as? String }
        for rule in rules {
            let id = rule["id"] as! String
            for key in ["shortDescription", "fullDescription", "help"] {
                XCTAssertFalse((text(rule, key) ?? "").isEmpty, "\(id) has no \(key)")
            }
            if let inv = Invariant(rawValue: id) {
                XCTAssertEqual(text(rule, "help"), inv.help)
                XCTAssertEqual(text(rule, "fullDescription"), inv.help)
            }
        }
        let user = try XCTUnwrap(rules.first { $0["id"] as? String == "mapcount-at-most-one" })
        XCTAssertEqual(text(user, "help"), "User invariant declared in the spec.")
        XCTAssertTrue(ids.contains("use-after-free") && ids.contains("free-unlocked") && ids.contains("ptl-held"))
        XCTAssertTrue(ids.contains("expectation") && ids.contains("spec-error"))
    }

    /// An expectation that was not met is a result of its own at the spec's `expect` line (line
    /// 1 when the result does not know it); an unexpected violation is not suppressed.
    func testUnmetExpectations() throws {
        let unexpected = try Fixture.unexpectedViolation()
        let missing = try Fixture.missingViolation()
        let (_, _, results) = try sarif([unexpected, missing, try Fixture.result(Fixture.holds)])
        let exp = results.filter { $0["ruleId"] as? String == "expectation" }
        XCTAssertEqual(exp.count, 2)
        for (res, r) in zip(exp, [unexpected, missing]) {
            XCTAssertEqual(res["level"] as? String, "error")
            let physical = ((res["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any]
            let uri = try XCTUnwrap((physical?["artifactLocation"] as? [String: Any])?["uri"] as? String)
            XCTAssertEqual(uri, r.spec)
            let want = splitLocation(try XCTUnwrap(r.expectationLocation))
            let line = try XCTUnwrap((physical?["region"] as? [String: Any])?["startLine"] as? Int)
            XCTAssertEqual(line, want.line)
            let source = try String(contentsOfFile: packageRoot.appendingPathComponent(uri).path, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertTrue(source[line - 1].trimmingCharacters(in: .whitespaces).hasPrefix("expect"), String(source[line - 1]))
        }
        var unknown = missing
        unknown.expectationLocation = nil
        let atLineOne = try XCTUnwrap(try sarif([unknown]).results.first { $0["ruleId"] as? String == "expectation" })
        let physical = ((atLineOne["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any]
        XCTAssertEqual((physical?["region"] as? [String: Any])?["startLine"] as? Int, 1)
        let text0 = ((exp[0]["message"] as? [String: Any])?["text"] as? String) ?? ""
        XCTAssertTrue(text0.contains("expected pass") && text0.contains("found violation ptl-held"), text0)
        let text1 = ((exp[1]["message"] as? [String: Any])?["text"] as? String) ?? ""
        XCTAssertTrue(text1.contains("expected violation deadlock") && text1.contains("found no violation"), text1)

        let violation = try XCTUnwrap(results.first { $0["ruleId"] as? String == "ptl-held" })
        XCTAssertNil(violation["suppressions"], "an unexpected violation must not be suppressed")
    }

    func testIncompleteSearchesAndSpecErrors() throws {
        let incomplete = try Fixture.result(Fixture.race, maxStates: 5)
        XCTAssertEqual(incomplete.verdict, .incomplete)
        var (_, run, results) = try sarif([incomplete])
        XCTAssertTrue(results.isEmpty)
        var invocation = try XCTUnwrap((run["invocations"] as? [[String: Any]])?.first)
        XCTAssertEqual(invocation["executionSuccessful"] as? Bool, true)
        let notes = try XCTUnwrap(invocation["toolExecutionNotifications"] as? [[String: Any]])
        XCTAssertEqual(notes.count, 1)
        XCTAssertEqual(notes[0]["level"] as? String, "warning")
        XCTAssertTrue(((notes[0]["message"] as? [String: Any])?["text"] as? String ?? "").contains("max-states 5 reached"))

        (_, run, results) = try sarif([], errors: [Fixture.loadError])
        invocation = try XCTUnwrap((run["invocations"] as? [[String: Any]])?.first)
        XCTAssertEqual(invocation["executionSuccessful"] as? Bool, false)
        XCTAssertEqual(results.count, 1)
        XCTAssertEqual(results[0]["ruleId"] as? String, "spec-error")
        let physical = ((results[0]["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any]
        XCTAssertEqual((physical?["artifactLocation"] as? [String: Any])?["uri"] as? String, "Specs/broken.hgm")
        XCTAssertEqual((physical?["region"] as? [String: Any])?["startLine"] as? Int, 3)
        XCTAssertEqual((physical?["region"] as? [String: Any])?["startColumn"] as? Int, 7)
    }

    /// Obligations that give what they are meant to are not results; one that does not is
    /// (an error), and an unknown one is a warning.
    func testObligations() throws {
        var r = try Fixture.obligationsResult(Fixture.obligationsOnly)
        XCTAssertFalse(r.searched)
        XCTAssertFalse(r.obligations.isEmpty)
        XCTAssertTrue(r.obligations.allSatisfy(\.ok))
        XCTAssertTrue(try sarif([r]).results.isEmpty)

        r.obligations[0].result = r.obligations[0].expected == "proved" ? "counterexample" : "proved"
        r.obligations[1].result = "unknown"
        r.obligations[1].reason = "timeout"
        let (text, _, results) = try sarif([r])
        XCTAssertEqual(results.map { $0["ruleId"] as? String }, ["obligation", "obligation"])
        XCTAssertEqual(results.map { $0["level"] as? String }, ["error", "warning"])
        XCTAssertTrue(((results[0]["message"] as? [String: Any])?["text"] as? String ?? "").contains(r.obligations[0].name))
        let errors = try jsonSchemaErrors(text, schema: schemasDir.appendingPathComponent("sarif-schema-2.1.0.json").path,
                                          validatorClass: "Draft4Validator")
        XCTAssertEqual(errors, [])
    }

    /// Absolute spec paths become `file://` URIs, with `..` segments resolved.
    func testAbsolutePathsBecomeFileURIs() throws {
        let r = try Fixture.absoluteResult(Fixture.ptlHeld)
        let (text, _, results) = try sarif([r])
        let res = try XCTUnwrap(results.first)
        let physical = ((res["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any]
        let uri = try XCTUnwrap((physical?["artifactLocation"] as? [String: Any])?["uri"] as? String)
        XCTAssertTrue(uri.hasPrefix("file:///"), uri)
        XCTAssertTrue(uri.hasSuffix("/Specs/invariants/ptl-held.hgm"), uri)
        XCTAssertFalse(text.contains("/../"))
        let errors = try jsonSchemaErrors(text, schema: schemasDir.appendingPathComponent("sarif-schema-2.1.0.json").path,
                                          validatorClass: "Draft4Validator")
        XCTAssertEqual(errors, [])
    }
}
