import Foundation
import HGMCheck
import HGMModel
import HGMSpec
import XCTest

func model(_ text: String) throws -> Model {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-check-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("t.hgm").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Checker.load(path: path, sources: SourceMap())
}

let header = """
    geometry x86_64 { hstate = 2M; fanout = 2 }
    world {
        file hugepages = 1, cached = all, i_size = 1
        vma V0 shared hgm
        mutex a
        mutex b
    }

    """

final class FingerprintSetTests: XCTestCase {
    func testInsertContainsAndGrowth() {
        var set = FingerprintSet(capacity: 16)
        for i in 1...10_000 { XCTAssertTrue(set.insert(UInt64(i) &* 0x9E37_79B9_7F4A_7C15)) }
        for i in 1...10_000 { XCTAssertFalse(set.insert(UInt64(i) &* 0x9E37_79B9_7F4A_7C15)) }
        XCTAssertEqual(set.count, 10_000)
        XCTAssertTrue(set.contains(5 &* 0x9E37_79B9_7F4A_7C15))
        XCTAssertFalse(set.contains(12345))
        XCTAssertLessThanOrEqual(Double(set.bytes) / Double(set.count), 16.0)
    }

    /// The compact set keeps whole 64-bit fingerprints (its slots keep only the low bits,
    /// the rest is the slot's position): fingerprints that differ only in their top bits, or
    /// only in their low bits, stay apart through every growth; a Swift Set is the oracle.
    func testQuotientingLosesNoBitAcrossGrowths() {
        var set = FingerprintSet(capacity: 256)
        var oracle = Set<UInt64>()
        var x: UInt64 = 0x1234_5678_9ABC_DEF1
        for i in 0..<300_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            // Near neighbours: same low bits with a different top bit, and the reverse.
            let fp = i % 3 == 0 ? x : i % 3 == 1 ? x ^ (1 << 63) : x ^ 1
            XCTAssertEqual(set.insert(fp), oracle.insert(fp).inserted, "fingerprint \(fp) at \(i)")
        }
        XCTAssertEqual(set.count, oracle.count)
        var seen = 0
        set.forEach { XCTAssertTrue(oracle.contains($0)); seen += 1 }
        XCTAssertEqual(seen, oracle.count)
        for fp in oracle.prefix(1000) {
            XCTAssertTrue(set.contains(fp))
            XCTAssertEqual(set.contains(fp ^ (1 << 40)), oracle.contains(fp ^ (1 << 40)))
        }
        XCTAssertLessThan(Double(set.bytes) / Double(set.count), 9.6)     // 7-byte slots at this size
    }

    /// Slot sizes by capacity: 8 bytes below 2¹⁶ slots, 7 below 2²⁴, 6 from there (so
    /// 6 / 0.77 ≤ 7.8 bytes a state at the lowest load after a growth), 5 from 2³².
    func testSlotBytesShrinkAsTheTableGrows() {
        XCTAssertEqual(FingerprintSet.slotBytes(capacity: 1 << 12), 8)
        XCTAssertEqual(FingerprintSet.slotBytes(capacity: (1 << 16) + 1), 7)
        XCTAssertEqual(FingerprintSet.slotBytes(capacity: 1 << 24), 6)
        XCTAssertEqual(FingerprintSet.slotBytes(capacity: 1 << 32), 5)
        XCTAssertLessThanOrEqual(6 / (FingerprintSet.maxLoad / FingerprintSet.growth), 8.0)
    }

    func testFingerprintDependsOnEveryWord() {
        var a: [Word] = [1, 2, 3, 4, 5]
        let f0 = a.withUnsafeBufferPointer { fingerprint($0.baseAddress!, 5) }
        for i in 0..<5 {
            a[i] += 1
            XCTAssertNotEqual(a.withUnsafeBufferPointer { fingerprint($0.baseAddress!, 5) }, f0)
            a[i] -= 1
        }
    }
}

final class SearchTests: XCTestCase {
    func testTwoThreadsOnOneMutexHaveEightStates() throws {
        let m = try model(header + """
            proc p() { lock(a); unlock(a); return 0 }
            thread A = p()
            thread B = p()
            expect pass
            """)
        let r = Checker.check(m)
        XCTAssertEqual(r.verdict, .holds)
        XCTAssertEqual(r.stats.distinctStates, 8)      // (pcA, pcB) over {0,1,2}² without (1,1)
        XCTAssertEqual(r.expectationMet, true)
    }

