import Dispatch
import Foundation
import HGMModel

/// A violation found by the search: the invariant, the BFS depth, and where to rebuild the
/// trace to: a state (its fingerprint), or a step of `thread` out of a state.
public struct Finding: Sendable {
    public var id: ViolationID
    public var depth: Int
    public var stateFP: UInt64
    /// -1 for a violating state; otherwise the thread whose step (alternative `choice`) violates.
    public var thread: Int
    public var choice: Int
    /// The number of the state the trace goes to (`ParentLog`): the violating state, or the
    /// source of the violating step; or, when `via` is set, the violating state's parent.
    public var state: Int
    /// The step from `state` into the violating state, when the parallel search found it
    /// before numbering it.
    public var via: (thread: Int, choice: Int)? = nil
    /// A livelock's cycle: the fingerprints of its states in order, from the successor of
    /// `stateFP` round to `stateFP` itself. Empty for every other finding.
    public var cycle: [UInt64] = []
}

/// Exhaustive breadth-first search over all interleavings. Visited states are kept as
/// 64-bit fingerprints only; whole states live only in the two frontier queues. A violation
/// is recorded once per invariant, at the smallest depth (so its trace is shortest; among
/// equally shallow ones the least by `FindingTable`'s order), and the
/// search goes on past it, so later consequences (a use-after-free after an unlocked free)
/// are found too; only a model error (a broken spec) or a use-after-free (undefined behaviour) stops a path.
public struct BreadthFirstSearch {
    public let machine: Machine
    public var limits: SearchLimits
    public weak var observer: SearchObserver?

    public init(machine: Machine, limits: SearchLimits, observer: SearchObserver? = nil) {
        self.machine = machine; self.limits = limits; self.observer = observer
    }

    public struct Outcome {
        public var findings: [Finding]
        public var stats: SearchStats
        public var limit: String?
        /// The parent index the findings' traces are read from.
        public var parents: ParentLog
    }

    /// Explores every interleaving. When `livelock` is checked and the model has loops
    /// (a backward jump: `while`, bounded or not, or a `goto` retry), the search also records its transition graph and, if it finished, looks for a
    /// livelock in it; otherwise it is the plain search over fingerprints.
    public func run() -> Outcome {
        let model = machine.model
        guard model.mayCycle && model.enabled.contains(.livelock) else {
            if limits.workers > 1 {
                return ParallelBreadthFirstSearch(model: model, workers: limits.workers, limits: limits, observer: observer).run()
            }
            var visited = FingerprintSet()
            return explore(&visited)
        }
        var graph = TransitionGraph()
        var out = explore(&graph)
        guard out.limit == nil else { return out }     // incomplete: no verdict on livelock
        let start = Date()
        let deadline = limits.timeout.map { SearchLimits.uptimeDeadline(in: $0 - out.stats.seconds) } ?? 0
        let found = graph.findLivelock(deadline: deadline)
        if graph.analysisStopped {      // out of time: no verdict on livelock (never "none found")
            out.limit = "timeout \(limits.timeout ?? 0) s reached (livelock analysis)"
            return out
        }
        if let (x, cycle) = found {
            let fps = graph.fingerprints(of: cycle + [x])
            out.findings.append(Finding(id: ViolationID(.livelock), depth: graph.depth(of: x) + cycle.count, stateFP: fps[x]!,
                                        thread: -1, choice: 0, state: x, cycle: cycle.map { fps[$0]! }))
            out.findings.sort { ($0.depth, $0.id) < ($1.depth, $1.id) }
        }
        let st = out.stats
        out.stats.seconds += Date().timeIntervalSince(start)
        out.stats.statesPerSecond = out.stats.seconds > 0 ? Double(st.distinctStates) / out.stats.seconds : 0
        out.stats.peakMemoryBytes = max(st.peakMemoryBytes, graph.bytes + graph.analysisBytes)
        return out
    }

    /// The sentence of a search stopped by its memory limit while expanding level `depth`:
    /// every state up to `depth` steps deep was reached (the level before was expanded in full).
    func memoryLimit(_ depth: Int) -> String {
        "max-memory \((limits.maxMemoryBytes ?? 0) / (1 << 20)) MiB reached (exhaustive to depth \(depth): every schedule of up to \(depth) steps was explored)"
    }

