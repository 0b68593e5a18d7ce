import Foundation
import HGMCheck
import HGMReport
import XCTest

/// A violation whose trace could not be rebuilt within the limits (issue 9 §1.12) is shown
/// as found, with why its trace is missing, in text and in schema-valid JSON.
final class TraceMissingTests: XCTestCase {
    func testAViolationWithoutTraceIsReportedWithTheReason() throws {
        var r = try Fixture.result(Fixture.ptlHeld)
        let why = "its trace could not be rebuilt within the limit (max-memory 1 MiB reached while rebuilding)"
        r.violations[0].trace = []
        r.violations[0].contextSwitches = 0
        r.violations[0].message = "ptl-held is violated in an interleaving of 18 steps the search found; " + why
        r.violations[0].traceMissing = why
        let text = TextReporter(color: false).render(r)
        XCTAssertTrue(text.contains("VIOLATION ptl-held"), text)
        XCTAssertTrue(text.contains(why), text)
        XCTAssertFalse(text.contains("shortest trace: 0 steps"), text)
        let json = JSONReporter().render([r])
        XCTAssertTrue(json.contains("\"trace_missing\" : \"\(why)\""), json)
        let errors = try jsonSchemaErrors([json], schema: reportSchema.path, validatorClass: "Draft7Validator")
        XCTAssertEqual(errors.first, [], errors.first?.joined(separator: "\n") ?? "")
    }
}