    func testABBADeadlockHasTheShortestTrace() throws {
        let m = try model(header + """
            proc ab() { lock(a); lock(b); unlock(b); unlock(a); return 0 }
            proc ba() { lock(b); lock(a); unlock(a); unlock(b); return 0 }
            thread A = ab()
            thread B = ba()
            check deadlock
            expect violation deadlock
            """)
        let r = Checker.check(m)
        XCTAssertEqual(r.verdict, .violated)
        XCTAssertEqual(r.violations.map(\.invariant), ["deadlock"])
        XCTAssertEqual(r.violations[0].trace.count, 2)
        XCTAssertEqual(Set(r.violations[0].trace.map(\.thread)), ["A", "B"])
        XCTAssertEqual(r.expectationMet, true)
    }

    func testLockOrderIsReportedWithoutADeadlockingRun() throws {
        let m = try model(header + """
            lock_order { a -> b }
            proc ba() { lock(b); lock(a); unlock(a); unlock(b); return 0 }
            thread B = ba()
            expect violation lock-order
            """)
        let r = Checker.check(m)
        XCTAssertEqual(r.violations.map(\.invariant), ["lock-order"])
        XCTAssertTrue(r.violations[0].message.contains("while holding b"), r.violations[0].message)
    }

    func testLimitsGiveIncompleteNeverHolds() throws {
        let m = try model(header + """
            proc p() { lock(a); unlock(a); lock(b); unlock(b); return 0 }
            thread A = p()
            thread B = p()
            thread C = p()
            expect pass
            """)
        let full = Checker.check(m)
        XCTAssertEqual(full.verdict, .holds)
        let cut = Checker.check(m, limits: SearchLimits(maxStates: 5))
        XCTAssertEqual(cut.verdict, .incomplete)
        XCTAssertNotNil(cut.limit)
        XCTAssertNil(cut.expectationMet)
        let shallow = Checker.check(m, limits: SearchLimits(maxDepth: 2))
        XCTAssertEqual(shallow.verdict, .incomplete)
    }

    func testUserInvariantAndAssertion() throws {
        let m = try model(header + """
            invariant never-two: mapcount(P0) < 2
            proc p(x) { assert x == 0, "x must be zero"; return 0 }
            thread A = p(1)
            expect violation assertion
            """)
        let r = Checker.check(m)
        XCTAssertEqual(r.violations.map(\.invariant), ["assertion"])
        XCTAssertEqual(r.violations[0].message, "x must be zero")
    }

    func testAtomicBlockIsAStepOfItsOwn() throws {
        let m = try model(header + """
            proc writer() {
                write_lock(vma_lock(V0))
                h = walk(V0.start)
                lock(ptl(h))
                populate(h)
                unlock(ptl(h))
                write_unlock(vma_lock(V0))
            }
            proc observer() { atomic { assert is_none(read(walk(V0.start))), "saw the split" } }
            thread A = writer()
            thread B = observer()
            expect violation assertion
            """)
        let r = Checker.check(m)
        XCTAssertEqual(r.violations.map(\.invariant), ["assertion"])
        XCTAssertEqual(r.violations[0].trace.last?.thread, "B")
    }

    func testAndOrShortCircuitAroundSteps() throws {
        let m = try model("""
            geometry x86_64 { hstate = 2M; fanout = 2 }
            world { file hugepages = 1, cached = none; vma V0 shared hgm }
            proc p() {
                pg = find_get_page(0)
                if !is_null(pg) && !page_migratable(pg) { return -EBUSY }
                if is_null(pg) || page_migratable(pg) { return 1 }
                return 0
            }
            thread A = p()
            expect pass
            """)
        let r = Checker.check(m)
        XCTAssertEqual(r.verdict, .holds, r.violations.map(\.message).joined())
    }

    // Regression tests for review findings.

    func testVariableFirstSetInsideIfKeepsItsValue() throws {
        let m = try model(header + """
            proc p() {
                if true { err = -17 }
                if false { x = 5 } else { x = 6 }
                z = 9
                assert err == -17, "err lost after the if"
                assert x == 6, "x aliased"
                assert z == 9
                return 0
            }
            thread A = p()
            expect pass
            """)
        let r = Checker.check(m)
        XCTAssertEqual(r.verdict, .holds, r.violations.map(\.message).joined())
    }

