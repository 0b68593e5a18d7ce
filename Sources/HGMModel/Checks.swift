/// Checks on whole states: the built-in state invariants (after every step), user
/// invariants, and the checks on states where no thread can move (deadlock, lost wakeup,
/// leaked references).
extension Machine {
    /// The first violated state invariant not in `skip` (violations already reported), or
    /// nil. Call again with the result added to `skip` to get the next one.
    public func checkState(_ s: UnsafeMutablePointer<Word>, skip skipSet: ViolationSet = .empty) -> ViolationID? {
        let skip = skipSet.bits
        @inline(__always) func on(_ i: Invariant) -> Bool { self.on(i) && skip & (1 << UInt64(ViolationID(i).index)) == 0 }
        let w = model.world
        let positions = positions
        let last = nLevels - 1
        let lastBase = baseAt(last)
        var leaves = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var migrations = leaves
        var truncated = false
        if on(.truncation) {
            for t in 0..<nThreads where s[flagsW(t)] & 1 != 0 && finished(s, t) { truncated = true; break }
        }
        let isize = Int(s[isizeWord])
        for (v, vm) in w.vmas.enumerated() where vm.splitFrom == nil {    // a split-off VMA's tables are its parent's
            for hp in 0..<vm.pages {
                let base = treeBaseOf(v, hp)
                let live = s[base + positions]
                for pos in 0..<positions {
                    if pos > 0 && live & (Word(1) << Word(parentOf(pos))) == 0 { continue }
                    let e = s[base + pos]
                    guard e & 0xF == Tag.entry.rawValue else { continue }
                    let ev = PTEValue(e)
                    // Present leaves count in mapcount and refcount; migration entries only in
                    // refcount (rmap removed at install, re-added on restore: §4 inv. 1).
                    guard ev.kind == .leaf || ev.kind == .migration || ev.kind == .hwpoison else { continue }
                    if pos < lastBase && live & (Word(1) << Word(pos)) != 0 && on(.doubleCoverage) {
                        return fault(.doubleCoverage, "\(entryName(vma: v, hp: hp, pos: pos)) is a \(ev.kind == .leaf ? "leaf" : "\(ev.kind.name) entry") with a live table below it")
                    }
                    if ev.kind == .hwpoison { continue }
                    if ev.kind == .leaf {
                        withUnsafeMutableBytes(of: &leaves) { $0.bindMemory(to: Int.self)[ev.page & 15] += 1 }
                    } else {
                        withUnsafeMutableBytes(of: &migrations) { $0.bindMemory(to: Int.self)[ev.page & 15] += 1 }
                    }
                    if on(.alignment) {
                        let wantSub = offsetOf(pos)
                        let idx = Int(s[pageW(ev.page, Model.PageField.index)])
                        if ev.sub != wantSub || (idx >= 0 && idx != vm.pgoff + hp) {   // index -1: a private page, never in the file
                            return fault(.alignment, "\(entryName(vma: v, hp: hp, pos: pos)) \(ev.kind == .leaf ? "maps" : "is a migration entry for") P\(ev.page)+\(ev.sub) (file index \(idx)), but it covers file index \(vm.pgoff + hp) at offset \(wantSub)")
                        }
                    }
                    if truncated && ev.kind == .leaf && vm.pgoff + hp >= isize {
                        return fault(.truncation, "\(entryName(vma: v, hp: hp, pos: pos)) still maps file index \(vm.pgoff + hp) after truncation to \(isize) hugepages")
                    }
                }
            }
        }
        // Leaf counts stay in the on-stack tuple: no allocation on the per-state path.
        return withUnsafeBytes(of: &leaves) { raw -> ViolationID? in
            withUnsafeBytes(of: &migrations) { rawMig -> ViolationID? in
            let counts = raw.bindMemory(to: Int.self)
            let migCounts = rawMig.bindMemory(to: Int.self)
            for p in 0..<nPages {
                let mc = Int(s[pageW(p, Model.PageField.mapcount)])
                if on(.mapcount) && mc != counts[p] {
                    return fault(.mapcount, "mapcount(P\(p)) = \(mc) but \(counts[p]) leaf entr\(counts[p] == 1 ? "y maps" : "ies map") it")
                }
                if on(.refcount) {
                    let flags = s[pageW(p, Model.PageField.flags)]
                    let cache = flags & Model.PageFlag.cached != 0 ? 1 : 0
                    var gathered = 0, held = 0
                    for t in 0..<nThreads { gathered += Int(s[gatherW(t, p)]); held += Int(s[heldW(t, p)]) }
                    let rc = Int(s[pageW(p, Model.PageField.refcount)])
                    let mig = migCounts[p]
                    if rc != cache + counts[p] + mig + gathered + held && flags & Model.PageFlag.allocated != 0 {
                        let migText = mig > 0 ? " + migration entries \(mig)" : ""
                        return fault(.refcount, "refcount(P\(p)) = \(rc) but page cache \(cache) + leaves \(counts[p])\(migText) + deferred puts \(gathered) + held by threads \(held) = \(cache + counts[p] + mig + gathered + held)")
                    }
                }
            }
            if truncated {
                for i in min(isize, w.hugepages)..<w.hugepages where s[cacheBase + i] != 0 {
                    return fault(.truncation, "file index \(i) is still in the page cache after truncation to \(isize) hugepages")
                }
            }
            if on(.sleepInAtomic) {
                let x = sleepsInAtomic(s)
                if let x { return x }
            }
            for (i, inv) in model.userInvariants.enumerated() where skip & (1 << UInt64(builtinCount + i)) == 0 {
                let x = eval(inv.expr, s, -1)
                if evalError {
                    // Reported once (as a model error, which stops the path); never again.
                    evalError = false
                    invariantFailed = true
                    if skip & (1 << UInt64(ViolationID(.modelError).index)) != 0 { continue }
                    return modelError("invariant \(inv.name) (\(inv.location.description)) cannot be evaluated: \(evalErrorText)")
                }
                if x == 0 {
                    let id = ViolationID(index: builtinCount + i)
                    if wantDetail { details[id] = Explanation(text: "invariant \(inv.name) is false", pc: -1) }
                    return id
                }
            }
            return nil
          }
        }
    }

