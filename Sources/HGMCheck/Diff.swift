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
    /// What could not be compared: a side stopped by a limit, Z3 said unknown, or only one
    /// side checks it. With none of these and no regression the diff is "no regressions".
    public var undecided: [DiffEntry] { entries.filter { $0.change == .undecided } }
    /// "BASE" / "HEAD" with the limit that stopped that side's search, when one did.
    public var incompleteSides: [(side: String, limit: String)] {
        [("BASE", base.limit), ("HEAD", head.limit)].compactMap { s, l in l.map { (s, $0) } }
    }
}

public enum SchemeDiff {
    /// Why two loaded specs are not the same scenario, one line per difference; empty when
    /// they are: the same threads (names, procedures and argument expressions, in order),
    /// the same geometry, world (every entry with its attributes and initial values) and
    /// lock order. Procedures, `check`, `invariant`, `expect`, `scenario` and `prove` lines
    /// may differ.
    public static func scenarioDifferences(_ a: LoadedSpec, _ b: LoadedSpec) -> [String] {
        var out: [String] = []
        let ta = a.main.threads.map(ScenarioText.thread), tb = b.main.threads.map(ScenarioText.thread)
        for i in 0..<max(ta.count, tb.count) {
            let x = i < ta.count ? ta[i] : nil, y = i < tb.count ? tb[i] : nil
            if x != y { out.append("thread \(i + 1): BASE \(x.map { "`\($0)`" } ?? "has no such thread"), HEAD \(y.map { "`\($0)`" } ?? "has no such thread")") }
        }
        out += environmentDifferences(a, b)
        return out
    }

