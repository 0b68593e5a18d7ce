import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HGMCheck
import HGMModel
import HGMReport
import XCTest

final class JUnitReporterTests: XCTestCase {
    static let fixedDate = Date(timeIntervalSince1970: 1_704_164_645) // 2024-01-02T03:04:05Z
    let reporter = JUnitReporter(timestamp: JUnitReporterTests.fixedDate, hostname: "ci-host")

    struct Case {
        var name: String
        var classname: String
        var time: String
        var failure: XMLElement?
        var error: XMLElement?
    }

    func parse(_ xml: String) throws -> XMLElement {
        let doc = try XMLDocument(data: Data(xml.utf8), options: [])
        let root = try XCTUnwrap(doc.rootElement())
        XCTAssertEqual(root.name, "testsuites")
        return root
    }

    func suites(_ root: XMLElement) -> [XMLElement] { root.elements(forName: "testsuite") }

    func cases(_ suite: XMLElement) -> [Case] {
        suite.elements(forName: "testcase").map { c in
            Case(name: c.attribute(forName: "name")?.stringValue ?? "", classname: c.attribute(forName: "classname")?.stringValue ?? "",
                 time: c.attribute(forName: "time")?.stringValue ?? "",
                 failure: c.elements(forName: "failure").first, error: c.elements(forName: "error").first)
        }
    }

    func attr(_ e: XMLElement, _ name: String) -> String? { e.attribute(forName: name)?.stringValue }

    func testValidAgainstTheJUnitSchema() throws {
        let xml = reporter.render(try Fixture.all(), errors: [Fixture.loadError])
        let errors = try junitSchemaErrors(xml)
        XCTAssertEqual(errors, [], "JUnit output is not valid against junit.xsd:\n" + errors.joined(separator: "\n") + "\n" + xml)
        XCTAssertEqual(try junitSchemaErrors(reporter.render([])), [])
        XCTAssertEqual(try junitSchemaErrors(JUnitReporter().render([try Fixture.result(Fixture.holds)])), [],
                       "the default timestamp and hostname must be valid too")
    }

    /// Counts on every suite agree with its testcases; ids count from 0; the header is fixed.
    func testSuiteAttributes() throws {
        let results = try Fixture.all()
        let root = try parse(reporter.render(results, suiteName: "nightly", errors: [Fixture.loadError]))
        let all = suites(root)
        XCTAssertEqual(all.count, results.count + 1)
        for (i, s) in all.enumerated() {
            let cs = cases(s)
            XCTAssertEqual(attr(s, "id"), String(i))
            XCTAssertEqual(attr(s, "package"), "nightly")
            XCTAssertEqual(attr(s, "timestamp"), "2024-01-02T03:04:05")
            XCTAssertEqual(attr(s, "hostname"), "ci-host")
            XCTAssertEqual(attr(s, "tests"), String(cs.count))
            XCTAssertEqual(attr(s, "failures"), String(cs.filter { $0.failure != nil }.count))
            XCTAssertEqual(attr(s, "errors"), String(cs.filter { $0.error != nil }.count))
            XCTAssertNotNil(s.elements(forName: "properties").first)
            if i < results.count {
                XCTAssertEqual(attr(s, "name"), results[i].spec)
                let searchTime = results[i].searched ? results[i].stats.seconds : 0
                let total = searchTime + results[i].obligations.reduce(0) { $0 + $1.seconds }
                XCTAssertEqual(Double(attr(s, "time") ?? "") ?? -1, total, accuracy: 0.0015)
            }
        }
        XCTAssertEqual(attr(all.last!, "name"), "spec-errors")
    }

