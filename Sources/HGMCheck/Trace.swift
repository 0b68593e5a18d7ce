import Foundation
import HGMModel
import HGMSpec

/// Rebuilds shortest traces for findings. The main search keeps fingerprints only, so the
/// traces are found by a second breadth-first search that records parents, under the same
/// expansion rules, stopping once every target is reached; the path is then replayed with
/// the machine explaining each step. This costs memory only when something was found.
///
/// The second search keeps whole states and a parent link per state, so it is bounded by
/// the run's limits too: the time left before `limits.deadline` and `limits.maxMemoryBytes`.
/// A finding whose trace it could not reach within them is still reported, without a trace
/// and with `traceMissing` saying why.
public struct TraceBuilder {
    public let machine: Machine
    public var limits: SearchLimits

    public init(machine: Machine, limits: SearchLimits = SearchLimits()) { self.machine = machine; self.limits = limits }

    typealias Move = (thread: Int, choice: Int)

    public func reports(for findings: [Finding]) -> [ViolationReport] { rebuild(findings).traced.map(\.report) }

    /// The reports, each with the engine steps of its trace (path, livelock cycle, violating
    /// step), which the reference semantics replays before anything is reported (empty for
    /// a trace that could not be rebuilt within the limits); and the most memory the
    /// rebuilding search used (bytes, estimated).
    public func rebuild(_ findings: [Finding]) -> (traced: [(report: ViolationReport, moves: [(thread: Int, choice: Int)])], peakBytes: Int) {
        let found = searchPaths(to: Set(findings.map(\.stateFP)), maxDepth: findings.map(\.depth).max() ?? 0)
        let traced = findings.map { f -> (report: ViolationReport, moves: [(thread: Int, choice: Int)]) in
            guard let path = found.paths[f.stateFP] ?? (found.stopped == nil ? [] : nil) else { return (unrebuilt(f, found.stopped!), []) }
            let cycle = f.cycle.isEmpty ? [] : cycleMoves(from: path, through: f.cycle)
            var moves = path + cycle
            if f.thread >= 0 { moves.append((f.thread, f.choice)) }
            return (f.cycle.isEmpty ? report(f, path: path) : report(f, path: path, cycle: cycle), moves)
        }
        return (traced, found.peakBytes)
    }

    /// A violation the search found whose trace the rebuilding search did not reach within
    /// the limits: reported as found, without steps.
    func unrebuilt(_ f: Finding, _ why: String) -> ViolationReport {
        let name = machine.name(ofViolation: f.id)
        let help = Invariant(rawValue: name)?.help ?? "User invariant declared in the spec."
        let note = "its trace could not be rebuilt within the limit (\(why))"
        var r = ViolationReport(invariant: name, message: "\(name) is violated in an interleaving of \(f.depth) step\(f.depth == 1 ? "" : "s") the search found; \(note)",
                                help: help, location: nil, trace: [], contextSwitches: 0)
        r.traceMissing = note
        return r
    }

    /// The steps that go round a livelock's cycle: from the state the path reaches, for each
    /// fingerprint of the cycle in turn, a step that reaches it (one the search recorded as an
    /// edge: it stops nothing and runs no loop past its bound).
    func cycleMoves(from path: [Move], through cycle: [UInt64]) -> [Move] {
        let m = machine
        let stride = m.model.words
        let cut = ViolationSet.stopping.union(ViolationSet([ViolationID(.loopBound)]))
        var (s, _, _) = m.initialState()
        for mv in path { _ = s.withUnsafeMutableBufferPointer { m.step($0.baseAddress!, mv.thread, choice: mv.choice) } }
        var moves: [Move] = []
        var x = s
        for target in cycle {
            var found: Move? = nil
            _ = s.withUnsafeBufferPointer { sb in x.withUnsafeMutableBufferPointer { xb in
                forEachSuccessor(m, sb.baseAddress!, scratch: xb.baseAddress!, stride: stride) { t, c, o in
                    if found == nil && !o.raised.intersects(cut) && fingerprint(xb.baseAddress!, stride) == target { found = (t, c) }
                }
            } }
            guard let mv = found else { break }      // only after a fingerprint collision
            moves.append(mv)
            _ = s.withUnsafeMutableBufferPointer { m.step($0.baseAddress!, mv.thread, choice: mv.choice) }
        }
        return moves
    }

