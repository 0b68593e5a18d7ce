import HGMSpec

/// One page-table level: its name and the log2 of the size one entry maps.
public struct Level: Sendable, Equatable {
    public var name: String
    public var shift: Int
}

/// The architecture's levels and the hstate, plus the *model fan-out* the explicit search
/// uses instead of the real table size (e.g. 2 entries per table instead of 512). Real
/// shifts are kept for display, for the PTL choice and for the Z3 obligations.
public struct Geometry: Sendable {
    public var name: String
    /// All levels, largest first (e.g. PUD 30, PMD 21, PTE 12).
    public var levels: [Level]
    /// Levels from the hstate level down to PAGE, largest first: the levels of one hugepage's tree.
    public var treeLevels: [Level]
    public var hstateShift: Int
    public var fanout: Int
    /// Contiguous-entry sizes (arm64 contiguous PTE/PMD), for the Z3 obligations.
    public var contiguous: [Level] = []
    /// Every hstate of the architecture (for_each_hgm_shift), for the Z3 obligations.
    public var hstateShifts: [Int] = []
    /// Index bits of the top level's table (the real fan-out above the first listed level).
    public var topIndexBits = 9
    /// False when the hstate is a contiguous size, not a level: such a geometry serves the
    /// Z3 obligations only, not the explicit search.
    public var searchable = true
    public var pageShift: Int { levels.last!.shift }

    /// Model size (in model pages) of an entry at tree depth `k` (0 = hstate level).
    public func modelSize(depth k: Int) -> Int { pow(fanout, treeLevels.count - 1 - k) }
    /// Model pages per hugepage.
    public var hugepagePages: Int { modelSize(depth: 0) }
    /// First position of tree depth k (positions are breadth-first: 0; 1..F; 1+F..).
    public func base(depth k: Int) -> Int { (0..<k).reduce(0) { $0 + pow(fanout, $1) } }
    /// Number of entry positions in one hugepage's tree.
    public var positions: Int { base(depth: treeLevels.count) }
    /// Number of table slots (one per entry position that can hold a table: all but the last depth).
    public var tableSlots: Int { base(depth: treeLevels.count - 1) }

    public func depth(ofPos pos: Int) -> Int {
        var k = 0
        while k + 1 < treeLevels.count && pos >= base(depth: k + 1) { k += 1 }
        return k
    }
    /// The position of the entry at depth `k` covering page offset `off` within the hugepage.
    public func pos(depth k: Int, offset off: Int) -> Int { base(depth: k) + off / modelSize(depth: k) }
    /// Parent position of a position at depth ≥ 1.
    public func parent(ofPos pos: Int) -> Int {
        let k = depth(ofPos: pos)
        return base(depth: k - 1) + (pos - base(depth: k)) / fanout
    }
    /// The page offset within the hugepage where the entry at `pos` starts.
    public func offset(ofPos pos: Int) -> Int {
        let k = depth(ofPos: pos)
        return (pos - base(depth: k)) * modelSize(depth: k)
    }
    /// Converts a byte size (e.g. 2M) to model pages: n × 2^s becomes n × modelSize(level s).
    public func modelPages(bytes: Int) -> Int? {
        for (k, l) in treeLevels.enumerated() where bytes % (1 << l.shift) == 0 {
            return (bytes >> l.shift) * modelSize(depth: k)
        }
        // Sizes above the hstate: multiples of hugepages.
        if bytes % (1 << hstateShift) == 0 { return (bytes >> hstateShift) * hugepagePages }
        return nil
    }

    static func pow(_ b: Int, _ e: Int) -> Int { e <= 0 ? 1 : (1...e).reduce(1) { a, _ in a * b } }
    func pow(_ b: Int, _ e: Int) -> Int { Geometry.pow(b, e) }

    /// Built-in architectures whose levels need not be spelled out.
    public static let builtinLevels: [String: [Level]] = [
        "x86_64": [Level(name: "PUD", shift: 30), Level(name: "PMD", shift: 21), Level(name: "PTE", shift: 12)],
        "arm64_4k": [Level(name: "PUD", shift: 30), Level(name: "PMD", shift: 21), Level(name: "PTE", shift: 12)],
    ]

