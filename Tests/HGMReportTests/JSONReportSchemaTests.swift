import Foundation
import HGMCheck
import HGMReport
import XCTest

/// `docs/report.schema.json` describes what `JSONReporter` writes, and is strict enough to
/// notice when the two drift apart.
final class JSONReportSchemaTests: XCTestCase {
    func testSingleResultsValidate() throws {
        let results = try Fixture.all()
        let errors = try jsonSchemaErrors(results.map { JSONReporter().render([$0]) }, schema: reportSchema.path,
                                          validatorClass: "Draft7Validator")
        for (r, e) in zip(results, errors) {
            XCTAssertEqual(e, [], "\(r.spec) (\(r.verdict)):\n" + e.joined(separator: "\n"))
        }
    }

    func testSeveralResultsAndErrorsValidate() throws {
        let all = try Fixture.all()
        let r = try Fixture.obligationsResult(Fixture.obligationsOnly)
        let docs = [
            JSONReporter().render(all),
            JSONReporter().render(all, errors: [Fixture.loadError]),
            JSONReporter().render([], errors: [Fixture.loadError]),
            JSONReporter().render([]),
            // `prove`: one spec, and several with an error.
            JSONReporter().renderProve([(r.spec, r.obligations)]),
            JSONReporter().renderProve([(r.spec, r.obligations), ("other.hgm", [])], errors: [Fixture.loadError]),
        ]
        let errors = try jsonSchemaErrors(docs, schema: reportSchema.path, validatorClass: "Draft7Validator")
        for (i, e) in errors.enumerated() { XCTAssertEqual(e, [], "document \(i)") }
    }

    /// The schema rejects what the reporter never writes.
    func testSchemaIsNotVacuous() throws {
        let good = try jsonObject(JSONReporter().render([try Fixture.result(Fixture.race)]))
        func text(_ o: Any) throws -> String { String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self) }
        var missingVerdict = good
        missingVerdict.removeValue(forKey: "verdict")
        var unknownKey = good
        unknownKey["verdict_text"] = "x"
        var badVerdict = good
        badVerdict["verdict"] = "maybe"
        var camel = good
        var stats = camel["stats"] as! [String: Any]
        stats["distinctStates"] = stats.removeValue(forKey: "distinct_states")
        camel["stats"] = stats
        var violations = good["violations"] as! [[String: Any]]
        violations[0]["trace"] = [["step": 1]]
        var badTrace = good
        badTrace["violations"] = violations
        var lasso = try jsonObject(JSONReporter().render([try Fixture.result(Fixture.livelock)]))
        var lassoViolations = lasso["violations"] as! [[String: Any]]
        XCTAssertGreaterThan(lassoViolations[0]["cycle_start"] as? Int ?? 0, 1, "the livelock spec reports a lasso")
        lassoViolations[0]["cycle_start"] = 0
        lasso["violations"] = lassoViolations
        // A change must be structured ({"object", "before", "after", "text"}), not a phrase.
        var stringChange = good
        var scv = good["violations"] as! [[String: Any]]
        var steps = scv[0]["trace"] as! [[String: Any]]
        steps[0]["changes"] = ["fault_mutex[0]: held by B"]
        scv[0]["trace"] = steps
        stringChange["violations"] = scv
        let bad = [missingVerdict, unknownKey, badVerdict, camel, badTrace, lasso, stringChange]
        let errors = try jsonSchemaErrors(try [good].map(text) + bad.map(text), schema: reportSchema.path, validatorClass: "Draft7Validator")
        XCTAssertEqual(errors[0], [], "the unmodified report must validate")
        for (i, e) in errors.dropFirst().enumerated() { XCTAssertNotEqual(e, [], "broken report \(i) was accepted") }
    }
}
