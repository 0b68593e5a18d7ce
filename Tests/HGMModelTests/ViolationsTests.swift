import XCTest
@testable import HGMModel

final class ViolationsTests: XCTestCase {
    /// `ViolationID(_:)` reads an invariant's case number; it must be its `allCases` position.
    func testBuiltinIDsFollowAllCasesOrder() {
        for (i, inv) in Invariant.allCases.enumerated() {
            XCTAssertEqual(ViolationID(inv).index, i, inv.rawValue)
            XCTAssertEqual(ViolationID(inv).invariant, inv)
        }
    }

    func testSetOperations() {
        var s = ViolationSet()
        XCTAssertTrue(s.isEmpty)
        XCTAssertNil(s.first)
        s.insert(ViolationID(.deadlock))
        s.insert(ViolationID(index: 63))
        XCTAssertEqual(Array(s), [ViolationID(.deadlock), ViolationID(index: 63)])
        XCTAssertEqual(s.first, ViolationID(.deadlock))
        XCTAssertFalse(s.stopsPath)
        XCTAssertTrue(s.union(ViolationSet([ViolationID(.useAfterFree)])).stopsPath)
        XCTAssertEqual(s.subtracting(ViolationSet([ViolationID(.deadlock)])), ViolationSet([ViolationID(index: 63)]))
        XCTAssertTrue(ViolationID(.modelError).stopsPath)
        XCTAssertFalse(ViolationID(.lockOrder).stopsPath)
    }
}