    /// Builds the geometry from its block; every mistake is a diagnostic.
    public static func from(_ decl: GeometryDecl?, fallback: SourceLocation) throws(DiagnosticError) -> Geometry {
        guard let decl else {
            throw DiagnosticError([Diagnostic(fallback, "the scenario has no geometry block",
                hint: "add e.g. geometry x86_64 { hstate = 1G; fanout = 2 } here or in an imported library")])
        }
        var levels: [Level] = []
        var hstate: (Int, SourceLocation)? = nil
        var fanout = 2
        var contiguous: [Level] = []
        var hstates: [Int] = []
        var topBits = 9
        for e in decl.entries {
            switch e.kind {
            case "level":
                guard let name = e.name else { throw DiagnosticError([Diagnostic(e.location, "a level needs a name, e.g. level PMD shift = 21")]) }
                guard let a = e.attrs.first(where: { $0.key == "shift" }), case .int(let s)? = a.value else {
                    throw DiagnosticError([Diagnostic(e.location, "level \(name) needs 'shift = N'")])
                }
                guard s >= 10 && s <= 48 else { throw DiagnosticError([Diagnostic(a.location, "shift \(s) is outside 10...48")]) }
                if levels.count >= 8 { throw DiagnosticError([Diagnostic(e.location, "at most 8 levels are supported")]) }
                if let last = levels.last, s >= last.shift {
                    throw DiagnosticError([Diagnostic(a.location, "levels must be listed largest first: shift \(s) follows \(last.shift)")])
                }
                levels.append(Level(name: name, shift: s))
            case "hstate":
                guard case .size(let b)? = e.value, b > 0, b & (b - 1) == 0 else {
                    throw DiagnosticError([Diagnostic(e.location, "hstate must be a power-of-two size such as 2M or 1G")])
                }
                hstate = (b.trailingZeroBitCount, e.location)
            case "contiguous":
                guard let name = e.name, let a = e.attrs.first(where: { $0.key == "shift" }), case .int(let sh)? = a.value, (10...48).contains(sh) else {
                    throw DiagnosticError([Diagnostic(e.location, "write contiguous NAME shift = N (10...48)")])
                }
                contiguous.append(Level(name: name, shift: sh))
            case "hstates":
                guard case .list(let sizes)? = e.value, !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 && $0 & ($0 - 1) == 0 }) else {
                    throw DiagnosticError([Diagnostic(e.location, "hstates must be a list of power-of-two sizes, e.g. hstates = {2M, 1G}")])
                }
                hstates = sizes.map(\.trailingZeroBitCount)
            case "top_index_bits":
                guard case .int(let b)? = e.value, (1...16).contains(b) else {
                    throw DiagnosticError([Diagnostic(e.location, "top_index_bits must be a number in 1...16")])
                }
                topBits = b
            case "fanout":
                guard case .int(let f)? = e.value else { throw DiagnosticError([Diagnostic(e.location, "fanout must be a number (entries per table in the model)")]) }
                guard f >= 1 && f <= 16 else {
                    throw DiagnosticError([Diagnostic(e.location, "fanout \(f) is out of range 1...16",
                        hint: "the explicit search uses a small fan-out; real table sizes are for the Z3 obligations")])
                }
                fanout = f
            default:
                throw DiagnosticError([Diagnostic(e.location, "unknown geometry entry '\(e.kind)'",
                    hint: didYouMean(e.kind, ["level", "hstate", "fanout", "contiguous", "hstates", "top_index_bits"]) ?? "a geometry holds level, hstate, fanout, contiguous, hstates and top_index_bits entries")])
            }
        }
        if levels.isEmpty {
            guard let b = builtinLevels[decl.name] else {
                throw DiagnosticError([Diagnostic(decl.location, "unknown architecture '\(decl.name)' and no levels given",
                    hint: (didYouMean(decl.name, builtinLevels.keys).map { $0 + " Or " } ?? "") + "list the levels: level PUD shift = 30 ...")])
            }
            levels = b
        }
        guard let (hs, hloc) = hstate else {
            throw DiagnosticError([Diagnostic(decl.location, "the geometry needs an hstate (e.g. hstate = 1G)")])
        }
        var g: Geometry
        if let idx = levels.firstIndex(where: { $0.shift == hs }) {
            g = Geometry(name: decl.name, levels: levels, treeLevels: Array(levels[idx...]), hstateShift: hs, fanout: fanout)
        } else if contiguous.contains(where: { $0.shift == hs }), let idx = levels.lastIndex(where: { $0.shift > hs }) {
            // A contiguous hstate (e.g. arm64 16K granule, 1G = contiguous PMDs): obligations only.
            g = Geometry(name: decl.name, levels: levels, treeLevels: Array(levels[(idx + 1)...]), hstateShift: hs, fanout: fanout)
            g.searchable = false
        } else {
            throw DiagnosticError([Diagnostic(hloc, "hstate 2^\(hs) is not the size of any level",
                hint: "levels: " + levels.map { "\($0.name) 2^\($0.shift)" }.joined(separator: ", "))])
        }
        if g.treeLevels.count > 6 {
            throw DiagnosticError([Diagnostic(decl.location, "the hugepage's tree has \(g.treeLevels.count) levels; at most 6 are supported")])
        }
        g.contiguous = contiguous
        g.hstateShifts = hstates.isEmpty ? [hs] : Array(Set(hstates + [hs])).sorted(by: >)
        g.topIndexBits = topBits
        if g.positions > 255 || g.tableSlots > 31 || g.hugepagePages > 4096 {
            throw DiagnosticError([Diagnostic(decl.location, "the model tree is too large (\(g.positions) entries per hugepage)",
                hint: "use a smaller fanout")])
        }
        return g
    }
}
