/// The thread roles: kernel-like skeletons (a CONTINUE that splits and maps, a fault, an
/// unmap/collapse, a truncation, userfault sleepers and wakers, VMA split/free/readers) and
/// small synchronisation patterns (nested locks, counters, spin-waits, atomic blocks with
/// early exits), each with deliberate mutations (a dropped unlock, a swapped order, a
/// skipped PTL, a free without the write lock ...), plus free random statements.
enum Role: String, CaseIterable {
    case locks, counter, spinWait, setter, atomicExit, continueSplit, fault, unmap, truncate, cacheUser
    case uffdWait, waker, vmaSplit, vmaFree, vmaReader, random, modelError

    /// Roles written against `Env` (they can run as `proc t(vma, addr)`).
    var takesParameters: Bool {
        switch self {
        case .locks, .continueSplit, .fault, .unmap, .cacheUser, .uffdWait, .random: true
        default: false
        }
    }
}

extension SpecBuilder {
    mutating func chooseRole(_ t: Int, of n: Int) -> Role {
        let table: [(Role, Int)] = [
            (.locks, 12), (.counter, 6), (.spinWait, 8), (.setter, 3), (.atomicExit, 9), (.continueSplit, 11),
            (.fault, 9), (.unmap, 11), (.truncate, 5), (.cacheUser, 5), (.uffdWait, 5), (.waker, 3),
            (.vmaSplit, splitVMA ? 6 : 0), (.vmaFree, 3), (.vmaReader, 5), (.random, 12), (.modelError, 1),
        ]
        return table[rng.weighted(table.map(\.1))].0
    }

    mutating func run(_ role: Role, _ e: Env, mutate: Bool) {
        switch role {
        case .locks: locks(e, mutate)
        case .counter: counter(mutate)
        case .spinWait: spinWait(mutate)
        case .setter: setter(mutate)
        case .atomicExit: atomicExit(mutate)
        case .continueSplit: continueSplit(e, mutate)
        case .fault: fault(e, mutate)
        case .unmap: unmap(e, mutate)
        case .truncate: truncate(e, mutate)
        case .cacheUser: cacheUser(e, mutate)
        case .uffdWait: uffdWait(e, mutate)
        case .waker: waker(mutate)
        case .vmaSplit: vmaSplit(mutate)
        case .vmaFree: vmaFree(mutate)
        case .vmaReader: vmaReader(mutate)
        case .random: randomStatements(e, count: rng.inRange(2, 6))
        case .modelError: modelError(e)
        }
        emit("return 0")
    }

    /// A mutation index for a role with `n` mutations, or nil when it runs unmutated.
    mutating func mutation(_ mutate: Bool, _ n: Int) -> Int? { mutate ? rng.below(n) : nil }

    /// A mutation index drawn with relative weights, or nil when unmutated.
    mutating func mutation(_ mutate: Bool, weights: [Int]) -> Int? { mutate ? rng.weighted(weights) : nil }

    // MARK: - Locks and shared variables

    /// Nested acquisitions in canonical order around a little shared-variable work.
    mutating func locks(_ e: Env, _ mutate: Bool) {
        var ls = pickLocks(e, rng.inRange(1, 3))
        let m = mutation(mutate, 6)
        if m == 0 { ls.reverse() }                                  // misordered
        let writes = ls.map { _ in rng.chance(50) }
        if rng.chance(25), let l = ls.first {                       // a trylock section first
            let ok = "ok\(lines.count)"
            emit("\(ok) = \(tryAcquire(l, write: writes[0]))")
            block("if \(ok)") { b in
                b.emit("store(c, 1)")
                if m != 5 { b.emit(b.release(l, write: writes[0])) }   // 5: the trylock's unlock forgotten
            }
        }
        for (i, l) in ls.enumerated() {
            emit(acquire(l, write: writes[i]))
            if m == 3 && i == 0 { emit(acquire(l, write: writes[i])) }   // recursive acquisition
        }
        randomSharedWork()
        for (i, l) in ls.enumerated().reversed() {
            if m == 1 && i == ls.count - 1 { continue }                  // an unlock dropped
            if m == 4 && l.kind == .rwsem {                            // released in the wrong mode
                emit(release(l, write: !writes[i])); continue
            }
            emit(release(l, write: writes[i]))
            if m == 2 && i == 0 { emit(release(l, write: writes[i])) }   // released twice
        }
    }