    /// The breadth-first search proper, generic over its visited set so that the plain
    /// search (FingerprintSet, whose graph hooks are empty) is compiled without them.
    /// States are numbered in the order they are first reached (`ParentLog`); a frontier
    /// entry is the state's words followed by its number (`FrontierEntry`).
    func explore<V: VisitedStates & ~Copyable>(_ visited: inout V) -> Outcome {
        let m = machine
        let words = m.model.words
        let stride = FrontierEntry.stride(words)
        let start = Date()
        var cur = StateQueue(stride: stride)
        var next = StateQueue(stride: stride)
        let scratch = UnsafeMutablePointer<Word>.allocate(capacity: stride)
        defer { scratch.deallocate() }
        let parents = ParentLog()
        var table = FindingTable()
        var transitions = 0
        var depth = 0
        var maxDepth = 0
        var limit: String? = nil
        var peak = 0

        if let to = limits.timeout {     // a step's long local work also stops at the deadline
            m.deadline = SearchLimits.uptimeDeadline(in: to)
        }
        defer { m.deadline = 0 }
        let (s0, v0, _) = m.initialState()
        s0.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            let fp = fingerprint(p, words)
            _ = visited.insert(fp, raised: .empty)
            parents.append(ParentLog.root)
            table.offer(v0, 0, fp, -1, 0, state: 0)
            if v0.stopsPath { return }
            let (bad, stops) = m.stateViolations(UnsafeMutablePointer(mutating: p), skip: .empty)
            table.offer(bad, 0, fp, -1, 0, state: 0)
            if stops { visited.lastInsertedStops(); return }
            scratch.update(from: p, count: words)
            FrontierEntry.setNumber(scratch, words, 0)
            cur.append(scratch)
        }

        var lastReport = start
        var sinceCheck = 0
        if let why = ParentLog.unsupported(m.model) { limit = why; cur.removeAll() }
        search: while cur.count > 0 {
            if let md = limits.maxDepth, depth >= md { limit = "max-depth \(md) reached"; break }
            maxDepth = depth
            visited.beginLevel()
            let settled = table.settled(before: depth + 1)     // nothing at depth + 1 can replace these
            for i in 0..<cur.count {
                let s = cur[i]
                let source = FrontierEntry.number(s, words)
                visited.beginSource(s, stride: words)
                let e = expand(m, s, scratch: scratch, stride: words, depth: depth, source: source, settled: settled,
                               table: &table, transitions: &transitions,
                               successor: { fp, raised, t, c in
                                   guard visited.insert(fp, raised: raised) else { return nil }
                                   let number = parents.count
                                   parents.append(ParentLog.key(parent: source, thread: t, choice: c))
                                   return number
                               },
                               enqueue: { st, number, stops in
                                   if stops { visited.lastInsertedStops(); return }
                                   FrontierEntry.setNumber(st, words, number)
                                   next.append(st)
                               },
                               stopped: { visited.sourceStops() })
                if case .timedOut = e { m.timedOut = false; limit = "timeout \(limits.timeout ?? 0) s reached"; break search }
                if case .stuck = e { visited.sourceStuck(ended: m.ended(s)) }
                if visited.memoryFull { limit = memoryLimit(depth); break search }
                sinceCheck += 1
                if sinceCheck >= 2048 {
                    sinceCheck = 0
                    let mem = visited.bytes + cur.bytes + next.bytes + parents.bytes
                    peak = max(peak, mem)
                    if let ms = limits.maxStates, visited.count >= ms { limit = "max-states \(ms) reached"; break search }
                    if let o = visited.overflow ?? ParentLog.full(parents.count) { limit = o; break search }
                    if let mm = limits.maxMemoryBytes {
                        if mem >= mm { limit = memoryLimit(depth); break search }
                        visited.growthBytes = mm - mem       // the visited set's next growth must fit too
                    }
                    let now = Date()
                    if let to = limits.timeout, now.timeIntervalSince(start) >= to { limit = "timeout \(to) s reached"; break search }
                    if let c = limits.cancellation, c.isCancelled { limit = c.reason; break search }
                    if let o = observer, now.timeIntervalSince(lastReport) >= 1 {
                        lastReport = now
                        o.progress(states: visited.count, depth: depth, statesPerSecond: Double(visited.count) / now.timeIntervalSince(start))
                    }
                }
            }
            if let ms = limits.maxStates, visited.count >= ms, next.count > 0 { limit = "max-states \(ms) reached"; break }
            cur.swapWith(&next)
            next.removeAll()
            depth += 1
        }
        peak = max(peak, visited.bytes + cur.bytes + next.bytes + parents.bytes)
        let secs = Date().timeIntervalSince(start)
        let stats = SearchStats(distinctStates: visited.count, transitions: transitions, depth: maxDepth, seconds: secs,
                                statesPerSecond: secs > 0 ? Double(visited.count) / secs : 0, peakMemoryBytes: peak,
                                visitedBytesPerState: visited.count > 0 ? Double(visited.bytes) / Double(visited.count) : 0,
                                stateBytes: words * 4)
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        var st = stats
        st.processPeakRSSBytes = Int(usage.ru_maxrss) * 1024
        return Outcome(findings: table.findings, stats: st, limit: limit, parents: parents)
    }
}

/// A frontier entry: a state's words, then its number (two words, low half first).
enum FrontierEntry {
    @inline(__always) static func stride(_ words: Int) -> Int { words + 2 }
    @inline(__always) static func number(_ e: UnsafePointer<Word>, _ words: Int) -> Int {
        Int(UInt32(bitPattern: e[words])) | Int(UInt32(bitPattern: e[words + 1])) << 32
    }
    @inline(__always) static func setNumber(_ e: UnsafeMutablePointer<Word>, _ words: Int, _ n: Int) {
        e[words] = Word(bitPattern: UInt32(truncatingIfNeeded: n))
        e[words + 1] = Word(bitPattern: UInt32(truncatingIfNeeded: n >> 32))
    }
}
