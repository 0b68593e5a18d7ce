import Dispatch
import HGMModel

/// What the breadth-first search needs of its visited set. `FingerprintSet` (fingerprints
/// only) implements the graph hooks as no-ops, so the search specialised for it is the plain
/// search; `TransitionGraph` also records the transition graph, for livelock detection.
///
/// The search expands states in the order they were first inserted, skipping those that
/// stop their path (`lastInsertedStops`); `beginSource` is called before each expansion.
protocol VisitedStates: ~Copyable {
    var count: Int { get }
    var bytes: Int { get }
    /// Inserts a state reached by a step of the state being expanded (or the initial state);
    /// true when it is new. `raised` is the step's violation mask.
    mutating func insert(_ fp: UInt64, raised: ViolationSet) -> Bool
    /// The search starts a new breadth-first level.
    mutating func beginLevel()
    /// The search starts expanding the next state of its frontier, `s`.
    mutating func beginSource(_ s: UnsafePointer<Word>, stride: Int)
    /// A step of the state being expanded stops its path (use-after-free, model error).
    mutating func sourceStops()
    /// The state being expanded has no step; `ended` when every thread has returned or sleeps
    /// on a userfault (Machine.ended).
    mutating func sourceStuck(ended: @autoclosure () -> Bool)
    /// The state inserted last stops its path (a state invariant gave a model error): it is not expanded.
    mutating func lastInsertedStops()
    /// Why recording must stop, when it must.
    var overflow: String? { get }
    /// The most the set's next growth may allocate (bytes), set by the search from its
    /// memory budget; a growth that would take more is not made and `memoryFull` is set.
    var growthBytes: Int { get set }
    /// A growth was refused for lack of memory: the search stops (incomplete).
    var memoryFull: Bool { get }
}

extension FingerprintSet: VisitedStates {
    @inline(__always) mutating func insert(_ fp: UInt64, raised: ViolationSet) -> Bool { insert(fp) }
    @inline(__always) mutating func beginLevel() {}
    @inline(__always) mutating func beginSource(_ s: UnsafePointer<Word>, stride: Int) {}
    @inline(__always) mutating func sourceStops() {}
    @inline(__always) mutating func sourceStuck(ended: @autoclosure () -> Bool) {}
    @inline(__always) mutating func lastInsertedStops() {}
    @inline(__always) var overflow: String? { nil }
}

/// A growable array of `UInt32` on raw memory (no copy-on-write, no bounds checks).
struct UInt32Buffer: ~Copyable {
    var buf: UnsafeMutablePointer<UInt32>
    var cap: Int
    var count = 0
    init(capacity: Int = 1024) {
        cap = max(16, capacity)
        buf = .allocate(capacity: cap)
    }
    /// `count` elements, all `value`.
    init(repeating value: UInt32, count n: Int) {
        cap = max(16, n)
        buf = .allocate(capacity: cap)
        buf.initialize(repeating: value, count: cap)
        count = n
    }
    deinit { buf.deallocate() }
    var bytes: Int { cap * 4 }
    @inline(__always) subscript(i: Int) -> UInt32 {
        get { buf[i] }
        nonmutating set { buf[i] = newValue }
    }
    @inline(__always) mutating func append(_ x: UInt32) {
        if count == cap {
            let n = cap * 2
            let nb = UnsafeMutablePointer<UInt32>.allocate(capacity: n)
            nb.update(from: buf, count: count)
            buf.deallocate()
            buf = nb; cap = n
        }
        buf[count] = x
        count += 1
    }
    mutating func removeLast() -> UInt32 { count -= 1; return buf[count] }
}

