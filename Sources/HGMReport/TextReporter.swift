import HGMCheck
import HGMSpec

/// Renders check results as text for terminals and CI logs (design.md §6).
public struct TextReporter {
    public var color: Bool
    public init(color: Bool) { self.color = color }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    /// Obligations: one summary line, then every result that is not what was meant, and
    /// the counter-width figures.
    public func renderObligations(_ obs: [ObligationEntry], indent: String = "  ") -> String {
        guard !obs.isEmpty else { return "" }
        var out = ""
        let proved = obs.filter { $0.result == "proved" && $0.ok }.count
        let figures = obs.filter { $0.result == "counterexample" && $0.ok }
        let unknown = obs.filter { $0.result == "unknown" }.count
        let failed = obs.filter { !$0.ok && $0.result != "unknown" }
        let total = obs.reduce(0) { $0 + $1.seconds }
        let slow = obs.max { $0.seconds < $1.seconds }!
        let geos = Array(Set(obs.map(\.geometry))).sorted().joined(separator: ", ")
        out += indent + String(format: "obligations (%@): %d proved, %d expected counterexamples, %d failed, %d unknown; %.3f s in all, slowest %.3f s (%@)\n",
                               geos, proved, figures.count, failed.count, unknown, total, slow.seconds, slow.name)
        for o in obs where !o.ok {
            let what = o.result == "unknown" ? paint("UNKNOWN", "33;1") : o.result == "proved" ? paint("PROVED (a counterexample was expected)", "31;1") : paint("COUNTEREXAMPLE", "31;1")
            out += indent + "\(what) \(o.geometry): \(o.name) — \(o.summary)\n"
            if let v = o.values { out += indent + "    " + v.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + "\n" }
            if let r = o.reason { out += indent + "    reason: \(r)\n" }
        }
        for o in figures where o.family == "counter-width" {
            let v = (o.values ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
            out += indent + "figure \(o.geometry): \(o.name): \(v)\n"
        }
        return out
    }

    public func render(_ r: CheckResult) -> String {
        if !r.searched {
            return "\(r.spec): no threads, obligations only\n" + renderObligations(r.obligations)
        }
        var out = ""
        let title = r.scenario.map { " — \($0)" } ?? ""
        switch r.verdict {
        case .holds: out += paint("HOLDS", "32;1") + "  \(r.spec)\(title)\n  every selected invariant holds in every interleaving of the scenario\n"
        case .incomplete: out += paint("INCOMPLETE", "33;1") + "  \(r.spec)\(title)\n  \(r.limit ?? "a limit was reached"): no verdict on the unexplored states\n"
        case .violated: break
        }
        for (i, v) in r.violations.enumerated() {
            out += paint("VIOLATION", "31;1") + " \(v.invariant)  (\(r.spec))\(title)\n"
            out += "  \(v.message)\n"
            if v.traceMissing == nil { out += "  " + ReportSupport.traceSummary(v) + "\n" }
            for l in TraceText.lines(v, spec: r.spec, earlier: Array(r.violations[..<i])) { out += "  " + l + "\n" }
            out += "  help: \(v.help)\n"
        }
        for e in r.internalErrors { out += paint(e, "31;1") + "\n" }
        if let e = r.expectation {
            let want: String
            switch e {
            case .pass: want = "pass"
            case .violations(let n): want = "violation " + n.joined(separator: ", ")
            }
            switch r.expectationMet {
            case true?: out += "  expectation: \(want) — " + paint("met", "32") + "\n"
            case false?: out += "  expectation: \(want) — " + paint("NOT MET", "31;1") + "\n"
            case nil: out += "  expectation: \(want) — undecided (search incomplete)\n"
            }
        }
        out += renderObligations(r.obligations)
        let st = r.stats
        out += String(format: "  states: %d distinct, %d transitions, depth %d, %.3f s, %.0f states/s, peak search memory %.1f MiB (%.1f bytes/state visited), process peak RSS %.1f MiB\n",
                      st.distinctStates, st.transitions, st.depth, st.seconds, st.statesPerSecond,
                      Double(st.peakMemoryBytes) / 1048576, st.visitedBytesPerState, Double(st.processPeakRSSBytes) / 1048576)
        return out
    }

    /// The outcome of `hgm-check replay`: the violation the schedule reproduces with its
    /// trace, or the first step that no longer applies (or what the end shows) with the steps
    /// that did.
    public func renderReplay(_ r: CheckResult, schedule: String, steps: [TraceStep], failure: String?, failedStep: Int?) -> String {
        var out = ""
        if let v = r.violations.first {
            out += paint("REPLAYED", "31;1") + " \(v.invariant)  (\(r.spec)): the schedule reproduces it in \(v.trace.count) step\(v.trace.count == 1 ? "" : "s")\n"
            out += "  \(v.message)\n"
            out += "  " + ReportSupport.traceSummary(v).replacingOccurrences(of: "shortest ", with: "") + "\n"
            for l in TraceText.lines(v, spec: r.spec) { out += "  " + l + "\n" }
            out += "  help: \(v.help)\n"
            return out
        }
        out += paint("DOES NOT REPLAY", "33;1") + "  \(r.spec)\n  \(failure ?? "")\n  schedule: \(schedule)\n"
        if !steps.isEmpty {
            out += "  the \(steps.count) step\(steps.count == 1 ? "" : "s") that \(failedStep == nil ? "ran" : "applied"):\n"
            let partial = ViolationReport(steps: steps)
            for l in TraceText.lines(partial, spec: nil) { out += "  " + l + "\n" }
        }
        return out
    }

    func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        s.count >= n ? s : (right ? String(repeating: " ", count: n - s.count) + s : s + String(repeating: " ", count: n - s.count))
    }

