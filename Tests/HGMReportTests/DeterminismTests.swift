import Foundation
import HGMCheck
import HGMReport
import XCTest

/// Reports are stable: the same results render byte for byte the same, and two runs of the
/// same spec differ only in timing and memory figures.
final class DeterminismTests: XCTestCase {
    let junit = JUnitReporter(timestamp: Date(timeIntervalSince1970: 1_700_000_000), hostname: "ci-host")

    func testRenderingTwiceIsByteIdentical() throws {
        let all = try Fixture.all()
        XCTAssertEqual(SARIFReporter().render(all, errors: [Fixture.loadError]), SARIFReporter().render(all, errors: [Fixture.loadError]))
        XCTAssertEqual(junit.render(all), junit.render(all))
        let other = JUnitReporter(timestamp: Date(timeIntervalSince1970: 1_700_000_000), hostname: "ci-host")
        XCTAssertEqual(junit.render(all, errors: [Fixture.loadError]), other.render(all, errors: [Fixture.loadError]))
        let defaultReporter = JUnitReporter()
        XCTAssertEqual(defaultReporter.render(all), defaultReporter.render(all))
        XCTAssertEqual(JSONReporter().render(all), JSONReporter().render(all))
    }

    func testSeparateRunsGiveTheSameReportsUpToTiming() throws {
        for (spec, limit) in [(Fixture.race, nil), (Fixture.holds, nil), (Fixture.user, nil), (Fixture.livelock, nil), (Fixture.race, 5)] as [(String, Int?)] {
            let a = try Fixture.result(spec, maxStates: limit, fresh: true)
            let b = try Fixture.result(spec, maxStates: limit, fresh: true)
            XCTAssertEqual(SARIFReporter().render([a]), SARIFReporter().render([b]), "SARIF of \(spec) differs between runs")
            XCTAssertEqual(maskJUnit(junit.render([a])), maskJUnit(junit.render([b])), "JUnit of \(spec) differs between runs")
            XCTAssertEqual(try maskJSON(JSONReporter().render([a])), try maskJSON(JSONReporter().render([b])), "JSON of \(spec) differs between runs")
            XCTAssertNotEqual(maskJUnit(junit.render([a])), "", "masking must leave the report")
        }
    }

    /// JUnit without its `time` attributes.
    func maskJUnit(_ xml: String) -> String {
        let re = try! NSRegularExpression(pattern: " time=\"[0-9.]+\"")
        return re.stringByReplacingMatches(in: xml, range: NSRange(xml.startIndex..., in: xml), withTemplate: " time=\"*\"")
    }

    /// The JSON report with the timing and memory figures set to 0.
    func maskJSON(_ text: String) throws -> String {
        var obj = try jsonObject(text)
        if var stats = obj["stats"] as? [String: Any] {
            for k in ["seconds", "states_per_second", "peak_memory_bytes", "process_peak_rss_bytes"] where stats[k] != nil { stats[k] = 0 }
            obj["stats"] = stats
        }
        if let obs = obj["obligations"] as? [[String: Any]] {
            obj["obligations"] = obs.map { o -> [String: Any] in var o = o; o["seconds"] = 0; return o }
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
    }
}
