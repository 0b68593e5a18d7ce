/// The page-table, page and VMA primitives: their effects and preconditions.
extension Machine {

    @inline(__always) func arg(_ args: Int32, _ i: Int, _ s: UnsafeMutablePointer<Word>, _ t: Int) -> Word {
        eval(argList[Int(args) + i], s, t)
    }

    /// Checks a handle before an access: a model value, not into a freed table, and for a
    /// write, not into a PMD table the walker's mm no longer maps (§5 R1).
    func access(_ s: UnsafePointer<Word>, _ t: Int, _ w: Word, _ what: String, write: Bool = true) -> (HPTE, ViolationID?) {
        guard tagOf(w) == .hpte else { return (HPTE(vma: 0, hp: 0, pos: 0, ptlExplicit: false, dangling: false), modelError("\(what) needs a walk result (hpte), got \(describe(w))")) }
        let h = HPTE(w)
        if h.dangling || (h.pos > 0 && !tableLive(s, h.tree, h.hp, parentOf(h.pos))) {
            if on(.useAfterFree) {
                return (h, fault(.useAfterFree, "thread \(model.threads[t].name) \(what)s through a walk result into a page-table page freed after the walk"))
            }
        } else if rootStale(s, h) && (write || rootFreed(s, h)) && on(.useAfterFree) {
            return (h, fault(.useAfterFree, "thread \(model.threads[t].name) \(what)s through a walk result into \(staleRootText(s, h))"))
        }
        return (h, nil)
    }

    /// Why a walk result's root table is stale, for messages.
    func staleRootText(_ s: UnsafePointer<Word>, _ h: HPTE) -> String {
        let owner = model.world.vmas[h.tree].name, mm = model.world.mms[model.world.vmas[h.vma].mm]
        if vmaField(s, h.tree, Model.VMAState.refShift) == 0 { return "the PMD table of \(owner), freed after the walk" }
        return "the PMD table of \(owner), which \(mm) no longer maps (unshared after the walk)"
    }

    @inline(__always) func tableLive(_ s: UnsafePointer<Word>, _ vma: Int, _ hp: Int, _ slot: Int) -> Bool {
        s[liveW(vma, hp)] & (Word(1) << Word(slot)) != 0
    }

    /// The shared prologue of every entry write: the handle must not dangle (else `v` is the
    /// use-after-free and nil is returned), then the PTL check's result goes into `v`.
    /// Returns the handle and the entry's state word.
    @inline(__always)
    func writeAccess(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ args: Int32, _ what: String, _ v: inout ViolationID?) -> (HPTE, Int)? {
        let (h, e) = access(s, t, arg(args, 0, s, t), what)
        if let e { v = e; return nil }
        v = writeCheck(s, t, h)
        return (h, entryW(h))
    }

    func writeCheck(_ s: UnsafePointer<Word>, _ t: Int, _ h: HPTE) -> ViolationID? {
        let canon = canonicalPTL(h)
        if holds(s, t, canon) { return nil }
        if vmaShared[h.vma] && holdsWrite(s, t, vmaLockS[h.vma]) { return nil }
        let other = hptePTL(h)
        if other != canon && holds(s, t, other) {
            if on(.ptlIdentity) {
                return fault(.ptlIdentity, "thread \(model.threads[t].name) writes \(entryName(h)) under \(model.lockSlots[other].name), but its PTL is \(model.lockSlots[canon].name)")
            }
            return nil
        }
        if on(.ptlHeld) {
            return fault(.ptlHeld, "thread \(model.threads[t].name) writes \(entryName(h)) without holding its PTL \(model.lockSlots[canon].name)")
        }
        return nil
    }