    /// The differences in geometry, world and lock order (the part of a scenario an override
    /// file must not change either); `only`: compare just what `b` declares.
    public static func environmentDifferences(_ a: LoadedSpec, _ b: LoadedSpec, onlyWhatHeadDeclares: Bool = false) -> [String] {
        var out: [String] = []
        if !onlyWhatHeadDeclares || b.geometry != nil {
            let ga = a.geometry.map(ScenarioText.geometry) ?? "(none)", gb = b.geometry.map(ScenarioText.geometry) ?? "(none)"
            if ga != gb { out.append("geometry: BASE `\(ga)`, HEAD `\(gb)`") }
        }
        if !onlyWhatHeadDeclares || b.world != nil {
            out += ScenarioText.worldDifferences(a.world ?? [], b.world ?? [])
        }
        if !onlyWhatHeadDeclares || b.lockOrder != nil {
            let la = a.lockOrder.map { $0.map(\.name).joined(separator: " -> ") } ?? "(none)"
            let lb = b.lockOrder.map { $0.map(\.name).joined(separator: " -> ") } ?? "(none)"
            if la != lb { out.append("lock_order: BASE `\(la)`, HEAD `\(lb)`") }
        }
        return out
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
            // A search stopped by a limit proved nothing about what it did not find, even
            // when it found other violations first.
            return r.limit != nil || r.verdict == .incomplete ? "incomplete" : "holds"
        }
        for n in names.sorted() {
            let b = state(base, n), h = state(head, n)
            var e = DiffEntry(name: n, kind: "invariant", base: b, head: h, change: .undecided)
            switch (b, h) {
            case ("holds", "violated"):
                e.change = .newlyViolated
                e.counterexample = head.violations.first { $0.invariant == n }
            case ("violated", "holds"): e.change = .fixed
            case ("holds", "holds"), ("violated", "violated"): e.change = .unchanged
            default: e.change = .undecided     // incomplete or not checked on a side
            }
            entries.append(e)
        }
        let bo = Dictionary(base.obligations.map { ("\($0.geometry): \($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
        let ho = Dictionary(head.obligations.map { ("\($0.geometry): \($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
        for k in Set(bo.keys).union(ho.keys).sorted() {
            let b = bo[k], h = ho[k]
            var e = DiffEntry(name: k, kind: "obligation", base: b?.result ?? "absent", head: h?.result ?? "absent", change: .unchanged)
            switch (b?.ok, h?.ok) {
            case _ where b?.result == "unknown" || h?.result == "unknown": e.change = .undecided
            case (true?, false?): e.change = .newlyViolated; e.values = h?.values
            case (false?, true?): e.change = .fixed
            case (let x?, let y?) where x == y: e.change = .unchanged
            default: e.change = .undecided      // on one side only
            }
            entries.append(e)
        }
        return DiffResult(base: base, head: head, entries: entries)
    }
}

/// Canonical text of the parts of a spec that make up its scenario, without source
/// locations, for comparing two specs.
enum ScenarioText {
    /// A size literal as written: `2M`, `4K`, `1G`, else bytes.
    static func size(_ v: Int) -> String {
        for (unit, shift) in [("G", 30), ("M", 20), ("K", 10)] where v != 0 && v % (1 << shift) == 0 { return "\(v >> shift)\(unit)" }
        return "\(v)B"
    }

    static func expr(_ e: Expr) -> String {
        switch e.kind {
        case .int(let v): return "\(v)"
        case .size(let v): return size(v)
        case .name(let n): return n
        case .string(let t): return "\"\(t)\""
        case .unary(let op, let x): return op + expr(x)
        case .binary(let op, let x, let y): return "(\(expr(x)) \(op) \(expr(y)))"
        case .call(let f, let args): return f + "(" + args.map(expr).joined(separator: ", ") + ")"
        case .index(let t, let i): return "\(t)[\(expr(i))]"
        case .field(let x, let f): return "\(expr(x)).\(f)"
        }
    }

    static func thread(_ t: ThreadDecl) -> String { "thread \(t.name) = \(t.proc)(" + t.args.map(expr).joined(separator: ", ") + ")" }

    static func value(_ v: EntryValue) -> String {
        switch v {
        case .int(let x): return "\(x)"
        case .size(let x): return size(x)
        case .ident(let x): return x
        case .list(let xs): return "{" + xs.map(String.init).joined(separator: ", ") + "}"
        }
    }

    /// One entry; attributes sorted (their order means nothing).
    static func entry(_ e: Entry) -> String {
        var parts = [e.kind]
        if let n = e.name { parts.append(n) }
        if let v = e.value { parts.append("= " + value(v)) }
        parts += e.attrs.map { a in a.value.map { "\(a.key) = \(value($0))" } ?? a.key }.sorted()
        return parts.joined(separator: " ")
    }

    /// Levels in their order (largest first), the other entries sorted.
    static func geometry(_ g: GeometryDecl) -> String {
        let levels = g.entries.filter { $0.kind == "level" }.map(entry)
        let rest = g.entries.filter { $0.kind != "level" }.map(entry).sorted()
        return "geometry \(g.name) { " + (levels + rest).joined(separator: "; ") + " }"
    }

    /// World entries compared kind by kind: named entries by name and in order (the order of
    /// VMAs is their layout), unnamed ones as a multiset.
    static func worldDifferences(_ a: [Entry], _ b: [Entry]) -> [String] {
        var out: [String] = []
        var kinds: [String] = []
        for e in a + b where !kinds.contains(e.kind) { kinds.append(e.kind) }
        for k in kinds {
            let xa = a.filter { $0.kind == k }, xb = b.filter { $0.kind == k }
            let named = (xa + xb).contains { $0.name != nil }
            if !named {
                let sa = xa.map(entry).sorted(), sb = xb.map(entry).sorted()
                if sa != sb {
                    out.append("world \(k): BASE " + (sa.isEmpty ? "has none" : sa.map { "`\($0)`" }.joined(separator: ", "))
                               + ", HEAD " + (sb.isEmpty ? "has none" : sb.map { "`\($0)`" }.joined(separator: ", ")))
                }
                continue
            }
            let na = xa.map { $0.name ?? "" }, nb = xb.map { $0.name ?? "" }
            for e in xa where !nb.contains(e.name ?? "") { out.append("world: `\(entry(e))` only in BASE") }
            for e in xb where !na.contains(e.name ?? "") { out.append("world: `\(entry(e))` only in HEAD") }
            for e in xa {
                guard let f = xb.first(where: { $0.name == e.name }) else { continue }
                let x = entry(e), y = entry(f)
                if x != y { out.append("world \(k) \(e.name ?? ""): BASE `\(x)`, HEAD `\(y)`") }
            }
            let common = na.filter(nb.contains)
            if common != nb.filter(na.contains) {
                out.append("world: the \(k) entries are in a different order (BASE \(common.joined(separator: ", ")), HEAD \(nb.filter(na.contains).joined(separator: ", ")))")
            }
        }
        return out
    }
}