    /// One or two statements on the shared variables.
    mutating func randomSharedWork() {
        switch rng.below(5) {
        case 0: emit("store(flag, \(rng.inRange(0, 1)))")
        case 1: emit("x = load(c)"); emit("store(c, x + 1)")
        case 2: emit("x = load(flag)"); emit("assert x == 0")
        case 3: break
        default: emit("store(c, \(rng.inRange(1, 2)))"); emit("store(c, 0)")
        }
    }

    /// A read-modify-write of `c` under a lock, then a check of what it saw.
    mutating func counter(_ mutate: Bool) {
        let m = mutation(mutate, 3)
        let l = rng.pick(["m0", "s0", "fm[1]"])
        if m != 0 { emit("lock(\(l))") }                            // 0: no lock: a lost update
        emit("x = load(c)")
        emit("store(c, x + 1)")
        if m == 1 { emit("store(flag, 1)"); emit("store(flag, 0)") } // an intermediate state others can see
        if m != 0 { emit("unlock(\(l))") }
        emit("y = load(c)")
        emit(m == 2 ? "assert y == 1, \"only this thread counted\"" : "assert y >= 1 && y <= 4")
    }

    /// Waits for `flag`: an unbounded loop, a goto retry loop, a bounded loop, or a trylock spin.
    mutating func spinWait(_ mutate: Bool) {
        let m = mutation(mutate, 2)
        wantsSetter = true
        switch rng.below(4) {
        case 0:
            emit("while load(flag) == 0 { }")
        case 1:
            let l = freshLabel("retry")
            emit("\(l):")
            emit("x = load(flag)")
            emit("if x == 0 { goto \(l) }")
        case 2:
            emit("n = 0")
            block("while load(flag) == 0 bound \(rng.inRange(1, 3))") { b in b.emit("n = n + 1") }
        default:
            wantsSetter = false
            let l = rng.pick(["m0", "s0"])
            emit("while trylock(\(l)) == 0 { }")
            emit("store(c, 1)")
            if m != 1 { emit("unlock(\(l))") }
        }
        if m == 0 { emit("store(flag, 0)") }                    // consumes the flag for everyone
        emit("store(c, \(rng.inRange(1, 2)))")
    }

    mutating func setter(_ mutate: Bool) {
        let m = mutation(mutate, 2)
        if rng.chance(40) { emit("lock(m0)"); emit("unlock(m0)") }
        if m == 0 { emit("store(flag, 0)") } else { emit("store(flag, 1)") }
        if m == 1 { emit("lock(m0)") }                          // returns holding m0
    }

    /// Atomic blocks left early (return, break, continue, goto) and calls inside atomic
    /// blocks, followed by steps whose atomicity matters to other threads.
    mutating func atomicExit(_ mutate: Bool) {
        switch rng.below(5) {
        case 0:
            let h = freshHelper()
            proc(h, ["x"]) { b in
                b.block("atomic") { b in
                    b.emit("y = load(c)")
                    b.emit("if y == x { return 1 }")
                    b.emit("store(c, y + 1)")
                }
                b.emit("return 0")
            }
            emit("r = \(h)(\(rng.below(2)))")
        case 1:
            emit("i = 0")
            block("while i < 2 bound 3") { b in
                b.block("atomic") { b in
                    b.emit("i = i + 1")
                    b.emit("x = load(c)")
                    b.emit(b.rng.chance(50) ? "if x == 0 { break }" : "if x == 0 { continue }")
                    b.emit("store(c, 0)")
                }
            }
        case 2:
            let l = freshLabel("out")
            block("atomic") { b in
                b.emit("x = load(c)")
                b.emit("if x == 0 { goto \(l) }")
                b.emit("store(c, 1)")
            }
            emit("store(c, 2)")
            emit("\(l):")
        case 3:
            // A non-blocking helper called inside an atomic block.
            let h = freshHelper()
            proc(h, []) { b in
                b.emit("ok = trylock(m1)")
                b.emit("if ok { unlock(m1); return 1 }")
                b.emit("return load(c)")
            }
            block("atomic") { b in
                b.emit("r = \(h)()")
                b.emit("store(c, r)")
            }
        default:
            emit("x = load(c)")
            block("atomic") { b in
                b.emit("if load(flag) == 1 { return 0 }")
                b.emit("store(flag, 1)")
            }
        }
        // What follows the block must be steps of their own.
        if mutate || rng.chance(50) {
            emit("store(flag, 1)")
            emit("store(flag, 0)")
        } else {
            emit("lock(m0)")
            emit("unlock(m0)")
        }
    }