    /// Every state invariant violated in `s` and not in `skip`; and whether the path stops
    /// at `s`: a stopping violation, or a user invariant that cannot be evaluated (a model
    /// error, stopping the path even when already reported).
    public func stateViolations(_ s: UnsafeMutablePointer<Word>, skip: ViolationSet) -> (raised: ViolationSet, stops: Bool) {
        var found = ViolationSet(), sk = skip
        invariantFailed = false
        while let v = checkState(s, skip: sk) {
            found.insert(v)
            sk.insert(v)
        }
        return (found, found.stopsPath || invariantFailed)
    }

    /// sleep-in-atomic: a thread whose next step may sleep (a mutex or rwsem acquisition,
    /// lock_page, uffd_sleep), whether or not it would block now, while it holds a spinlock.
    /// Checked on the state, so a sleep that never gets to run (blocked for ever) counts too,
    /// as might_sleep() fires at the call. A no-op vma_lock (no vm_private_data) does not sleep.
    func sleepsInAtomic(_ s: UnsafeMutablePointer<Word>) -> ViolationID? {
        guard spinSlots.count > 0 else { return nil }
        for t in 0..<nThreads {
            guard case .prim(let p, _, let args, _) = ops[Int(s[pcW(t)])], p.blocks else { continue }
            // The spinlock held first (cheap), then what the call would take.
            var held = -1
            for i in spinSlots where holds(s, t, i) { held = i; break }
            guard held >= 0 else { continue }
            let spin = held
            var what = "uffd_sleep"
            if p != .uffdSleep {
                let lw = eval(argList[Int(args)], s, t)
                if evalError { evalError = false; continue }      // the step itself reports it
                guard tagOf(lw) == .lock else { continue }
                let slot = lockSlotOf(lw)
                if lockSpin[slot] { continue }
                if vmaOfLock[slot] >= 0 && !vmaHas(s, vmaOfLock[slot], Model.VMAState.priv) { continue }
                what = "\(p.signature.name)(\(model.lockSlots[slot].name))"
            }
            return fault(.sleepInAtomic, "thread \(model.threads[t].name) calls \(what), which may sleep, while holding the spinlock \(model.lockSlots[spin].name) (BUG: sleeping function called from invalid context)")
        }
        return nil
    }

