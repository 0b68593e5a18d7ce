import Foundation
import HGMCheck
import HGMModel
import HGMSpec

/// Renders results as SARIF 2.1.0 (OASIS, errata 01; `shared/schemas/sarif-schema-2.1.0.json`)
/// for code-scanning viewers.
///
/// One run for all results:
/// - `tool.driver`: `hgm-check`, its version, and one rule per rule id used, sorted by id:
///   an invariant's rule has its `Invariant.help` sentence (a user invariant, "User
///   invariant declared in the spec."); `expectation` and `spec-error` are rules of their own.
/// - One result per violation (`ruleId` = the invariant, `level: error`), located at the
///   violation's anchor (`file:line:col` of the violating statement or user invariant; the
///   spec's line 1 when it has none), with the shortest trace as `codeFlows[0]`: a single
///   thread flow that interleaves all threads, one location per step in order
///   (`executionOrder` = step number, message `thread X: statement`, the procedure as a
///   logical location, the step's changes in `properties.changes`). A livelock's trace is a
///   lasso: `properties.cycle_start` is the step where its cycle starts, and that step's
///   message begins with "-- the following N steps repeat forever --". A violation the spec's
///   `expect` line names is still reported, with an `inSource` suppression that cites the
///   expectation, so viewers can tell a demonstrated bug from a regression.
/// - One `expectation` result per result whose `expect` line was not met
///   (`expectationMet == false`), located at that line (`CheckResult.expectationLocation`;
///   line 1 of the spec when it is not known).
/// - One `obligation` result per Z3 obligation that did not give what it is meant to
///   (`error`; `warning` when Z3 said unknown), at line 1 of the spec: `ObligationEntry` has
///   no source location.
/// - One `spec-error` result per spec load error, at the error's `file:line:col`.
/// - Searches stopped by a limit are `warning` tool-execution notifications in
///   `invocations[0]`; `executionSuccessful` is false only when a spec failed to load.
/// - `run.properties.specs` summarizes every result (verdict, expectation, search size,
///   obligations).
///
/// Paths become URI references: `.` and `dir/..` segments removed lexically, percent-encoded,
/// relative paths kept relative (to the directory the check ran in), absolute ones as
/// `file://` URIs. Output is deterministic: keys sorted, results in input order, and no
/// timing or memory figures.
public struct SARIFReporter {
    public init() {}

