/// Where things live in a packed state: thread words, entries, pages, VMA state words.
extension Machine {
    @inline(__always) func pcW(_ t: Int) -> Int { tBase[t] }
    @inline(__always) func flagsW(_ t: Int) -> Int { tBase[t] + 1 }
    @inline(__always) func waitMsgW(_ t: Int) -> Int { tBase[t] + 2 }
    @inline(__always) func waitRealW(_ t: Int) -> Int { tBase[t] + 3 }
    @inline(__always) func localW(_ t: Int, _ slot: Int) -> Int { tBase[t] + Machine.threadHeader + slot }
    @inline(__always) func gatherW(_ t: Int, _ page: Int) -> Int { model.gatherWord(t, page) }
    @inline(__always) func heldW(_ t: Int, _ page: Int) -> Int { model.heldWord(t, page) }
    @inline(__always) func treeBaseOf(_ v: Int, _ hp: Int) -> Int { treeBases[v * 8 + hp] }
    @inline(__always) func entryW(_ v: Int, _ hp: Int, _ pos: Int) -> Int { treeBases[v * 8 + hp] + pos }
    @inline(__always) func liveW(_ v: Int, _ hp: Int) -> Int { treeBases[v * 8 + hp] + positions }
    @inline(__always) func pageW(_ p: Int, _ f: Int) -> Int { pagesBase + p * Model.pageWords + f }
    @inline(__always) func depthOf(_ pos: Int) -> Int { pDepth[pos] }
    @inline(__always) func parentOf(_ pos: Int) -> Int { pParent[pos] }
    @inline(__always) func offsetOf(_ pos: Int) -> Int { pOffset[pos] }
    @inline(__always) func sizeAt(_ k: Int) -> Int { dSize[k] }
    @inline(__always) func baseAt(_ k: Int) -> Int { dBase[k] }
    @inline(__always) func canonicalPTL(_ h: HPTE) -> Int { canonLock[(h.tree * 8 + h.hp) * positions + h.pos] }
    @inline(__always) func hptePTL(_ h: HPTE) -> Int {
        h.ptlExplicit ? tableLock[(h.tree * 8 + h.hp) * positions + h.pos] : defaultLock[(h.tree * 8 + h.hp) * positions + h.pos]
    }
    /// The words of the entry a walk result names (in the root table it went through).
    @inline(__always) func entryW(_ h: HPTE) -> Int { treeBases[h.tree * 8 + h.hp] + h.pos }

    // MARK: - VMA state (split, vm_private_data, remove_vma, PUD -> PMD table)
    @inline(__always) func vmaW(_ v: Int) -> Int { vmaStateBase + v }
    @inline(__always) func vmaHas(_ s: UnsafePointer<Word>, _ v: Int, _ bit: Word) -> Bool { s[vmaW(v)] & bit != 0 }
    @inline(__always) func vmaField(_ s: UnsafePointer<Word>, _ v: Int, _ shift: Word) -> Int {
        Int((s[vmaW(v)] >> shift) & Model.VMAState.fieldMask)
    }
    @inline(__always) func setVMAField(_ s: UnsafeMutablePointer<Word>, _ v: Int, _ shift: Word, _ x: Int) {
        s[vmaW(v)] = (s[vmaW(v)] & ~(Model.VMAState.fieldMask << shift)) | (Word(x) << shift)
    }
    /// The root table V's PUD points to (a VMA tree index), or -1 when the PUD is none.
    @inline(__always) func pudTree(_ s: UnsafePointer<Word>, _ v: Int) -> Int { vmaField(s, v, Model.VMAState.pudShift) - 1 }
    /// The root table a walk through V goes through now: V's own, or with PMD sharing
    /// whatever V's PUD points to (-1: none).
    @inline(__always) func walkTree(_ s: UnsafePointer<Word>, _ v: Int) -> Int { pmdSharing ? pudTree(s, v) : v }
    /// Whether the walk result went through a root table that is freed, or no longer the
    /// one the walker's PUD points to (unshared after the walk: R1, R2).
    @inline(__always) func rootStale(_ s: UnsafePointer<Word>, _ h: HPTE) -> Bool {
        pmdSharing && (pudTree(s, h.vma) != h.tree || vmaField(s, h.tree, Model.VMAState.refShift) == 0)
    }
    /// Whether the root table a walk result went through has been freed since.
    @inline(__always) func rootFreed(_ s: UnsafePointer<Word>, _ h: HPTE) -> Bool {
        pmdSharing && vmaField(s, h.tree, Model.VMAState.refShift) == 0
    }

}
