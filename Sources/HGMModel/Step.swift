import Dispatch

/// One thread's step: its visible operation and the local work merged after it.
extension Machine {

    /// Runs one step of thread t (alternative `choice`) on s in place: the successor
    /// relation's one rule. Returns what the step raised.
    @inline(__always)
    public func step(_ s: UnsafeMutablePointer<Word>, _ t: Int, choice: Int) -> StepOutcome {
        _ = stepRaw(s, t, choice: choice)
        return StepOutcome(raised: ViolationSet(bits: raised))
    }

    /// `step`'s body; returns the first violation raised (all are in `raised`).
    func stepRaw(_ s: UnsafeMutablePointer<Word>, _ t: Int, choice: Int) -> ViolationID? {
        var pc = Int(s[pcW(t)])
        var v: ViolationID? = nil
        curPC = pc
        raised = 0
        var atomic = false
        switch ops[pc] {
        case .either(let first, _):
            pc = Int(targets[Int(first) + choice])
        case .atomicBegin:
            pc += 1
            atomic = true
        case .prim(let p, let dst, let args, let argc):
            var advance = true
            v = prim(s, t, p, dst, args, argc, &advance)
            if advance { pc += 1 } else { s[pcW(t)] = Word(pc); return v }
        case .sharedRead(let dst, let e):
            v = sharedRead(s, t, dst, e)
            pc += 1
        default:
            break
        }
        // A use-after-free or model error ends the step where it happens: what follows would
        // run on undefined values (and the path stops there).
        if raised & Machine.stopMask != 0 { s[pcW(t)] = Word(pc); return v ?? ViolationID(index: raised.trailingZeroBitCount) }
        if v == nil { v = runLocal(s, t, &pc, atomic: atomic) } else { _ = runLocal(s, t, &pc, atomic: atomic) }
        s[pcW(t)] = Word(pc)
        // A violation raised while evaluating an expression (a read of a freed VMA's field).
        if v == nil && raised != 0 { v = ViolationID(index: raised.trailingZeroBitCount) }
        return v
    }

    /// A step reading shared state into a local (`Op.sharedRead`).
    func sharedRead(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ dst: Int32, _ e: Int32) -> ViolationID? {
        let x = eval(e, s, t)
        s[localW(t, Int(dst))] = x
        if evalError { evalError = false; return modelError(evalErrorText) }
        return nil
    }

    /// Executes local operations (and, inside an atomic block's body, primitives) until the
    /// next visible operation or the end. Checks lock balance when the thread returns.
    ///
    /// Local work is not bounded by a budget: after `LocalLoop.watchAfter` operations in one
    /// step the whole state is watched for a repeat (Brent's cycle detection), and only a
    /// repeat, a local loop that can never take a step, is reported (as a model error). A
    /// finite computation of any length runs to its end, within the search's deadline.
    func runLocal(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ pc: inout Int, atomic: Bool) -> ViolationID? {
        var atomic = atomic
        var result: ViolationID? = nil
        var ran = 0
        var loop = LocalLoop()
        while true {
            curPC = pc
            if raised & Machine.stopMask != 0 { return first(result, ViolationID(index: raised.trailingZeroBitCount)) }   // the step ends at a stopping violation
            if atomic && !inAtomic[pc] { atomic = false }    // control left the atomic body: the step ends at the next visible op
            ran &+= 1
            if ran > LocalLoop.watchAfter {
                if loop.repeats(s, pc, words: model.words, scratch: loopScratch) {
                    return first(result, modelError("a loop at \(model.info[pc].location.description) runs forever without taking a step"))
                }
                if ran & ((1 << 20) - 1) == 0 && deadline != 0 && DispatchTime.now().uptimeNanoseconds >= deadline {
                    timedOut = true
                    return result
                }
            }
            switch ops[pc] {
            case .eval(let dst, let e):
                let x = eval(e, s, t)
                if evalError { evalError = false; result = first(result, modelError(evalErrorText)) }
                s[localW(t, Int(dst))] = x
                pc += 1
            case .jump(let target):
                pc = Int(target)
            case .branchFalse(let e, let target):
                let x = eval(e, s, t)
                if evalError { evalError = false; result = first(result, modelError(evalErrorText)) }
                if tagOf(x) != .int { result = first(result, modelError("a condition must be a number or boolean")) }
                pc = x == 0 ? Int(target) : pc + 1
            case .resetLocal(let slot):
                s[localW(t, Int(slot))] = 0
                pc += 1
            case .loopCheck(let slot, let bound):
                let w = localW(t, Int(slot))
                s[w] += 1
                if s[w] > bound {
                    s[w] = bound     // capped whether or not loop-bound is checked, so the state space stays finite
                    if on(.loopBound) { result = first(result, fault(.loopBound, "the loop ran more than its bound of \(bound) iterations")) }
                }
                pc += 1
            case .assert(let e, let msg):
                let x = eval(e, s, t)
                if evalError { evalError = false; result = first(result, modelError(evalErrorText)) }
                if x == 0 && on(.assertion) { result = first(result, fault(.assertion, model.messages[Int(msg)])) }
                pc += 1
            case .clearLocals(let from, let to):
                for i in from..<to { s[localW(t, Int(i))] = 0 }
                pc += 1
            case .atomicBegin:
                if !atomic { return result }     // an atomic block starts a step of its own
                pc += 1                          // nested in the running block
            case .atomicEnd:
                pc += 1
            case .sharedRead(let dst, let e):
                if !atomic { return result }
                result = first(result, sharedRead(s, t, dst, e))
                pc += 1
            case .prim(let p, let dst, let args, let argc):
                if !atomic { return result }
                var advance = true
                let v = prim(s, t, p, dst, args, argc, &advance)
                if !advance { return first(result, modelError("'\(p.signature.name)' would block inside an atomic block")) }
                result = first(result, v)
                pc += 1
            case .either:
                return result
            case .end:
                // After a use-after-free in this step (e.g. an unlock through a freed table's
                // PTL) the lock state is undefined: no follow-on lock-balance report.
                if on(.lockBalance) && raised & Machine.useAfterFreeBit == 0 {
                    for i in 0..<nLocks where holds(s, t, i) {
                        result = first(result, fault(.lockBalance, "thread \(model.threads[t].name) returned from \(model.threads[t].procedure) still holding \(model.lockSlots[i].name)"))
                        break
                    }
                }
                if on(.refcount) {
                    for pg in 0..<nPages {
                        if s[heldW(t, pg)] != 0 {
                            result = first(result, fault(.refcount, "thread \(model.threads[t].name) returned holding \(s[heldW(t, pg)]) reference(s) to P\(pg) that it never put or mapped"))
                            break
                        }
                        if s[gatherW(t, pg)] != 0 {
                            result = first(result, fault(.refcount, "thread \(model.threads[t].name) returned with deferred puts of P\(pg) never flushed (no tlb_finish)"))
                            break
                        }
                    }
                }
                return result
            }
        }
    }

    /// The earlier of two results (both evaluated: each raising violation records its bit).
    @inline(__always) func first(_ a: ViolationID?, _ b: ViolationID?) -> ViolationID? { a ?? b }

}
