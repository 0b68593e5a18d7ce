import HGMModel
import HGMSpec
import XCTest

/// Step-level semantics of VMA state (Sources/HGMModel/VMAs.swift): split_vma, the no-op
/// vma_lock after vma_lock_free, use of a removed VMA, and PMD-table sharing with share
/// counts (hgm-reference.md §1.2, §2.9, §5 R1, R6, R8).
final class VMAStateTests: XCTestCase {
    func runAll(_ m: Machine, _ s: inout [Word], _ t: Int) -> [String] {
        var out: [String] = []
        while !s.withUnsafeBufferPointer({ m.finished($0.baseAddress!, t) }) {
            if let v = stepOnce(m, &s, t) { out.append(v) }
            if out.last == "use-after-free" || out.last == "model-error" { break }
        }
        return out
    }

    static let splitWorld = """
        geometry x86_64 { hstate = 2M; fanout = 2 }
        world {
            file hugepages = 2, cached = all, i_size = 2
            vma V0 shared hgm
            vma V1 split_from = V0 at = 1
            mutex fault_mutex[buckets = 1]
        }

        """

    func testSplitMovesTheTailToTheNewVMAOverTheSameTables() throws {
        let model = try compileSpec(Self.splitWorld + """
            proc p() {
                h0 = walk(V0.start + HPAGE_SIZE)
                a = vma_of(V0.start + HPAGE_SIZE)
                split_vma(V0, V1, false)
                b = find_vma(V0.start + HPAGE_SIZE)
                assert a == V0 && b == V1, "the tail belongs to V1 after the split"
                assert hgm_enabled(V0) && !hgm_enabled(V1), "RFC v2: fresh vm_private_data"
                assert vma_end(V0) == V0.start + HPAGE_SIZE && vma_start(V1) == V0.start + HPAGE_SIZE
                h1 = walk(V0.start + HPAGE_SIZE)
                read_lock(vma_lock(V1))
                lock(ptl(h1))
                populate(h1)
                unlock(ptl(h1))
                read_unlock(vma_lock(V1))
                assert is_table(read(h0)), "V0's old walk result sees V1's split: one page table"
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, v, _) = m.initialState()
        XCTAssertEqual(v, .empty)
        XCTAssertEqual(runAll(m, &s, 0), [])
    }

    func testFindVMAOfANotYetSplitVMAIsTheParent() throws {
        let model = try compileSpec(Self.splitWorld + """
            proc p() {
                x = find_vma(V0.start + HPAGE_SIZE)
                assert x == V0
                split_vma(V0, V1, true)
                assert hgm_enabled(V1), "v1: the flag is inherited"
                split_vma(V0, V1, true)
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertEqual(runAll(m, &s, 0), ["model-error"])     // V1 exists already
    }

    func testFreedVMALockIsANoOpAndDropsHGM() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                write_lock(vma_lock(V0))
                vma_lock_free(V0)
                assert !hgm_enabled(V0), "hgm_enabled lives in vm_private_data (RFC v2)"
                read_lock(vma_lock(V0))
                write_unlock(vma_lock(V0))
                ok = write_trylock(vma_lock(V0))
                assert ok == 1, "hugetlb_vma_trylock_write returns 1 without a lock"
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertEqual(runAll(m, &s, 0), [])   // no lock-balance report: the lock is gone
    }

    func testFreeingAVMALockAnotherThreadHoldsIsAUseAfterFree() throws {
        let model = try compileSpec(smallHeader + """
            proc holder() { read_lock(vma_lock(V0)); read_unlock(vma_lock(V0)); return 0 }
            proc freer() { vma_lock_free(V0); return 0 }
            thread A = holder()
            thread B = freer()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertNil(stepOnce(m, &s, 0))                              // A: read_lock
        XCTAssertEqual(stepOnce(m, &s, 1), "use-after-free")         // B frees it under A
    }

    func testUseOfARemovedVMAIsAUseAfterFree() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                remove_vma(V0)
                x = find_vma(V0.start)
                assert is_null(x), "no VMA after munmap"
                read_lock(vma_lock(V0))
                return 0
            }
            proc q() { remove_vma(V0); return hgm_enabled(V0) }
            thread A = p()
            thread B = q()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertEqual(runAll(m, &s, 0), ["use-after-free"])   // the read_lock
        var (s2, _, _) = m.initialState()
        XCTAssertEqual(runAll(m, &s2, 1), ["use-after-free"])  // the flag read
    }

    static let shareWorld = """
        geometry x86_64 { hstate = 2M; fanout = 2 }
        world {
            file hugepages = 1, cached = all, i_size = 1
            mm M0
            mm M1
            vma V0 mm = M0 shared
            vma V1 mm = M1 shared pud_none
            mutex fault_mutex[buckets = 1]
        }

        """

    func testPMDShareUnshareAndFreeByShareCount() throws {
        let model = try compileSpec(Self.shareWorld + """
            proc p() {
                assert is_null(walk(V1.start)), "huge_pte_offset: NULL under a none PUD"
                write_lock(i_mmap())
                s = huge_pmd_share(V1)
                write_unlock(i_mmap())
                assert s == 1, "V1 now uses V0's PMD table"
                h1 = walk(V1.start)
                pg = find_get_page(0)
                write_lock(vma_lock(V1))
                lock(ptl(h1))
                map_leaf(h1, pg, V1.start)
                unlock(ptl(h1))
                write_unlock(vma_lock(V1))
                assert is_leaf(read(walk(V0.start))), "one table: V0 sees V1's leaf"
                u = huge_pmd_unshare(V1)
                assert u == 1
                u2 = huge_pmd_unshare(V0)
                assert u2 == 0, "count 1: not shared any more"
                read_lock(vma_lock(V1))
                lock(ptl(h1))
                zap(h1)
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertEqual(runAll(m, &s, 0), ["use-after-free"])   // the zap through V1's stale walk result
    }

    func testFreePgtablesFreesTheTableAtTheLastCount() throws {
        let model = try compileSpec(Self.shareWorld.replacingOccurrences(of: "pud_none", with: "shares = V0") + """
            proc p() {
                h = walk(V1.start)
                free_pgtables(V0)
                lock(ptl(h))
                unlock(ptl(h))
                free_pgtables(V1)
                lock(ptl(h))
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertNil(stepOnce(m, &s, 0))                    // walk: a step of its own (it reads V1's PUD)
        XCTAssertNil(stepOnce(m, &s, 0))                    // free_pgtables(V0): count 2 -> 1, table alive
        XCTAssertNil(stepOnce(m, &s, 0))                    // lock: fine
        XCTAssertNil(stepOnce(m, &s, 0))                    // unlock
        XCTAssertNil(stepOnce(m, &s, 0))                    // free_pgtables(V1): count 0, freed
        XCTAssertEqual(stepOnce(m, &s, 0), "use-after-free")
    }

    func testWorldRejectsBadSplitsAndShares() {
        func diag(_ world: String) -> String {
            do {
                _ = try compileSpec("geometry x86_64 { hstate = 2M; fanout = 2 }\nworld {\n" + world + "\n}\nproc p() { return 0 }\nthread A = p()\n")
                return "compiled"
            } catch let e as DiagnosticError {
                return e.diagnostics.first?.message ?? ""
            } catch { return "\(error)" }
        }
        XCTAssertTrue(diag("file hugepages = 2\nvma V0 shared\nvma V1 split_from = V0").contains("needs 'at = K'"))
        XCTAssertTrue(diag("file hugepages = 2\nvma V0 shared\nvma V1 split_from = V0 at = 2").contains("not inside V0"))
        XCTAssertTrue(diag("file hugepages = 1\nvma V1 split_from = V9 at = 1").contains("needs a VMA declared before"))
        XCTAssertTrue(diag("file hugepages = 1\nmm M0\nmm M1\nvma V0 mm = M0 shared\nvma V1 mm = M0 shared shares = V0").contains("another mm"))
        XCTAssertEqual(diag("file hugepages = 1\nmm M0\nmm M1\nvma V0 mm = M0 shared\nvma V1 mm = M1 shared shares = V0"), "compiled")
    }
}
