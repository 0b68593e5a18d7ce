import Dispatch
import Foundation
import HGMModel
#if canImport(Glibc)
import Glibc
#endif

/// Level-synchronous parallel breadth-first search (`--workers N`, N ≥ 2).
///
/// Each level's frontier is cut into chunks that the workers take in turn; a worker expands
/// a chunk with its own `Machine` and scratch into its own next-level queue, inserting
/// fingerprints into a visited set shared by all (`ShardedFingerprintSet`). The levels are
/// the same sets of states as in the sequential search, so the state and transition counts
/// and the depth are the same for every worker count, and findings are chosen by the total
/// order of `FindingTable`, never by which worker came first: the report is the sequential
/// search's, apart from timing and memory figures.
///
/// Limits: livelock analysis (which records the transition graph) runs sequentially; a
/// search stopped by a limit stops at a chunk boundary, so its partial figures depend on
/// the schedule (its verdict, incomplete, does not).
struct ParallelBreadthFirstSearch {
    let model: Model
    let workers: Int
    let limits: SearchLimits
    weak var observer: SearchObserver?

    static let chunk = 512

    /// One worker's own state: its machine, scratch, next-level queue and findings.
    final class Worker: @unchecked Sendable {
        let m: Machine
        let scratch: UnsafeMutablePointer<Word>
        var next: StateQueue
        var table = FindingTable()
        var transitions = 0
        var timedOut = false
        init(model: Model) {
            m = Machine(model: model)
            scratch = .allocate(capacity: max(1, model.words))
            next = StateQueue(stride: model.words)
        }
        deinit { scratch.deallocate() }
    }

    /// A frontier: the next-level queues of the previous level's workers, taken as one list.
    final class Frontier: @unchecked Sendable {
        var queues: [UnsafeMutablePointer<Word>] = []
        var counts: [Int] = []
        var chunks: [(queue: Int, start: Int, end: Int)] = []
        var total: Int { counts.reduce(0, +) }
    }

    func run() -> BreadthFirstSearch.Outcome {
        let stride = model.words
        let start = Date()
        let visited = ShardedFingerprintSet()
        let ws = (0..<workers).map { _ in Worker(model: model) }
        if let to = limits.timeout {
            let d = SearchLimits.uptimeDeadline(in: to)
            for w in ws { w.m.deadline = d }
        }
        var table = FindingTable()
        var limit: String? = nil
        var depth = 0, maxDepth = 0, transitions = 0, peak = 0

        // The initial state, as the sequential search does it.
        let m0 = ws[0].m
        var (s0, v0, _) = m0.initialState()
        let first = QueueBox(stride: stride)
        s0.withUnsafeMutableBufferPointer { b in
            let p = b.baseAddress!
            let fp = fingerprint(p, stride)
            _ = visited.insert(fp)
            table.offer(v0, 0, fp, -1, 0)
            if v0.stopsPath { return }
            let (bad, stops) = m0.stateViolations(p, skip: .empty)
            table.offer(bad, 0, fp, -1, 0)
            if !stops { first.q.append(p) }
        }
        // The frontier's queues are owned by `current` (a level's worker queues are swapped out into it).
        var current: [QueueBox] = [first]
        let frontier = Frontier()
        func rebuild(_ qs: [QueueBox]) {
            frontier.queues = []; frontier.counts = []; frontier.chunks = []
            for (qi, b) in qs.enumerated() {
                frontier.queues.append(b.q[0])
                frontier.counts.append(b.q.count)
                var i = 0
                while i < b.q.count {
                    frontier.chunks.append((qi, i, min(b.q.count, i + ParallelBreadthFirstSearch.chunk)))
                    i += ParallelBreadthFirstSearch.chunk
                }
            }
        }
        rebuild(current)

        let control = SearchControl()
        if let to = limits.timeout { control.deadline = SearchLimits.uptimeDeadline(in: to) }
        var lastReport = start
        while frontier.total > 0 {
            if let md = limits.maxDepth, depth >= md { limit = "max-depth \(md) reached"; break }
            maxDepth = depth
            let settled = table.settled(before: depth + 1)
            control.reset(chunks: frontier.chunks.count, statesLeft: limits.maxStates.map { $0 - visited.count })
            let d = depth
            DispatchQueue.concurrentPerform(iterations: workers) { wi in
                let w = ws[wi]
                let m = w.m
                // Counters and findings stay in locals while a chunk runs: the workers' objects
                // may share cache lines, and a write per step would bounce them between cores.
                var table = w.table, transitions = 0
                defer { w.table = table; w.transitions += transitions }
                var next = StateQueue(stride: stride)
                next.swapWith(&w.next)
                defer { w.next.swapWith(&next) }
                while let ci = control.take() {
                    let (qi, lo, hi) = frontier.chunks[ci]
                    let base = frontier.queues[qi]
                    var added = 0
                    for i in lo..<hi {
                        let e = expand(m, base + i * stride, scratch: w.scratch, stride: stride, depth: d, settled: settled,
                                       table: &table, transitions: &transitions,
                                       successor: { fp, _, _, _ in visited.insert(fp) },
                                       enqueue: { st, stops in added += 1; if !stops { next.append(st) } },
                                       stopped: {})
                        if case .timedOut = e { w.timedOut = true; control.stop(); return }
                    }
                    control.finished(added: added)
                    if control.stopped { return }
                }
            }
            // Level end: gather findings, check limits, and make the workers' queues the frontier.
            for w in ws { table.merge(w.table); w.table = FindingTable() }
            let mem = visited.bytes + current.reduce(0) { $0 + $1.q.bytes } + ws.reduce(0) { $0 + $1.next.bytes }
            peak = max(peak, mem)
            if ws.contains(where: \.timedOut) || control.timedOut { limit = "timeout \(limits.timeout ?? 0) s reached"; break }
            if control.stopped { limit = "max-states \(limits.maxStates ?? 0) reached"; break }
            let count = visited.count
            if let ms = limits.maxStates, count >= ms, ws.contains(where: { $0.next.count > 0 }) { limit = "max-states \(ms) reached"; break }
            if let mm = limits.maxMemoryBytes, mem >= mm { limit = "max-memory \(mm / (1 << 20)) MiB reached"; break }
            let now = Date()
            if let to = limits.timeout, now.timeIntervalSince(start) >= to { limit = "timeout \(to) s reached"; break }
            if let c = limits.cancellation, c.isCancelled { limit = c.reason; break }
            if let o = observer, now.timeIntervalSince(lastReport) >= 1 {
                lastReport = now
                o.progress(states: count, depth: depth, statesPerSecond: Double(count) / now.timeIntervalSince(start))
            }
            current = ws.map { w in
                let b = QueueBox(stride: stride)
                b.q.swapWith(&w.next)
                return b
            }
            rebuild(current)
            depth += 1
        }
        transitions = ws.reduce(0) { $0 + $1.transitions }
        let secs = Date().timeIntervalSince(start)
        let n = visited.count
        var st = SearchStats(distinctStates: n, transitions: transitions, depth: maxDepth, seconds: secs,
                             statesPerSecond: secs > 0 ? Double(n) / secs : 0, peakMemoryBytes: peak,
                             visitedBytesPerState: n > 0 ? Double(visited.bytes) / Double(n) : 0, stateBytes: stride * 4)
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        st.processPeakRSSBytes = Int(usage.ru_maxrss) * 1024
        return BreadthFirstSearch.Outcome(findings: table.findings, stats: st, limit: limit)
    }
}