    func testLeakedReferenceIsReportedWhileAnotherThreadSleeps() throws {
        let m = try model("""
            import "\(specsPath("lib/rfc-v2.hgm"))"
            geometry x86_64 { hstate = 2M; fanout = 2 }
            world {
                file hugepages = 1, cached = all, i_size = 1
                vma V0 shared hgm uffd_minor exact_address
                mutex fault_mutex[buckets = 1]
            }
            proc leak() { p = find_get_page(0); return 0 }
            thread A = hugetlb_fault(V0, V0.start)
            thread B = leak()
            check refcount
            expect violation refcount
            """)
        let r = Checker.check(m)
        XCTAssertEqual(r.violations.map(\.invariant), ["refcount"])
        XCTAssertTrue(r.violations[0].message.contains("thread B returned holding"), r.violations[0].message)
    }

    func testAStepBreakingTwoInvariantsReportsBoth() throws {
        let m = try model(header + """
            proc p() {
                h = walk(V0.start)
                c = descend(h, V0.start)       // no VMA lock, and no table was ever allocated
                return 0
            }
            thread A = p()
            expect violation walk-unlocked, use-after-free
            """)
        let r = Checker.check(m)
        XCTAssertEqual(Set(r.violations.map(\.invariant)), ["walk-unlocked", "use-after-free"])
        XCTAssertEqual(r.expectationMet, true)
    }

    func testWriteTrylockFailsWhileAWriterIsQueued() throws {
        let m = try model("""
            geometry x86_64 { hstate = 2M; fanout = 2 }
            world { file hugepages = 1; vma V0 shared hgm; rwsem S }
            proc reader() { read_lock(S); read_unlock(S); return 0 }
            proc writer() { write_lock(S); write_unlock(S); return 0 }
            proc trier() {
                if write_trylock(S) { write_unlock(S) }
                return 0
            }
            thread R = reader()
            thread W = writer()
            thread T = trier()
            """)
        let machine = Machine(model: m)
        var (s, _, _) = machine.initialState()
        func run(_ t: Int) { _ = s.withUnsafeMutableBufferPointer { machine.step($0.baseAddress!, t, choice: 0) } }
        run(0)          // R reads
        run(1)          // W queues behind R
        run(0)          // R releases: the lock is free, W still queued
        run(2)          // T: write_trylock must fail (RWSEM_FLAG_WAITERS)
        let o = m.lockSlots.first { $0.name == "S" }!.offset
        XCTAssertEqual(s[o], 0, "write_trylock succeeded although a writer was queued")
    }

    func testPTLChoiceFollowsTheGeometrysPMDShift() throws {
        let m = try model("""
            import "\(specsPath("lib/rfc-v2.hgm"))"
            geometry arm64_16k { level PMD shift = 25; level PTE shift = 14; hstate = 32M; fanout = 2 }
            world {
                file hugepages = 1, cached = all, i_size = 1
                vma V0 shared hgm uffd_minor exact_address
                mutex fault_mutex[buckets = 1]
            }
            thread A = uffd_continue(V0, V0.start, PAGE)
            thread B = hugetlb_fault(V0, V0.start + PAGE)
            expect pass
            """)
        let r = Checker.check(m)
        XCTAssertEqual(r.verdict, .holds, r.violations.map { "\($0.invariant): \($0.message)" }.joined())
    }

    func testLargeAddressesAndGrowingISizeDoNotCrash() throws {
        let m = try model("""
            import "\(specsPath("lib/rfc-v2.hgm"))"
            geometry x86_64 { hstate = 1G; fanout = 4 }
            world {
                file hugepages = 3, cached = all, i_size = 3
                vma V0 shared hgm uffd_minor exact_address
                mutex fault_mutex[buckets = 1]
            }
            proc grow() { i_size_write(5); return 0 }
            thread A = uffd_continue(V0, V0.start + 2 * HPAGE_SIZE + PAGE, PAGE)
            thread B = grow()
            expect pass
            """)
        XCTAssertEqual(Checker.check(m).verdict, .holds)
    }

