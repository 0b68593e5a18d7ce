/// Which threads can move in a state, and with how many alternatives.
extension Machine {

    @inline(__always) public func finished(_ s: UnsafePointer<Word>, _ t: Int) -> Bool {
        if case .end = ops[Int(s[pcW(t)])] { return true }
        return false
    }

    /// Number of alternative steps of thread t here (0 when blocked or finished).
    @inline(__always) public func choices(_ s: UnsafePointer<Word>, _ t: Int) -> Int {
        switch ops[Int(s[pcW(t)])] {
        case .end: return 0
        case .either(_, let count): return Int(count)
        case .prim(let p, _, let args, _):
            if !p.blocks { return 1 }
            return primEnabled(s, t, p, args) ? 1 : 0
        default: return 1
        }
    }

    @inline(__always) func primEnabled(_ s: UnsafePointer<Word>, _ t: Int, _ p: Prim, _ args: Int32) -> Bool {
        if p == .uffdSleep { return s[waitMsgW(t)] == 0 }
        let lw = eval(argList[Int(args)], UnsafeMutablePointer(mutating: s), t)
        if evalError { evalError = false; return true }   // the step itself reports the model error
        guard tagOf(lw) == .lock else { return true }
        let slot = lockSlotOf(lw)
        if vmaOfLock[slot] >= 0 && !vmaHas(s, vmaOfLock[slot], Model.VMAState.priv) { return true }   // a no-op (or freed) vma_lock
        let o = lockOff[slot]
        let bit = Word(1) << Word(t)
        switch (p, lockRW[slot]) {
        case (.lock, false): return s[o] == 0
        case (.readLock, true): return s[o] == 0 && s[o + 2] == 0
        case (.writeLock, true): return (s[o] == 0 && s[o + 1] == 0) || s[o + 2] & bit == 0
        default: return true
        }
    }

}
