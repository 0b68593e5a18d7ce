import Foundation
import HGMCheck
import HGMModel
import HGMReference
import HGMSpec
import HGMSpecGen
import XCTest

/// The engine and the reference executor agree on the set of violated invariants of every
/// generated spec both explore completely (fixed seeds: deterministic in CI). The long
/// campaign is scripts/difftest.sh.
final class DifferentialTests: XCTestCase {
    func testEngineAgreesWithReferenceOnGeneratedSpecs() throws {
        var gen = SpecGenerator(seed: 2024)
        let specs = (0..<200).map { _ in gen.next() }
        let out = Slots<String>(specs.count)
        DispatchQueue.concurrentPerform(iterations: specs.count) { i in
            guard let m = try? compile(specs[i]) else { out.set(i, "does not compile"); return }
            let e = Checker.check(m, limits: SearchLimits(maxStates: 20_000, timeout: 10))
            let r = ReferenceChecker.check(m, limits: ReferenceLimits(maxStates: 20_000))
            guard e.limit == nil && r.complete else { return }
            let ev = Set(e.violations.map(\.invariant))
            if ev != r.violated {
                out.set(i, "engine \(ev.sorted()), reference \(r.violated.sorted())")
            }
        }
        let failures = zip(specs, out.values).compactMap { s, o in o.map { "seed \(s.seed): \($0)" } }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) disagreement(s) (hgm-difftest --minimize-seed SEED reduces one):\n" + failures.joined(separator: "\n"))
    }
}
