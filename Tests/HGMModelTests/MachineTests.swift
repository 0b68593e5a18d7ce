import HGMModel
import HGMSpec
import XCTest

/// Step-level semantics on tiny models: blocking, writer preference, merged local steps,
/// preconditions.
final class MachineTests: XCTestCase {
    func choices(_ m: Machine, _ s: [Word], _ t: Int) -> Int { s.withUnsafeBufferPointer { m.choices($0.baseAddress!, t) } }

    func testMutexBlocksSecondThread() throws {
        let model = try compileSpec(smallHeader + """
            proc p() { lock(m); unlock(m); return 0 }
            thread A = p()
            thread B = p()
            """)
        let m = Machine(model: model)
        var (s, v, _) = m.initialState()
        XCTAssertEqual(v, .empty)
        XCTAssertEqual(choices(m, s, 0), 1)
        XCTAssertNil(stepOnce(m, &s, 0))                  // A takes m
        XCTAssertEqual(choices(m, s, 1), 0)          // B blocks
        XCTAssertNil(stepOnce(m, &s, 0))                  // A releases and returns
        XCTAssertTrue(s.withUnsafeBufferPointer { m.finished($0.baseAddress!, 0) })
        XCTAssertEqual(choices(m, s, 1), 1)
    }

    func testWaitingWriterBlocksNewReaders() throws {
        let model = try compileSpec(smallHeader + """
            proc reader() { read_lock(vma_lock(V0)); read_unlock(vma_lock(V0)); return 0 }
            proc writer() { write_lock(vma_lock(V0)); write_unlock(vma_lock(V0)); return 0 }
            thread R1 = reader()
            thread W = writer()
            thread R2 = reader()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertNil(stepOnce(m, &s, 0))                  // R1 reads
        XCTAssertEqual(choices(m, s, 1), 1)          // W may queue
        XCTAssertNil(stepOnce(m, &s, 1))                  // W queues: writer waiting
        XCTAssertEqual(choices(m, s, 1), 0)          // W blocked by R1
        XCTAssertEqual(choices(m, s, 2), 0)          // R2 blocked by the waiting writer
        XCTAssertNil(stepOnce(m, &s, 0))                  // R1 releases
        XCTAssertEqual(choices(m, s, 1), 1)
        XCTAssertNil(stepOnce(m, &s, 1))                  // W takes the lock
        XCTAssertEqual(choices(m, s, 2), 0)
    }

    func testUnlockNotHeldIsLockBalance() throws {
        let model = try compileSpec(smallHeader + """
            proc p() { unlock(m); return 0 }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertEqual(stepOnce(m, &s, 0), "lock-balance")
    }

    func testReturningWithALockHeldIsLockBalance() throws {
        let model = try compileSpec(smallHeader + """
            proc p() { lock(m); return 0 }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertEqual(stepOnce(m, &s, 0), "lock-balance")
    }

    func testLocalWorkIsMergedIntoOneStep() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                x = 1
                y = x + 2
                lock(m)
                z = y * 3
                if z == 9 { unlock(m) }
                return z
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertNil(stepOnce(m, &s, 0))                  // lock(m), then the local work up to unlock
        XCTAssertNil(stepOnce(m, &s, 0))                  // unlock(m), return
        XCTAssertTrue(s.withUnsafeBufferPointer { m.finished($0.baseAddress!, 0) })
    }

    func testEitherOffersEveryBranch() throws {
        let model = try compileSpec(smallHeader + """
            proc p() { either { lock(m); unlock(m) } or { return -ENOMEM } or { return 1 }; return 0 }
            thread A = p()
            """)
        let m = Machine(model: model)
        let (s, _, _) = m.initialState()
        XCTAssertEqual(choices(m, s, 0), 3)
    }

    func testWriteWithoutPTLAndSplitOfNonBlank() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                read_lock(vma_lock(V0))
                h = walk(V0.start)
                populate(h)
                lock(ptl(h))
                populate(h)
                unlock(ptl(h))
                read_unlock(vma_lock(V0))
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertNil(stepOnce(m, &s, 0))                  // read_lock
        XCTAssertEqual(stepOnce(m, &s, 0), "ptl-held")    // populate without the PMD's PTL
        XCTAssertNil(stepOnce(m, &s, 0))                  // lock(ptl)
        XCTAssertEqual(stepOnce(m, &s, 0), "split-from-blank")
    }

    func testFreedTableMakesWalkResultsDangling() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                write_lock(vma_lock(V0))
                h = walk(V0.start)
                lock(ptl(h))
                populate(h)
                unlock(ptl(h))
                c = descend(h, V0.start)
                free_tables(h)
                v = read(c)
                write_unlock(vma_lock(V0))
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        for _ in 0..<6 { XCTAssertNil(stepOnce(m, &s, 0)) }   // write_lock, lock, populate, unlock, descend, free_tables
        XCTAssertEqual(stepOnce(m, &s, 0), "use-after-free")
    }

    func testStateChecksSeeMapcount() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                read_lock(vma_lock(V0))
                h = walk(V0.start)
                pg = find_get_page(0)
                lock(ptl(h))
                map_leaf(h, pg, V0.start)
                unlock(ptl(h))
                read_unlock(vma_lock(V0))
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        for _ in 0..<5 { XCTAssertNil(stepOnce(m, &s, 0)) }
        let v = s.withUnsafeMutableBufferPointer { m.checkState($0.baseAddress!) }
        XCTAssertNil(v)                        // mapcount 1 = one leaf; refcount 2 = cache + leaf
        XCTAssertEqual(s[model.pageWord(0, 0)], 1)
        XCTAssertEqual(s[model.pageWord(0, 1)], 2)
    }
}
