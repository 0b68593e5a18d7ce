import Foundation
import HGMModel
import XCTest

/// Runs the built `hgm-check` binary, as a user or CI would.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
    }
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func binary() -> URL {
    // The test bundle sits beside the products (e.g. .build/debug/hgm-checkPackageTests.xctest).
    for b in Bundle.allBundles where b.bundleURL.pathExtension == "xctest" {
        let candidate = b.bundleURL.deletingLastPathComponent().appendingPathComponent("hgm-check")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return packageRoot.appendingPathComponent(".build/debug/hgm-check")
}

@discardableResult
func hgmCheck(_ args: [String], cwd: URL = packageRoot, env: [String: String] = [:], killAfter: Double? = nil) throws -> Run {
    let p = Process()
    p.executableURL = binary()
    p.arguments = args
    p.currentDirectoryURL = cwd
    var e = ProcessInfo.processInfo.environment
    for (k, v) in env { e[k] = v }
    p.environment = e
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let killer = DispatchWorkItem { [pid = p.processIdentifier] in kill(pid, SIGKILL) }
    if let killAfter {      // a run that must end on its own: killed (status 9) if it does not
        DispatchQueue.global().asyncAfter(deadline: .now() + killAfter, execute: killer)
    }
    defer { killer.cancel() }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let r = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: r, as: UTF8.self))
}

/// Every spec under Specs/ with something to check: threads or prove blocks. Libraries and
/// override files (neither) are imported or diffed, not run — the same rule as `gate`.
func allSpecs() throws -> [String] {
    let specs = packageRoot.appendingPathComponent("Specs")
    let e = FileManager.default.enumerator(atPath: specs.path)!
    var out: [String] = []
    while let f = e.nextObject() as? String {
        guard f.hasSuffix(".hgm"), !(f as NSString).lastPathComponent.hasPrefix(".") else { continue }
        let text = try String(contentsOf: specs.appendingPathComponent(f), encoding: .utf8)
        let lines = text.split(separator: "\n")
        if lines.contains(where: { $0.hasPrefix("thread ") || $0.hasPrefix("prove ") }) { out.append("Specs/" + f) }
    }
    return out.sorted()
}

final class SpecLibraryTests: XCTestCase {
    /// One behaviour per spec; each states its expectation; the binary must meet every one.
    func testEverySpecMeetsItsExpectation() throws {
        let specs = try allSpecs()
        XCTAssertGreaterThanOrEqual(specs.count, 25)
        for spec in specs {
            let r = try hgmCheck(["check", "--format", "json", spec])
            guard let j = r.json else { XCTFail("\(spec): no JSON (exit \(r.status)): \(r.stderr)"); continue }
            let obligations = (j["obligations"] as? [[String: Any]]) ?? []
            XCTAssertFalse(obligations.isEmpty, "\(spec): no obligations discharged")
            for o in obligations {
                XCTAssertEqual(o["result"] as? String, o["expected"] as? String, "\(spec): obligation \(o["name"] ?? "?") on \(o["geometry"] ?? "?")")
            }
            if j["stats"] == nil {      // no threads: an obligations-only spec (Specs/geometries)
                XCTAssertEqual(r.status, 0, spec)
                continue
            }
            let verdict = j["verdict"] as? String
            XCTAssertNotNil(j["expectation"], "\(spec) states no expectation")
            XCTAssertEqual(j["expectation_met"] as? Bool, true, "\(spec): expected \(j["expectation"] ?? "?"), got \(verdict ?? "?") \((j["violations"] as? [[String: Any]])?.map { $0["invariant"] ?? "" } ?? [])")
            XCTAssertEqual(r.status, verdict == "holds" ? 0 : verdict == "violated" ? 1 : 3, spec)
        }
    }

    /// Every built-in invariant is broken by some spec and checked by a passing one, so no
    /// check can silently never fire.
    func testEveryInvariantIsViolatedBySomeSpecAndSatisfiedByAnother() throws {
        var violated = Set<String>()
        var satisfied = Set<String>()
        for spec in try allSpecs() {
            let text = try String(contentsOf: packageRoot.appendingPathComponent(spec), encoding: .utf8)
            let r = try hgmCheck(["check", "--no-prove", "--format", "json", spec])
            guard let j = r.json, j["stats"] != nil else { continue }
            for v in (j["violations"] as? [[String: Any]]) ?? [] { violated.insert(v["invariant"] as? String ?? "") }
            if j["verdict"] as? String == "holds" {
                let checkLine = text.split(separator: "\n").first { $0.hasPrefix("check ") }.map(String.init) ?? "check all"
                if checkLine.contains("check all") { satisfied.formUnion(Invariant.allCases.map(\.rawValue)) }
                else { for i in Invariant.allCases where checkLine.contains(i.rawValue) { satisfied.insert(i.rawValue) } }
            }
        }
        for i in Invariant.allCases {
            XCTAssertTrue(violated.contains(i.rawValue), "no spec violates \(i.rawValue)")
            XCTAssertTrue(satisfied.contains(i.rawValue), "no passing spec checks \(i.rawValue)")
        }
    }
}

