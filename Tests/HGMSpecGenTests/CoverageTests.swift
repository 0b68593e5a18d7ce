import Foundation
import HGMCheck
import HGMModel
import HGMSpec
import HGMSpecGen
import XCTest

/// Results written by concurrent workers.
final class Slots<T>: @unchecked Sendable {
    private var items: [T?]
    private let lock = NSLock()
    init(_ n: Int) { items = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ v: T) { lock.lock(); items[i] = v; lock.unlock() }
    var values: [T?] { lock.lock(); defer { lock.unlock() }; return items }
}

final class CoverageTests: XCTestCase {
    /// Every built-in invariant is violated by some generated spec (engine verdicts).
    func testEveryBuiltInInvariantIsViolatedByGeneratedSpecs() throws {
        var gen = SpecGenerator(seed: 7)
        let specs = (0..<300).map { _ in gen.next() }
        let out = Slots<Set<String>>(specs.count)
        DispatchQueue.concurrentPerform(iterations: specs.count) { i in
            guard let m = try? compile(specs[i]) else { return }
            let r = Checker.check(m, limits: SearchLimits(maxStates: 20_000, timeout: 10))
            out.set(i, Set(r.violations.map(\.invariant)))
        }
        var counts: [String: Int] = [:]
        for s in out.values { for v in s ?? [] { counts[v, default: 0] += 1 } }
        let report = Invariant.allCases.map { "\($0.rawValue): \(counts[$0.rawValue, default: 0])" }.joined(separator: ", ")
        print("specs violating each invariant (of \(specs.count)): \(report)")
        for inv in Invariant.allCases {
            XCTAssertGreaterThan(counts[inv.rawValue, default: 0], 0, "no generated spec violates \(inv.rawValue): \(report)")
        }
    }
}
