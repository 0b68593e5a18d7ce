import Foundation
import HGMModel
import HGMSpec

/// Turns findings into reports with traces. The path to each finding is read from the
/// search's parent index (`ParentLog`), not searched for again; it is then replayed with
/// the machine explaining each step. A livelock's cycle is walked by its fingerprints.
public struct TraceBuilder {
    public let machine: Machine
    public let parents: ParentLog

    public init(machine: Machine, parents: ParentLog) { self.machine = machine; self.parents = parents }
    /// A builder for reports of given paths (`report(_:path:cycle:)`), with no parent index.
    public init(machine: Machine) { self.init(machine: machine, parents: ParentLog()) }

    typealias Move = (thread: Int, choice: Int)

    public func reports(for findings: [Finding]) -> [ViolationReport] { rebuild(findings).map(\.report) }

    /// The reports, each with the engine steps of its trace (path, livelock cycle, violating
    /// step), which the reference semantics replays before anything is reported.
    public func rebuild(_ findings: [Finding]) -> [(report: ViolationReport, moves: [(thread: Int, choice: Int)])] {
        findings.map { f in
            var path = parents.path(to: f.state)
            if let v = f.via { path.append(v) }
            let cycle = f.cycle.isEmpty ? [] : cycleMoves(from: path, through: f.cycle)
            var moves = path + cycle
            if f.thread >= 0 { moves.append((f.thread, f.choice)) }
            return (f.cycle.isEmpty ? report(f, path: path) : report(f, path: path, cycle: cycle), moves)
        }
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
