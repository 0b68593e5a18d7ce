import Foundation
import HGMCheck
import HGMModel
import HGMSpec

/// Helpers shared by the JUnit and SARIF reporters: reading the `file:line[:col]` strings of
/// results, deciding per invariant whether the outcome matches the spec's expectation, and
/// rendering a trace as plain text. Pure functions; nothing here prints or touches files.
enum ReportSupport {
    /// A `file:line[:col]` location split into its parts. Locations come from the checker as
    /// `file:line:col` (a violation's anchor) or `file:line` (a trace step).
    struct Position: Equatable {
        var file: String
        var line: Int?
        var column: Int?
    }

    /// Splits `file:line:col` or `file:line` from the right, so a file name containing a colon
    /// survives; anything else is taken as a bare file name.
    static func position(_ s: String) -> Position {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        func number(_ p: Substring) -> Int? {
            guard !p.isEmpty, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(p), n >= 1 else { return nil }
            return n
        }
        if parts.count >= 3, let l = number(parts[parts.count - 2]), let c = number(parts[parts.count - 1]) {
            return Position(file: parts.dropLast(2).joined(separator: ":"), line: l, column: c)
        }
        if parts.count >= 2, let l = number(parts[parts.count - 1]) {
            return Position(file: parts.dropLast().joined(separator: ":"), line: l, column: nil)
        }
        return Position(file: s, line: nil, column: nil)
    }

    /// Removes `.` segments and `dir/..` pairs without touching the file system, so
    /// `Specs/races/../lib/rfc-v2.hgm` becomes `Specs/lib/rfc-v2.hgm`. Leading `..` segments
    /// of a relative path are kept.
    static func normalizedPath(_ p: String) -> String { TraceExplainer.displayPath(p) }

    /// A URI reference for a spec path: the normalized path percent-encoded (relative paths
    /// stay relative; `:` is encoded so a first segment is never read as a scheme), or a
    /// `file://` URI for an absolute path.
    static func uri(forPath p: String) -> String {
        let n = normalizedPath(p)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/!$&'()*+,;=@".utf8)
        var enc = ""
        for b in n.utf8 {
            if allowed.contains(b) { enc.unicodeScalars.append(Unicode.Scalar(b)) }
            else { enc += String(format: "%%%02X", b) }
        }
        return n.hasPrefix("/") ? "file://" + enc : enc
    }

    /// The invariants a result's `expect violation ...` line names (empty for `expect pass`
    /// or no `expect` line: then every invariant is expected to hold).
    static func expectedViolations(_ r: CheckResult) -> Set<String> {
        if case .violations(let names)? = r.expectation { return Set(names) }
        return []
    }

    /// The outcome of one invariant of one result, judged against the spec's expectation.
    struct InvariantOutcome {
        enum Status: Equatable {
            /// The outcome matches the expectation.
            case passed
            /// The outcome contradicts the expectation: an unexpected violation, or an expected
            /// violation that the (exhaustive) search did not find.
            case failed(type: String, message: String)
            /// The search stopped at a limit before it could decide this invariant.
            case undecided(type: String, message: String)
        }
        var invariant: String
        var expectedViolated: Bool
        var violation: ViolationReport?
        var status: Status
    }

    /// The invariants to report for `r`: those its search checked (`CheckResult.checked`)
    /// plus every violated invariant and every invariant the expectation names, sorted by
    /// name. A result that does not list its checked set (one built by hand) falls back to
    /// the violated and expected invariants, or to every built-in invariant when there are
    /// none of those, which may overstate what a spec with a narrower `check` line proved.
    static func reportedInvariants(_ r: CheckResult) -> [String] {
        var names = Set(r.violations.map(\.invariant)).union(expectedViolations(r))
        if !r.checked.isEmpty { names.formUnion(r.checked) }
        else if names.isEmpty { names.formUnion(Invariant.allCases.map(\.rawValue)) }
        return names.sorted()
    }

    static func outcomes(_ r: CheckResult) -> [InvariantOutcome] {
        guard r.searched else { return [] }
        let expected = expectedViolations(r)
        var byName: [String: ViolationReport] = [:]
        for v in r.violations where byName[v.invariant] == nil { byName[v.invariant] = v }
        let complete = r.limit == nil
        return reportedInvariants(r).map { name in
            let v = byName[name]
            let wantViolated = expected.contains(name)
            let status: InvariantOutcome.Status
            switch (v, wantViolated) {
            case (let v?, false):
                status = .failed(type: "violation", message: "\(name) violated: \(v.message)")
            case (.some, true):
                status = .passed
            case (nil, true):
                status = complete
                    ? .failed(type: "missing-violation",
                              message: "expected a violation of \(name), but it holds in every interleaving of the scenario")
                    : .undecided(type: "incomplete",
                                 message: "\(r.limit ?? "a limit was reached") before a violation of \(name), which the spec expects, was found")
            case (nil, false):
                status = complete ? .passed
                    : .undecided(type: "incomplete",
                                 message: "\(r.limit ?? "a limit was reached"): no verdict on \(name) in the unexplored states")
            }
            return InvariantOutcome(invariant: name, expectedViolated: wantViolated, violation: v, status: status)
        }
    }