    struct Paths {
        var paths: [UInt64: [Move]] = [:]
        /// The limit that stopped the search before it reached every target.
        var stopped: String? = nil
        var peakBytes = 0
    }

    func searchPaths(to targets: Set<UInt64>, maxDepth: Int) -> Paths {
        let m = machine
        let stride = m.model.words
        var parent: [UInt64: (UInt64, Int, Int)] = [:]
        var remaining = targets
        var result = Paths()
        let deadline = limits.deadline
        // Whole states (array header and words) plus the parent table (keys, values, spare capacity).
        let stateCost = 48 + stride * MemoryLayout<Word>.stride
        var cur: [[Word]] = []
        var next: [[Word]] = []
        var sinceCheck = 0
        /// Checks the limits every 1024 expansions; the reason when one is reached.
        func overLimit(force: Bool = false) -> String? {
            sinceCheck += 1
            if !force && sinceCheck < 1024 { return nil }
            sinceCheck = 0
            let bytes = parent.capacity * (MemoryLayout<UInt64>.stride + MemoryLayout<(UInt64, Int, Int)>.stride + 1) + (cur.count + next.count) * stateCost
            result.peakBytes = max(result.peakBytes, bytes)
            if let mm = limits.maxMemoryBytes, bytes >= mm { return "max-memory \(mm / (1 << 20)) MiB reached while rebuilding" }
            if let d = deadline, Date() >= d { return "timeout \(limits.timeout ?? 0) s reached while rebuilding" }
            return nil
        }
        let (s0, v0, _) = m.initialState()
        let fp0 = s0.withUnsafeBufferPointer { fingerprint($0.baseAddress!, stride) }
        func path(_ fp: UInt64) -> [Move] {
            var moves: [Move] = []
            var x = fp
            while x != fp0, let (p, t, c) = parent[x] { moves.append((t, c)); x = p }
            return moves.reversed()
        }
        if remaining.remove(fp0) != nil { result.paths[fp0] = [] }
        if v0.stopsPath { return result }
        cur = [s0]
        var depth = 0
        parent.reserveCapacity(1024)
        var scratch = [Word](repeating: 0, count: stride)
        search: while !cur.isEmpty && !remaining.isEmpty && depth <= maxDepth {
            next = []
            for var s in cur {
                if let why = overLimit() { result.stopped = why; break search }
                let fp = s.withUnsafeBufferPointer { fingerprint($0.baseAddress!, stride) }
                s.withUnsafeBufferPointer { sb in scratch.withUnsafeMutableBufferPointer { xb in
                    let x = xb.baseAddress!
                    _ = forEachSuccessor(m, sb.baseAddress!, scratch: x, stride: stride) { t, c, o in
                        if o.stopsPath { return }
                        let nfp = fingerprint(x, stride)
                        if nfp == fp0 || parent[nfp] != nil { return }
                        parent[nfp] = (fp, t, c)
                        if remaining.remove(nfp) != nil { result.paths[nfp] = path(nfp) }
                        if !m.stateViolations(x, skip: .empty).stops { next.append(Array(xb)) }
                    }
                } }
            }
            cur = next
            next = []
            depth += 1
        }
        _ = overLimit(force: true)
        return result
    }