/// A growable frontier queue in a class, so a level's queues can be kept in an array.
final class QueueBox: @unchecked Sendable {
    var q: StateQueue
    init(stride: Int) { q = StateQueue(stride: stride) }
}

/// Hands out a level's chunks to workers, counts the states they add, and stops the level
/// when `--max-states` or the deadline is reached in the middle of it. Behind one mutex,
/// taken once a chunk.
final class SearchControl: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var nextChunk = 0, chunks = 0
    private var added = 0, statesLeft: Int?
    /// A limit was reached in the middle of the level (states, or `timedOut`).
    private(set) var stopped = false
    private(set) var timedOut = false
    /// Uptime (ns) at which the search stops; 0: none.
    var deadline: UInt64 = 0
    init() { lock = .allocate(capacity: 1); pthread_mutex_init(lock, nil) }
    deinit { pthread_mutex_destroy(lock); lock.deallocate() }
    func reset(chunks n: Int, statesLeft left: Int?) {
        pthread_mutex_lock(lock); nextChunk = 0; chunks = n; added = 0; statesLeft = left; pthread_mutex_unlock(lock)
    }
    func take() -> Int? {
        pthread_mutex_lock(lock); defer { pthread_mutex_unlock(lock) }
        if !stopped && deadline != 0 && DispatchTime.now().uptimeNanoseconds >= deadline { stopped = true; timedOut = true }
        if stopped || nextChunk >= chunks { return nil }
        nextChunk += 1
        return nextChunk - 1
    }
    func finished(added n: Int) {
        pthread_mutex_lock(lock)
        added += n
        if let l = statesLeft, added >= l { stopped = true }
        pthread_mutex_unlock(lock)
    }
    func stop() { pthread_mutex_lock(lock); stopped = true; pthread_mutex_unlock(lock) }
}

/// The visited set of a parallel search: fingerprints split by their low bits into shards,
/// each a `FingerprintSet` behind its own mutex (with few workers, locks are rarely
/// contended; a shard grows on its own, without stopping the others).
final class ShardedFingerprintSet: @unchecked Sendable {
    static let shardBits = 6
    static let shards = 1 << shardBits
    private let sets: UnsafeMutablePointer<FingerprintSet>
    private let locks: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        sets = .allocate(capacity: Self.shards)
        locks = .allocate(capacity: Self.shards)
        for i in 0..<Self.shards {
            (sets + i).initialize(to: FingerprintSet(capacity: 1 << 8))
            pthread_mutex_init(locks + i, nil)
        }
    }
    deinit {
        for i in 0..<Self.shards { pthread_mutex_destroy(locks + i) }
        sets.deinitialize(count: Self.shards); sets.deallocate()
        locks.deallocate()
    }

    @inline(__always) func insert(_ fp: UInt64) -> Bool {
        let i = Int(fp & UInt64(Self.shards - 1))
        pthread_mutex_lock(locks + i)
        let new = sets[i].insert(fp)
        pthread_mutex_unlock(locks + i)
        return new
    }
    /// Read between levels (no worker running).
    var count: Int { (0..<Self.shards).reduce(0) { $0 + sets[$1].count } }
    var bytes: Int { (0..<Self.shards).reduce(0) { $0 + sets[$1].bytes } }
}