    /// Checks a state where no thread can move: every selected stuck-state invariant is
    /// evaluated (deadlock and lost wakeups can hold together), each raising its bit in
    /// the returned set (empty: none). (Leaked references are checked when a thread returns.)
    public func checkStuck(_ s: UnsafeMutablePointer<Word>) -> ViolationSet {
        raised = 0
        var others: [Int] = []
        for t in 0..<nThreads where !finished(s, t) {
            if case .prim(.uffdSleep, _, _, _) = ops[Int(s[pcW(t)])] {
                let real = Int(s[waitRealW(t)]) - 1
                if real >= 0 && real < model.wokenAddresses && UInt32(bitPattern: s[wokenWord + real / 32]) & (UInt32(1) << UInt32(real % 32)) != 0 && on(.lostWakeup) {
                    _ = fault(.lostWakeup, "thread \(model.threads[t].name) sleeps on a userfault at \(real) (message address \(Int(s[waitMsgW(t)]) - 1)) although a completed UFFDIO_CONTINUE woke that address\(mapped(s, real) ? " and it is mapped" : ""); nothing will wake it")
                }
                continue
            }
            others.append(t)
        }
        if !others.isEmpty && on(.deadlock) {
            _ = fault(.deadlock, "no thread can move; blocked: " + others.map { t -> String in
                let pc = Int(s[pcW(t)])
                return "\(model.threads[t].name) at \(model.info[pc].location.description) (\(model.info[pc].statement))" + waitsFor(s, t)
            }.joined(separator: "; "))
        }
        return ViolationSet(bits: raised)
    }

    /// For a message: the lock a blocked thread waits for and who holds it (naming a holder
    /// asleep on a userfault), or "".
    func waitsFor(_ s: UnsafeMutablePointer<Word>, _ t: Int) -> String {
        guard wantDetail, case .prim(let p, _, let args, _) = ops[Int(s[pcW(t)])], p.blocks, p != .uffdSleep else { return "" }
        let lw = eval(argList[Int(args)], s, t)
        if evalError { evalError = false; return "" }
        guard tagOf(lw) == .lock else { return "" }
        let slot = lockSlotOf(lw)
        let holders = (0..<nThreads).filter { $0 != t && holds(s, $0, slot) }.map { u -> String in
            var h = model.threads[u].name
            if case .prim(.uffdSleep, _, _, _) = ops[Int(s[pcW(u)])] { h += " (asleep on a userfault, waiting for userspace)" }
            return h
        }
        let queued = lockRW[slot] && s[lockOff[slot] + 2] != 0 ? ", a writer queued" : ""
        return ", waiting for \(model.lockSlots[slot].name)" + (holders.isEmpty ? queued.isEmpty ? "" : " (\(queued.dropFirst(2)))" : " held by " + holders.joined(separator: ", ") + queued)
    }

    /// Whether a state where no thread can move has ended, for livelock: every thread has
    /// returned or sleeps on a userfault (waiting for userspace, which `deadlock` does not
    /// count either).
    public func ended(_ s: UnsafePointer<Word>) -> Bool {
        for t in 0..<nThreads where !finished(s, t) {
            guard case .prim(.uffdSleep, _, _, _) = ops[Int(s[pcW(t)])] else { return false }
        }
        return true
    }

    /// Whether a present leaf covers the address.
    func mapped(_ s: UnsafeMutablePointer<Word>, _ a: Int) -> Bool {
        guard let (v, hp, off) = locate(a, s) else { return false }
        let tree = walkTree(s, v)
        guard tree >= 0 else { return false }
        let base = treeBaseOf(tree, hp)
        let live = s[base + positions]
        var pos = 0
        for k in 0..<nLevels {
            pos = g.pos(depth: k, offset: off)
            if k > 0 && live & (Word(1) << Word(parentOf(pos))) == 0 { return false }
            let e = PTEValue(s[base + pos])
            if e.kind == .leaf { return true }
            if e.kind != .table { return false }
        }
        return false
    }
}
