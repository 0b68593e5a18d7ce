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
        for v in r.violations {
            out += paint("VIOLATION", "31;1") + " \(v.invariant)  (\(r.spec))\(title)\n"
            out += "  \(v.message)\n"
            out += "  shortest trace: \(v.trace.count) step\(v.trace.count == 1 ? "" : "s"), \(v.contextSwitches) context switch\(v.contextSwitches == 1 ? "" : "es")\n"
            let wThread = max(6, v.trace.map(\.thread.count).max() ?? 0)
            let wProc = max(9, v.trace.map(\.procedure.count).max() ?? 0)
            let wLoc = v.trace.map { shortPath($0.location).count }.max() ?? 0
            for s in v.trace {
                let head = "  " + pad(String(s.step), 3, right: true) + "  " + pad(s.thread, wThread) + " " + pad(s.procedure, wProc) + " "
                    + pad(shortPath(s.location), wLoc) + "  " + s.statement
                out += head + "\n"
                for c in s.changes { out += String(repeating: " ", count: 8) + "· " + c + "\n" }
            }
            out += "  help: \(v.help)\n"
        }
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
        out += String(format: "  states: %d distinct, %d transitions, depth %d, %.3f s, %.0f states/s, peak search memory %.1f MiB (%.1f bytes/state visited)\n",
                      st.distinctStates, st.transitions, st.depth, st.seconds, st.statesPerSecond,
                      Double(st.peakMemoryBytes) / 1048576, st.visitedBytesPerState)
        return out
    }

    func shortPath(_ p: String) -> String {
        if let r = p.range(of: "Specs/") { return String(p[r.upperBound...]) }
        return p.split(separator: "/").suffix(2).joined(separator: "/")
    }

    func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        s.count >= n ? s : (right ? String(repeating: " ", count: n - s.count) + s : s + String(repeating: " ", count: n - s.count))
    }
}