    /// An unexpected violation is exactly one failing testcase carrying the message and the
    /// trace; the other checked invariants pass.
    func testUnexpectedViolationFailsOneTestcase() throws {
        var r = try Fixture.unexpectedViolation()
        XCTAssertTrue(r.checked.contains("ptl-held"))
        r.checked = ["deadlock", "model-error", "ptl-held"]
        let v = try XCTUnwrap(r.violations.first)
        let root = try parse(reporter.render([r]))
        let cs = cases(try XCTUnwrap(suites(root).first))
        XCTAssertEqual(cs.map(\.name), ["deadlock", "model-error", "ptl-held"])
        XCTAssertEqual(cs.filter { $0.failure != nil }.map(\.name), ["ptl-held"])
        XCTAssertTrue(cs.allSatisfy { $0.error == nil })
        XCTAssertTrue(cs.allSatisfy { $0.classname == "Specs.invariants.ptl-held" })
        let failure = try XCTUnwrap(cs.first { $0.name == "ptl-held" }?.failure)
        XCTAssertEqual(attr(failure, "type"), "violation")
        XCTAssertTrue((attr(failure, "message") ?? "").contains(v.message))
        let body = failure.stringValue ?? ""
        XCTAssertTrue(body.contains(v.message))
        for step in v.trace {
            XCTAssertTrue(body.contains(step.statement), "trace step \(step.step) missing from the failure text")
            XCTAssertTrue(body.contains(step.location))
        }
        XCTAssertTrue(body.contains(v.help))
        XCTAssertTrue(body.contains("expectation: pass"))
    }

    /// Violations the spec expects pass; a spec that holds passes every checked invariant; an
    /// expected violation not found fails.
    func testExpectedOutcomesPass() throws {
        let race = try Fixture.result(Fixture.race)
        let holds = try Fixture.result(Fixture.holds)
        let user = try Fixture.result(Fixture.user)
        let missing = try Fixture.missingViolation()
        let root = try parse(reporter.render([race, holds, user, missing]))
        let s = suites(root)
        XCTAssertEqual(cases(s[0]).map(\.name), race.checked)
        XCTAssertTrue(race.checked.contains("use-after-free") && race.checked.contains("free-unlocked"))
        XCTAssertEqual(cases(s[1]).map(\.name), holds.checked)
        XCTAssertEqual(Set(holds.checked), Set(Invariant.allCases.map(\.rawValue)), "truncate-fault checks all")
        XCTAssertEqual(cases(s[2]).map(\.name), user.checked)
        XCTAssertTrue(user.checked.contains("mapcount-at-most-one"))
        for suite in s.prefix(3) {
            XCTAssertTrue(cases(suite).allSatisfy { $0.failure == nil && $0.error == nil })
            XCTAssertEqual(attr(suite, "failures"), "0")
        }
        let m = cases(s[3])
        XCTAssertEqual(m.filter { $0.failure != nil }.map(\.name), ["deadlock"])
        XCTAssertEqual(attr(try XCTUnwrap(m.first { $0.name == "deadlock" }?.failure), "type"), "missing-violation")

        // Exactly the checked invariants, plus the violated and expected ones.
        var (h, r) = (holds, race)
        h.checked = ["truncation", "deadlock"]
        r.checked = ["model-error"]
        let narrowed = try parse(reporter.render([h, r]))
        XCTAssertEqual(cases(suites(narrowed)[0]).map(\.name), ["deadlock", "truncation"])
        XCTAssertEqual(cases(suites(narrowed)[1]).map(\.name), ["free-unlocked", "model-error", "use-after-free"])
        // The `checked` argument overrides a result's own list.
        let overridden = try parse(reporter.render([holds], checked: [holds.spec: ["lock-order"]]))
        XCTAssertEqual(cases(suites(overridden)[0]).map(\.name), ["lock-order"])
        // A result without its checked set: every built-in invariant when nothing was violated
        // or expected violated, else just those.
        h.checked = []
        r.checked = []
        let fallback = try parse(reporter.render([h, r]))
        XCTAssertEqual(cases(suites(fallback)[0]).map(\.name), Invariant.allCases.map(\.rawValue).sorted())
        XCTAssertEqual(cases(suites(fallback)[1]).map(\.name), ["free-unlocked", "use-after-free"])

        // The expected violations' traces are in system-out.
        let out = s[0].elements(forName: "system-out").first?.stringValue ?? ""
        for v in race.violations { XCTAssertTrue(out.contains("VIOLATION \(v.invariant) (expected)")) }
    }