/// A bit per state.
struct BitSet: ~Copyable {
    var words: UnsafeMutablePointer<UInt64>
    var nWords: Int
    init(count: Int) {
        nWords = max(1, (count + 63) / 64)
        words = .allocate(capacity: nWords)
        words.initialize(repeating: 0, count: nWords)
    }
    deinit { words.deallocate() }
    var bytes: Int { nWords * 8 }
    @inline(__always) func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    @inline(__always) func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    @inline(__always) func remove(_ i: Int) { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
    /// Grows to hold at least `count` bits (new bits clear).
    mutating func reserve(_ count: Int) {
        let need = (count + 63) / 64
        if need <= nWords { return }
        let n = max(need, nWords * 2)
        let nw = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        nw.update(from: words, count: nWords)
        (nw + nWords).initialize(repeating: 0, count: n - nWords)
        words.deallocate()
        words = nw; nWords = n
    }
}

/// The visited set of a search that also records its transition graph, for livelock
/// detection in models with unbounded loops (whose state graphs can have cycles).
///
/// States are numbered in the order they are first reached (so by breadth-first depth).
/// Beside each fingerprint the table keeps its number (12 bytes a slot instead of 8); the
/// edges are kept as compressed rows: the successors of state i are `succ[row[i] ..< row[i+1]]`,
/// filled as the search expands states in number order; a step that stops its path, or
/// runs a bounded loop past its bound (reported as `loop-bound`), is not an edge: it marks its
/// source as able to end (`ends`). Whole states are never kept.
struct TransitionGraph: ~Copyable, VisitedStates {
    var keys: UnsafeMutablePointer<UInt64>
    var vals: UnsafeMutablePointer<UInt32>
    private(set) var capacity: Int
    private(set) var count = 0
    var row = UInt32Buffer()
    var succ = UInt32Buffer(capacity: 4096)
    /// States that end in at most one step: every thread returned (or asleep on a userfault),
    /// a stopping step, or a stopped path.
    var ends = BitSet(count: 1024)
    /// States the search does not expand (their paths stop).
    var stopped = BitSet(count: 1024)
    /// `levelEnd[d]`: number of states of depth at most d.
    var levelEnd: [Int] = []
    /// The state being expanded (-1 before the first).
    var source = -1
    var lastInserted = 0
    let cutMask: ViolationSet
    var overflow: String? = nil
    var growthBytes = Int.max
    private(set) var memoryFull = false
    /// The livelock analysis passed its deadline: no verdict on livelock.
    var analysisStopped = false
    /// What `findLivelock` allocates at most (reversed edges, then the component search), for the peak figure.
    private(set) var analysisBytes = 0

    init(capacity: Int = 1 << 12) {
        self.capacity = max(16, capacity)
        keys = .allocate(capacity: self.capacity)
        keys.initialize(repeating: 0, count: self.capacity)
        vals = .allocate(capacity: self.capacity)
        cutMask = ViolationSet.stopping.union(ViolationSet([ViolationID(.loopBound)]))
    }
    deinit { keys.deallocate(); vals.deallocate() }

    var bytes: Int { capacity * 12 + row.bytes + succ.bytes + ends.bytes + stopped.bytes }

    @inline(__always) func home(_ fp: UInt64) -> Int { Int(fp.multipliedFullWidth(by: UInt64(capacity)).high) }

