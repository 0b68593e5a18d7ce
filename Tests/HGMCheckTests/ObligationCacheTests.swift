import XCTest
@testable import HGMCheck

/// `gate` and `diff` discharge a geometry's generated obligations once per run (issue 10 §4).
final class ObligationCacheTests: XCTestCase {
    func testASecondSpecOfTheSameGeometryIsServedFromTheCache() {
        let obligations = arithmeticObligations(for: .x86_64_2M)
        let cache = ObligationCache()
        let first = Checker.prove(obligations, timeoutMs: 10_000, cache: cache)
        XCTAssertEqual(cache.hits, 0)
        let second = Checker.prove(obligations, timeoutMs: 10_000, cache: cache)
        XCTAssertEqual(cache.hits, obligations.count)
        XCTAssertEqual(first.map(\.result), second.map(\.result))
        XCTAssertEqual(first.map(\.values), second.map(\.values))
        XCTAssertTrue(first.allSatisfy(\.ok))
        // Another geometry's obligations are not the same key.
        let other = arithmeticObligations(for: .x86_64_1G)
        _ = Checker.prove(other, timeoutMs: 10_000, cache: cache)
        XCTAssertEqual(cache.hits, obligations.count)
    }

    /// An unknown (a timeout) is never cached: a later spec with more time may prove it.
    func testUnknownIsNotCached() {
        let cache = ObligationCache()
        let o = ArithmeticObligation(name: "t", geometry: "g", family: .user, summary: "s", claim: .true)
        cache.store(ObligationOutcome(obligation: o, result: .unknown("timeout"), seconds: 1))
        XCTAssertNil(cache.lookup(o))
        cache.store(ObligationOutcome(obligation: o, result: .proved, seconds: 1))
        XCTAssertNotNil(cache.lookup(o))
    }
}