    /// A livelock's trace text marks where its cycle starts.
    func testLivelockTraceMarksTheCycle() throws {
        let r = try Fixture.result(Fixture.livelock)
        let root = try parse(reporter.render([r]))
        let out = suites(root)[0].elements(forName: "system-out").first?.stringValue ?? ""
        let v = try XCTUnwrap(r.violations.first)
        let start = try XCTUnwrap(v.cycleStart)
        XCTAssertTrue(out.contains("shortest lasso: \(start - 1) steps to a state on the cycle, then \(v.trace.count - start + 1) steps that repeat forever"), out)
        let lines = out.split(separator: "\n").map(String.init)
        let marker = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("-- the following") }, out)
        XCTAssertTrue(lines[marker + 1].trimmingCharacters(in: .whitespaces).hasPrefix("\(start) "), lines[marker + 1])
    }

    /// An incomplete search is an error (not a failure) with the limit's reason.
    func testIncompleteSearchIsAnError() throws {
        let r = try Fixture.result(Fixture.race, maxStates: 5)
        let root = try parse(reporter.render([r]))
        let suite = try XCTUnwrap(suites(root).first)
        let cs = cases(suite)
        XCTAssertEqual(cs.map(\.name), r.checked)
        XCTAssertTrue(cs.allSatisfy { $0.failure == nil && $0.error != nil })
        XCTAssertEqual(attr(suite, "errors"), String(r.checked.count))
        XCTAssertEqual(attr(suite, "failures"), "0")
        for c in cs {
            XCTAssertEqual(attr(c.error!, "type"), "incomplete")
            XCTAssertTrue((attr(c.error!, "message") ?? "").contains("max-states 5 reached"))
        }
    }

    func testObligationsAreTestcases() throws {
        var r = try Fixture.obligationsResult(Fixture.obligationsOnly)
        var cs = cases(try XCTUnwrap(suites(try parse(reporter.render([r]))).first))
        XCTAssertEqual(cs.map(\.name), r.obligations.map(\.name), "no invariant testcases for a spec without threads")
        XCTAssertTrue(cs.allSatisfy { $0.failure == nil && $0.error == nil && $0.classname.hasPrefix("Specs.geometries.false-claim.obligations.") })

        r.obligations[0].result = r.obligations[0].expected == "proved" ? "counterexample" : "proved"
        r.obligations[0].values = ["a": "0x1"]
        r.obligations[1].result = "unknown"
        r.obligations[1].reason = "timeout"
        let xml = reporter.render([r])
        XCTAssertEqual(try junitSchemaErrors(xml), [])
        cs = cases(try XCTUnwrap(suites(try parse(xml)).first))
        XCTAssertNotNil(cs[0].failure)
        XCTAssertTrue((cs[0].failure?.stringValue ?? "").contains(r.obligations[0].summary))
        XCTAssertEqual(attr(cs[1].error!, "type"), "unknown")
        XCTAssertTrue(cs.dropFirst(2).allSatisfy { $0.failure == nil && $0.error == nil })
    }

    /// Markup and control characters in messages neither break the document nor its validity.
    func testEscaping() throws {
        var r = try Fixture.unexpectedViolation()
        let nasty = "a <b> & \"c\" 'd' ]]> e\u{1}f\ttab\r\nline2"
        r.violations[0].message = nasty
        r.violations[0].trace[0].statement = "x = y < z && w > 0 \u{1B}[31m"
        r.scenario = "scenario with <tags> & \"quotes\""
        let xml = reporter.render([r], errors: [Fixture.loadError])
        XCTAssertEqual(try junitSchemaErrors(xml), [])
        let suite = try XCTUnwrap(suites(try parse(xml)).first)
        let failure = try XCTUnwrap(cases(suite).first { $0.failure != nil }?.failure)
        XCTAssertEqual(attr(failure, "message"), "ptl-held violated: a <b> & \"c\" 'd' ]]> e\\u{1}f\ttab\r\nline2")
        XCTAssertTrue((failure.stringValue ?? "").contains("x = y < z && w > 0 \\u{1B}[31m"))
        let scenario = suite.elements(forName: "properties").first?.elements(forName: "property")
            .first { attr($0, "name") == "scenario" }
        XCTAssertEqual(scenario.flatMap { attr($0, "value") }, "scenario with <tags> & \"quotes\"")
    }
}