    func prim(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ p: Prim, _ dst: Int32, _ args: Int32, _ argc: Int32, _ advance: inout Bool) -> ViolationID? {
        var v: ViolationID? = nil
        @inline(__always) func set(_ w: Word) { if dst >= 0 { s[localW(t, Int(dst))] = w } }
        @inline(__always) func pageArg(_ i: Int) -> Int? {
            let w = arg(args, i, s, t)
            guard tagOf(w) == .page else { return nil }
            return payload(w)
        }
        switch p {
        case .lock, .readLock, .writeLock, .unlock, .readUnlock, .writeUnlock, .trylock, .readTrylock, .writeTrylock:
            v = lockOp(s, t, p, arg(args, 0, s, t), dst, &advance)
        case .read:
            let (h, e) = access(s, t, arg(args, 0, s, t), "read", write: false)
            if let e { v = e; break }
            set(s[entryW(h)])
        case .descend:
            let (h, e) = access(s, t, arg(args, 0, s, t), "descend", write: false)
            if let e { v = e; break }
            let a = arg(args, 1, s, t)
            guard tagOf(a) == .int else { v = modelError("descend needs an address"); break }
            if vmaShared[h.vma] && !holdsVMALock(s, t, h.vma) && on(.walkUnlocked) {
                v = fault(.walkUnlocked, "thread \(model.threads[t].name) descends below \(entryName(h)) without \(model.lockSlots[vmaLockS[h.vma]].name)")
            }
            let k = depthOf(h.pos)
            guard k + 1 < nLevels else { v = first(v, modelError("descend below the last level")); break }
            // The walker computes the child pointer from the value it read earlier; if that
            // table page is gone now, the descent dereferences freed memory. (A table freed
            // and allocated again in between is not told apart: no generations are kept.)
            if !tableLive(s, h.tree, h.hp, h.pos) {
                if on(.useAfterFree) {
                    v = first(v, fault(.useAfterFree, "thread \(model.threads[t].name) descends below \(entryName(h)) into a table page that was freed (or never allocated)"))
                }
                break
            }
            let off = (intOf(a) - vmaStartA[h.vma]) - h.hp * hpPages
            let start = offsetOf(h.pos)
            guard off >= start && off < start + sizeAt(k) else { v = first(v, modelError("descend: address outside \(entryName(h))")); break }
            let child = g.pos(depth: k + 1, offset: off)
            set(HPTE(vma: h.vma, hp: h.hp, pos: child, ptlExplicit: k + 2 == nLevels, dangling: false).word)
        case .populate:
            guard let (h, w) = writeAccess(s, t, args, "populate", &v) else { break }
            guard depthOf(h.pos) + 1 < nLevels else { v = first(v, modelError("cannot split a \(g.pageShift)-shift entry")); break }
            let ev = PTEValue(s[w])
            if ev.kind != .none && on(.splitFromBlank) {
                v = first(v, fault(.splitFromBlank, "thread \(model.threads[t].name) populates \(entryName(h)), which is \(ev.kind.name), with a table"))
            }
            s[w] = PTEValue(kind: .table).word
            s[liveW(h.tree, h.hp)] |= Word(1) << Word(h.pos)
        case .mapLeaf:
            let (h, e) = access(s, t, arg(args, 0, s, t), "map")
            if let e { v = e; break }
            guard let pg = pageArg(1) else { v = modelError("map_leaf needs a page, got \(describe(arg(args, 1, s, t)))"); break }
            let a = arg(args, 2, s, t)
            guard tagOf(a) == .int else { v = modelError("map_leaf needs an address"); break }
            v = writeCheck(s, t, h)
            s[entryW(h)] = leafValue(h, pg, intOf(a))
            s[pageW(pg, Model.PageField.mapcount)] += 1
            let hw = heldW(t, pg)
            if s[hw] > 0 { s[hw] -= 1 }   // the caller's lookup reference becomes the mapping's reference
        case .zap:
            guard let (h, w) = writeAccess(s, t, args, "zap", &v) else { break }
            let ev = PTEValue(s[w])
            guard ev.kind == .leaf else { v = first(v, modelError("zap of \(entryName(h)), which is \(ev.kind.name), not a leaf")); break }
            s[w] = noneEntryWord
            s[pageW(ev.page, Model.PageField.mapcount)] -= 1
            s[gatherW(t, ev.page)] += 1
        case .clear, .setMarker:
            guard let (_, w) = writeAccess(s, t, args, "clear", &v) else { break }
            let ev = PTEValue(s[w])
            // A migration entry holds the page reference its leaf had (install_migration):
            // clearing it drops that reference through this thread's deferred puts.
            if ev.kind == .migration { s[gatherW(t, ev.page)] += 1 }
            s[w] = PTEValue(kind: p == .clear ? .none : .marker).word
        case .installMigration:
            // §2.10 try_to_migrate_one: LEAF -> MIGRATION(page, subpage); page_remove_rmap
            // (mapcount -1, §4 inv. 1); the mapping's page reference moves to the entry.
            guard let (h, w) = writeAccess(s, t, args, "install_migration", &v) else { break }
            let ev = PTEValue(s[w])
            guard ev.kind == .leaf else { v = first(v, modelError("install_migration on \(entryName(h)), which is \(ev.kind.name), not a leaf")); break }
            s[w] = PTEValue(kind: .migration, page: ev.page, sub: ev.sub).word
            s[pageW(ev.page, Model.PageField.mapcount)] -= 1
        case .removeMigration:
            // §2.10 remove_migration_pte: MIGRATION -> LEAF(page, subpage of addr);
            // page_dup_file_rmap (mapcount +1); the entry's reference becomes the leaf's.
            let (h, e) = access(s, t, arg(args, 0, s, t), "remove_migration")
            if let e { v = e; break }
            guard let pg = pageArg(1) else { v = modelError("remove_migration needs a page, got \(describe(arg(args, 1, s, t)))"); break }
            let a = arg(args, 2, s, t)
            guard tagOf(a) == .int else { v = modelError("remove_migration needs an address"); break }
            v = writeCheck(s, t, h)
            let w = entryW(h)
            let ev = PTEValue(s[w])
            guard ev.kind == .migration else { v = first(v, modelError("remove_migration on \(entryName(h)), which is \(ev.kind.name), not a migration entry")); break }
            s[w] = leafValue(h, pg, intOf(a))
            s[pageW(pg, Model.PageField.mapcount)] += 1
            if pg != ev.page {      // restored to another page: the reference moves with it
                s[pageW(ev.page, Model.PageField.refcount)] -= 1
                s[pageW(pg, Model.PageField.refcount)] += 1
                recycle(s, ev.page)
            }
        case .installHwpoison:
            // Memory failure: any entry but a table -> HWPOISON. A leaf's rmap is removed
            // (mapcount -1); a leaf's or migration entry's reference becomes a deferred put.
            guard let (h, w) = writeAccess(s, t, args, "install_hwpoison", &v) else { break }
            let ev = PTEValue(s[w])
            guard ev.kind != .table else { v = first(v, modelError("install_hwpoison on \(entryName(h)), which is a table")); break }
            if ev.kind == .leaf { s[pageW(ev.page, Model.PageField.mapcount)] -= 1 }
            if ev.kind == .leaf || ev.kind == .migration { s[gatherW(t, ev.page)] += 1 }
            s[w] = PTEValue(kind: .hwpoison).word
        case .isolateHugetlb, .putbackHugetlb:
            // isolate_hugetlb clears HPageMigratable (it doubles as the isolation flag) and
            // fails on a page already isolated or not migratable; putback_active_hugepage sets it.
            guard let pg = pageArg(0) else { v = modelError("\(p.signature.name) needs a page"); break }
            let fw = pageW(pg, Model.PageField.flags)
            if p == .isolateHugetlb {
                let ok = s[fw] & Model.PageFlag.notMigratable == 0
                if ok { s[fw] |= Model.PageFlag.notMigratable }
                set(mkInt(ok ? 1 : 0))
            } else {
                s[fw] &= ~Model.PageFlag.notMigratable
            }
        case .freeTables:
            let (h, e) = access(s, t, arg(args, 0, s, t), "free tables")
            if let e { v = e; break }
            if !(vmaShared[h.vma] && holdsWrite(s, t, vmaLockS[h.vma])) && on(.freeUnlocked) {
                v = fault(.freeUnlocked, "thread \(model.threads[t].name) frees the tables below \(entryName(h)) without \(model.lockSlots[vmaLockS[h.vma]].name) held for write")
            }
            let w = entryW(h)
            guard PTEValue(s[w]).kind == .table else { v = first(v, modelError("free_tables of \(entryName(h)), which is not a table")); break }
            freeSubtree(s, h.tree, h.hp, h.pos)
            s[w] = noneEntryWord
        case .splitVma, .vmaLockFree, .removeVma, .findVma, .hugePmdShare, .pmdAlloc, .hugePmdUnshare, .freePgtables:
            v = vmaPrim(s, t, p, args, dst)
        case .findGetPage:
            let i = arg(args, 0, s, t)
            guard tagOf(i) == .int, intOf(i) >= 0, intOf(i) < model.world.hugepages else { v = modelError("find_get_page: index \(describe(i)) is outside the file"); break }
            let c = Int(s[cacheBase + intOf(i)])
            if c == 0 { set(nullWord); break }
            s[pageW(c - 1, Model.PageField.refcount)] += 1
            s[heldW(t, c - 1)] += 1
            set(mkPage(c - 1))
        case .putPage:
            guard let pg = pageArg(0) else { v = modelError("put_page needs a page"); break }
            s[pageW(pg, Model.PageField.refcount)] -= 1
            let hw = heldW(t, pg)
            if s[hw] > 0 { s[hw] -= 1 }
            recycle(s, pg)
        case .pageInCache:
            guard let pg = pageArg(0) else { v = modelError("page_in_cache needs a page"); break }
            set(mkInt(s[pageW(pg, Model.PageField.flags)] & Model.PageFlag.cached != 0 ? 1 : 0))
        case .allocPage:
            var got = nullWord
            for pg in 0..<nPages where s[pageW(pg, Model.PageField.flags)] & Model.PageFlag.allocated == 0 {
                s[pageW(pg, Model.PageField.flags)] |= Model.PageFlag.allocated
                s[pageW(pg, Model.PageField.refcount)] = 1
                s[heldW(t, pg)] = 1
                got = mkPage(pg)
                break
            }
            set(got)
        case .addToCache:
            guard let pg = pageArg(0) else { v = modelError("add_to_page_cache needs a page"); break }
            let i = arg(args, 1, s, t)
            guard tagOf(i) == .int, intOf(i) >= 0, intOf(i) < model.world.hugepages else { v = modelError("add_to_page_cache: index outside the file"); break }
            let cw = cacheBase + intOf(i)
            if s[cw] != 0 { set(mkInt(-17)); break }
            let lo = lockOff[pageLock0 + pg]
            if s[lo] != 0 && s[lo] != Word(t + 1) { v = modelError("add_to_page_cache of a page locked by another thread"); break }
            s[lo] = Word(t + 1)        // the new page enters the cache locked
            s[cw] = Word(pg + 1)
            s[pageW(pg, Model.PageField.flags)] |= Model.PageFlag.cached
            s[pageW(pg, Model.PageField.index)] = Word(intOf(i))
            s[pageW(pg, Model.PageField.refcount)] += 1
            set(mkInt(0))
        case .deleteFromCache:
            guard let pg = pageArg(0) else { v = modelError("delete_from_page_cache needs a page"); break }
            let fw = pageW(pg, Model.PageField.flags)
            if s[fw] & Model.PageFlag.cached != 0 {
                s[fw] &= ~Model.PageFlag.cached
                s[cacheBase + Int(s[pageW(pg, Model.PageField.index)])] = 0
                s[pageW(pg, Model.PageField.refcount)] -= 1
                recycle(s, pg)
            }
        case .pageHwpoison, .pageMigratable, .pageMapped:
            guard let pg = pageArg(0) else { v = modelError("\(p.signature.name) needs a page"); break }
            let f = s[pageW(pg, Model.PageField.flags)]
            let r: Bool = p == .pageHwpoison ? f & Model.PageFlag.hwpoison != 0
                : p == .pageMigratable ? f & Model.PageFlag.notMigratable == 0
                : s[pageW(pg, Model.PageField.mapcount)] > 0
            set(mkInt(r ? 1 : 0))
        case .load, .store:
            let r = arg(args, 0, s, t)
            guard tagOf(r) == .variable else { v = modelError("\(p.signature.name) needs a shared variable (declared with var in the world), got \(describe(r))"); break }
            let w = model.variablesBase + payload(r)
            if p == .load { set(mkInt(Int(s[w]))); break }
            let x = arg(args, 1, s, t)
            guard tagOf(x) == .int else { v = modelError("store needs a number, got \(describe(x))"); break }
            s[w] = Word(intOf(x))
        case .isizeRead:
            set(mkInt(Int(s[isizeWord])))
        case .isizeWrite:
            let n = arg(args, 0, s, t)
            guard tagOf(n) == .int, intOf(n) >= 0 else { v = modelError("i_size_write needs a size in hugepages"); break }
            s[isizeWord] = Word(intOf(n))
            s[flagsW(t)] |= 1
        case .uffdEnqueue:
            let msg = arg(args, 0, s, t), real = arg(args, 1, s, t)
            guard tagOf(msg) == .int, tagOf(real) == .int else { v = modelError("uffd_enqueue needs addresses"); break }
            s[waitMsgW(t)] = Word(intOf(msg) + 1)
            s[waitRealW(t)] = Word(intOf(real) + 1)
        case .uffdSleep, .uffdDequeue:
            s[waitMsgW(t)] = 0
            s[waitRealW(t)] = 0
        case .wakeRange:
            let a = arg(args, 0, s, t), n = arg(args, 1, s, t)
            guard tagOf(a) == .int, tagOf(n) == .int else { v = modelError("wake_range needs a start and a length"); break }
            for u in 0..<nThreads {
                let m = Int(s[waitMsgW(u)]) - 1
                if m >= 0 && m >= intOf(a) && m < intOf(a) + intOf(n) { s[waitMsgW(u)] = 0 }
            }
            let lo = max(0, intOf(a)), hi = min(model.wokenAddresses, max(0, intOf(a) + intOf(n)))
            if lo < hi { for x in lo..<hi { s[wokenWord + x / 32] |= Word(bitPattern: UInt32(1) << UInt32(x % 32)) } }
        case .tlbFinish:
            for pg in 0..<nPages {
                let gw = gatherW(t, pg)
                if s[gw] != 0 {
                    s[pageW(pg, Model.PageField.refcount)] -= s[gw]
                    s[gw] = 0
                    recycle(s, pg)      // free_huge_page at tlb_finish_mmu (R7(b))
                }
            }
        }
        if evalError { evalError = false; v = first(v, modelError(evalErrorText)) }
        return v
    }

