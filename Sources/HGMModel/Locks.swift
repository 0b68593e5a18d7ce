/// Lock acquisition and release, the lock-order check, and which lock a thread holds.
extension Machine {

    @inline(__always) func holds(_ s: UnsafePointer<Word>, _ t: Int, _ slot: Int) -> Bool {
        let o = lockOff[slot]
        if lockRW[slot] { return s[o] == Word(t + 1) || s[o + 1] & (Word(1) << Word(t)) != 0 }
        return s[o] == Word(t + 1)
    }
    @inline(__always) func holdsWrite(_ s: UnsafePointer<Word>, _ t: Int, _ slot: Int) -> Bool {
        s[lockOff[slot]] == Word(t + 1)
    }
    func holdsVMALock(_ s: UnsafePointer<Word>, _ t: Int, _ vma: Int) -> Bool { holds(s, t, vmaLockS[vma]) }

    func lockOrderCheck(_ s: UnsafePointer<Word>, _ t: Int, _ slot: Int) -> ViolationID? {
        let rank = lockRankOf[slot]
        guard rank >= 0, on(.lockOrder) else { return nil }
        for i in 0..<nLocks where i != slot && holds(s, t, i) {
            let r = lockRankOf[i]
            guard r >= 0 else { continue }
            let l = model.lockSlots[i]
            if r > rank || (r == rank) {
                return fault(.lockOrder, "thread \(model.threads[t].name) blocks on \(model.lockSlots[slot].name) while holding \(l.name)"
                    + (r == rank ? " (same lock class \(l.lockClass))" : "; declared order puts \(l.lockClass) after \(model.lockSlots[slot].lockClass)"))
            }
        }
        return nil
    }

    /// Whether the page-table page a PTL lives in is freed (or, for a split PTL, was never
    /// allocated): the lock is memory inside that page.
    @inline(__always) func ptlPageFreed(_ s: UnsafePointer<Word>, _ slot: Int) -> Bool {
        let x = ptlTableOf[slot]
        if x >= 0 {
            let tree = x >> 16
            if !tableLive(s, tree, (x >> 8) & 0xFF, x & 0xFF) { return true }
            return pmdSharing && vmaField(s, tree, Model.VMAState.refShift) == 0
        }
        let r = rootLockOf[slot]
        return r >= 0 && pmdSharing && vmaField(s, r, Model.VMAState.refShift) == 0
    }

    func lockOp(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ p: Prim, _ lw: Word, _ dst: Int32, _ advance: inout Bool) -> ViolationID? {
        guard tagOf(lw) == .lock else { return modelError("\(p.signature.name) needs a lock, got \(describe(lw))") }
        let slot = lockSlotOf(lw)
        if (lockDangling(lw) || ptlPageFreed(s, slot)) && on(.useAfterFree) {
            let verb = p == .unlock || p == .readUnlock || p == .writeUnlock ? "releases" : "takes"
            return fault(.useAfterFree, "thread \(model.threads[t].name) \(verb) \(model.lockSlots[slot].name) (\(p.signature.name)), inside a page-table page freed after its walk")
        }
        let vo = vmaOfLock[slot]
        if vo >= 0 && !vmaHas(s, vo, Model.VMAState.priv) {
            if vmaHas(s, vo, Model.VMAState.freed) && on(.useAfterFree) {
                return fault(.useAfterFree, "thread \(model.threads[t].name) calls \(p.signature.name) on the vma_lock of \(model.world.vmas[vo].name), which was freed with its VMA (remove_vma)")
            }
            // vm_private_data == NULL: hugetlb_vma_lock_*/unlock_* do nothing and
            // hugetlb_vma_trylock_write returns 1 (§1.2).
            if dst >= 0 { s[localW(t, Int(dst))] = mkInt(1) }
            return nil
        }
        let o = lockOff[slot]
        let me = Word(t + 1)
        let bit = Word(1) << Word(t)
        let isRW = lockRW[slot]
        var l: LockSlot { model.lockSlots[slot] }
        switch p {
        case .lock, .readLock, .writeLock:
            if (p == .lock) == isRW {
                return modelError(isRW ? "\(l.name) is an rw_semaphore: use read_lock or write_lock" : "\(l.name) is a \(l.kind.rawValue): use lock/unlock")
            }
            let v = lockOrderCheck(s, t, slot)
            switch p {
            case .lock: s[o] = me
            case .readLock: s[o + 1] |= bit
            default:
                if s[o] == 0 && s[o + 1] == 0 { s[o] = me; s[o + 2] &= ~bit }
                else { s[o + 2] |= bit; advance = false }   // queued: blocks new readers
            }
            return v
        case .trylock, .readTrylock, .writeTrylock:
            if (p == .trylock) == isRW { return modelError("\(p.signature.name) does not fit \(l.name), a \(l.kind.rawValue)") }
            var ok = false
            switch p {
            case .trylock: if s[o] == 0 { s[o] = me; ok = true }
            case .readTrylock: if s[o] == 0 && s[o + 2] == 0 { s[o + 1] |= bit; ok = true }
            default: if s[o] == 0 && s[o + 1] == 0 && s[o + 2] == 0 { s[o] = me; ok = true }   // fails while a writer is queued (RWSEM_FLAG_WAITERS)
            }
            if dst >= 0 { s[localW(t, Int(dst))] = mkInt(ok ? 1 : 0) }
            return nil
        default:
            let held: Bool
            switch p {
            case .unlock:
                if isRW { return modelError("\(l.name) is an rw_semaphore: use read_unlock or write_unlock") }
                held = s[o] == me; if held { s[o] = 0 }
            case .readUnlock:
                if !isRW { return modelError("\(l.name) is not an rw_semaphore") }
                held = s[o + 1] & bit != 0; if held { s[o + 1] &= ~bit }
            default:
                if !isRW { return modelError("\(l.name) is not an rw_semaphore") }
                held = s[o] == me; if held { s[o] = 0 }
            }
            if !held && on(.lockBalance) {
                return fault(.lockBalance, "thread \(model.threads[t].name) releases \(l.name) (\(p.signature.name)) without holding it")
            }
            return nil
        }
    }

}
