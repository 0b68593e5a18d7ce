import Foundation
import HGMCheck
import HGMSpec

/// Renders results as JSON (keys sorted, snake_case): `verdict`, `violations` (each with
/// `invariant` and `trace` of steps with `thread`, `location`, `statement`), `stats`.
public struct JSONReporter {
    public init() {}

    struct Report: Encodable {
        var spec: String
        var scenario: String?
        var verdict: String
        var limit: String?
        var expectation: String?
        var expectationMet: Bool?
        var violations: [ViolationReport]
        var stats: SearchStats
    }

    public func report(_ r: CheckResult) -> Any {
        let rep = Report(spec: r.spec, scenario: r.scenario, verdict: r.verdict.rawValue, limit: r.limit,
                         expectation: r.expectation.map(JSONReporter.describe), expectationMet: r.expectationMet,
                         violations: r.violations, stats: r.stats)
        let enc = JSONEncoder()
        enc.keyEncodingStrategy = .convertToSnakeCase
        let data = try! enc.encode(rep)
        return try! JSONSerialization.jsonObject(with: data)
    }

    public static func describe(_ e: Expectation) -> String {
        switch e {
        case .pass: "pass"
        case .violations(let n): "violation " + n.joined(separator: ", ")
        }
    }

    /// One result as an object, several as `{"results": [...]}`.
    public func render(_ results: [CheckResult], errors: [String] = []) -> String {
        var obj: Any
        if results.count == 1 && errors.isEmpty { obj = report(results[0]) }
        else {
            var d: [String: Any] = ["results": results.map(report)]
            if !errors.isEmpty { d["errors"] = errors }
            obj = d
        }
        let data = try! JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
