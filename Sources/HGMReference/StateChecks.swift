import HGMModel

/// Checks on whole states, written independently from the state layout (the definitions
/// are those of docs/spec-language.md "Built-in invariants" and `Machine.checkState`):
/// every violated state invariant of a state is returned (not only the first), and every
/// selected stuck-state finding.
extension Interpreter {
    /// Every state invariant the state breaks (unfiltered), including user invariants
    /// (evaluated by the engine's evaluator; an evaluation error is a model error) and a
    /// thread whose local ops alone run forever (a model error).
    func stateViolations(_ s: [Word]) -> (mask: UInt64, undecided: Bool) {
        var r: UInt64 = 0
        var leaves = [Int](repeating: 0, count: nPages)
        var migrations = leaves
        // Truncation applies once a thread that wrote i_size has returned.
        var truncated = false
        for t in 0..<nThreads where s[flagsW[t]] & 1 != 0 && finished(s, t) { truncated = true }
        let isize = Int(s[isizeW])
        for tree in trees {
            let live = s[tree.live]
            func tableLive(_ pos: Int) -> Bool { live & (Word(1) << Word(pos)) != 0 }
            for pos in 0..<positions {
                if pos > 0 && !tableLive(parentOf[pos]) { continue }   // inside a freed or absent table
                let e = s[tree.base + pos]
                guard tagOf(e) == .entry else { continue }
                let ev = PTEValue(e)
                guard ev.kind == .leaf || ev.kind == .migration || ev.kind == .hwpoison else { continue }
                if pos < lastBase && tableLive(pos) { r |= Interpreter.bit(.doubleCoverage) }
                if ev.kind == .hwpoison { continue }
                if ev.page < nPages {
                    if ev.kind == .leaf { leaves[ev.page] += 1 } else { migrations[ev.page] += 1 }
                }
                let idx = ev.page < nPages ? Int(s[page0 + ev.page * Model.pageWords + Model.pageFieldIndex]) : -1
                if ev.sub != offsetOf[pos] || (idx >= 0 && idx != tree.index) { r |= Interpreter.bit(.alignment) }
                if truncated && ev.kind == .leaf && tree.index >= isize { r |= Interpreter.bit(.truncation) }
            }
        }
        for p in 0..<nPages {
            if Int(s[page0 + p * Model.pageWords + Model.pageFieldMapcount]) != leaves[p] { r |= Interpreter.bit(.mapcount) }
            let flags = s[page0 + p * Model.pageWords + Model.pageFieldFlags]
            guard flags & Model.pageFlagAllocated != 0 else { continue }
            var expected = (flags & Model.pageFlagCached != 0 ? 1 : 0) + leaves[p] + migrations[p]
            for t in 0..<nThreads { expected += Int(s[gatherW[t] + p]) + Int(s[heldW[t] + p]) }
            if Int(s[page0 + p * Model.pageWords + Model.pageFieldRefcount]) != expected { r |= Interpreter.bit(.refcount) }
        }
        if truncated && isize < hugepages {
            for i in isize..<hugepages where s[cacheW[i]] != 0 { r |= Interpreter.bit(.truncation) }
        }
        for (i, inv) in userInvariants.enumerated() {
            let (v, err, _) = s.withUnsafeBufferPointer {
                machine.evaluate(expr: inv.expr, UnsafeMutablePointer(mutating: $0.baseAddress!), thread: -1)
            }
            if err { r |= Interpreter.modelError } else if v == mkInt(0) { r |= 1 << UInt64(builtinCount + i) }
        }
        if sleepsInAtomic(s) { r |= Interpreter.bit(.sleepInAtomic) }
        var undecided = false
        for t in 0..<nThreads where !finished(s, t) {
            switch runsForeverLocally(s, t) {
            case true?: r |= Interpreter.modelError
            case nil: undecided = true
            default: break
            }
        }
        return (r, undecided)
    }

    /// sleep-in-atomic: some thread's next step may sleep (uffd_sleep, or a mutex or rwsem
    /// acquisition that is not a no-op vma_lock), blocked now or not, while it holds a spinlock.
    func sleepsInAtomic(_ s: [Word]) -> Bool {
        for t in 0..<nThreads where !finished(s, t) {
            guard case .prim(let prim, _, let args, _) = ops[pc(s, t)], prim.blocks else { continue }
            var holdsSpin = false
            for slot in lockOffset.indices where lockSpin[slot] && holds(s, t, slot: slot) { holdsSpin = true; break }
            guard holdsSpin else { continue }
            switch prim {
            case .uffdSleep: break
            case .lock, .readLock, .writeLock:
                let (lw, err, _) = s.withUnsafeBufferPointer {
                    machine.evaluate(expr: argList[Int(args)], UnsafeMutablePointer(mutating: $0.baseAddress!), thread: t)
                }
                guard !err, tagOf(lw) == .lock else { continue }
                let slot = Int(lw >> 4) & 0xFFFFF
                guard slot < lockOffset.count, !lockSpin[slot] else { continue }
                if vmaOfSlot[slot] >= 0 && s[vmaStateW[vmaOfSlot[slot]]] & Model.vmaStatePrivate == 0 { continue }
            default: continue
            }
            return true
        }
        return false
    }

    /// In a state where no thread can move: a thread asleep on a userfault whose address a
    /// wake already covered is a lost wakeup; any other unfinished thread is deadlocked.
    /// Both are reported when both hold.
    func stuckViolations(_ s: [Word]) -> UInt64 {
        var r: UInt64 = 0
        let woken = UInt32(bitPattern: s[wokenW])
        for t in 0..<nThreads where !finished(s, t) {
            if case .prim(.uffdSleep, _, _, _) = ops[pc(s, t)] {
                let real = Int(s[waitRealW[t]]) - 1
                if real >= 0 && real < 32 && woken & (UInt32(1) << UInt32(real)) != 0 { r |= Interpreter.bit(.lostWakeup) }
            } else {
                r |= Interpreter.bit(.deadlock)
            }
        }
        return r
    }

    /// A state that ends (for livelock): every thread returned or asleep on a userfault.
    func ended(_ s: [Word]) -> Bool {
        (0..<nThreads).allSatisfy { t in
            if finished(s, t) { return true }
            if case .prim(.uffdSleep, _, _, _) = ops[pc(s, t)] { return true }
            return false
        }
    }

    func enabledAny(_ s: [Word]) -> Bool { (0..<nThreads).contains { choices(s, $0) > 0 } }
}