    func testALoopWithoutAStepIsAModelErrorNotAHang() throws {
        let m = try model(header + """
            proc spin() {
                x = 0
                while x < 3 bound 5 { y = x }
                return 0
            }
            thread A = spin()
            expect violation model-error, loop-bound
            """)
        let r = Checker.check(m)
        XCTAssertTrue(r.violations.contains { $0.invariant == "model-error" && $0.message.contains("runs forever without taking a step") },
                      r.violations.map(\.message).joined(separator: "; "))
    }

    func testDeterministicTraces() throws {
        let text = try String(contentsOfFile: specsPath("races/collapse-read-lock.hgm"), encoding: .utf8)
        _ = text
        let m1 = try Checker.load(path: specsPath("races/collapse-read-lock.hgm"), sources: SourceMap())
        let a = Checker.check(m1), b = Checker.check(m1)
        XCTAssertEqual(a.violations.map(\.trace.count), b.violations.map(\.trace.count))
        XCTAssertEqual(a.violations.map { $0.trace.map(\.statement) }, b.violations.map { $0.trace.map(\.statement) })
        XCTAssertEqual(a.stats.distinctStates, b.stats.distinctStates)
    }
}

/// A world with shared variables, for the livelock tests.
let varHeader = """
    geometry x86_64 { hstate = 2M; fanout = 2 }
    world {
        file hugepages = 1, cached = all, i_size = 1
        vma V0 shared hgm
        var up = 1
        var go = 0
        var fa = 0
        var fb = 0
        var n = 0
        mutex a
        mutex b
    }

    """

/// Livelock: a reachable cycle of states from none of which any schedule lets every thread
/// return (AG EF terminated fails), found only when the model has unbounded loops.
final class LivelockTests: XCTestCase {
    /// A waits for `up`, which B clears for good.
    static let clearedForGood = """
        proc wait_up() { while load(up) == 0 { }; return 0 }
        proc clear() { store(up, 0); return 0 }
        thread A = wait_up()
        thread B = clear()
        """

    /// Compiles `varHeader` + the procedures and threads + the check and expect lines, and checks it.
    func run(_ scenario: String, check: String, expect: String, limits: SearchLimits = SearchLimits()) throws -> (Model, CheckResult) {
        let m = try model(varHeader + scenario + "\ncheck \(check)\nexpect \(expect)\n")
        return (m, Checker.check(m, limits: limits))
    }

    func testAFlagClearedForGoodIsALivelockWithALassoTrace() throws {
        let (m, r) = try run(Self.clearedForGood, check: "livelock", expect: "violation livelock")
        XCTAssertTrue(m.hasLoops)
        XCTAssertEqual(r.verdict, .violated)
        XCTAssertEqual(r.violations.map(\.invariant), ["livelock"])
        XCTAssertEqual(r.expectationMet, true)
        let v = r.violations[0]
        // The lasso: B clears the flag (the shortest path to the cycle), then A's load repeats.
        XCTAssertEqual(v.trace.map(\.thread), ["B", "A"])
        XCTAssertEqual(v.cycleStart, 2)
        XCTAssertTrue(v.trace[1].statement.contains("load(up)"), v.trace[1].statement)
        XCTAssertTrue(v.message.hasPrefix("thread A can repeat step 2 forever"), v.message)
        XCTAssertTrue(v.message.contains("B has returned"), v.message)
        XCTAssertTrue(v.location?.hasPrefix(v.trace[1].location + ":") ?? false, v.location ?? "no anchor")   // the while line
        // Not looked for when not checked.
        XCTAssertEqual(try run(Self.clearedForGood, check: "deadlock", expect: "pass").1.verdict, .holds)
    }

    /// Passing scenarios: the spin ends once another thread stores (B can always run); two
    /// threads backing off in lockstep, which some schedule lets through; a spin that ends
    /// in a state where A sleeps on a userfault (waiting for userspace, as for deadlock).
    func testSpinsThatSomeScheduleEndsAreNotLivelocks() throws {
        let passing = [
            """
            proc wait_go() { while load(go) == 0 { }; return 0 }
            proc set_go() { lock(a); store(go, 1); unlock(a); return 0 }
            thread A = wait_go()
            thread B = set_go()
            """,
            """
            proc pa() { store(fa, 1); while load(fb) == 1 { store(fa, 0); store(fa, 1) }; store(fa, 0); return 0 }
            proc pb() { store(fb, 1); while load(fa) == 1 { store(fb, 0); store(fb, 1) }; store(fb, 0); return 0 }
            thread A = pa()
            thread B = pb()
            """,
            """
            proc fault_and_sleep() { store(go, 1); uffd_enqueue(V0.start, V0.start); uffd_sleep(); uffd_dequeue(); return 0 }
            proc wait_go() { while load(go) == 0 { }; return 0 }
            thread A = fault_and_sleep()
            thread B = wait_go()
            """,
        ]
        for scenario in passing {
            let r = try run(scenario, check: "all", expect: "pass").1
            XCTAssertEqual(r.verdict, .holds, scenario + r.violations.map(\.message).joined(separator: "; "))
            XCTAssertTrue(r.checked.contains("livelock"))
        }
    }

