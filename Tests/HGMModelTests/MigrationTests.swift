import HGMModel
import HGMSpec
import XCTest

/// Step-level semantics of the migration and hwpoison primitives (hgm-reference.md §2.10,
/// §4 inv. 1): mapcount counts present leaves only, refcount counts leaves and migration
/// entries, wrong entry kinds are model errors, writes need the PTL.
final class MigrationTests: XCTestCase {
    func check(_ m: Machine, _ s: inout [Word]) -> String? {
        let v = s.withUnsafeMutableBufferPointer { m.checkState($0.baseAddress!) }
        return v.map(m.name(ofViolation:))
    }
    func mapcount(_ model: Model, _ s: [Word]) -> Word { s[model.pageWord(0, 0)] }
    func refcount(_ model: Model, _ s: [Word]) -> Word { s[model.pageWord(0, 1)] }

    /// Maps P0 at the hstate level under its PTL, then runs `body` under the same PTL.
    func mapThen(_ body: String) -> String {
        smallHeader + """
            proc p() {
                read_lock(vma_lock(V0))
                h = walk(V0.start)
                pg = find_get_page(0)
                lock(ptl(h))
                map_leaf(h, pg, V0.start)
                \(body)
                unlock(ptl(h))
                read_unlock(vma_lock(V0))
                tlb_finish()
                return 0
            }
            thread A = p()
            """
    }

    func testInstallAndRemoveMigrationAccounting() throws {
        let model = try compileSpec(mapThen("install_migration(h)\n remove_migration(h, pg, V0.start)"))
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        for _ in 0..<4 { XCTAssertNil(stepOnce(m, &s, 0)) }   // read_lock, find_get_page, lock, map_leaf
        XCTAssertEqual(mapcount(model, s), 1)
        XCTAssertEqual(refcount(model, s), 2)            // cache + leaf
        XCTAssertNil(stepOnce(m, &s, 0))                      // install_migration
        XCTAssertEqual(mapcount(model, s), 0)            // rmap removed (§4 inv. 1)
        XCTAssertEqual(refcount(model, s), 2)            // the reference moved to the migration entry
        XCTAssertNil(check(m, &s))                       // mapcount = 0 leaves; refcount = cache + 1 migration entry
        XCTAssertEqual(PTEValue(s[model.entryWord(0, 0, 0)]).kind, .migration)
        XCTAssertNil(stepOnce(m, &s, 0))                      // remove_migration
        XCTAssertEqual(mapcount(model, s), 1)
        XCTAssertEqual(refcount(model, s), 2)
        XCTAssertNil(check(m, &s))
        let e = PTEValue(s[model.entryWord(0, 0, 0)])
        XCTAssertEqual(e.kind, .leaf)
        XCTAssertEqual(e.page, 0)
        XCTAssertEqual(e.sub, 0)
    }

    func testMigrationEntryCountsInRefcountNotMapcount() throws {
        // A migration entry whose mapcount was not dropped breaks mapcount; the state check
        // counts migration entries in refcount only.
        let model = try compileSpec(mapThen("install_migration(h)"))
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        for _ in 0..<6 { XCTAssertNil(stepOnce(m, &s, 0)) }
        XCTAssertNil(check(m, &s))
        s[model.pageWord(0, 0)] = 1                      // pretend the rmap was kept
        XCTAssertEqual(check(m, &s), "mapcount")
        s[model.pageWord(0, 0)] = 0
        s[model.pageWord(0, 1)] = 1                      // pretend the reference was dropped
        XCTAssertEqual(check(m, &s), "refcount")
    }

    func testInstallMigrationNeedsALeaf() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                read_lock(vma_lock(V0))
                h = walk(V0.start)
                lock(ptl(h))
                install_migration(h)
                unlock(ptl(h))
                read_unlock(vma_lock(V0))
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        XCTAssertNil(stepOnce(m, &s, 0))
        XCTAssertNil(stepOnce(m, &s, 0))
        XCTAssertEqual(stepOnce(m, &s, 0), "model-error")     // the entry is NONE
    }

    func testRemoveMigrationNeedsAMigrationEntry() throws {
        let model = try compileSpec(mapThen("remove_migration(h, pg, V0.start)"))
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        for _ in 0..<4 { XCTAssertNil(stepOnce(m, &s, 0)) }
        XCTAssertEqual(stepOnce(m, &s, 0), "model-error")     // the entry is a leaf
    }

    func testMigrationWritesNeedThePTL() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                read_lock(vma_lock(V0))
                h = walk(V0.start)
                pg = find_get_page(0)
                lock(ptl(h))
                map_leaf(h, pg, V0.start)
                unlock(ptl(h))
                install_migration(h)
                remove_migration(h, pg, V0.start)
                install_hwpoison(h)
                read_unlock(vma_lock(V0))
                tlb_finish()
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        for _ in 0..<5 { XCTAssertNil(stepOnce(m, &s, 0)) }
        XCTAssertEqual(stepOnce(m, &s, 0), "ptl-held")        // install_migration
        XCTAssertEqual(stepOnce(m, &s, 0), "ptl-held")        // remove_migration
        XCTAssertEqual(stepOnce(m, &s, 0), "ptl-held")        // install_hwpoison
    }

    func testHwpoisonOverALeafDefersThePut() throws {
        let model = try compileSpec(mapThen("install_hwpoison(h)"))
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        for _ in 0..<4 { XCTAssertNil(stepOnce(m, &s, 0)) }
        XCTAssertNil(stepOnce(m, &s, 0))                      // install_hwpoison
        XCTAssertEqual(PTEValue(s[model.entryWord(0, 0, 0)]).kind, .hwpoison)
        XCTAssertEqual(mapcount(model, s), 0)
        XCTAssertEqual(refcount(model, s), 2)            // cache + the deferred put
        XCTAssertNil(check(m, &s))
        XCTAssertNil(stepOnce(m, &s, 0))                      // unlock
        XCTAssertNil(stepOnce(m, &s, 0))                      // read_unlock
        XCTAssertNil(stepOnce(m, &s, 0))                      // tlb_finish, return
        XCTAssertEqual(refcount(model, s), 1)
        XCTAssertNil(check(m, &s))
    }

    func testHwpoisonOverATableIsAModelError() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                read_lock(vma_lock(V0))
                h = walk(V0.start)
                lock(ptl(h))
                populate(h)
                install_hwpoison(h)
                unlock(ptl(h))
                read_unlock(vma_lock(V0))
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        for _ in 0..<3 { XCTAssertNil(stepOnce(m, &s, 0)) }
        XCTAssertEqual(stepOnce(m, &s, 0), "model-error")
    }

    func testIsolateClearsMigratable() throws {
        let model = try compileSpec(smallHeader + """
            proc p() {
                pg = find_get_page(0)
                a = isolate_hugetlb(pg)
                b = isolate_hugetlb(pg)
                c = page_migratable(pg)
                putback_hugetlb(pg)
                d = page_migratable(pg)
                put_page(pg)
                assert a == 1 && b == 0 && c == 0 && d == 1
                return 0
            }
            thread A = p()
            """)
        let m = Machine(model: model)
        var (s, _, _) = m.initialState()
        for _ in 0..<7 { XCTAssertNil(stepOnce(m, &s, 0)) }
        XCTAssertTrue(s.withUnsafeBufferPointer { m.finished($0.baseAddress!, 0) })
    }
}