    /// An obligation's verdict against what it is meant to give: nil when it gave that;
    /// otherwise whether it is undecided (Z3 said unknown) and a one-line message.
    static func obligationProblem(_ o: ObligationEntry) -> (undecided: Bool, type: String, message: String)? {
        if o.ok { return nil }
        if o.result == "unknown" {
            return (true, "unknown", "\(o.name) (\(o.geometry)): Z3 gave no answer: \(o.reason ?? "unknown")")
        }
        let type = o.result == "counterexample" ? "counterexample" : "unexpected-\(o.result)"
        return (false, type, "\(o.name) (\(o.geometry)): expected \(o.expected), got \(o.result)")
    }

    /// An obligation as plain text: what it states, and the values of a counterexample.
    static func obligationText(_ o: ObligationEntry) -> String {
        var out = "\(o.name) (\(o.geometry), family \(o.family)): \(o.summary)\n"
        out += "result: \(o.result), expected: \(o.expected)\n"
        if let r = o.reason { out += "reason: \(r)\n" }
        for (k, v) in (o.values ?? [:]).sorted(by: { $0.key < $1.key }) { out += "  \(k) = \(v)\n" }
        return out
    }

    /// A violation as plain text: message, trace length, anchor, then the trace as
    /// `TraceText` renders it (every step: each JUnit testcase and SARIF result stands
    /// alone), and the help line.
    static func traceText(_ v: ViolationReport) -> String {
        var out = v.message + "\n"
        out += traceSummary(v) + "\n"
        if let loc = v.location { out += "at: \(loc)\n" }
        for l in TraceText.lines(v, spec: nil) { out += l + "\n" }
        out += "help: \(v.help)\n"
        return out
    }

    /// "shortest trace: N steps, K context switches", or for a livelock's lasso the steps to
    /// the cycle and the cycle's length.
    static func traceSummary(_ v: ViolationReport) -> String {
        func steps(_ n: Int) -> String { "\(n) step\(n == 1 ? "" : "s")" }
        let switches = "\(v.contextSwitches) context switch\(v.contextSwitches == 1 ? "" : "es")"
        guard let c = v.cycleStart else { return "shortest trace: \(steps(v.trace.count)), \(switches)" }
        let n = v.trace.count - c + 1
        return "shortest lasso: \(steps(c - 1)) to a state on the cycle, then \(steps(n)) that repeat\(n == 1 ? "s" : "") forever, \(switches)"
    }

    /// The line set before the first step of a livelock's cycle.
    static func cycleMarker(_ v: ViolationReport) -> String {
        let n = v.trace.count - (v.cycleStart ?? 1) + 1
        return "-- the following \(n == 1 ? "step repeats" : "\(n) steps repeat") forever --"
    }

    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - s.count))
        return right ? fill + s : s + fill
    }

    /// `expect` line text, as the JSON report writes it.
    static func describe(_ e: Expectation) -> String { JSONReporter.describe(e) }

    /// What the search found, in the words of an `expect` line.
    static func found(_ r: CheckResult) -> String {
        let names = r.violations.map(\.invariant)
        var seen = Set<String>()
        let unique = names.filter { seen.insert($0).inserted }
        let base = unique.isEmpty ? "no violation" : "violation " + unique.joined(separator: ", ")
        return r.limit.map { base + " (search incomplete: \($0))" } ?? base
    }

    /// `spec-errors` text from the CLI (`file:line:col: error: message` then the source line
    /// and caret): the position of its first line, when it has one.
    static func errorPosition(_ text: String) -> Position? {
        let first = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
        guard let r = first.range(of: ": error: ") else { return nil }
        let p = position(String(first[..<r.lowerBound]))
        return p.line == nil ? nil : p
    }

    static func firstLine(_ text: String) -> String {
        text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? text
    }

    /// A decimal with three places and a `.` separator, whatever the locale: the form both
    /// `xs:decimal` and dashboards accept (never an exponent).
    static func decimal(_ x: Double) -> String {
        guard x.isFinite, x >= 0 else { return "0.000" }
        return String(format: "%.3f", x)
    }
}