    /// States from which every schedule deadlocks are reported as the deadlock only: they
    /// hold no cycle. C's loop is unbounded but counts up, so it ends.
    func testDeadlockWithAnUnboundedLoopIsNotALivelock() throws {
        let r = try run("""
            proc ab() { while load(go) == 0 { }; lock(a); lock(b); unlock(b); unlock(a); return 0 }
            proc ba() { lock(b); store(go, 1); lock(a); unlock(a); unlock(b); return 0 }
            proc count() { while load(n) < 3 { store(n, load(n) + 1) }; return 0 }
            thread A = ab()
            thread B = ba()
            thread C = count()
            """, check: "deadlock, livelock", expect: "violation deadlock").1
        XCTAssertEqual(r.violations.map(\.invariant), ["deadlock"])
        XCTAssertNil(r.violations[0].cycleStart)
        XCTAssertEqual(r.expectationMet, true)
    }

    /// A thread spinning while another is blocked for good is a livelock (someone burns CPU).
    func testSpinningNextToABlockedThreadIsALivelock() throws {
        let r = try run("""
            proc holder() { lock(a); while load(go) == 0 { }; unlock(a); return 0 }
            proc waiter() { lock(a); unlock(a); store(go, 1); return 0 }
            thread A = holder()
            thread B = waiter()
            """, check: "deadlock, livelock", expect: "violation livelock").1
        XCTAssertEqual(r.violations.map(\.invariant), ["livelock"])
        XCTAssertTrue(r.violations[0].message.contains("B is blocked at"), r.violations[0].message)
    }

    func testNoVerdictOnLivelockFromAnIncompleteSearch() throws {
        let scenario = "proc pre() { lock(a); unlock(a); return 0 }\nthread C = pre()\n" + Self.clearedForGood
        XCTAssertEqual(try run(scenario, check: "livelock", expect: "violation livelock").1.verdict, .violated)
        let cut = try run(scenario, check: "livelock", expect: "violation livelock", limits: SearchLimits(maxStates: 2)).1
        XCTAssertEqual(cut.verdict, .incomplete)
        XCTAssertTrue(cut.violations.isEmpty)
        XCTAssertNil(cut.expectationMet)
    }

    /// A bounded loop run past its bound is loop-bound's finding; its capped counter repeats
    /// states, but those steps cut the path for livelock, unless loop-bound is not checked.
    func testABoundedLoopPastItsBoundIsLoopBoundNotLivelock() throws {
        let scenario = """
            proc spin() { store(go, 1); while 1 bound 2 { lock(a); unlock(a) }; return 0 }
            proc wait_go() { while load(go) == 0 { }; return 0 }
            thread A = spin()
            thread B = wait_go()
            """
        XCTAssertEqual(try run(scenario, check: "loop-bound, livelock", expect: "violation loop-bound").1.violations.map(\.invariant), ["loop-bound"])
        XCTAssertEqual(try run(scenario, check: "livelock", expect: "violation livelock").1.violations.map(\.invariant), ["livelock"])
    }

    func testAnUnboundedLoopKeepsNoCounter() throws {
        let (unbounded, u) = try run("proc p() { while load(n) < 2 { store(n, load(n) + 1) }; return 0 }\nthread A = p()", check: "all", expect: "pass")
        let (bounded, b) = try run("proc p() { while load(n) < 2 bound 3 { store(n, load(n) + 1) }; return 0 }\nthread A = p()", check: "all", expect: "pass")
        XCTAssertTrue(unbounded.hasLoops)
        XCTAssertTrue(bounded.hasLoops)
        XCTAssertEqual(unbounded.words + 1, bounded.words)
        XCTAssertEqual([u.verdict, b.verdict], [.holds, .holds])
    }

