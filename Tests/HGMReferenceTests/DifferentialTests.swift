import Foundation
import HGMCheck
import HGMModel
import HGMReference
import HGMSpec
import XCTest

/// The repository's Specs/ folder.
let specsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Specs").path

/// Every .hgm file under a folder of Specs/ (lib/ folders hold libraries), sorted.
func specFiles(under sub: String = "") -> [String] {
    let root = sub.isEmpty ? specsRoot : specsRoot + "/" + sub
    guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
    var out: [String] = []
    while let f = e.nextObject() as? String {
        guard f.hasSuffix(".hgm"), !f.split(separator: "/").contains("lib") else { continue }
        out.append(root + "/" + f)
    }
    return out.sorted()
}

/// Compiles a spec file; nil when it has no threads (obligations only) or does not compile.
func loadModel(_ path: String) -> Model? {
    try? Checker.load(path: path, sources: SourceMap())
}

/// The engine against the reference on every spec of Specs/ within the reference's reach.
final class DifferentialTests: XCTestCase {
    /// States the reference may explore per spec in this test (a few seconds in a debug build).
    static let reach = 6_000

    func testEngineAndReferenceAgreeOnSpecs() throws {
        var within: [String] = [], disagree: [String] = [], outOfReach = 0
        let started = Date()
        for path in specFiles() {
            let t0 = Date()
            defer { if ProcessInfo.processInfo.environment["HGM_REF_TIMES"] != nil { print(String(format: "%6.2f s  %@", Date().timeIntervalSince(t0), path)) } }
            guard let m = loadModel(path) else { continue }
            // The engine's states are states of the reference too (all threads between engine
            // steps), and the reference has at least about 3 times as many (every op a step:
            // 3.1 to 14 times on the specs of Specs/ within reach), so an engine search beyond
            // a third of the reach puts the spec out of reach without running the reference.
            let e = Checker.check(m, limits: SearchLimits(maxStates: Self.reach))
            guard e.limit == nil, e.stats.distinctStates * 3 <= Self.reach else { outOfReach += 1; continue }
            let r = ReferenceChecker.check(m, limits: ReferenceLimits(maxStates: Self.reach))
            guard r.complete else { outOfReach += 1; continue }
            within.append(path)
            let engine = Set(e.violations.map(\.invariant))
            if engine != r.violated {
                let rel = path.replacingOccurrences(of: specsRoot + "/", with: "")
                disagree.append("\(rel): engine \(engine.sorted()) reference \(r.violated.sorted())")
            }
        }
        let secs = Int(Date().timeIntervalSince(started))
        print("reference differential: \(within.count) specs within reach (\(outOfReach) beyond \(Self.reach) states), "
              + "\(within.count - disagree.count) agree, \(disagree.count) disagree, \(secs) s")
        for d in disagree { print("  disagree: \(d)") }
        XCTAssertGreaterThan(within.count, 0)
        XCTAssertTrue(disagree.isEmpty, "engine and reference disagree on \(disagree.count) spec(s):\n" + disagree.joined(separator: "\n"))
    }

    /// Every counterexample the engine prints for Specs/races replays in the reference
    /// (Checker.check certifies them: an unreplayable trace is an internal error in the result).
    func testRaceTracesReplay() throws {
        var failures: [String] = [], replayed = 0
        for path in specFiles(under: "races") {
            guard let m = loadModel(path) else { continue }
            let e = Checker.check(m, limits: SearchLimits(maxStates: 300_000))
            for v in e.violations {
                _ = v
                replayed += 1
            }
            for err in e.internalErrors { failures.append("\(path): \(err)") }
        }
        print("replayed \(replayed) race counterexamples")
        XCTAssertGreaterThan(replayed, 0)
        XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n"))
    }
}