    /// With `recycle_pages`, a page whose last reference is gone (refcount 0, not cached,
    /// not mapped) returns to the free pool (free_huge_page); alloc_huge_page may reuse it.
    @inline(__always) func recycle(_ s: UnsafeMutablePointer<Word>, _ pg: Int) {
        guard recyclePages, s[pageW(pg, Model.PageField.refcount)] == 0, s[pageW(pg, Model.PageField.mapcount)] == 0,
              s[pageW(pg, Model.PageField.flags)] & Model.PageFlag.cached == 0 else { return }
        s[pageW(pg, Model.PageField.flags)] &= ~Model.PageFlag.allocated
        s[pageW(pg, Model.PageField.index)] = -1
    }

    /// The leaf an entry gets for `page` at address `addr`: the subpage of `addr`, aligned
    /// down to the entry's size (`hugetlb_find_subpage` + `make_huge_pte_with_shift`).
    @inline(__always) func leafValue(_ h: HPTE, _ page: Int, _ addr: Int) -> Word {
        let size = sizeAt(depthOf(h.pos))
        let off = ((addr - vmaStartA[h.vma]) % hpPages + hpPages) % hpPages
        return PTEValue(kind: .leaf, page: page, sub: off - off % size).word
    }

    /// Frees the table below `pos` and every table below that; marks every walk result into
    /// them dangling (a later access through one is a use-after-free).
    func freeSubtree(_ s: UnsafeMutablePointer<Word>, _ vma: Int, _ hp: Int, _ pos: Int) {
        guard depthOf(pos) + 1 < nLevels, tableLive(s, vma, hp, pos) else { return }
        let k = depthOf(pos)
        let firstChild = baseAt(k + 1) + (pos - baseAt(k)) * g.fanout
        for c in firstChild..<(firstChild + g.fanout) {
            freeSubtree(s, vma, hp, c)
            s[entryW(vma, hp, c)] = noneEntryWord
        }
        s[liveW(vma, hp)] &= ~(Word(1) << Word(pos))
        for t in 0..<nThreads {
            for l in 0..<model.threads[t].locals {
                let w = localW(t, l)
                guard tagOf(s[w]) == .hpte else { continue }
                var h = HPTE(s[w])
                if treeBaseOf(h.tree, h.hp) == treeBaseOf(vma, hp) && h.pos > 0 && parentOf(h.pos) == pos {
                    h.dangling = true
                    s[w] = h.word
                }
            }
        }
    }

}