    // MARK: - Page tables

    /// UFFDIO_CONTINUE of one 4K piece: split the hstate entry, map the piece.
    mutating func continueSplit(_ e: Env, _ mutate: Bool) {
        let m = mutation(mutate, 8)
        let a = e.addr
        let alignBug = m == 5
        if m != 0 { emit("read_lock(vma_lock(\(e.vma)))") }          // 0: walk-unlocked
        emit("h = walk(\(a))")
        emit("x = read(h)")
        if m == 2 {                                                   // 2: split-from-blank (no NONE check at all)
            emit("lock(ptl(h))"); emit("populate(h)"); emit("unlock(ptl(h))")
        } else {
            block("if is_none(x)") { b in
                if m != 1 { b.emit("lock(ptl(h))") }                  // 1: ptl-held
                b.emit("if is_none(read(h)) { populate(h) }")
                if m != 1 { b.emit("unlock(ptl(h))") }
            }
        }
        if m == 3 { emit("h2 = descend(h, \(a))") }                 // 3: descend whatever it is
        else {
            emit("x = read(h)")
            emit(m == 0 ? "if !is_table(x) { return 0 }" : "if !is_table(x) { read_unlock(vma_lock(\(e.vma))); return 0 }")
            emit("h2 = descend(h, \(a))")
        }
        emit("p = find_get_page(index(\(a)))")
        block("if !is_null(p)") { b in
            if m == 4 { b.emit("h2 = with_default_ptl(h2)") }         // 4: ptl-identity (hugetlb_pte_populate drops the PTE ptl)
            let l = "ptl(h2)"
            b.emit("lock(\(l))")
            b.block("if is_none(read(h2))") { b in
                // 5: the other subpage (alignment)
                b.emit(alignBug ? "map_leaf(h2, p, hugepage_base(\(a)) + 1 - (\(a) - hugepage_base(\(a))))" : "map_leaf(h2, p, \(a))")
                if m == 6 { b.emit("put_page(p)") }                   // 6: the mapping's reference dropped
                b.orElse()
                if m != 7 { b.emit("put_page(p)") }                   // 7: reference leaked
                else { b.emit("store(c, 1)") }
            }
            b.emit("unlock(\(l))")
        }
        if m != 0 { emit("read_unlock(vma_lock(\(e.vma)))") }
        if rng.chance(30) { emit("wake_range(\(a), 1)") }
    }

    /// A fault at the hstate level: maps the whole hugepage with a 2M leaf.
    mutating func fault(_ e: Env, _ mutate: Bool) {
        let m = mutation(mutate, 7)
        let a = e.addr
        emit("idx = index(\(a))")
        if m != 0 { emit("lock(fm[idx])") }                          // 0: no fault mutex
        emit("read_lock(vma_lock(\(e.vma)))")
        emit("h = walk(\(a))")
        emit("x = read(h)")
        block("if is_none(x)") { b in
            b.emit("p = find_get_page(idx)")
            b.block("if !is_null(p)") { b in
                if m != 1 { b.emit("lock(ptl(h))") }                  // 1: ptl-held
                if m == 6 { b.emit("lock_page(p)"); b.emit("unlock_page(p)") }   // 6: a sleeping lock under the PTL
                if m == 2 { b.emit("map_leaf(h, p, \(a))") }          // 2: no pte_same re-check
                else {
                    b.block("if read(h) == x") { b in
                        // 3: another page of the file (alignment)
                        b.emit(m == 3 && b.pageCount > 1 ? "map_leaf(h, P\(b.pageCount - 1), \(a))" : "map_leaf(h, p, \(a))")
                        b.orElse()
                        b.emit("put_page(p)")
                    }
                }
                if m != 1 { b.emit("unlock(ptl(h))") }
            }
            if b.uffdMissing && b.rng.chance(50) {
                b.block("if is_null(p)") { b in
                    b.emit("read_unlock(vma_lock(\(e.vma)))")
                    if m != 0 { b.emit("unlock(fm[idx])") }
                    b.emit("uffd_enqueue(\(a), \(a))")
                    b.emit("uffd_sleep()")
                    b.emit("return VM_FAULT_RETRY")
                }
            }
        }
        if m == 4 { emit("store(c, 1)"); return }                   // 4: returns holding both locks
        emit("read_unlock(vma_lock(\(e.vma)))")
        if m != 0 && m != 5 { emit("unlock(fm[idx])") }              // 5: fault mutex kept
    }