final class CommandLineTests: XCTestCase {
    func testDefaultRunChecksTheBaseline() throws {
        let r = try hgmCheck(["check"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("HOLDS"))
        XCTAssertTrue(r.stdout.contains("rfc-v2-baseline.hgm"))
        XCTAssertFalse(r.stdout.contains("\u{1B}["), "no colour when not a terminal")
    }

    func testJSONReportShape() throws {
        let r = try hgmCheck(["check", "--format", "json", "Specs/races/collapse-read-lock.hgm"])
        XCTAssertEqual(r.status, 1)
        let j = try XCTUnwrap(r.json)
        XCTAssertEqual(j["verdict"] as? String, "violated")
        let stats = try XCTUnwrap(j["stats"] as? [String: Any])
        for k in ["distinct_states", "transitions", "depth", "seconds"] { XCTAssertNotNil(stats[k], k) }
        let vs = try XCTUnwrap(j["violations"] as? [[String: Any]])
        let uaf = try XCTUnwrap(vs.first { $0["invariant"] as? String == "use-after-free" })
        let trace = try XCTUnwrap(uaf["trace"] as? [[String: Any]])
        XCTAssertFalse(trace.isEmpty)
        for step in trace {
            XCTAssertNotNil(step["thread"] as? String)
            XCTAssertTrue((step["location"] as? String ?? "").contains(".hgm:"))
            XCTAssertNotNil(step["statement"] as? String)
        }
        // The trace shows the interleaving: CONTINUE (A or B) splits, collapse (C) frees, the CONTINUE then touches it.
        XCTAssertEqual(trace.last?["thread"] as? String == "C", false)
        XCTAssertTrue(trace.contains { ($0["statement"] as? String ?? "").contains("free_tables") })
    }

    func testTextTraceNamesStepsAndChanges() throws {
        let r = try hgmCheck(["check", "Specs/races/collapse-read-lock.hgm"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("VIOLATION use-after-free"))
        XCTAssertTrue(r.stdout.contains("shortest trace:"))
        XCTAssertTrue(r.stdout.contains("PMD table below V0.hp0.PUD freed"))
        XCTAssertTrue(r.stdout.contains("vma_lock(V0): R{"))
    }

    /// A livelock is shown as a lasso: the path to the cycle, a marker line, the cycle. The
    /// passing and the deadlock-only specs with unbounded loops report no livelock.
    func testLivelockShowsALassoAndOnlyWhereThereIsOne() throws {
        let r = try hgmCheck(["check", "--no-prove", "Specs/invariants/livelock.hgm"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stdout.contains("VIOLATION livelock"), r.stdout)
        XCTAssertTrue(r.stdout.contains("shortest lasso: 24 steps to a state on the cycle, then 3 steps that repeat forever"), r.stdout)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let marker = try XCTUnwrap(lines.firstIndex { $0 == "  -- the following 3 steps repeat forever --" }, r.stdout)
        // The last step line before the marker (a step is followed by its changes and notes).
        let before = try XCTUnwrap(lines[..<marker].last { $0.range(of: #"^\s+[0-9]+  "#, options: .regularExpression) != nil })
        XCTAssertTrue(before.hasPrefix("   24  A"), before)
        XCTAssertTrue(lines[marker + 1].hasPrefix("   25  A") && lines[marker + 1].contains("unlock(ptl(hpte))"), lines[marker + 1])
        XCTAssertTrue(lines.contains { $0.hasPrefix("   27  A") && $0.contains("v = read(hpte)") })
        XCTAssertTrue(r.stdout.contains("expectation: violation livelock — met"))

        let j = try XCTUnwrap(try hgmCheck(["check", "--no-prove", "--format", "json", "Specs/invariants/livelock.hgm"]).json)
        let v = try XCTUnwrap((j["violations"] as? [[String: Any]])?.first)
        XCTAssertEqual(v["invariant"] as? String, "livelock")
        XCTAssertEqual(v["cycle_start"] as? Int, 25)
        XCTAssertEqual((v["trace"] as? [Any])?.count, 27)

        let holds = try hgmCheck(["check", "--no-prove", "Specs/invariants/livelock-holds.hgm"])
        XCTAssertEqual(holds.status, 0, holds.stdout)
        let dead = try XCTUnwrap(try hgmCheck(["check", "--no-prove", "--format", "json", "Specs/invariants/deadlock-not-livelock.hgm"]).json)
        XCTAssertEqual((dead["violations"] as? [[String: Any]])?.map { $0["invariant"] as? String }, ["deadlock"])
        XCTAssertEqual(dead["expectation_met"] as? Bool, true)
    }

    func testLimitsGiveIncompleteAndExit3() throws {
        let r = try hgmCheck(["check", "--max-states", "50", "--format", "json", "Specs/rfc-v2-baseline.hgm"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.json?["verdict"] as? String, "incomplete")
        let d = try hgmCheck(["check", "--max-depth", "3", "Specs/rfc-v2-baseline.hgm"])
        XCTAssertEqual(d.status, 3)
        XCTAssertTrue(d.stdout.contains("INCOMPLETE"))
        let t = try hgmCheck(["check", "--timeout", "0.000001", "Specs/rfc-v2-baseline.hgm"])
        XCTAssertEqual(t.status, 3)
    }

    func testSpecErrorsExit2WithLocation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bad = dir.appendingPathComponent("bad.hgm")
        try "geometry x86_64 { hstate = 1G }\nworld { file hugepages = 1; vma V0 shared hgm }\nproc p() { lok(V0) }\nthread A = p()\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let r = try hgmCheck(["check", bad.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad.hgm:3:12: error: unknown function 'lok'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean 'lock'?"), r.stderr)
        XCTAssertTrue(r.stderr.contains("^"))
        XCTAssertFalse(r.stderr.contains("Fatal error"))
    }

    func testMissingFileAndBadFlagsExit2() throws {
        let r = try hgmCheck(["check", "no/such/spec.hgm"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("no such file 'no/such/spec.hgm'"), r.stderr)
        XCTAssertEqual(try hgmCheck(["check", "--frobnicate"]).status, 2)
        XCTAssertEqual(try hgmCheck(["check", "--format", "yaml"]).status, 2)
        XCTAssertEqual(try hgmCheck(["check", "--max-states", "-4"]).status, 2)
        XCTAssertEqual(try hgmCheck(["explode"]).status, 2)
        XCTAssertEqual(try hgmCheck(["check", "Specs"]).status, 2)
    }

    /// Issue 9 §1 item 15: a limit that overflows or means nothing is refused (exit 2), never
    /// turned into "-1 MiB" or a limit that stops everything at once.
    func testLimitValuesAreValidated() throws {
        let spec = "Specs/invariants/ptl-held.hgm"
        let huge = try hgmCheck(["check", "--no-prove", "--max-memory", "9223372036854775807", spec])
        XCTAssertEqual(huge.status, 2, huge.stdout)
        XCTAssertTrue(huge.stderr.contains("--max-memory 9223372036854775807 MiB is more bytes than a 64-bit count holds"), huge.stderr)
        XCTAssertFalse(huge.stdout.contains("-1 MiB"))
        for bad in [["--max-memory", "0"], ["--max-states", "0"], ["--max-states=-3"], ["--max-depth=-1"], ["--timeout", "nan"],
                    ["--timeout", "inf"], ["--timeout", "0"], ["--timeout=-2"], ["--z3-timeout", "0"], ["--z3-timeout=-5"],
                    ["--max-states", "99999999999999999999999"]] {
            let r = try hgmCheck(["check", "--no-prove"] + bad + [spec])
            XCTAssertEqual(r.status, 2, "\(bad): \(r.stdout)")
            XCTAssertTrue(r.stderr.contains("Error:"), "\(bad): \(r.stderr)")
        }
        // The largest accepted value is a real limit, not a negative one.
        let max = try hgmCheck(["check", "--no-prove", "--max-memory", "8796093022207", "Specs/rfc-v2-baseline.hgm", "--max-states", "3000"])
        XCTAssertFalse(max.stdout.contains("max-memory"), max.stdout)
        XCTAssertTrue(max.stdout.contains("max-states 3000 reached"), max.stdout)
        XCTAssertEqual(max.status, 3)
    }

    /// Issue 9 §1 item 13: a spec with neither threads nor prove blocks (an empty file, a
    /// geometry, a world) is an input error for check and prove, not an empty HOLDS; gate
    /// still skips such files as libraries.
    func testSpecWithNothingToCheckIsAnInputError() throws {
        let dir = try tempDir()
        let files = ["empty.hgm": "", "geometry.hgm": "geometry x86_64 { hstate = 2M }\n",
                     "world.hgm": "// a world\ngeometry x86_64 { hstate = 2M; fanout = 2 }\nworld { file hugepages = 1; vma V0 shared hgm }\n"]
        for (name, text) in files {
            let f = dir.appendingPathComponent(name)
            try text.write(to: f, atomically: true, encoding: .utf8)
            for args in [["check"], ["check", "--no-prove"], ["prove"], ["check", "--format", "json"]] {
                let r = try hgmCheck(args + [f.path])
                XCTAssertEqual(r.status, 2, "\(args) \(name): \(r.stdout)")
                XCTAssertTrue(r.stderr.contains("\(name):1:1: error: nothing to check"), "\(args) \(name): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("hint: add `thread"), r.stderr)
                XCTAssertFalse(r.stdout.contains("HOLDS"), r.stdout)
            }
        }
        let d = try hgmCheck(["diff", dir.appendingPathComponent("world.hgm").path, "Specs/rfc-v2-baseline.hgm"])
        XCTAssertEqual(d.status, 2)
        XCTAssertTrue(d.stderr.contains("world.hgm:1:1: error: BASE has no threads"), d.stderr)
        // The gate skips the library and gates the spec beside it.
        let g = try tempDir()
        try "geometry x86_64 { hstate = 2M }\n".write(to: g.appendingPathComponent("lib.hgm"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Specs/geometries/x86_64-2M.hgm"), to: g.appendingPathComponent("x.hgm"))
        let r = try hgmCheck(["gate", "--no-prove", g.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("1 library skipped"), r.stdout)
    }

    func testDefaultSpecMissingOutsideTheRepository() throws {
        let r = try hgmCheck(["check"], cwd: FileManager.default.temporaryDirectory)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("Specs/rfc-v2-baseline.hgm"))
    }

    func testHelpAndVersion() throws {
        let h = try hgmCheck(["--help"])
        XCTAssertEqual(h.status, 0)
        XCTAssertTrue(h.stdout.contains("check"))
        let c = try hgmCheck(["check", "--help"])
        XCTAssertEqual(c.status, 0)
        XCTAssertTrue(c.stdout.contains("--max-states"))
        let v = try hgmCheck(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertTrue(v.stdout.contains("hgm-check"))
    }

    func testSeveralSpecsWorstExitWins() throws {
        let r = try hgmCheck(["check", "--format", "json", "Specs/rfc-v2-baseline.hgm", "Specs/invariants/ptl-held.hgm"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual((r.json?["results"] as? [Any])?.count, 2)
    }
}

final class ProveCommandTests: XCTestCase {
    func testProveAllGeometries() throws {
        let r = try hgmCheck(["prove", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = try XCTUnwrap(r.json?["results"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(results.count, 5)
        var geometries = Set<String>()
        for res in results {
            let obs = try XCTUnwrap(res["obligations"] as? [[String: Any]])
            for o in obs {
                geometries.insert(o["geometry"] as? String ?? "")
                for k in ["name", "geometry", "result", "seconds"] { XCTAssertNotNil(o[k], k) }
                if o["result"] as? String == "counterexample" { XCTAssertNotNil(o["values"] as? [String: Any]) }
            }
            XCTAssertTrue(obs.contains { ($0["name"] as? String ?? "").hasPrefix("counter-width") })
            XCTAssertTrue(obs.contains { ($0["name"] as? String ?? "").hasPrefix("alignment") })
        }
        XCTAssertTrue(geometries.isSuperset(of: ["x86_64", "arm64_4k", "arm64_16k", "arm64_64k"]))
    }

    func testFalseClaimGivesCertifiedCounterexampleAndExit1() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-prove-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let f = dir.appendingPathComponent("claim.hgm")
        try """
            geometry x86_64 { hstate = 2M }
            prove pmd-roundup(a: bv64) {
                assume a < (1 << 57)
                claim ((a + PMD_SIZE) & PMD_MASK) - a < PMD_SIZE
            }
            prove pmd-rounddown(a: bv64) {
                claim a - (a & PMD_MASK) < PMD_SIZE
            }
            """.write(to: f, atomically: true, encoding: .utf8)
        let r = try hgmCheck(["prove", "--only-blocks", "--format", "json", f.path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let obs = try XCTUnwrap(r.json?["obligations"] as? [[String: Any]])
        let bad = try XCTUnwrap(obs.first { $0["name"] as? String == "prove.pmd-roundup" })
        XCTAssertEqual(bad["result"] as? String, "counterexample")
        let a = try XCTUnwrap((bad["values"] as? [String: Any])?["a"] as? String)
        let v = try XCTUnwrap(UInt64(a.dropFirst(2), radix: 16))
        // Certified independently here too: the claim is false at this a.
        let pmd: UInt64 = 1 << 21
        XCTAssertFalse(((v &+ pmd) & ~(pmd - 1)) &- v < pmd)
        XCTAssertEqual(obs.first { $0["name"] as? String == "prove.pmd-rounddown" }?["result"] as? String, "proved")
        let text = try hgmCheck(["prove", "--only-blocks", f.path])
        XCTAssertTrue(text.stdout.contains("COUNTEREXAMPLE"), text.stdout)
    }

    func testUnknownIsNeverProved() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-prove-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let f = dir.appendingPathComponent("hard.hgm")
        // Factoring a 62-bit semiprime: far beyond 1 ms.
        try """
            geometry x86_64 { hstate = 2M }
            prove no-factors(x: bv64, y: bv64) {
                assume x > 1 && y > 1 && x < (1 << 32) && y < (1 << 32)
                claim x * y != 3778736710364768257
            }
            """.write(to: f, atomically: true, encoding: .utf8)
        let r = try hgmCheck(["prove", "--only-blocks", "--z3-timeout", "1", "--format", "json", f.path])
        let obs = try XCTUnwrap(r.json?["obligations"] as? [[String: Any]])
        XCTAssertNotEqual(obs.first?["result"] as? String, "proved")
        if obs.first?["result"] as? String == "unknown" { XCTAssertEqual(r.status, 3) }
    }

    /// Issue 9 §1 item 10: `--z3-timeout` bounds a non-linear integer claim (it ran past 60 s).
    func testZ3TimeoutBoundsANonLinearClaim() throws {
        let f = try tempDir().appendingPathComponent("cubes.hgm")
        try """
            geometry x86_64 { hstate = 2M }
            prove cubes(x: int, y: int, z: int) {
                claim x*x*x + y*y*y + z*z*z != 33
            }
            """.write(to: f, atomically: true, encoding: .utf8)
        let start = Date()
        let r = try hgmCheck(["prove", "--only-blocks", "--z3-timeout", "1000", "--format", "json", f.path], killAfter: 30)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertEqual(r.status, 3, r.stdout + r.stderr)
        let o = try XCTUnwrap((r.json?["obligations"] as? [[String: Any]])?.first)
        XCTAssertEqual(o["result"] as? String, "unknown")
        XCTAssertEqual(o["reason"] as? String, "Z3: timeout")
    }

    /// Issue 9 §1 item 10: `--timeout` covers the whole run, Z3 included: the obligations get
    /// at most the time left, however long `--z3-timeout` is.
    func testRunTimeoutCoversZ3() throws {
        let f = try tempDir().appendingPathComponent("scenario-and-cubes.hgm")
        try """
            import "\(packageRoot.path)/Specs/lib/rfc-v2.hgm"
            import "\(packageRoot.path)/Specs/lib/small-world.hgm"
            thread A = uffd_continue(V0, V0.start, PAGE)
            expect pass
            prove cubes(x: int, y: int, z: int) {
                claim x*x*x + y*y*y + z*z*z != 33
            }
            """.write(to: f, atomically: true, encoding: .utf8)
        let start = Date()
        let r = try hgmCheck(["check", "--timeout", "2", "--z3-timeout", "600000", "--format", "json", f.path], killAfter: 60)
        let took = Date().timeIntervalSince(start)
        XCTAssertLessThan(took, 10, "--timeout 2 took \(took) s")
        XCTAssertEqual(r.status, 3, r.stdout + r.stderr)
        XCTAssertEqual(r.json?["verdict"] as? String, "holds")
        let cubes = try XCTUnwrap((r.json?["obligations"] as? [[String: Any]])?.first { $0["name"] as? String == "prove.cubes" })
        XCTAssertEqual(cubes["result"] as? String, "unknown")
        XCTAssertTrue((cubes["reason"] as? String ?? "").contains("timeout"), "\(cubes)")
    }

    func testProveBlockErrorsHaveLocations() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-prove-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let f = dir.appendingPathComponent("bad.hgm")
        try "geometry x86_64 { hstate = 2M }\nprove p(a: bv64) {\n    claim a < PMD_SIZ\n}\n".write(to: f, atomically: true, encoding: .utf8)
        let r = try hgmCheck(["prove", f.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad.hgm:3:15: error: unknown name 'PMD_SIZ'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean 'PMD_SIZE'?"), r.stderr)
    }
}

func tempDir() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Timing fields vary from run to run; everything else must not.
func maskTiming(_ s: String) -> String {
    var out = s
    for key in ["seconds", "states_per_second", "peak_memory_bytes", "process_peak_rss_bytes", "total_seconds", "slowest_seconds", "time", "timestamp"] {
        out = out.replacingOccurrences(of: "\"\(key)\" : [0-9.e+-]+", with: "\"\(key)\" : 0", options: .regularExpression)
        out = out.replacingOccurrences(of: "\(key)=\"[^\"]*\"", with: "\(key)=\"0\"", options: .regularExpression)
    }
    return out
}

final class GateAndDiffTests: XCTestCase {
    func testGatePassesOnTheInvariantSpecs() throws {
        let r = try hgmCheck(["gate", "--no-prove", "Specs/invariants", "Specs/scenarios"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("SPEC"))
        XCTAssertTrue(r.stdout.contains("Specs/invariants/ptl-held.hgm"))
        XCTAssertTrue(r.stdout.contains("as expected, 0 not"), r.stdout)
    }

    func testGateFailsOnAMissedExpectation() throws {
        let dir = try tempDir()
        let spec = dir.appendingPathComponent("wrong.hgm")
        try """
            import "\(packageRoot.path)/Specs/lib/rfc-v2.hgm"
            import "\(packageRoot.path)/Specs/lib/small-world.hgm"
            thread A = uffd_continue(V0, V0.start, PAGE)
            expect violation mapcount
            """.write(to: spec, atomically: true, encoding: .utf8)
        let r = try hgmCheck(["gate", "--no-prove", dir.path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("MISMATCH"))
        XCTAssertTrue(r.stdout.contains("expectation: violation mapcount — NOT MET"), r.stdout)
        let j = try hgmCheck(["gate", "--no-prove", "--format", "junit", dir.path])
        XCTAssertEqual(j.status, 1)
        XCTAssertTrue(j.stdout.contains("<testsuites"), j.stdout)
    }

    func testGateBadInputExits2() throws {
        let empty = try tempDir()
        let r1 = try hgmCheck(["gate", empty.path])
        XCTAssertEqual(r1.status, 2)
        XCTAssertTrue(r1.stderr.contains("no specs"), r1.stderr)
        XCTAssertEqual(try hgmCheck(["gate", "/no/such/folder"]).status, 2)
        let dir = try tempDir()
        try """
            import "\(packageRoot.path)/Specs/lib/rfc-v2.hgm"
            import "\(packageRoot.path)/Specs/lib/small-world.hgm"
            thread A = uffd_continue(V0, V0.start, PAGE)
            """.write(to: dir.appendingPathComponent("noexpect.hgm"), atomically: true, encoding: .utf8)
        let r2 = try hgmCheck(["gate", dir.path])
        XCTAssertEqual(r2.status, 2)
        XCTAssertTrue(r2.stderr.contains("no expectation"), r2.stderr)
        let dir3 = try tempDir()
        try Data([0xff, 0xfe, 0x00, 0x41]).write(to: dir3.appendingPathComponent("binary.hgm"))
        try FileManager.default.createDirectory(at: dir3.appendingPathComponent("folder.hgm"), withIntermediateDirectories: true)
        let r3 = try hgmCheck(["gate", dir3.path])
        XCTAssertEqual(r3.status, 2)
        XCTAssertTrue(r3.stderr.contains("not UTF-8"), r3.stderr)
        XCTAssertFalse(r3.stderr.contains("Fatal error"))
    }

    func testDiffReportsRegressionsWithHeadsCounterexample() throws {
        let r = try hgmCheck(["diff", "--no-prove", "--format", "json", "Specs/scenarios/collapse-continue-2m.hgm", "Specs/changes/collapse-read-lock.hgm"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let j = try XCTUnwrap(r.json)
        XCTAssertGreaterThan(j["regressions"] as? Int ?? 0, 0)
        let entries = try XCTUnwrap(j["entries"] as? [[String: Any]])
        let uaf = try XCTUnwrap(entries.first { $0["name"] as? String == "use-after-free" })
        XCTAssertEqual(uaf["change"] as? String, "holds -> violated")
        XCTAssertNotNil((uaf["counterexample"] as? [String: Any])?["trace"])
        XCTAssertNotNil((j["base"] as? [String: Any])?["distinct_states"])
        XCTAssertNotNil((j["head"] as? [String: Any])?["distinct_states"])
        let t = try hgmCheck(["diff", "--no-prove", "Specs/scenarios/collapse-continue-2m.hgm", "Specs/changes/collapse-read-lock.hgm"])
        XCTAssertTrue(t.stdout.contains("holds -> violated  invariant use-after-free"), t.stdout)
        XCTAssertTrue(t.stdout.contains("VIOLATION use-after-free"))
    }

    func testDiffWithoutRegressionExits0() throws {
        let r = try hgmCheck(["diff", "--no-prove", "Specs/scenarios/collapse-continue-2m.hgm", "Specs/changes/continue-without-fault-mutex.hgm"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("no regressions"))
    }

    func testDiffRefusesDifferentScenarios() throws {
        let r = try hgmCheck(["diff", "Specs/scenarios/truncate-fault.hgm", "Specs/scenarios/collapse-continue-2m.hgm"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("different scenarios"), r.stderr)
    }

    /// Issue 9 §1 item 5: under a limit, diff says incomplete (exit 3), names the side that
    /// stopped and the invariants it could not compare; never "no regressions".
    func testDiffUnderALimitIsIncomplete() throws {
        let args = ["diff", "--no-prove", "--max-states", "50", "Specs/scenarios/collapse-continue-2m.hgm", "Specs/changes/continue-without-fault-mutex.hgm"]
        let t = try hgmCheck(args)
        XCTAssertEqual(t.status, 3, t.stdout + t.stderr)
        XCTAssertFalse(t.stdout.contains("no regressions"), t.stdout)
        XCTAssertTrue(t.stdout.contains("INCOMPLETE BASE: max-states 50 reached"), t.stdout)
        XCTAssertTrue(t.stdout.contains("INCOMPLETE HEAD: max-states 50 reached"), t.stdout)
        XCTAssertTrue(t.stdout.contains("could not compare: invariants alignment, assertion, deadlock"), t.stdout)
        XCTAssertTrue(t.stdout.contains("undecided (incomplete -> incomplete)  invariant use-after-free"), t.stdout)
        let j = try hgmCheck(args + ["--format", "json"])
        XCTAssertEqual(j.status, 3)
        let json = try XCTUnwrap(j.json)
        XCTAssertEqual(json["regressions"] as? Int, 0)
        XCTAssertGreaterThan(json["undecided"] as? Int ?? 0, 10)
        XCTAssertEqual((json["base"] as? [String: Any])?["limit"] as? String, "max-states 50 reached")
        // The same diff without the limit is decided.
        XCTAssertEqual(try hgmCheck(Array(args[0...1]) + Array(args[4...])).status, 0)
    }

    /// Issue 9 §1 item 5: BASE and HEAD must be the same scenario in full; each difference is
    /// listed and the diff refused (exit 2). Procedures, check, expect and scenario lines may differ.
    func testDiffRefusesAnyScenarioDifferenceAndListsIt() throws {
        let dir = try tempDir()
        let base = """
            import "\(packageRoot.path)/Specs/lib/rfc-v2.hgm"
            scenario "diff base"
            geometry x86_64 { hstate = 2M; fanout = 2 }
            world {
                file hugepages = 1, cached = all, i_size = 1
                free_pages = 1
                var flag = 0
                vma V0 shared hgm uffd_minor exact_address
                mutex fault_mutex[buckets = 1]
                page 0 not_migratable
            }
            thread A = uffd_continue(V0, V0.start, PAGE)
            thread B = uffd_continue(V0, V0.start + PAGE, PAGE)
            check all
            expect pass
            """
        let basePath = dir.appendingPathComponent("base.hgm")
        try base.write(to: basePath, atomically: true, encoding: .utf8)
        let refused: [(String, String, String)] = [
            ("hstate = 2M; fanout = 2", "hstate = 1G; fanout = 2", "geometry: BASE `geometry x86_64 { fanout = 2; hstate = 2M }`, HEAD `geometry x86_64 { fanout = 2; hstate = 1G }`"),
            ("hstate = 2M; fanout = 2", "hstate = 2M; fanout = 4", "geometry:"),
            ("vma V0 shared hgm uffd_minor exact_address", "vma V0 shared hgm exact_address", "world vma V0: BASE `vma V0 exact_address hgm shared uffd_minor`, HEAD `vma V0 exact_address hgm shared`"),
            ("cached = all", "cached = none", "world file:"),
            ("free_pages = 1", "free_pages = 0", "world free_pages: BASE `free_pages = 1`, HEAD `free_pages = 0`"),
            ("var flag = 0", "var flag = 1", "world var: BASE `var flag = 0`, HEAD `var flag = 1`"),
            ("page 0 not_migratable", "page 0 hwpoison", "world page"),
            ("buckets = 1", "buckets = 2", "world mutex fault_mutex"),
            ("    page 0 not_migratable\n", "", "only in BASE"),
            ("V0.start + PAGE, PAGE)", "V0.start, PAGE)", "thread 2: BASE `thread B = uffd_continue(V0, (V0.start + PAGE), PAGE)`, HEAD `thread B = uffd_continue(V0, V0.start, PAGE)`"),
            ("thread B =", "thread C =", "thread 2:"),
            ("check all", "lock_order { fault_mutex -> vma_lock }\ncheck all", "lock_order: BASE `mmap_lock -> fault_mutex"),
        ]
        for (i, (from, to, listed)) in refused.enumerated() {
            let head = dir.appendingPathComponent("head\(i).hgm")
            XCTAssertTrue(base.contains(from), from)
            try base.replacingOccurrences(of: from, with: to).write(to: head, atomically: true, encoding: .utf8)
            let r = try hgmCheck(["diff", "--no-prove", basePath.path, head.path])
            XCTAssertEqual(r.status, 2, "\(to): \(r.stdout)")
            XCTAssertTrue(r.stderr.contains("are different scenarios"), r.stderr)
            XCTAssertTrue(r.stderr.contains(listed), "\(to): \(r.stderr)")
        }
        // Not scenario differences: attribute order, the title, check and expect lines. A
        // check line that drops invariants leaves them uncompared: exit 3, not "no regressions".
        let same = base.replacingOccurrences(of: "shared hgm uffd_minor exact_address", with: "hgm exact_address shared uffd_minor")
            .replacingOccurrences(of: "diff base", with: "another title")
        try same.write(to: dir.appendingPathComponent("same.hgm"), atomically: true, encoding: .utf8)
        let ok = try hgmCheck(["diff", "--no-prove", basePath.path, dir.appendingPathComponent("same.hgm").path])
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        try same.replacingOccurrences(of: "check all", with: "check deadlock").replacingOccurrences(of: "expect pass", with: "expect violation deadlock")
            .write(to: dir.appendingPathComponent("fewer.hgm"), atomically: true, encoding: .utf8)
        let fewer = try hgmCheck(["diff", "--no-prove", basePath.path, dir.appendingPathComponent("fewer.hgm").path])
        XCTAssertEqual(fewer.status, 3, fewer.stdout + fewer.stderr)
        XCTAssertTrue(fewer.stdout.contains("undecided (holds -> not checked)  invariant mapcount"), fewer.stdout)
        // An override file may not bring a world of its own.
        try """
            import "\(packageRoot.path)/Specs/lib/rfc-v2.hgm"
            world { file hugepages = 2, cached = all, i_size = 2; vma V0 shared hgm }
            override proc madv_collapse(vma, start, end) { return 0 }
            """.write(to: dir.appendingPathComponent("override.hgm"), atomically: true, encoding: .utf8)
        let o = try hgmCheck(["diff", "--no-prove", basePath.path, dir.appendingPathComponent("override.hgm").path])
        XCTAssertEqual(o.status, 2, o.stdout)
        XCTAssertTrue(o.stderr.contains("is an override file (no threads), but it changes BASE's scenario"), o.stderr)
        XCTAssertTrue(o.stderr.contains("world file:"), o.stderr)
    }

    func testReportsAreDeterministicApartFromTiming() throws {
        for format in ["json", "text", "junit", "sarif"] {
            let a = try hgmCheck(["check", "--format", format, "Specs/races/collapse-read-lock.hgm", "Specs/invariants/deadlock-recursive-read.hgm"])
            let b = try hgmCheck(["check", "--format", format, "Specs/races/collapse-read-lock.hgm", "Specs/invariants/deadlock-recursive-read.hgm"])
            if format == "text" {
                let strip = { (s: String) in s.split(separator: "\n").filter { !$0.contains("states:") && !$0.contains("obligations (") }.joined(separator: "\n") }
                XCTAssertEqual(strip(a.stdout), strip(b.stdout), format)
            } else {
                XCTAssertEqual(maskTiming(a.stdout), maskTiming(b.stdout), format)
            }
        }
    }

    func testOutputFileOption() throws {
        let dir = try tempDir()
        let out = dir.appendingPathComponent("r.json")
        let r = try hgmCheck(["check", "--no-prove", "--format", "json", "--output", out.path, "Specs/invariants/ptl-held.hgm"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        let text = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(text.contains("\"verdict\" : \"violated\""))
        XCTAssertEqual(try hgmCheck(["check", "--output", "/no/such/dir/x.json", "Specs/invariants/ptl-held.hgm"]).status, 2)
    }
}
