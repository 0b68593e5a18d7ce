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
final class GeneratedSpecDifferentialTests: XCTestCase {
    /// The minimised spec of each class of disagreement the campaign found
    /// (Disagreements/, docs/difftest.md): engine and reference agree on each since the fixes
    /// (any that still disagreed would be kept in Disagreements/open/, not run here).
    func testFoundDisagreementsStayFixed() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Disagreements")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".hgm") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 6)
        for f in files {
            let m = try Checker.load(path: dir.appendingPathComponent(f).path, sources: SourceMap())
            let e = Checker.check(m, limits: SearchLimits(maxStates: 20_000))
            let r = ReferenceChecker.check(m, limits: ReferenceLimits(maxStates: 20_000))
            XCTAssertTrue(e.limit == nil && r.complete, "\(f): a search did not finish")
            XCTAssertEqual(Set(e.violations.map(\.invariant)), r.violated, f)
        }
    }

    func testEngineAgreesWithReferenceOnGeneratedSpecs() throws {
        var gen = SpecGenerator(seed: 2024)
        let specs = (0..<200).map { _ in gen.next() }
        let out = Slots<String>(specs.count)
        let compared = Slots<Bool>(specs.count)
        DispatchQueue.concurrentPerform(iterations: specs.count) { i in
            guard let m = try? compile(specs[i]) else { out.set(i, "does not compile"); return }
            let e = Checker.check(m, limits: SearchLimits(maxStates: 20_000, timeout: 10))
            // The reference (every op a step, whole states, debug build) is about ten times
            // larger: only specs small enough for a quick test are compared here.
            guard e.limit == nil && e.stats.distinctStates <= 400 else { return }
            let r = ReferenceChecker.check(m, limits: ReferenceLimits(maxStates: 10_000))
            guard r.complete else { return }
            compared.set(i, true)
            let ev = Set(e.violations.map(\.invariant))
            if ev != r.violated {
                out.set(i, "engine \(ev.sorted()), reference \(r.violated.sorted())")
            }
        }
        let n = compared.values.compactMap { $0 }.count
        print("engine and reference compared on \(n) of \(specs.count) generated specs")
        XCTAssertGreaterThan(n, specs.count / 2)
        let failures = zip(specs, out.values).compactMap { s, o in o.map { "seed \(s.seed): \($0)" } }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) disagreement(s) (hgm-difftest --minimize-seed SEED reduces one):\n" + failures.joined(separator: "\n"))
    }
}