    /// Unmap (zap) at one address, optionally followed by a collapse back to a 2M leaf.
    mutating func unmap(_ e: Env, _ mutate: Bool) {
        let m = mutation(mutate, weights: [3, 1, 1, 1, 3, 1])
        let a = e.addr
        emit(m == 0 ? "read_lock(vma_lock(\(e.vma)))" : "write_lock(vma_lock(\(e.vma)))")   // 0: free-unlocked
        emit("h = walk(\(a))")
        if m != 1 { emit("lock(ptl(h))") }                            // 1: writes without the PTL
        emit("x = read(h)")
        emit(m == 2 ? "if !is_none(x) && !is_table(x) { clear(h) }" : "if is_leaf(x) { zap(h) }")   // 2: mapcount
        if m != 1 { emit("unlock(ptl(h))") }
        let collapse = m == 4 || rng.chance(50)
        block("if is_table(x)") { b in
            if m != 3 {                                               // 3: tables freed with leaves below
                b.emit("i = 0")
                b.block("while i < 2 bound 2") { b in
                    b.emit("h2 = descend(h, hugepage_base(\(a)) + i)")
                    b.emit("lock(ptl(h2))")
                    b.emit("if is_leaf(read(h2)) { zap(h2) }")
                    b.emit("unlock(ptl(h2))")
                    b.emit("i = i + 1")
                }
            }
            if collapse && m == 4 {                                   // 4: map over the live table
                b.emit("p = find_get_page(index(\(a)))")
                b.emit("if !is_null(p) { map_leaf(h, p, hugepage_base(\(a))) }")
            }
            b.emit("free_tables(h)")
            if collapse && m != 4 {
                b.emit("p = find_get_page(index(\(a)))")
                b.emit("if !is_null(p) { map_leaf(h, p, hugepage_base(\(a))) }")
            }
        }
        emit(m == 0 ? "read_unlock(vma_lock(\(e.vma)))" : "write_unlock(vma_lock(\(e.vma)))")
        if m != 5 { emit("tlb_finish()") }                             // 5: deferred puts never applied
    }

    /// Truncation to zero: i_size, unmap hugepage 0, drop it from the page cache.
    mutating func truncate(_ e: Env, _ mutate: Bool) {
        let m = mutation(mutate, 4)
        if m != 0 { emit("i_size_write(0)") }
        if m != 1 {                                                   // 1: never unmapped
            emit("write_lock(vma_lock(\(e.vma)))")
            emit("h = walk(V0.start)")
            emit("lock(ptl(h))")
            emit("x = read(h)")
            emit("if is_leaf(x) { zap(h) }")
            emit("unlock(ptl(h))")
            emit("write_unlock(vma_lock(\(e.vma)))")
            emit("tlb_finish()")
        }
        emit("p = find_get_page(0)")
        block("if !is_null(p)") { b in
            b.emit("lock_page(p)")
            if m != 2 { b.emit("delete_from_page_cache(p)") }          // 2: left in the cache
            b.emit("unlock_page(p)")
            b.emit("put_page(p)")
        }
        if m == 0 { emit("i_size_write(0)") }                          // 0: i_size written last
        if m == 3 { emit("i_size_write(\(hugepages))"); emit("i_size_write(0)") }
    }

    mutating func cacheUser(_ e: Env, _ mutate: Bool) {
        let m = mutation(mutate, 4)
        emit("p = find_get_page(index(\(e.addr)))")
        block("if !is_null(p)") { b in
            b.emit(m == 3 ? "ok = trylock_page(p)" : "lock_page(p)")
            b.emit("q = page_in_cache(p)")
            if m != 0 { b.emit(m == 3 ? "if ok { unlock_page(p) }" : "unlock_page(p)") }   // 0: page lock kept
            if m != 1 { b.emit("put_page(p)") }                         // 1: reference leaked
            if m == 2 { b.emit("put_page(p)") }                         // 2: put twice
        }
    }

