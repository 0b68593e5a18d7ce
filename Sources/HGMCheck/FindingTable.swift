import HGMModel

/// The findings of a search, one per violation id: the least by (depth, fingerprint, thread,
/// choice), so which of several equally shallow violations is reported never depends on the
/// order in which states were expanded, or on which worker expanded them. Thread -1 marks a
/// violating state (the fingerprint is the state's), otherwise a violating step (the
/// fingerprint is its source's).
struct FindingTable {
    private var best = [Finding?](repeating: nil, count: 64)
    /// Ids with a finding.
    private(set) var found = ViolationSet()

    @inline(__always) static func less(_ a: Finding, _ b: Finding) -> Bool {
        (a.depth, a.stateFP, a.thread, a.choice) < (b.depth, b.stateFP, b.thread, b.choice)
    }

    /// Offers a finding for `id`; kept when it is the first or less than the one held.
    mutating func offer(_ id: ViolationID, _ depth: Int, _ fp: UInt64, _ t: Int, _ c: Int, state: Int) {
        let f = Finding(id: id, depth: depth, stateFP: fp, thread: t, choice: c, state: state)
        if let b = best[id.index], !FindingTable.less(f, b) { return }
        best[id.index] = f
        found.insert(id)
    }

    /// Offers every id of a set.
    mutating func offer(_ ids: ViolationSet, _ depth: Int, _ fp: UInt64, _ t: Int, _ c: Int, state: Int) {
        for id in ids { offer(id, depth, fp, t, c, state: state) }
    }

    /// Ids whose finding is shallower than `depth`: a violation at `depth` cannot replace them.
    func settled(before depth: Int) -> ViolationSet {
        var m = ViolationSet()
        for case let f? in best where f.depth < depth { m.insert(f.id) }
        return m
    }

    mutating func merge(_ other: FindingTable) {
        for case let f? in other.best { offer(f.id, f.depth, f.stateFP, f.thread, f.choice, state: f.state) }
    }

    /// The findings, shallowest first.
    var findings: [Finding] { best.compactMap { $0 }.sorted { ($0.depth, $0.id) < ($1.depth, $1.id) } }
}