    public static let schemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// - Parameters:
    ///   - toolVersion: `tool.driver.version` (and `semanticVersion`).
    ///   - informationUri: `tool.driver.informationUri`, omitted when nil (the project has no
    ///     public home page yet).
    ///   - errors: spec load errors, as the CLI renders them (`file:line:col: error: ...`).
    public func render(_ results: [CheckResult], toolVersion: String = "0.1.0",
                       informationUri: String? = nil, errors: [String] = []) -> String {
        var ruleIDs = Set<String>()
        var helpFor: [String: String] = [:]
        var sarifResults: [[String: Any]] = []
        var notifications: [[String: Any]] = []

        for r in results {
            let expected = ReportSupport.expectedViolations(r)
            for v in r.violations {
                ruleIDs.insert(v.invariant)
                if helpFor[v.invariant] == nil { helpFor[v.invariant] = v.help }
                sarifResults.append(violationResult(v, in: r, expected: expected.contains(v.invariant)))
            }
            if r.expectationMet == false, let e = r.expectation {
                ruleIDs.insert(SARIFReporter.expectationRule)
                let text = "\(r.spec): expected \(ReportSupport.describe(e)), found \(ReportSupport.found(r))"
                sarifResults.append([
                    "ruleId": SARIFReporter.expectationRule,
                    "level": "error",
                    "message": ["text": text],
                    "locations": [expectationLocation(r)],
                    "properties": specProperties(r),
                ])
            }
            for o in r.obligations {
                guard let p = ReportSupport.obligationProblem(o) else { continue }
                ruleIDs.insert(SARIFReporter.obligationRule)
                var props: [String: Any] = ["spec": r.spec, "name": o.name, "geometry": o.geometry, "family": o.family,
                                            "result": o.result, "expected": o.expected]
                if let v = o.values { props["values"] = v }
                if let reason = o.reason { props["reason"] = reason }
                sarifResults.append([
                    "ruleId": SARIFReporter.obligationRule,
                    "level": p.undecided ? "warning" : "error",
                    "message": ["text": "\(p.message): \(o.summary)"
                        + (o.values.map { v in "; " + v.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") } ?? "")],
                    "locations": [o.location.map(ReportSupport.position).flatMap { p in p.line.map { location(file: p.file, line: $0, column: p.column) } }
                                  ?? location(file: r.spec, line: 1, column: nil)],
                    "properties": props,
                ])
            }
            if let l = r.limit {
                notifications.append([
                    "level": "warning",
                    "message": ["text": "\(r.spec): \(l): no verdict on the unexplored states"],
                    "locations": [location(file: r.spec, line: 1, column: nil)],
                ])
            }
        }
        for e in errors {
            ruleIDs.insert(SARIFReporter.specErrorRule)
            let p = ReportSupport.errorPosition(e)
            var res: [String: Any] = ["ruleId": SARIFReporter.specErrorRule, "level": "error", "message": ["text": e]]
            if let p { res["locations"] = [location(file: p.file, line: p.line, column: p.column)] }
            sarifResults.append(res)
        }

        let ruleList = ruleIDs.sorted()
        let index = Dictionary(uniqueKeysWithValues: ruleList.enumerated().map { ($1, $0) })
        for i in sarifResults.indices {
            if let id = sarifResults[i]["ruleId"] as? String, let n = index[id] { sarifResults[i]["ruleIndex"] = n }
        }

        var driver: [String: Any] = [
            "name": "hgm-check",
            "fullName": "hgm-check: a model checker for the locking of HugeTLB high-granularity mapping",
            "version": toolVersion,
            "rules": ruleList.map { rule($0, help: helpFor[$0]) },
        ]
        if SARIFReporter.isSemanticVersion(toolVersion) { driver["semanticVersion"] = toolVersion }
        if let u = informationUri { driver["informationUri"] = u }

        var invocation: [String: Any] = ["executionSuccessful": errors.isEmpty]
        if !notifications.isEmpty { invocation["toolExecutionNotifications"] = notifications }

        let run: [String: Any] = [
            "tool": ["driver": driver],
            "results": sarifResults,
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "properties": ["specs": results.map(specProperties)],
        ]
        let log: [String: Any] = ["$schema": SARIFReporter.schemaURI, "version": "2.1.0", "runs": [run]]
        let data = try! JSONSerialization.data(withJSONObject: log, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static let expectationRule = "expectation"
    static let specErrorRule = "spec-error"
    static let obligationRule = "obligation"

    // MARK: pieces

    func violationResult(_ v: ViolationReport, in r: CheckResult, expected: Bool) -> [String: Any] {
        let anchor = v.location.map(ReportSupport.position)
        let scenario = r.scenario.map { ", scenario \"\($0)\"" } ?? ""
        var res: [String: Any] = [
            "ruleId": v.invariant,
            "level": "error",
            "message": ["text": "\(v.message) (spec \(r.spec)\(scenario))"],
            "locations": [anchor.map { location(file: $0.file, line: $0.line ?? 1, column: $0.column) }
                ?? location(file: r.spec, line: 1, column: nil)],
            "properties": [
                "spec": r.spec,
                "trace_steps": v.trace.count,
                "context_switches": v.contextSwitches,
                "expected": expected,
            ] as [String: Any],
        ]
        if let sc = v.schedule, var props = res["properties"] as? [String: Any] {
            props["schedule"] = sc
            res["properties"] = props
        }
        if let c = v.cycleStart, var props = res["properties"] as? [String: Any] {
            props["cycle_start"] = c
            res["properties"] = props
        }
        if !v.trace.isEmpty {
            let steps: [[String: Any]] = v.trace.map { s in
                let p = ReportSupport.position(s.location)
                var loc = location(file: p.file, line: p.line, column: p.column)
                let repeats = s.step == v.cycleStart ? ReportSupport.cycleMarker(v) + " " : ""
                loc["message"] = ["text": "\(repeats)thread \(s.thread): \(s.statement)" + (s.outcome.map { "  \($0)" } ?? "")]
                loc["logicalLocations"] = [["name": s.procedure, "kind": "function"]]
                var step: [String: Any] = ["location": loc, "executionOrder": s.step, "nestingLevel": s.depth]
                var props: [String: Any] = [:]
                if !s.changes.isEmpty { props["changes"] = s.changes.map(\.text) }
                let local = s.notes.filter { !$0.own }.map { n -> String in
                    switch n.kind {
                    case .call: return "call \(n.procedure ?? "") (\(n.location))"
                    case .return: return "return from \(n.procedure ?? "")" + (n.value.map { " = \($0)" } ?? "")
                    default: return "\(n.statement) → \(n.phrase) (\(n.location))"
                    }
                }
                if !local.isEmpty { props["local_work"] = local }
                if !s.origins.isEmpty {
                    props["origins"] = s.origins.map { "\($0.local) = \($0.value) from step \($0.step)" + ($0.freedAtStep.map { ", table freed at step \($0)" } ?? "") }
                }
                if !props.isEmpty { step["properties"] = props }
                return step
            }
            res["codeFlows"] = [[
                "message": ["text": ReportSupport.traceSummary(v)],
                "threadFlows": [[
                    "message": ["text": "threads " + SARIFReporter.threads(v.trace).joined(separator: ", ") + ", interleaved"],
                    "locations": steps,
                ]],
            ]]
        }
        if expected, let e = r.expectation {
            res["suppressions"] = [[
                "kind": "inSource",
                "justification": "the spec expects this violation (expect \(ReportSupport.describe(e)))",
            ]]
        }
        return res
    }

    static func threads(_ trace: [TraceStep]) -> [String] {
        var seen = Set<String>()
        return trace.map(\.thread).filter { seen.insert($0).inserted }
    }

    /// The spec's `expect` line, or line 1 of the spec when the result does not say where it is.
    func expectationLocation(_ r: CheckResult) -> [String: Any] {
        if let l = r.expectationLocation.map(ReportSupport.position), l.line != nil {
            return location(file: l.file, line: l.line, column: l.column)
        }
        return location(file: r.spec, line: 1, column: nil)
    }

    func location(file: String, line: Int?, column: Int?) -> [String: Any] {
        var physical: [String: Any] = ["artifactLocation": ["uri": ReportSupport.uri(forPath: file)]]
        if let line {
            var region: [String: Any] = ["startLine": line]
            if let column { region["startColumn"] = column }
            physical["region"] = region
        }
        return ["physicalLocation": physical]
    }

    func rule(_ id: String, help: String?) -> [String: Any] {
        let short: String, full: String
        var tags: [String]
        switch id {
        case SARIFReporter.expectationRule:
            short = "The outcome matches the spec's expect line."
            full = "`expect pass` is met when every selected invariant holds in every interleaving; `expect violation a, b` when exactly those invariants are violated."
            tags = ["expectation"]
        case SARIFReporter.obligationRule:
            short = "A Z3 obligation gives what it is meant to."
            full = "Each arithmetic obligation (generated from the spec's geometry, or a prove block) is proved, or gives a certified counterexample when it is meant to (counter-width figures, `expect counterexample` claims); unknown (a Z3 timeout or error) is never taken as proved."
            tags = ["obligation", "z3"]
        case SARIFReporter.specErrorRule:
            short = "The spec loads and compiles."
            full = "The spec (and its imports) parses, resolves and compiles into a model."
            tags = ["spec"]
        default:
            if let inv = Invariant(rawValue: id) {
                full = inv.help
                tags = ["invariant", "built-in"]
            } else {
                full = help ?? "User invariant declared in the spec."
                tags = ["invariant", "user"]
            }
            short = SARIFReporter.withoutCitation(full)
        }
        return [
            "id": id,
            "shortDescription": ["text": short],
            "fullDescription": ["text": full],
            "help": ["text": full],
            "defaultConfiguration": ["level": "error"],
            "properties": ["tags": tags],
        ]
    }

    /// The help sentence without its trailing reference, e.g. ` (§4 inv. 4).` → `.`.
    static func withoutCitation(_ s: String) -> String {
        guard s.hasSuffix(")."), let open = s.range(of: " (", options: .backwards) else { return s }
        return String(s[..<open.lowerBound]) + "."
    }

    func specProperties(_ r: CheckResult) -> [String: Any] {
        var d: [String: Any] = [
            "spec": r.spec,
            "verdict": r.verdict.rawValue,
            "searched": r.searched,
            "obligations": r.obligations.map { o in
                ["name": o.name, "geometry": o.geometry, "family": o.family, "result": o.result, "expected": o.expected]
            },
        ]
        if r.searched {
            d["distinct_states"] = r.stats.distinctStates
            d["transitions"] = r.stats.transitions
            d["depth"] = r.stats.depth
        }
        if let s = r.scenario { d["scenario"] = s }
        if let e = r.expectation { d["expectation"] = ReportSupport.describe(e) }
        if let m = r.expectationMet { d["expectation_met"] = m }
        if let l = r.limit { d["limit"] = l }
        return d
    }

    static func isSemanticVersion(_ v: String) -> Bool {
        let core = v.split(separator: "-", maxSplits: 1).first.map(String.init) ?? v
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