    // MARK: - Userfaults

    mutating func uffdWait(_ e: Env, _ mutate: Bool) {
        let m = mutation(mutate, 2)
        wantsWaker = true
        let a = e.addr
        if rng.chance(50) {
            if m != 0 { emit("uffd_enqueue(\(a), \(a))") }
            emit("x = load(flag)")
            if m == 0 { emit("uffd_enqueue(\(a), \(a))") }             // 0: enqueued after the check
            emit("if x == 0 { uffd_sleep() } else { uffd_dequeue() }")
        } else {
            emit("read_lock(vma_lock(\(e.vma)))")
            emit("uffd_enqueue(hugepage_base(\(a)), \(a))")
            emit("h = walk(\(a))")
            emit("w = is_none(read(h))")
            emit("read_unlock(vma_lock(\(e.vma)))")
            if m == 1 { emit("uffd_sleep()") }                         // 1: sleeps whatever it saw
            else { emit("if w { uffd_sleep() } else { uffd_dequeue() }") }
        }
    }

    mutating func waker(_ mutate: Bool) {
        let m = mutation(mutate, 2)
        if rng.chance(50) {
            // Map hugepage 0 (so a walker's check sees it) before waking.
            emit("read_lock(vma_lock(V0))")
            emit("h = walk(V0.start)")
            emit("p = find_get_page(0)")
            block("if !is_null(p)") { b in
                b.emit("lock(ptl(h))")
                b.emit("if is_none(read(h)) { map_leaf(h, p, V0.start) } else { put_page(p) }")
                b.emit("unlock(ptl(h))")
            }
            emit("read_unlock(vma_lock(V0))")
        }
        if m == 0 { emit("wake_range(V0.start, V0.end - V0.start)") }  // 0: wakes before publishing
        emit("store(flag, 1)")
        if m != 0 { emit(m == 1 ? "wake_range(V0.start, 1)" : "wake_range(V0.start, V0.end - V0.start)") }   // 1: too narrow
    }

    // MARK: - VMA state

    mutating func vmaSplit(_ mutate: Bool) {
        let m = mutation(mutate, 2)
        if m != 0 { emit("write_lock(mmap_lock(M0))") }                 // 0: without the mmap_lock
        emit("split_vma(V0, V1, \(m == 1 ? "hgm_enabled(V0)" : "false"))")
        if m != 0 { emit("write_unlock(mmap_lock(M0))") }
    }

    mutating func vmaFree(_ mutate: Bool) {
        let m = mutation(mutate, 3)
        if m != 0 { emit("write_lock(mmap_lock(M0))") }
        emit("write_lock(vma_lock(V0))")
        if m == 1 { emit("write_unlock(vma_lock(V0))") }                 // 1: vma_lock released, then freed
        else { emit("vma_lock_free(V0)") }
        if m != 2 { emit("remove_vma(V0)") }
        if m != 0 { emit("write_unlock(mmap_lock(M0))") }
    }

    mutating func vmaReader(_ mutate: Bool) {
        let m = mutation(mutate, 2)
        if m != 0 { emit("read_lock(mmap_lock(M0))") }
        emit("store(flag, 1)")
        switch rng.below(4) {
        case 0: emit("e = vma_end(V0)"); emit("assert e == V0.end, \"V0 was split\"")
        case 1: emit("if hgm_enabled(V0) { store(c, 1) }")
        case 2:
            emit("v = vma_of(V0.start\(hugepages == 2 ? " + HPAGE_SIZE" : ""))")
            emit("assert v == V0")
        default:
            emit("k = vma_maps_index(V0, \(hugepages - 1))")
            emit("if k { x = index_addr(V0, \(hugepages - 1)) }")
        }
        if m == 1 { emit("read_lock(vma_lock(V0))"); emit("read_unlock(vma_lock(V0))") }
        if m != 0 { emit("read_unlock(mmap_lock(M0))") }
    }

    mutating func modelError(_ e: Env) {
        switch rng.below(3) {
        case 0: emit("x = load(m0)")
        case 1: emit("i_size_write(0 - 1)")
        default: emit("store(flag, walk(\(e.addr)))")
        }
    }
}
