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
        var stats: SearchStats?
        var obligations: [ObligationEntry]
    }

    struct ProveReport: Encodable {
        var spec: String
        var obligations: [ObligationEntry]
        var totalSeconds: Double
        var slowest: String?
        var slowestSeconds: Double
    }

    func object<T: Encodable>(_ v: T) -> Any {
        let enc = JSONEncoder()
        enc.keyEncodingStrategy = .convertToSnakeCase
        return try! JSONSerialization.jsonObject(with: try! enc.encode(v))
    }

    /// `prove` results: per spec its obligations, the total and the slowest time.
    public func renderProve(_ results: [(spec: String, obligations: [ObligationEntry])], errors: [String] = []) -> String {
        let reps = results.map { r -> Any in
            let slow = r.obligations.max { $0.seconds < $1.seconds }
            return object(ProveReport(spec: r.spec, obligations: r.obligations, totalSeconds: r.obligations.reduce(0) { $0 + $1.seconds },
                                      slowest: slow?.name, slowestSeconds: slow?.seconds ?? 0))
        }
        var obj: Any = reps.count == 1 && errors.isEmpty ? reps[0] : ["results": reps] as [String: Any]
        if !errors.isEmpty, var d = obj as? [String: Any] { d["errors"] = errors; obj = d }
        let data = try! JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public func report(_ r: CheckResult) -> Any {
        let rep = Report(spec: r.spec, scenario: r.scenario, verdict: r.verdict.rawValue, limit: r.limit,
                         expectation: r.expectation.map(JSONReporter.describe), expectationMet: r.expectationMet,
                         violations: r.violations, stats: r.searched ? r.stats : nil, obligations: r.obligations)
        return object(rep)
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

    struct DiffSide: Encodable {
        var spec: String
        var verdict: String
        /// The limit that stopped this side's search, when one did.
        var limit: String?
        var distinctStates: Int
        var transitions: Int
        var seconds: Double
    }
    struct DiffReport: Encodable {
        var base: DiffSide
        var head: DiffSide
        var entries: [DiffEntry]
        var regressions: Int
        /// Entries that could not be compared (a side incomplete, Z3 unknown, or checked on one side only).
        var undecided: Int
    }

    /// A locking-scheme comparison.
    public func renderDiff(_ d: DiffResult) -> String {
        func side(_ r: CheckResult) -> DiffSide {
            DiffSide(spec: r.spec, verdict: r.verdict.rawValue, limit: r.limit, distinctStates: r.stats.distinctStates, transitions: r.stats.transitions, seconds: r.stats.seconds)
        }
        let obj = object(DiffReport(base: side(d.base), head: side(d.head), entries: d.entries, regressions: d.regressions.count, undecided: d.undecided.count))
        let data = try! JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
