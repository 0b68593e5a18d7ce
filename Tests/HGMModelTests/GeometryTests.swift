import HGMModel
import HGMSpec
import XCTest

final class GeometryTests: XCTestCase {
    func testOneGigabyteTreeWithFanoutTwo() throws {
        let m = try compileSpec("""
            geometry x86_64 { hstate = 1G; fanout = 2 }
            world { file hugepages = 1; vma V0 shared hgm }
            proc p() { return 0 }
            thread A = p()
            """)
        let g = m.geometry
        XCTAssertEqual(g.treeLevels.map(\.shift), [30, 21, 12])
        XCTAssertEqual(g.hugepagePages, 4)
        XCTAssertEqual(g.positions, 7)          // PUD; PMD[0..1]; PTE[0..3]
        XCTAssertEqual(g.tableSlots, 3)         // PMD table, two PTE tables
        XCTAssertEqual(g.depth(ofPos: 0), 0)
        XCTAssertEqual(g.depth(ofPos: 2), 1)
        XCTAssertEqual(g.depth(ofPos: 6), 2)
        XCTAssertEqual(g.parent(ofPos: 5), 2)
        XCTAssertEqual(g.pos(depth: 2, offset: 3), 6)
        XCTAssertEqual(g.offset(ofPos: 4), 1)
        XCTAssertEqual(g.modelPages(bytes: 4096), 1)
        XCTAssertEqual(g.modelPages(bytes: 2 << 20), 2)
        XCTAssertEqual(g.modelPages(bytes: 1 << 30), 4)
        XCTAssertEqual(g.modelPages(bytes: 8192), 2)
        XCTAssertNil(g.modelPages(bytes: 100))
    }

    func testTwoMegabyteTree() throws {
        let m = try compileSpec(smallHeader + "proc p() { return 0 }\nthread A = p()\n")
        XCTAssertEqual(m.geometry.treeLevels.map(\.name), ["PMD", "PTE"])
        XCTAssertEqual(m.geometry.positions, 3)
    }

    func testCustomLevels() throws {
        let m = try compileSpec("""
            geometry arm64_16k { level PMD shift = 25; level PTE shift = 14; hstate = 32M; fanout = 2 }
            world { file hugepages = 1; vma V0 shared hgm }
            proc p() { return 0 }
            thread A = p()
            """)
        XCTAssertEqual(m.geometry.pageShift, 14)
        XCTAssertEqual(m.geometry.modelPages(bytes: 16384), 1)
    }
}

final class ValueTests: XCTestCase {
    func testIntegersRoundTrip() {
        for v in [0, 1, -1, -17, 4095, -(1 << 26), (1 << 26)] { XCTAssertEqual(intOf(mkInt(v)), v) }
        XCTAssertEqual(tagOf(mkInt(-5)), .int)
    }

    func testHandlesAndEntriesRoundTrip() {
        let h = HPTE(vma: 3, hp: 7, pos: 200, ptlExplicit: true, dangling: true)
        XCTAssertEqual(HPTE(h.word), h)
        XCTAssertEqual(tagOf(h.word), .hpte)
        let e = PTEValue(kind: .leaf, page: 9, sub: 3)
        XCTAssertEqual(PTEValue(e.word), e)
        XCTAssertNotEqual(PTEValue(kind: .leaf, page: 9, sub: 2).word, e.word)   // pte_same sees the subpage
        XCTAssertEqual(PTEValue(noneEntryWord).kind, .none)
    }
}
