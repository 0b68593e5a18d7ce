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
/// fingerprints into a lock-free visited set shared by all (`ConcurrentStateSet`), which
/// keeps for each new state the least step that reaches it. At the level's end the new
/// states are numbered in the order of those steps, which is the order the sequential
/// search reaches them in: so the parent index (`ParentLog`), the state and transition
/// counts, the depth and every trace are the sequential search's, and findings are chosen
/// by the total order of `FindingTable`, never by which worker came first. The report is
/// the sequential one, apart from timing and memory figures.
///
/// Limits: livelock analysis (which records the transition graph) runs sequentially; the
/// visited set grows between rounds of chunks, not during one; a search stopped by a limit
/// stops at a chunk boundary, so its partial figures depend on the schedule (its verdict,
/// incomplete, does not).
struct ParallelBreadthFirstSearch {
    let model: Model
    let workers: Int
    let limits: SearchLimits
    weak var observer: SearchObserver?

    static let chunk = 512

    /// One worker's own state: its machine, scratch, next-level queue, the states it was
    /// first to insert this level (fingerprint, queue index or -1 when the path stops
    /// there), and findings.
    final class Worker: @unchecked Sendable {
        let m: Machine
        let scratch: UnsafeMutablePointer<Word>
        /// The states this worker added in the level before (part of the frontier being
        /// expanded), and those it adds now; swapped at each level's end, so their buffers
        /// are reused, not allocated again each level.
        var front: StateQueue
        var next: StateQueue
        var fresh: [(fp: UInt64, slot: Int, entry: Int)] = []
        /// `fresh`'s keys, sorted, at the level's end.
        var sorted: [(key: UInt64, entry: Int)] = []
        var table = FindingTable()
        var transitions = 0
        var timedOut = false
        init(model: Model) {
            m = Machine(model: model)
            scratch = .allocate(capacity: FrontierEntry.stride(model.words))
            next = StateQueue(stride: FrontierEntry.stride(model.words))
            front = StateQueue(stride: FrontierEntry.stride(model.words))
        }
        deinit { scratch.deallocate() }
    }

    /// A frontier: the next-level queues of the previous level's workers, taken as one list.
    final class Frontier: @unchecked Sendable {
        var counts: [Int] = []
        var chunks: [(queue: Int, start: Int, end: Int)] = []
        var total: Int { counts.reduce(0, +) }
    }

    func run() -> BreadthFirstSearch.Outcome {
        let words = model.words
        let stride = FrontierEntry.stride(words)
        let start = Date()
        let visited = ConcurrentStateSet()
        let parents = ParentLog()
        let ws = (0..<workers).map { _ in Worker(model: model) }
        if let to = limits.timeout {
            let d = SearchLimits.uptimeDeadline(in: to)
            for w in ws { w.m.deadline = d }
        }
        // Successors one state can have at most: every alternative of every thread.
        let fanout = model.threads.count * model.maxChoices
        var table = FindingTable()
        var limit: String? = nil
        var depth = 0, maxDepth = 0, transitions = 0, peak = 0

        // The initial state, as the sequential search does it.
        let m0 = ws[0].m
        let (s0, v0, _) = m0.initialState()
        s0.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            let fp = fingerprint(p, words)
            _ = visited.insert(fp, key: 0, levelStart: 0)
            visited.count = 1
            parents.append(ParentLog.root)
            table.offer(v0, 0, fp, -1, 0, state: 0)
            if v0.stopsPath { return }
            let (bad, stops) = m0.stateViolations(UnsafeMutablePointer(mutating: p), skip: .empty)
            table.offer(bad, 0, fp, -1, 0, state: 0)
            if stops { return }
            let e = ws[0].scratch
            e.update(from: p, count: words)
            FrontierEntry.setNumber(e, words, 0)
            ws[0].front.append(e)
        }
        // The frontier: every worker's `front` queue, cut into chunks.
        let frontier = Frontier()
        func rebuild() {
            frontier.counts = []; frontier.chunks = []
            for (qi, w) in ws.enumerated() {
                frontier.counts.append(w.front.count)
                var i = 0
                while i < w.front.count {
                    frontier.chunks.append((qi, i, min(w.front.count, i + ParallelBreadthFirstSearch.chunk)))
                    i += ParallelBreadthFirstSearch.chunk
                }
            }
        }
        rebuild()

