import HGMModel

/// The outcome of replaying an engine counterexample in the reference semantics.
public struct ReplayResult: Sendable {
    /// The trace replays: every step enabled, ending in the named violation.
    public var replayed: Bool
    /// Why it does not replay (empty when it does); or a note on what was not certified.
    public var reason: String
    /// Reference steps taken.
    public var steps: Int
}

extension ReferenceChecker {
    /// Replays an engine trace (design.md §9: a printed counterexample is replayed before it
    /// is reported). The initial state runs each thread's opening local code as single
    /// reference steps (the engine's initial state has run it), unless that code stops its
    /// path (the engine then leaves it as the thread's first step). Each engine step of thread t
    /// (alternative c) is then: the reference step of t with alternative c, which must be
    /// enabled, then further single steps of t while t is at a local op (not a primitive,
    /// `either`, atomic block, the end or a shared read). The replay must end in `violation`:
    /// raised by the last engine step (or the opening code when there are no moves), broken
    /// by the final state, or found by the stuck-state checks on a final state where no
    /// thread can move. For `livelock`, the final state must equal the state after
    /// `moves[..<cycleStart]` (or, without `cycleStart`, some earlier state of the trace), and
    /// no ending state may be reachable from it (explored up to `cycleLimit` states; beyond
    /// that the cycle alone is certified, and `reason` says so).
    public static func replay(_ model: Model, moves: [(thread: Int, choice: Int)], violation: String,
                              cycleStart: Int? = nil, cycleLimit: Int = 20_000) -> ReplayResult {
        let interp = Interpreter(model: model)
        var steps = 0
        func fail(_ why: String) -> ReplayResult { ReplayResult(replayed: false, reason: why, steps: steps) }
        guard let bit = (0..<(interp.builtinCount + model.userInvariants.count)).first(where: { interp.name(ofBit: $0) == violation }) else {
            return fail("unknown invariant '\(violation)'")
        }
        let want: UInt64 = 1 << UInt64(bit)
        var s = interp.initialState()

        /// t's local code after a step, one reference step at a time.
        func runLocal(_ t: Int, _ mask: inout UInt64) -> String? {
            guard !interp.finished(s, t), interp.isLocal(interp.pc(s, t)) else { return nil }
            switch interp.runsForeverLocally(s, t) {
            case true?: mask |= Interpreter.modelError; return nil
            case nil: return "thread \(model.threads[t].name)'s local code did not finish within the budget"
            default: break
            }
            while mask & Interpreter.stopMask == 0 && !interp.finished(s, t) && interp.isLocal(interp.pc(s, t)) {
                mask |= interp.step(&s, t, choice: 0)
                steps += 1
            }
            return nil
        }

        var last: UInt64 = 0
        for t in 0..<interp.nThreads {
            // As the engine does: opening local code that stops its path (a model error) is
            // not run here but is the thread's first step.
            let before = s, taken = steps
            var m: UInt64 = 0
            if let e = runLocal(t, &m) { return fail(e) }
            if m & Interpreter.stopMask != 0 { s = before; steps = taken; continue }
            last |= m
        }
        last &= interp.selected
        var boundaries = [s]
        for (i, mv) in moves.enumerated() {
            if last & Interpreter.stopMask != 0 {
                return fail("step \(i + 1): the path already stopped at \(interp.names(last & Interpreter.stopMask).sorted().joined(separator: ", "))")
            }
            guard mv.thread >= 0 && mv.thread < interp.nThreads else { return fail("step \(i + 1): no thread \(mv.thread)") }
            let k = interp.choices(s, mv.thread)
            guard mv.choice >= 0 && mv.choice < k else {
                let info = model.info[interp.pc(s, mv.thread)]
                return fail("step \(i + 1): thread \(model.threads[mv.thread].name) cannot take "
                    + (k == 0 ? "a step" : "alternative \(mv.choice + 1) of \(k)")
                    + " at \(info.location.description) (\(info.statement)): not enabled in the reference semantics")
            }
            var m = interp.step(&s, mv.thread, choice: mv.choice)
            steps += 1
            if let e = runLocal(mv.thread, &m) { return fail(e) }
            last = m & interp.selected
            boundaries.append(s)
        }
        let final = s

        if violation == Invariant.livelock.rawValue {
            let candidates = cycleStart.map { [$0] } ?? Array(0..<moves.count)
            guard let k = candidates.first(where: { $0 >= 0 && $0 < moves.count && boundaries[$0] == final }) else {
                return fail("the trace does not return to the state where its cycle starts")
            }
            var g = Exploration(interp: interp)
            let complete = g.run(from: boundaries[k], maxStates: cycleLimit, stopAtEnd: true)
            if g.reachedEnd { return fail("from the cycle's state an ending state is reachable (after \(g.states.count) states)") }
            return ReplayResult(replayed: true, reason: complete ? "" : "cycle replayed; no ending state within \(cycleLimit) states", steps: steps)
        }

        if last & want != 0 { return ReplayResult(replayed: true, reason: "", steps: steps) }
        let (sv, _) = interp.stateViolations(final)
        if sv & want != 0 { return ReplayResult(replayed: true, reason: "", steps: steps) }
        let stuck = !interp.enabledAny(final)
        if stuck && interp.stuckViolations(final) & want != 0 { return ReplayResult(replayed: true, reason: "", steps: steps) }
        var found = interp.names((last | sv | (stuck ? interp.stuckViolations(final) : 0)) & interp.selected).sorted()
        if found.isEmpty { found = ["nothing"] }
        return fail("the replay ends without \(violation) (the reference finds \(found.joined(separator: ", ")) there\(stuck ? ", no thread can move" : ""))")
    }
}
