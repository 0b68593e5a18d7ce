import Foundation
import XCTest

/// Traces that explain themselves, `hgm-check replay`, and runs that can be watched and
/// stopped (issue 12, items 1, 3 and 7), through the built binary.
final class TraceReplayTests: XCTestCase {
    static let race = "Specs/races/collapse-read-lock.hgm"

    /// The text trace says what each step decided, marks calls, points a stale walk result
    /// back to its step, and ends with the state; locations open from the working directory.
    func testTextTraceExplainsItself() throws {
        let r = try hgmCheck(["check", "--no-prove", Self.race])
        XCTAssertEqual(r.status, 1, r.stderr)
        let out = r.stdout
        for needle in ["schedule: A*8 C*16 A", "Specs/lib/rfc-v2.hgm:221", "→ [branch 1 of 2]", "→ none; false, skips the then-branch",
                       "↳ call alloc_largest_pte (Specs/lib/rfc-v2.hgm:223", "↲ return from hgm_walk = hpte(V0.hp0.PMD[0])",
                       "^ alloc_largest_pte.hpte = hpte(V0.hp0.PUD) comes from step 2", "was freed at step 24",
                       "state after the last step:", "thread B: blocked on lock(fault_mutex[0])",
                       "lock vma_lock(V0): held by A (read), C (read)", "page table of V0.hp0", "P0: mapcount 0, refcount 2"] {
            XCTAssertTrue(out.contains(needle), "missing \(needle)")
        }
        // Every step's location opens from the working directory.
        for line in out.split(separator: "\n") {
            guard let m = line.firstMatch(of: /\s(Specs\/[^\s:]+\.hgm):\d+\s/) else { continue }
            XCTAssertTrue(FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(String(m.1)).path), String(line))
        }
        XCTAssertFalse(out.contains(" lib/rfc-v2.hgm:"), "a location relative to Specs/ does not open from the root")
        // A trylock's result is the branch taken.
        let t = try hgmCheck(["check", "--no-prove", "Specs/races/r4a-fault-truncate-buggy.hgm"])
        XCTAssertTrue(t.stdout.contains("if write_trylock(vma_lock(v))  → true, then-branch"), t.stdout)
    }

    /// Statements are quoted as written: an inner statement of a one-line `if` is itself,
    /// not the rest of the line.
    func testStatementsAreNotMangled() throws {
        let dir = try tempDir()
        let spec = dir.appendingPathComponent("s.hgm")
        try """
            geometry x86_64 { hstate = 1G; fanout = 2 }
            world {
                file hugepages = 1, cached = all, i_size = 1
                vma V0 shared hgm uffd_minor exact_address
                mutex m
            }
            proc p() {
                x = 1
                if x == 1 { lock(m) }   // a comment
            }
            thread A = p()
            check lock-balance
            expect violation lock-balance
            """.write(to: spec, atomically: true, encoding: .utf8)
        let r = try hgmCheck(["check", "--no-prove", "--format", "json", spec.path])
        let v = try XCTUnwrap((r.json?["violations"] as? [[String: Any]])?.first, r.stdout + r.stderr)
        let statements = (v["trace"] as? [[String: Any]] ?? []).compactMap { $0["statement"] as? String }
        XCTAssertEqual(statements, ["lock(m)"])
    }

    /// A violating spec's own traces replay, from the schedule string and from the JSON report.
    func testReplayOfOwnTraceReproducesTheViolation() throws {
        let out = try tempDir().appendingPathComponent("r.json").path
        let c = try hgmCheck(["check", "--no-prove", "--format", "json", "--output", out, Self.race])
        XCTAssertEqual(c.status, 1, c.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        let violations = try XCTUnwrap(report["violations"] as? [[String: Any]])
        XCTAssertEqual(violations.count, 2)
        for v in violations {
            let inv = try XCTUnwrap(v["invariant"] as? String), schedule = try XCTUnwrap(v["schedule"] as? String)
            let r = try hgmCheck(["replay", Self.race, schedule, "--expect", inv])
            XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.hasPrefix("REPLAYED \(inv)"), r.stdout)
            let f = try hgmCheck(["replay", Self.race, out, "--violation", inv, "--format", "json"])
            XCTAssertEqual(f.status, 1, f.stderr)
            let replayed = try XCTUnwrap((f.json?["violations"] as? [[String: Any]])?.first)
            XCTAssertEqual(replayed["schedule"] as? String, schedule)
            XCTAssertEqual((replayed["trace"] as? [Any])?.count, (v["trace"] as? [Any])?.count)
        }
        let lasso = try hgmCheck(["replay", "Specs/invariants/livelock.hgm", "A*24 | A*3"])
        XCTAssertEqual(lasso.status, 1, lasso.stdout + lasso.stderr)
    }

    /// A schedule edited so that a step is not enabled names that step; so does one with a
    /// thread the spec lacks, or an alternative it does not have.
    func testEditedScheduleFailsAtTheStep() throws {
        // (schedule, exit status, what stdout (status 3) or stderr (status 2) says)
        let cases: [(String, Int32, String)] = [
            ("A*8 B C*16 A", 3, "step 9: thread B is not enabled at Specs/lib/rfc-v2.hgm:221 (lock(fault_mutex[idx])): blocked on lock(fault_mutex[0])"),
            ("A*8 B C*16 A", 3, "the 8 steps that applied"),
            ("A*2 Z", 3, "step 3: there is no thread 'Z' (threads: A, B, C)"),
            ("A*3 A:3", 3, "step 4: thread A has no alternative 3"),
            ("A*8 C*15", 3, "every step applies, but the end shows no violation"),
            ("A*8 C*x", 2, "<schedule>:1:7: error: expected a repeat count after '*'"),
            ("/nonexistent/r.json", 2, "no such report file"),
        ]
        for (schedule, status, says) in cases {
            let r = try hgmCheck(["replay", Self.race, schedule])
            XCTAssertEqual(r.status, status, "\(schedule): \(r.stdout)\(r.stderr)")
            XCTAssertTrue((status == 2 ? r.stderr : r.stdout).contains(says), "\(schedule): \(r.stdout)\(r.stderr)")
        }
    }

    /// After the spec is fixed (collapse takes the VMA lock for write), the use-after-free
    /// schedule breaks where collapse can no longer take its lock.
    func testSpecEditBreaksTheScheduleAtTheRightStep() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent(Self.race), encoding: .utf8)
        let fixed = text.replacingOccurrences(of: "import \"../lib/rfc-v2.hgm\"", with: "import \"\(packageRoot.path)/Specs/lib/rfc-v2.hgm\"")
            .replacingOccurrences(of: "    read_lock(vma_lock(vma))\n    curr = start", with: "    write_lock(vma_lock(vma))\n    curr = start")
            .replacingOccurrences(of: "    read_unlock(vma_lock(vma))\n    tlb_finish()", with: "    write_unlock(vma_lock(vma))\n    tlb_finish()")
        XCTAssertNotEqual(fixed, text)
        let spec = try tempDir().appendingPathComponent("fixed.hgm")
        try fixed.write(to: spec, atomically: true, encoding: .utf8)
        let r = try hgmCheck(["replay", spec.path, "A*8 C*16 A", "--expect", "use-after-free"])
        XCTAssertEqual(r.status, 3, r.stdout + r.stderr)
        // Step 9, C's write_lock, queues C as a waiting writer (A holds the lock for read);
        // step 10 is where C can no longer move.
        XCTAssertTrue(r.stdout.contains("step 10: thread C is not enabled at \(spec.path):19 (write_lock(vma_lock(vma)))"), r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("blocked on write_lock(vma_lock(V0))"), r.stdout)
    }

    /// `--output` to a path that cannot be written fails before the run, with exit 2.
    func testOutputIsCheckedBeforeTheRun() throws {
        for cmd in [["check", "--no-prove", "Specs/bench/largest.hgm"], ["gate", "Specs/races"], ["prove"], ["diff", Self.race, Self.race]] {
            let start = Date()
            let r = try hgmCheck(cmd + ["--output", "/nonexistent/dir/report.json"], killAfter: 60)
            XCTAssertEqual(r.status, 2, "\(cmd): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("the folder '/nonexistent/dir' does not exist"), r.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(start), 10, "\(cmd) ran before failing")
        }
    }

    /// SIGINT ends a long search cleanly: the partial report is written to --output, marked
    /// incomplete, exit 3; the progress line shows states while it runs.
    func testInterruptWritesAnIncompleteReport() throws {
        let out = try tempDir().appendingPathComponent("partial.json").path
        let p = Process()
        p.executableURL = binary()
        p.arguments = ["check", "--no-prove", "--format", "json", "--output", out, "Specs/bench/largest.hgm"]
        p.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        env["HGM_CHECK_PROGRESS"] = "1"
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 2.5)
        kill(p.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 3, stderr)
        XCTAssertTrue(stderr.contains("hgm-check check Specs/bench/largest.hgm: 0:0"), stderr)
        XCTAssertTrue(stderr.contains("states/s"), stderr)
        XCTAssertTrue(stderr.contains("interrupted (SIGINT)"), stderr)
        let j = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        XCTAssertEqual(j["verdict"] as? String, "incomplete")
        XCTAssertEqual(j["limit"] as? String, "interrupted (SIGINT)")
    }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-trace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}
