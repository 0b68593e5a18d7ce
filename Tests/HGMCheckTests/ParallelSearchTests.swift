import Foundation
import HGMCheck
import HGMModel
import HGMSpec
import XCTest

/// The parallel search gives the sequential search's report, apart from timing and memory:
/// same verdict, states, transitions, depth, and the same findings with the same traces.
final class ParallelSearchTests: XCTestCase {
    /// What must not depend on the worker count.
    func summary(_ r: CheckResult) -> String {
        var out = "\(r.verdict) \(r.stats.distinctStates) \(r.stats.transitions) \(r.stats.depth) limit=\(r.limit ?? "-")\n"
        for v in r.violations {
            out += "\(v.invariant): \(v.message) @\(v.location ?? "-")\n"
            for s in v.trace { out += "  \(s.thread) \(s.location) \(s.statement) \(s.changes)\n" }
        }
        return out
    }

    func testWorkersGiveTheSequentialReportOnTheSpecLibrary() throws {
        let root = URL(fileURLWithPath: specsPath(""))
        var checked = 0
        for folder in ["invariants", "races", "scenarios"] {
            let dir = root.appendingPathComponent(folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".hgm") }.sorted()
            for f in files {
                let path = dir.appendingPathComponent(f).path
                let spec = try Checker.parse(path: path, sources: SourceMap())
                guard Checker.hasScenario(spec) else { continue }
                let model = try Compiler.compile(spec)
                let seq = Checker.check(model, limits: SearchLimits(maxStates: 20_000))
                guard seq.limit == nil else { continue }
                for w in [2] {
                    let par = Checker.check(model, limits: SearchLimits(maxStates: 20_000, workers: w))
                    XCTAssertEqual(summary(par), summary(seq), "\(folder)/\(f) with \(w) workers")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 30)
    }

    func testLimitsStopTheParallelSearchAsIncomplete() throws {
        let model = try Compiler.compile(try Checker.parse(path: specsPath("rfc-v2-baseline.hgm"), sources: SourceMap()))
        let r = Checker.check(model, limits: SearchLimits(maxStates: 500, workers: 2))
        XCTAssertEqual(r.verdict, .incomplete)
        XCTAssertTrue(r.limit?.contains("max-states") == true, r.limit ?? "nil")
        let d = Checker.check(model, limits: SearchLimits(maxDepth: 3, workers: 2))
        XCTAssertEqual(d.verdict, .incomplete)
    }
}