    /// The report of a finding whose trace is `path` (then, for a livelock, `cycle`):
    /// the steps as `TraceExplainer` describes them, the schedule, the final state, and the
    /// violation's sentence and anchor.
    func report(_ f: Finding, path: [Move], cycle: [Move] = []) -> ViolationReport {
        let m = machine
        let model = m.model
        var moves = path + cycle
        if f.thread >= 0 { moves.append((f.thread, f.choice)) }
        let explainer = TraceExplainer(machine: m)
        let ex = explainer.explain(moves)
        let steps = ex.steps
        let o0 = ex.initialOutcome, vt = ex.initialThread
        var message = ""
        var anchor: String? = nil
        if !o0.raised.isEmpty && moves.isEmpty {
            let d = o0.explanations[f.id]
            message = d?.text ?? ""
            if let pc = d?.pc, pc >= 0 { anchor = TraceExplainer.place(model.info[pc].location) }
            else if vt >= 0 { anchor = TraceExplainer.place(model.info[model.threads[vt].entry].location) }
        }
        if f.thread >= 0, let o = ex.lastOutcome, let d = o.explanations[f.id] {
            message = d.text
            anchor = TraceExplainer.place(model.info[d.pc >= 0 ? d.pc : ex.lastPC].location)
        }
        var s = ex.final
        let schedule = Schedule(moves.map { (thread: $0.thread, choice: $0.choice) }, model: model, cycleStart: cycle.isEmpty ? nil : path.count).text
        var r: ViolationReport
        if !cycle.isEmpty {
            let l = livelockReport(f, state: s, steps: steps, cycle: cycle)
            r = ViolationReport(invariant: Invariant.livelock.rawValue, message: l.message, help: Invariant.livelock.help,
                                location: l.anchor, trace: steps, contextSwitches: ex.contextSwitches, cycleStart: path.count + 1)
        } else {
            if f.thread < 0 && !(!o0.raised.isEmpty && moves.isEmpty) {
                message = s.withUnsafeMutableBufferPointer { m.explainState($0.baseAddress!, violation: f.id)?.text ?? "" }
                let idx = f.id.index - m.builtinCount
                if idx >= 0 { anchor = TraceExplainer.place(model.userInvariants[idx].location) }
                else if let lastStep = steps.last { anchor = lastStep.location }
            }
            let name = m.name(ofViolation: f.id)
            let help = Invariant(rawValue: name)?.help ?? "User invariant declared in the spec."
            r = ViolationReport(invariant: name, message: message, help: help, location: anchor, trace: steps, contextSwitches: ex.contextSwitches)
        }
        r.schedule = moves.isEmpty ? nil : schedule
        r.finalState = explainer.snapshot(s, steps: steps)
        return r
    }

    /// The sentence and anchor of a livelock: which threads go round the cycle, where the
    /// others are, and the statement the cycle starts at. `state` is the state on the cycle
    /// (where the lasso ends), `steps` the whole lasso.
    func livelockReport(_ f: Finding, state: [Word], steps: [TraceStep], cycle: [Move]) -> (message: String, anchor: String) {
        let m = machine
        let model = m.model
        let first = steps.count - cycle.count          // index of the cycle's first step
        var spinning: [Int] = []
        for mv in cycle where !spinning.contains(mv.thread) { spinning.append(mv.thread) }
        let names = spinning.map { model.threads[$0].name }
        let range = cycle.count == 1 ? "step \(first + 1)" : "steps \(first + 1)–\(steps.count)"
        var text = "thread\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) can repeat \(range) forever, "
            + "and from no state of that cycle can every thread return"
        var others: [String] = []
        state.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            for t in 0..<model.threads.count where !spinning.contains(t) {
                let name = model.threads[t].name
                if m.finished(p, t) { others.append("\(name) has returned"); continue }
                let info = model.info[Int(p[model.pcWord(t)])]
                let at = "\(TraceExplainer.place(info.location, column: false)) (\(info.statement))"
                others.append(m.choices(p, t) == 0 ? "\(name) is blocked at \(at)" : "\(name) can still move at \(at)")
            }
        }
        if !others.isEmpty { text += "; " + others.joined(separator: ", ") }
        // The cycle starts where the state on the cycle has the first cycle thread.
        let pc = Int(state[model.pcWord(cycle[0].thread)])
        return (text, TraceExplainer.place(model.info[pc].location))
    }
}
