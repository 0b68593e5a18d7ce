import HGMModel
import HGMSpec

/// One invariant or obligation compared between a base and a head locking scheme.
public struct DiffEntry: Codable, Sendable {
    public enum Change: String, Codable, Sendable {
        case unchanged
        /// BASE satisfied it, HEAD breaks it: a regression.
        case newlyViolated = "holds -> violated"
        /// BASE broke it, HEAD satisfies it.
        case fixed = "violated -> holds"
        /// Checked on one side only, or a search incomplete on either side.
        case undecided
    }
    public var name: String
    /// `invariant` or `obligation`.
    public var kind: String
    public var base: String
    public var head: String
    public var change: Change
    /// HEAD's counterexample for a newly violated invariant.
    public var counterexample: ViolationReport?
    /// HEAD's certified values for a newly failed obligation.
    public var values: [String: String]?
}

public struct DiffResult: Sendable {
    public var base: CheckResult
    public var head: CheckResult
    public var entries: [DiffEntry]
    public var regressions: [DiffEntry] { entries.filter { $0.change == .newlyViolated } }
}

public enum SchemeDiff {
    /// Whether two loaded specs describe the same scenario: the same threads running the
    /// same procedures, over the same geometry and world.
    public static func sameScenario(_ a: LoadedSpec, _ b: LoadedSpec) -> String? {
        let ta = a.main.threads.map { "\($0.name)=\($0.proc)" }, tb = b.main.threads.map { "\($0.name)=\($0.proc)" }
        if ta != tb { return "the threads differ: \(ta.joined(separator: " ")) vs \(tb.joined(separator: " "))" }
        let ga = a.geometry.map { "\($0.name) \($0.entries.count)" }, gb = b.geometry.map { "\($0.name) \($0.entries.count)" }
        if ga != gb { return "the geometries differ" }
        let wa = (a.world ?? []).map { "\($0.kind) \($0.name ?? "")" }, wb = (b.world ?? []).map { "\($0.kind) \($0.name ?? "")" }
        if wa != wb { return "the worlds differ" }
        return nil
    }

    /// HEAD as an override file applied to BASE: BASE's scenario with HEAD's procedures
    /// replacing (or adding to) BASE's.
    public static func applyOverrides(base: LoadedSpec, overrides: LoadedSpec) -> LoadedSpec {
        var merged = base
        for p in overrides.main.procs { merged.procs[p.name] = p }
        merged.main.path = overrides.main.path
        return merged
    }

    public static func compare(base: CheckResult, head: CheckResult) -> DiffResult {
        var entries: [DiffEntry] = []
        let names = Set(base.checked).union(head.checked).union(base.violations.map(\.invariant)).union(head.violations.map(\.invariant))
        func state(_ r: CheckResult, _ n: String) -> String {
            if r.violations.contains(where: { $0.invariant == n }) { return "violated" }
            if !r.checked.contains(n) { return "not checked" }
            return r.verdict == .incomplete ? "incomplete" : "holds"
        }
        for n in names.sorted() {
            let b = state(base, n), h = state(head, n)
            var e = DiffEntry(name: n, kind: "invariant", base: b, head: h, change: .unchanged)
            switch (b, h) {
            case ("holds", "violated"):
                e.change = .newlyViolated
                e.counterexample = head.violations.first { $0.invariant == n }
            case ("violated", "holds"): e.change = .fixed
            case _ where b == h: e.change = .unchanged
            case ("violated", "violated"): e.change = .unchanged
            default: e.change = .undecided
            }
            entries.append(e)
        }
        let bo = Dictionary(base.obligations.map { ("\($0.geometry): \($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
        let ho = Dictionary(head.obligations.map { ("\($0.geometry): \($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
        for k in Set(bo.keys).union(ho.keys).sorted() {
            let b = bo[k], h = ho[k]
            var e = DiffEntry(name: k, kind: "obligation", base: b?.result ?? "absent", head: h?.result ?? "absent", change: .unchanged)
            switch (b?.ok, h?.ok) {
            case (true?, false?): e.change = h?.result == "unknown" ? .undecided : .newlyViolated; e.values = h?.values
            case (false?, true?): e.change = .fixed
            case (let x, let y) where x == y: e.change = .unchanged
            default: e.change = .undecided
            }
            entries.append(e)
        }
        return DiffResult(base: base, head: head, entries: entries)
    }
}