        let control = SearchControl()
        if let to = limits.timeout { control.deadline = SearchLimits.uptimeDeadline(in: to) }
        control.cancellation = limits.cancellation
        var lastReport = start
        let room = ParallelBreadthFirstSearch.chunk * fanout * workers
        if let why = ParentLog.unsupported(model) { limit = why; frontier.chunks = []; frontier.counts = [] }
        // Memory: what the structures hold, and what each state added in a round costs (its
        // frontier entry, parent entry and numbering entry; the visited set is counted when it grows).
        let budget = limits.maxMemoryBytes
        func memoryNow() -> Int { visited.bytes + parents.bytes + ws.reduce(0) { $0 + $1.front.bytes + $1.next.bytes } }
        let perState = stride * MemoryLayout<Word>.stride + 8 + MemoryLayout<(UInt64, Int, Int)>.stride
        final class RoundBase: @unchecked Sendable { var bytes = 0 }
        let roundBase = RoundBase()
        /// Whether `k` more states (and the chunks in flight) would pass the budget.
        @Sendable func overBudget(_ k: Int) -> Bool { budget.map { roundBase.bytes + (k + room) * perState > $0 } ?? false }
        var outOfMemory = false
        func memoryLimit(_ depth: Int) -> String {
            "max-memory \((budget ?? 0) / (1 << 20)) MiB reached (exhaustive to depth \(depth): every schedule of up to \(depth) steps was explored)"
        }
        var curStart = 0        // the numbers of the level being expanded: curStart..<parents.count
        var growth = 1.0        // new states a state of the last level had
        while frontier.total > 0 {
            if let md = limits.maxDepth, depth >= md { limit = "max-depth \(md) reached"; break }
            maxDepth = depth
            let settled = table.settled(before: depth + 1)
            // Room for the level ahead, so the set rarely grows in the middle of one: as many
            // new states a frontier state as in the level before, with half as much again.
            let ahead = room + Int(Double(frontier.total) * growth * 1.5)
            if let mm = budget, memoryNow() + visited.growthBytes(toHold: ahead) > mm {
                if visited.needsRoom(for: room) { limit = memoryLimit(depth); break }     // not even a round's room
            } else {
                visited.grow(toHold: ahead)
            }
            roundBase.bytes = memoryNow()
            control.reset(chunks: frontier.chunks.count, statesLeft: limits.maxStates.map { $0 - visited.count },
                          capacity: { visited.needsRoom(for: $0 + room) || overBudget($0) })
            let d = depth, levelStart = curStart, generation = visited.generation
            // Rounds of chunks: a round ends when the chunks are done, or when the visited set
            // needs room (it grows between rounds) or a limit is reached.
            while true {
                DispatchQueue.concurrentPerform(iterations: workers) { wi in
                    let w = ws[wi]
                    let m = w.m
                    // Counters and findings stay in locals while a chunk runs: the workers' objects
                    // may share cache lines, and a write per step would bounce them between cores.
                    var table = w.table, transitions = 0, fresh = w.fresh
                    w.fresh = []
                    defer { w.table = table; w.transitions += transitions; w.fresh = fresh }
                    var next = StateQueue(stride: stride)
                    next.swapWith(&w.next)
                    defer { w.next.swapWith(&next) }
                    while let ci = control.take() {
                        let (qi, lo, hi) = frontier.chunks[ci]
                        let queue = ws[qi]
                        let before = fresh.count
                        for i in lo..<hi {
                            let s = queue.front[i]
                            let source = FrontierEntry.number(s, words)
                            let e = expand(m, s, scratch: w.scratch, stride: words, depth: d, source: source, settled: settled,
                                           table: &table, transitions: &transitions,
                                           successor: { fp, _, t, c in
                                               let slot = visited.insert(fp, key: ParentLog.key(parent: source, thread: t, choice: c), levelStart: levelStart)
                                               guard slot >= 0 else { return nil }
                                               fresh.append((fp, slot, -1))
                                               return -1
                                           },
                                           enqueue: { st, _, stops in
                                               if stops { return }
                                               fresh[fresh.count - 1].entry = next.count
                                               next.append(st)
                                           },
                                           stopped: {})
                            if case .timedOut = e { w.timedOut = true; control.stop(); return }
                        }
                        control.finished(added: fresh.count - before)
                        if control.stopped { return }
                    }
                }
                if control.needsRoom && !control.stopped {
                    visited.count += control.takeAdded()
                    let m = memoryNow()
                    peak = max(peak, m)
                    if let mm = budget, m + room * perState + visited.growthBytes(toHold: room) > mm { outOfMemory = true; break }
                    visited.grow(toHold: room)
                    roundBase.bytes = memoryNow()
                    control.resume()
                    continue
                }
                break
            }
            visited.count += control.takeAdded()
            // Level end: gather findings, number the new states, check limits.
            for w in ws { table.merge(w.table); w.table = FindingTable() }
            curStart = parents.count
            number(ws, visited: visited, parents: parents, words: words, grown: visited.generation != generation)
            growth = Double(parents.count - curStart) / Double(max(1, frontier.total))     // new states a state of this level had
            let mem = visited.bytes + parents.bytes + ws.reduce(0) { $0 + $1.front.bytes + $1.next.bytes }
            peak = max(peak, mem)
            if let full = ParentLog.full(parents.count) { limit = full; break }
            if ws.contains(where: \.timedOut) || control.timedOut { limit = "timeout \(limits.timeout ?? 0) s reached"; break }
            if let c = limits.cancellation, c.isCancelled { limit = c.reason; break }
            if control.stopped { limit = "max-states \(limits.maxStates ?? 0) reached"; break }
            let count = visited.count
            if let ms = limits.maxStates, count >= ms, ws.contains(where: { $0.next.count > 0 }) { limit = "max-states \(ms) reached"; break }
            if outOfMemory || budget.map({ mem >= $0 }) == true { limit = memoryLimit(depth); break }
            let now = Date()
            if let to = limits.timeout, now.timeIntervalSince(start) >= to { limit = "timeout \(to) s reached"; break }
            if let o = observer, now.timeIntervalSince(lastReport) >= 1 {
                lastReport = now
                o.progress(states: count, depth: depth, statesPerSecond: Double(count) / now.timeIntervalSince(start))
            }
            for w in ws { w.front.swapWith(&w.next); w.next.removeAll() }
            rebuild()
            depth += 1
        }
        transitions = ws.reduce(0) { $0 + $1.transitions }
        // A violating state found before it was numbered: its trace goes through its least parent.
        var findings = table.findings
        for i in findings.indices where findings[i].state < 0 {
            let k = visited.key(of: findings[i].stateFP) ?? ParentLog.root
            findings[i].state = ParentLog.parent(k)
            findings[i].via = ParentLog.move(k)
        }
        let secs = Date().timeIntervalSince(start)
        let n = visited.count
        var st = SearchStats(distinctStates: n, transitions: transitions, depth: maxDepth, seconds: secs,
                             statesPerSecond: secs > 0 ? Double(n) / secs : 0, peakMemoryBytes: peak,
                             visitedBytesPerState: n > 0 ? Double(visited.bytes) / Double(n) : 0, stateBytes: words * 4)
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        st.processPeakRSSBytes = Int(usage.ru_maxrss) * 1024
        return BreadthFirstSearch.Outcome(findings: findings, stats: st, limit: limit, parents: parents)
    }

    /// Numbers the states the workers inserted this level, in the order of their least
    /// reaching step (their key), from `parents.count` on: each worker sorts its own (in
    /// parallel), then one merge assigns the numbers, writes each key into the parent index
    /// and each number into the state's frontier entry.
    func number(_ ws: [Worker], visited: ConcurrentStateSet, parents: ParentLog, words: Int, grown: Bool) {
        DispatchQueue.concurrentPerform(iterations: ws.count) { wi in
            let w = ws[wi]
            // Slots read directly, unless the set grew during the level and moved them.
            w.sorted = w.fresh.map { (grown ? visited.key(of: $0.fp)! : visited.key(at: $0.slot), $0.entry) }
            w.sorted.sort { $0.key < $1.key }
            w.fresh.removeAll(keepingCapacity: true)
        }
        let total = ws.reduce(0) { $0 + $1.sorted.count }
        let first = parents.count
        parents.extend(to: first + total)
        var at = ws.map { _ in 0 }
        for n in first..<(first + total) {
            var best = -1
            for (wi, w) in ws.enumerated() where at[wi] < w.sorted.count {
                if best < 0 || w.sorted[at[wi]].key < ws[best].sorted[at[best]].key { best = wi }
            }
            let (k, entry) = ws[best].sorted[at[best]]
            at[best] += 1
            parents[n] = k
            if entry >= 0 { FrontierEntry.setNumber(ws[best].next[entry], words, n) }
        }
    }
}