    /// The number of a state, or -1.
    func index(of fp: UInt64) -> Int {
        var i = home(fp)
        while true {
            let x = keys[i]
            if x == 0 { return -1 }
            if x == fp { return Int(vals[i]) }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    mutating func insert(_ fp: UInt64, raised: ViolationSet) -> Bool {
        if (count + 1) * 4 > capacity * 3 && !memoryFull { grow() }
        if count * 20 >= capacity * 19 { memoryFull = true }      // 95 %: the search stops after this state
        var i = home(fp)
        var new = false
        var idx: UInt32
        while true {
            let x = keys[i]
            if x == 0 {
                keys[i] = fp; idx = UInt32(truncatingIfNeeded: count); vals[i] = idx
                count += 1; new = true
                ends.reserve(count); stopped.reserve(count)
                if count == Int(UInt32.max) { overflow = "livelock graph: \(UInt32.max) states reached" }
                break
            }
            if x == fp { idx = vals[i]; break }
            i += 1
            if i == capacity { i = 0 }
        }
        lastInserted = Int(idx)
        if source >= 0 {
            if raised.intersects(cutMask) { ends.insert(source) }
            else {
                succ.append(idx)
                if succ.count == Int(UInt32.max) { overflow = "livelock graph: \(UInt32.max) transitions reached" }
            }
        }
        return new
    }

    mutating func grow() {
        let oldK = keys, oldV = vals, oldCap = capacity
        guard (oldCap + oldCap / 2) * 12 <= growthBytes else { memoryFull = true; return }
        capacity = oldCap + oldCap / 2
        keys = .allocate(capacity: capacity)
        keys.initialize(repeating: 0, count: capacity)
        vals = .allocate(capacity: capacity)
        for j in 0..<oldCap where oldK[j] != 0 {
            var i = home(oldK[j])
            while keys[i] != 0 { i += 1; if i == capacity { i = 0 } }
            keys[i] = oldK[j]; vals[i] = oldV[j]
        }
        oldK.deallocate(); oldV.deallocate()
    }

    mutating func beginLevel() { levelEnd.append(count) }

    mutating func beginSource(_ state: UnsafePointer<Word>, stride: Int) {
        // Expansion follows numbering, skipping the stopped states.
        var s = source + 1
        while s < count && stopped.contains(s) { s += 1 }
        assert(index(of: fingerprint(state, stride)) == s, "the search expands states out of their order")
        source = s
        closeRows(through: s)
    }

    /// Row starts for every state up to `s` (those not expanded get empty rows).
    mutating func closeRows(through s: Int) {
        while row.count <= s { row.append(UInt32(truncatingIfNeeded: succ.count)) }
    }

    mutating func sourceStops() { ends.insert(source) }

    mutating func sourceStuck(ended: @autoclosure () -> Bool) { if ended() { ends.insert(source) } }

    mutating func lastInsertedStops() { ends.insert(lastInserted); stopped.insert(lastInserted) }

    /// The breadth-first depth of state i.
    func depth(of i: Int) -> Int { levelEnd.firstIndex { i < $0 } ?? levelEnd.count }

    /// A livelock, when there is one: the shallowest state lying on a cycle of states from
    /// which no state that ends is reachable, and the shortest cycle through it within those
    /// states (state numbers, starting after the state and ending with it). Call after an
    /// exhaustive search.
    ///
    /// `deadline` (uptime ns, 0: none) bounds the analysis: past it, `analysisStopped` is set
    /// and nil returned, which the search reports as a limit, never as "no livelock".
    mutating func findLivelock(deadline: UInt64 = 0) -> (state: Int, cycle: [Int])? {
        let n = count
        var ticks = 0
        func late() -> Bool {
            ticks &+= 1
            if deadline == 0 || ticks & 0xFFFF != 0 || DispatchTime.now().uptimeNanoseconds < deadline { return false }
            analysisStopped = true
            return true
        }
        if n == 0 { return nil }
        closeRows(through: n)       // row[n] closes the last state's successors
        analysisBytes = (n + 63) / 8 * 2 + 4 * max(3 * n + 1 + succ.count, 6 * n)
        // 1. Co-reachability of the states that end, over reversed edges.
        let canEnd = BitSet(count: n)
        do {
            let rstart = UInt32Buffer(repeating: 0, count: n + 1)
            for e in 0..<succ.count { rstart[Int(succ[e]) + 1] += 1 }
            for i in 0..<n { rstart[i + 1] += rstart[i] }
            let fill = UInt32Buffer(repeating: 0, count: n)
            for i in 0..<n { fill[i] = rstart[i] }
            let pred = UInt32Buffer(repeating: 0, count: succ.count)
            for v in 0..<n {
                for e in Int(row[v])..<Int(row[v + 1]) {
                    let w = Int(succ[e])
                    pred[Int(fill[w])] = UInt32(v)
                    fill[w] += 1
                }
            }
            var queue = UInt32Buffer(capacity: 1024)
            for i in 0..<n where ends.contains(i) { canEnd.insert(i); queue.append(UInt32(i)) }
            var head = 0
            while head < queue.count {
                if late() { return nil }
                let w = Int(queue[head]); head += 1
                for e in Int(rstart[w])..<Int(rstart[w + 1]) {
                    let v = Int(pred[e])
                    if !canEnd.contains(v) { canEnd.insert(v); queue.append(UInt32(v)) }
                }
            }
        }
        // 2. Strongly connected components of the rest (Tarjan, iterative); a component with
        //    two states or a self-loop holds cycles.
        let none = UInt32.max
        let order = UInt32Buffer(repeating: none, count: n)
        let low = UInt32Buffer(repeating: 0, count: n)
        let comp = UInt32Buffer(repeating: none, count: n)
        let onStack = BitSet(count: n)
        var stack = UInt32Buffer()
        var calls = UInt32Buffer()      // pairs: state, next edge
        var counter: UInt32 = 0
        var components: UInt32 = 0
        var best = -1, bestComp: UInt32 = none
        for root in 0..<n where !canEnd.contains(root) && order[root] == none {
            order[root] = counter; low[root] = counter; counter += 1
            stack.append(UInt32(root)); onStack.insert(root)
            calls.append(UInt32(root)); calls.append(row[root])
            while calls.count > 0 {
                if late() { return nil }
                let v = Int(calls[calls.count - 2])
                let e = Int(calls[calls.count - 1])
                if e < Int(row[v + 1]) {
                    calls[calls.count - 1] = UInt32(e + 1)
                    let w = Int(succ[e])
                    if canEnd.contains(w) { continue }
                    if order[w] == none {
                        order[w] = counter; low[w] = counter; counter += 1
                        stack.append(UInt32(w)); onStack.insert(w)
                        calls.append(UInt32(w)); calls.append(row[w])
                    } else if onStack.contains(w) {
                        low[v] = min(low[v], order[w])
                    }
                    continue
                }
                _ = calls.removeLast(); _ = calls.removeLast()
                if calls.count > 0 {
                    let p = Int(calls[calls.count - 2])
                    low[p] = min(low[p], low[v])
                }
                if low[v] == order[v] {
                    var members = 0, smallest = Int.max
                    while true {
                        let w = Int(stack.removeLast())
                        onStack.remove(w)
                        comp[w] = components
                        members += 1
                        smallest = min(smallest, w)
                        if w == v { break }
                    }
                    var cyclic = members > 1
                    if !cyclic { for e in Int(row[v])..<Int(row[v + 1]) where Int(succ[e]) == v { cyclic = true; break } }
                    if cyclic && (best < 0 || smallest < best) { best = smallest; bestComp = components }
                    components += 1
                }
            }
        }
        guard best >= 0 else { return nil }
        // 3. The shortest cycle through `best` inside its component (breadth-first).
        var parent: [Int: Int] = [:]
        var frontier = [best]
        var closing = -1
        search: while !frontier.isEmpty {
            var next: [Int] = []
            for v in frontier {
                for e in Int(row[v])..<Int(row[v + 1]) {
                    let w = Int(succ[e])
                    if comp[w] != bestComp { continue }
                    if w == best { closing = v; break search }
                    if parent[w] == nil { parent[w] = v; next.append(w) }
                }
            }
            frontier = next
        }
        var cycle = [best]
        var x = closing
        while x != best { cycle.append(x); x = parent[x]! }
        cycle.reverse()             // best's successor, ..., closing, best (a self-loop: best)
        return (best, cycle)
    }

    /// The fingerprints of the given states (one pass over the table).
    func fingerprints(of states: [Int]) -> [Int: UInt64] {
        let want = Set(states)
        var out: [Int: UInt64] = [:]
        for i in 0..<capacity where keys[i] != 0 && want.contains(Int(vals[i])) { out[Int(vals[i])] = keys[i] }
        return out
    }
}