    /// The local-op budget still catches an unbounded loop that takes no step.
    func testAnUnboundedLoopWithoutAStepIsAModelErrorNotAHang() throws {
        let r = try run("proc spin() { x = 0; while x < 3 { y = x }; return 0 }\nthread A = spin()", check: "all", expect: "violation model-error").1
        XCTAssertEqual(r.violations.map(\.invariant), ["model-error"])
        XCTAssertTrue(r.violations[0].message.contains("runs forever without taking a step"), r.violations[0].message)
    }
}

func specsPath(_ rel: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Specs").appendingPathComponent(rel).path
}

/// Traces come from the search's parent index (issue 10 §2), not from a second search: a
/// run whose memory limit would not hold a second search still has every trace, and the
/// parallel search gives the same numbers, parents and traces as the sequential one.
final class TraceRebuildLimitTests: XCTestCase {
    /// The assertion breaks 18 steps deep, after a few thousand states of other threads' work.
    static let deep = varHeader + """
        proc spin(v) { store(v, 1); store(v, 2); store(v, 3); store(v, 4); store(v, 5); store(v, 6); store(v, 7); store(v, 8); return 0 }
        proc setter() { spin(fb); store(n, 1); return 0 }
        proc checker() { spin(fa); x = load(n); assert x == 0; return 0 }
        thread A = checker()
        thread B = setter()
        thread C = spin(go)
        thread D = spin(up)
        check assertion
        expect violation assertion
        """

    func testTracesComeFromTheParentIndex() throws {
        let m = try model(TraceRebuildLimitTests.deep)
        let machine = Machine(model: m)
        let out = BreadthFirstSearch(machine: machine, limits: SearchLimits()).run()
        XCTAssertEqual(out.findings.count, 1)
        XCTAssertEqual(out.parents.count, out.stats.distinctStates)     // one entry per state
        let traced = TraceBuilder(machine: machine, parents: out.parents).rebuild(out.findings)
        XCTAssertEqual(traced.first?.report.trace.count, 18)
        XCTAssertEqual(traced.first?.moves.count, 18)
        XCTAssertNil(traced.first?.report.traceMissing)
    }

    /// The parallel search numbers states as the sequential one does: the same parent index
    /// entry for every state, and so the same traces, for 2, 3 and 4 workers.
    func testParallelParentIndexIsTheSequentialOne() throws {
        let m = try model(TraceRebuildLimitTests.deep)
        let seq = BreadthFirstSearch(machine: Machine(model: m), limits: SearchLimits()).run()
        let want = (0..<seq.parents.count).map { seq.parents.path(to: $0).map { "\($0.thread).\($0.choice)" } }
        for w in 2...4 {
            let par = BreadthFirstSearch(machine: Machine(model: m), limits: SearchLimits(workers: w)).run()
            XCTAssertEqual(par.parents.count, seq.parents.count)
            let got = (0..<par.parents.count).map { par.parents.path(to: $0).map { "\($0.thread).\($0.choice)" } }
            XCTAssertTrue(got == want, "workers \(w): parent index differs")
            XCTAssertEqual(par.findings.map(\.state), seq.findings.map(\.state))
        }
    }

    /// Through the checker: a memory limit too small for any second search (1 KiB), on a
    /// scenario of 1584 states (under the 2048 between the search's own limit checks, so the
    /// search finishes): the trace is there, and the verdict is violated.
    func testCheckerKeepsTheTraceUnderATinyMemoryLimit() throws {
        let text = TraceRebuildLimitTests.deep.replacingOccurrences(of: "store(v, 8);", with: "store(v, 8); store(v, 9); store(v, 10);")
            .replacingOccurrences(of: "thread D = spin(up)\n", with: "")
        let m = try model(text)
        let r = Checker.check(m, limits: SearchLimits(maxMemoryBytes: 1 << 10))
        XCTAssertEqual(r.stats.distinctStates, 1584)
        XCTAssertNil(r.limit)
        XCTAssertEqual(r.verdict, .violated)
        XCTAssertEqual(r.violations.map(\.invariant), ["assertion"])
        XCTAssertNil(r.violations.first?.traceMissing)
        XCTAssertFalse(r.violations.first?.trace.isEmpty ?? true)
        XCTAssertEqual(r.expectationMet, true)
        XCTAssertGreaterThan(r.stats.processPeakRSSBytes, 0)
    }
}