/// Hands out a level's chunks to workers, counts the states they add, and stops a round
/// when `--max-states` or the deadline is reached in the middle of the level, or when the
/// visited set needs room (`needsRoom`: the search grows it and resumes the level). Behind
/// one mutex, taken once a chunk.
final class SearchControl: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var nextChunk = 0, chunks = 0
    private var added = 0, unclaimed = 0, statesLeft: Int?
    private var full: (Int) -> Bool = { _ in false }
    /// A limit was reached in the middle of the level (states, or `timedOut`).
    private(set) var stopped = false
    private(set) var timedOut = false
    /// The visited set may fill up in this round: grow it, then `resume`.
    private(set) var needsRoom = false
    /// Uptime (ns) at which the search stops; 0: none.
    var deadline: UInt64 = 0
    /// Ctrl-C: the search stops at the next chunk.
    var cancellation: CancellationFlag?
    init() { lock = .allocate(capacity: 1); pthread_mutex_init(lock, nil) }
    deinit { pthread_mutex_destroy(lock); lock.deallocate() }
    /// A new level of `n` chunks; `full(k)` says whether the visited set needs room before
    /// `k` more states (those added since the last `takeAdded`) and the chunks in flight.
    func reset(chunks n: Int, statesLeft left: Int?, capacity full: @escaping (Int) -> Bool) {
        pthread_mutex_lock(lock)
        nextChunk = 0; chunks = n; added = 0; unclaimed = 0; statesLeft = left; needsRoom = false; self.full = full
        pthread_mutex_unlock(lock)
    }
    func take() -> Int? {
        pthread_mutex_lock(lock); defer { pthread_mutex_unlock(lock) }
        if !stopped && deadline != 0 && DispatchTime.now().uptimeNanoseconds >= deadline { stopped = true; timedOut = true }
        if let c = cancellation, c.isCancelled { stopped = true }
        if stopped || needsRoom || nextChunk >= chunks { return nil }
        if full(unclaimed) { needsRoom = true; return nil }
        nextChunk += 1
        return nextChunk - 1
    }
    func finished(added n: Int) {
        pthread_mutex_lock(lock)
        added += n; unclaimed += n
        if let l = statesLeft, added >= l { stopped = true }
        pthread_mutex_unlock(lock)
    }
    /// The states added since the last call (no worker may run).
    func takeAdded() -> Int { defer { unclaimed = 0 }; return unclaimed }
    /// Goes on with the level's remaining chunks (after the visited set grew).
    func resume() { needsRoom = false }
    func stop() { pthread_mutex_lock(lock); stopped = true; pthread_mutex_unlock(lock) }
}
