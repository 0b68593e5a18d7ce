/// VMA lifecycle and PMD-table sharing: the primitives that change a VMA's state word
/// (`Model.VMAState`). Each is one step, as the kernel runs it under the caller's locks.
///
/// - `split_vma(V, NEW, hgm)`: __split_vma at NEW's `at` (§5 R6). NEW (declared
///   `split_from = V`) gets V's tail, in the same page tables, a new vma_lock
///   (hugetlb_vm_op_open, 131a79b474e9) and `hgm_enabled = hgm`: false for RFC v2, whose
///   flag lives in the fresh vm_private_data; `hgm_enabled(V)` for v1's inherited
///   VM_HUGETLB_HGM. The caller holds mmap_lock(W) (and i_mmap(W), as vma_adjust does).
/// - `vma_lock_free(V)`: __hugetlb_vma_unlock_write_free / hugetlb_vma_lock_free (§1.2, R7):
///   vm_private_data = NULL. The vma_lock operations on V become no-ops, and hgm_enabled(V)
///   becomes false. A caller holding it for write releases it.
/// - `remove_vma(V)`: the VMA (and its vma_lock) is freed (R8). Any later use of V is a
///   use-after-free.
/// - `find_vma(addr)`: the existing VMA that covers addr, or NULL.
/// - `huge_pmd_share(V)` / `pmd_alloc(V)` / `huge_pmd_unshare(V)` / `free_pgtables(V)`:
///   §2.9. V's PUD points to a root (PMD) table; tables have share counts (the 2022 page
///   refcount); a table whose count drops to 0 is freed. Walk results remember the table
///   they went through, so a later access through one that is freed, or no longer V's
///   (unshared after the walk), is a use-after-free (§5 R1, R2).
///
/// Limits: one PMD table per VMA, reused when the VMA allocates again (no generations: a
/// stale walk result into a freed-and-reallocated table is not told apart; `pmd_alloc`
/// refuses while another VMA still uses the old one). A thread already blocked on a vma_lock
/// that is then freed takes the no-op path when it runs, not a use-after-free.
extension Machine {
    func vmaPrim(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ p: Prim, _ args: Int32, _ dst: Int32) -> ViolationID? {
        typealias B = Model.VMAState
        @inline(__always) func set(_ w: Word) { if dst >= 0 { s[localW(t, Int(dst))] = w } }
        let me = model.threads[t].name, pname = p.signature.name
        let a0 = arg(args, 0, s, t)
        if p == .findVma {
            guard tagOf(a0) == .int else { return modelError("find_vma needs an address, got \(describe(a0))") }
            if let (v, _, _) = locate(intOf(a0), s) { set(mkInt(v)) } else { set(nullWord) }
            return nil
        }
        guard tagOf(a0) == .int, intOf(a0) >= 0, intOf(a0) < model.world.vmas.count else {
            return modelError("\(pname) needs a VMA, got \(describe(a0))")
        }
        let v = intOf(a0), vm = model.world.vmas[v]
        if vmaHas(s, v, B.freed) {
            return on(.useAfterFree) ? fault(.useAfterFree, "thread \(me) calls \(pname) on \(vm.name), which was freed (remove_vma)") : nil
        }
        guard vmaHas(s, v, B.live) else { return modelError("\(pname): \(vm.name) does not exist yet (split_vma creates it)") }
        switch p {
        case .splitVma:
            let nw = arg(args, 1, s, t), hg = arg(args, 2, s, t)
            guard tagOf(nw) == .int, intOf(nw) >= 0, intOf(nw) < model.world.vmas.count, model.world.vmas[intOf(nw)].splitFrom == v else {
                return modelError("split_vma(V, NEW, hgm): NEW must be a VMA declared with split_from = \(vm.name), got \(describe(nw))")
            }
            let n = intOf(nw), nv = model.world.vmas[n]
            guard s[vmaW(n)] & (B.live | B.freed) == 0 else { return modelError("split_vma: \(nv.name) already exists") }
            guard vmaField(s, v, B.pagesShift) == vm.pages else { return modelError("split_vma: \(vm.name) was already split") }
            guard tagOf(hg) == .int else { return modelError("split_vma: hgm must be a boolean, got \(describe(hg))") }
            setVMAField(s, v, B.pagesShift, nv.splitAt)
            s[vmaW(n)] = B.live | B.priv | (intOf(hg) != 0 ? B.hgm : 0) | Word(nv.pages) << B.pagesShift
                | Word(n + 1) << B.pudShift | Word(1) << B.refShift
        case .vmaLockFree, .removeVma:
            if vmaHas(s, v, B.priv) {
                let o = lockOff[vmaLockS[v]], mine = Word(1) << Word(t)
                if s[o] == Word(t + 1) { s[o] = 0 }
                if s[o] != 0 || s[o + 1] != 0 || s[o + 2] & ~mine != 0 {
                    if on(.useAfterFree) {
                        return fault(.useAfterFree, "thread \(me) frees the vma_lock of \(vm.name) while another thread holds or waits for it (\(lockState(s, vmaLockS[v])))")
                    }
                }
                s[o + 1] &= ~mine; s[o + 2] &= ~mine
            }
            s[vmaW(v)] &= ~(B.priv | B.hgm)
            if p == .removeVma { s[vmaW(v)] = (s[vmaW(v)] & ~B.live) | B.freed }
        case .hugePmdShare:
            guard holds(s, t, model.iMmapSlot) else {
                return modelError("huge_pmd_share searches i_mmap: hold i_mmap() around it (the kernel takes it for read inside, §2.9)")
            }
            set(mkInt(0))
            guard shareable(s, v) else { break }
            for u in 0..<model.world.vmas.count where u != v && shareable(s, u) {
                let um = model.world.vmas[u]
                let ut = pudTree(s, u)
                guard um.mm != vm.mm, um.pgoff == vm.pgoff, um.pages == vm.pages, ut >= 0 else { continue }
                // get_page on the table; our PUD none: pud_populate, else put_page.
                if pudTree(s, v) < 0 {
                    setVMAField(s, v, B.pudShift, ut + 1)
                    setVMAField(s, ut, B.refShift, min(15, vmaField(s, ut, B.refShift) + 1))
                }
                set(mkInt(pudTree(s, v) != v ? 1 : 0))
                break
            }
        case .pmdAlloc:
            guard pudTree(s, v) < 0 else { break }
            guard vmaField(s, v, B.refShift) == 0 else {
                return modelError("pmd_alloc: the model has one PMD table per VMA, and \(vm.name)'s old one is still in use by another VMA")
            }
            setVMAField(s, v, B.pudShift, v + 1)
            setVMAField(s, v, B.refShift, 1)
        case .hugePmdUnshare:
            // §2.9: count 1 means not shared (return 0); else pud_clear + put_page.
            let tr = pudTree(s, v)
            guard tr >= 0, vmaField(s, tr, B.refShift) > 1 else { set(mkInt(0)); break }
            setVMAField(s, tr, B.refShift, vmaField(s, tr, B.refShift) - 1)
            setVMAField(s, v, B.pudShift, 0)
            set(mkInt(1))
        case .freePgtables:
            let tr = pudTree(s, v)
            guard tr >= 0 else { break }
            setVMAField(s, v, B.pudShift, 0)
            let left = vmaField(s, tr, B.refShift) - 1
            setVMAField(s, tr, B.refShift, left)
            guard left == 0 else { break }
            let tv = model.world.vmas[tr]
            for hp in 0..<tv.pages {
                let e = PTEValue(s[entryW(tr, hp, 0)])
                if e.kind == .leaf || e.kind == .migration {
                    return modelError("free_pgtables frees \(tv.name)'s PMD table while \(entryName(vma: tr, hp: hp, pos: 0)) still maps a page (zap it first)")
                }
                if e.kind == .table { freeSubtree(s, tr, hp, 0) }
                s[entryW(tr, hp, 0)] = noneEntryWord
            }
        default:
            break
        }
        return nil
    }

    /// want_pmd_share / page_table_shareable (§2.9): an existing shared VMA with its vma_lock,
    /// not HGM-enabled and not registered for uffd minor faults.
    func shareable(_ s: UnsafePointer<Word>, _ v: Int) -> Bool {
        let st = s[vmaW(v)], vm = model.world.vmas[v]
        return st & Model.VMAState.live != 0 && st & Model.VMAState.priv != 0 && st & Model.VMAState.hgm == 0
            && vm.shared && !vm.uffdMinor
    }

    /// The existing VMA covering address `a` now (split_vma and remove_vma change this), with
    /// the hugepage and page offset inside it, or nil.
    func locate(_ a: Int, _ s: UnsafePointer<Word>) -> (vma: Int, hp: Int, off: Int)? {
        for (i, v) in model.world.vmas.enumerated() where s[vmaW(i)] & Model.VMAState.live != 0 {
            let pages = vmaField(s, i, Model.VMAState.pagesShift)
            if a >= v.start && a < v.start + pages * hpPages {
                let rel = a - v.start
                return (i, rel / hpPages, rel % hpPages)
            }
        }
        return nil
    }
}