    /// What a result got, in the words of an expectation.
    public static func got(_ r: CheckResult) -> String {
        var parts: [String] = []
        if r.searched {
            switch r.verdict {
            case .holds: parts.append("pass")
            case .incomplete: parts.append("incomplete")
            case .violated: parts.append("violation " + r.violations.map(\.invariant).sorted().joined(separator: ", "))
            }
        }
        let bad = r.obligations.filter { !$0.ok }
        if !r.obligations.isEmpty { parts.append(bad.isEmpty ? "\(r.obligations.count) obligations ok" : "\(bad.count) obligation(s) failed") }
        return parts.joined(separator: "; ")
    }

    /// The gate's summary table, then the full report of every spec that missed.
    public func renderGate(_ results: [CheckResult], skipped: [String]) -> String {
        func expected(_ r: CheckResult) -> String {
            guard let e = r.expectation else { return r.searched ? "-" : "obligations ok" }
            switch e {
            case .pass: return "pass"
            case .violations(let n): return "violation " + n.sorted().joined(separator: ", ")
            }
        }
        let rows = results.map { r -> [String] in
            let ok = (r.searched ? r.expectationMet == true : true) && r.obligations.allSatisfy(\.ok)
            return [r.spec, expected(r), TextReporter.got(r), r.searched ? String(r.stats.distinctStates) : "-",
                    String(format: "%.3f", r.stats.seconds + r.obligations.reduce(0) { $0 + $1.seconds }), ok ? paint("ok", "32") : paint("MISMATCH", "31;1")]
        }
        let header = ["SPEC", "EXPECTED", "GOT", "STATES", "SECONDS", ""]
        var widths = header.map(\.count)
        for row in rows { for (i, c) in row.enumerated() where i < 5 { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i < 5 ? pad(c, widths[i], right: i == 3 || i == 4) : c }.joined(separator: "  ")
        }
        var out = line(header) + "\n"
        for row in rows { out += line(row) + "\n" }
        let missed = results.filter { !((($0.searched ? $0.expectationMet == true : true)) && $0.obligations.allSatisfy(\.ok)) }
        out += "gate: \(results.count) spec\(results.count == 1 ? "" : "s"), \(results.count - missed.count) as expected, \(missed.count) not"
            + (skipped.isEmpty ? "" : "; \(skipped.count) librar\(skipped.count == 1 ? "y" : "ies") skipped") + "\n"
        for r in missed { out += "\n" + render(r) }
        return out
    }

    /// A locking-scheme comparison: per invariant and obligation, then HEAD's
    /// counterexamples for what it newly breaks.
    public func renderDiff(_ d: DiffResult) -> String {
        var out = "diff \(d.base.spec) -> \(d.head.spec)" + (d.base.scenario.map { "  (\($0))" } ?? "") + "\n"
        out += "  state space: base \(d.base.stats.distinctStates) states, head \(d.head.stats.distinctStates) states\n"
        let order: [DiffEntry.Change] = [.newlyViolated, .fixed, .undecided, .unchanged]
        for c in order {
            let es = d.entries.filter { $0.change == c }
            if es.isEmpty { continue }
            if c == .unchanged {
                let inv = es.filter { $0.kind == "invariant" }, obl = es.filter { $0.kind == "obligation" }
                if !inv.isEmpty { out += "  unchanged: " + inv.map { "\($0.name) (\($0.head))" }.joined(separator: ", ") + "\n" }
                if !obl.isEmpty { out += "  unchanged: \(obl.count) obligation(s)\n" }
                continue
            }
            for e in es {
                let label = c == .newlyViolated ? paint("holds -> violated", "31;1") : c == .fixed ? paint("violated -> holds", "32") : "undecided (\(e.base) -> \(e.head))"
                out += "  \(label)  \(e.kind) \(e.name)\n"
                if let v = e.values { out += "      " + v.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + "\n" }
            }
        }
        let regs = d.regressions
        for (side, limit) in d.incompleteSides { out += "  " + paint("INCOMPLETE", "33;1") + " \(side): \(limit); what it did not find is undecided\n" }
        let undecided = d.undecided
        if !undecided.isEmpty {
            let inv = undecided.filter { $0.kind == "invariant" }.map(\.name), obl = undecided.filter { $0.kind == "obligation" }.map(\.name)
            var parts: [String] = []
            if !inv.isEmpty { parts.append("invariant\(inv.count == 1 ? "" : "s") " + inv.joined(separator: ", ")) }
            if !obl.isEmpty { parts.append("obligation\(obl.count == 1 ? "" : "s") " + obl.joined(separator: ", ")) }
            out += "  could not compare: " + parts.joined(separator: "; ") + "\n"
        }
        if !regs.isEmpty { out += "  \(regs.count) regression(s); HEAD's counterexamples follow\n" }
        else if undecided.isEmpty { out += "  no regressions: HEAD breaks nothing BASE satisfied\n" }
        else { out += "  " + paint("INCOMPLETE", "33;1") + ": no regression found, but \(undecided.count) item(s) could not be compared: nothing is known about them\n" }
        for e in regs {
            guard let v = e.counterexample else { continue }
            var one = d.head
            one.violations = [v]
            one.expectation = nil
            one.obligations = []
            out += "\n" + render(one)
        }
        return out
    }
}
