import Foundation
@testable import HGMCheck
import HGMModel
@testable import HGMReference
import HGMSpec
import XCTest

func compile(_ text: String) throws -> Model {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hgm-reference-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("t.hgm").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try Checker.load(path: path, sources: SourceMap())
}

let world = """
    geometry x86_64 { hstate = 2M; fanout = 2 }
    world {
        file hugepages = 2, cached = all, i_size = 2
        vma V0 pages = 2 shared hgm
        vma V1 split_from = V0 at = 1
        var c = 0
        var flag = 0
        mutex a
        mutex b
        rwsem s
    }

    """

/// Unit tests of the reference semantics on tiny specs (the issue 9 §1 reproducers among them).
final class ReferenceSemanticsTests: XCTestCase {
    func ref(_ body: String, limits: ReferenceLimits = .init()) throws -> ReferenceResult {
        ReferenceChecker.check(try compile(world + body), limits: limits)
    }

    func testTwoThreadsOnOneMutexHold() throws {
        let r = try ref("""
            proc p() { lock(a); unlock(a); return 0 }
            thread A = p()
            thread B = p()
            """)
        XCTAssertEqual(r.violated, [])
        XCTAssertTrue(r.complete)
        XCTAssertGreaterThan(r.states, 8)      // every op is a step: more states than the engine's 8
    }

    func testABBADeadlockAndLockOrder() throws {
        let r = try ref("""
            lock_order { a -> b }
            proc ab() { lock(a); lock(b); unlock(b); unlock(a); return 0 }
            proc ba() { lock(b); lock(a); unlock(a); unlock(b); return 0 }
            thread A = ab()
            thread B = ba()
            """)
        XCTAssertEqual(r.violated, ["deadlock", "lock-order"])
    }

    func testInitialStateRunsNothing() throws {
        let m = try compile(world + """
            proc p() { x = 1; y = x + 1; store(c, y); return 0 }
            thread A = p()
            """)
        // One thread, straight-line code: one state per op boundary (no merging).
        let r = ReferenceChecker.check(m)
        XCTAssertTrue(r.complete)
        XCTAssertEqual(r.violated, [])
        XCTAssertGreaterThanOrEqual(r.states, 5)
    }

    /// Issue 9 §1.1: `return` out of an atomic block does not carry atomicity to the caller.
    func testAtomicEarlyReturnEndsTheStep() throws {
        let r = try ref("""
            proc helper() { atomic { return 0 } }
            proc w() { helper(); store(c, 1); store(c, 0); return 0 }
            proc r() { x = load(c); assert x == 0; return 0 }
            thread W = w()
            thread R = r()
            """)
        XCTAssertEqual(r.violated, ["assertion"])
        let r2 = try ref("""
            proc helper() { atomic { return 0 } }
            proc w() { helper(); lock(a); unlock(a); return 0 }
            proc o() { lock(a); unlock(a); return 0 }
            thread W = w()
            thread O = o()
            """)
        XCTAssertEqual(r2.violated, [])
    }

    /// An atomic block is one step: nobody sees the intermediate value.
    func testAtomicBlockIsOneStep() throws {
        let r = try ref("""
            proc w() { atomic { store(c, 1); store(c, 0) }; return 0 }
            proc r() { x = load(c); assert x == 0; return 0 }
            thread W = w()
            thread R = r()
            """)
        XCTAssertEqual(r.violated, [])
    }

    /// Issue 9 §1.2: a built-in reading VMA state is evaluated in a step of its own.
    func testVMAStateReadIsItsOwnStep() throws {
        let r = try ref("""
            proc a() { store(flag, 1); e = vma_end(V0); assert e == V0.end; return 0 }
            proc b() { x = load(flag); if x == 1 { split_vma(V0, V1, false) }; return 0 }
            thread A = a()
            thread B = b()
            """)
        XCTAssertEqual(r.violated, ["assertion"])
    }

    /// Issue 9 §1.3: a stuck state that is both deadlocked and has a lost wakeup reports both.
    func testStuckStateReportsEveryFinding() throws {
        let r = try ref("""
            proc waker() { wake_range(V0.start, 1); return 0 }
            proc sleeper() { x = load(flag); if x == 0 { return 0 }; uffd_enqueue(V0.start, V0.start); uffd_sleep(); return 0 }
            proc setter() { store(flag, 1); return 0 }
            proc stuck() { lock(a); lock(a); return 0 }
            thread W = waker()
            thread S = sleeper()
            thread F = setter()
            thread K = stuck()
            check deadlock, lost-wakeup
            """)
        XCTAssertEqual(r.violated, ["deadlock", "lost-wakeup"])
    }

    /// Issue 9 §1.4: a bounded loop waiting for a flag nobody sets spins forever.
    func testBoundedLoopLivelock() throws {
        let r = try ref("""
            proc p() { x = load(flag); while x == 0 bound 3 { x = load(flag) }; return 0 }
            thread A = p()
            check livelock, deadlock
            """)
        XCTAssertEqual(r.violated, ["livelock"])
        // With loop-bound checked, running past the bound ends the path: loop-bound, not livelock.
        let r2 = try ref("""
            proc p() { x = load(flag); while x == 0 bound 3 { x = load(flag) }; return 0 }
            thread A = p()
            check livelock, deadlock, loop-bound
            """)
        XCTAssertEqual(r2.violated, ["loop-bound"])
    }

    func testUnboundedRetryLoopIsLivelockOnlyWithoutAWayOut() throws {
        let waits = try ref("""
            proc w() { while load(flag) == 0 { }; return 0 }
            proc s() { store(flag, 1); return 0 }
            thread A = w()
            thread B = s()
            check livelock, deadlock
            """)
        XCTAssertEqual(waits.violated, [])
        let forever = try ref("""
            proc w() { while load(flag) == 0 { }; return 0 }
            thread A = w()
            check livelock, deadlock
            """)
        XCTAssertEqual(forever.violated, ["livelock"])
    }

    /// A loop that takes no step at all is a model error, not a livelock.
    func testLocalInfiniteLoopIsAModelError() throws {
        let r = try ref("""
            proc p() { x = 0; while x == 0 { y = 1 }; return 0 }
            thread A = p()
            """)
        XCTAssertEqual(r.violated, ["model-error"])
        // Long but finite local code is fine (issue 9 §1.8).
        let r2 = try ref("""
            proc p() { i = 0; while i < 3000 bound 3000 { i = i + 1 }; store(c, 1); return 0 }
            thread A = p()
            """, limits: ReferenceLimits(maxStates: 100_000))
        XCTAssertEqual(r2.violated, [])
        XCTAssertTrue(r2.complete)
    }

    /// A queued writer blocks new readers: a recursive read lock deadlocks against it.
    func testQueuedWriterBlocksReaders() throws {
        let r = try ref("""
            proc rr() { read_lock(s); read_lock(s); read_unlock(s); read_unlock(s); return 0 }
            proc w() { write_lock(s); write_unlock(s); return 0 }
            thread R = rr()
            thread W = w()
            check deadlock
            """)
        XCTAssertEqual(r.violated, ["deadlock"])
        let ok = try ref("""
            proc r() { read_lock(s); read_unlock(s); return 0 }
            proc w() { write_lock(s); write_unlock(s); return 0 }
            thread R = r()
            thread W = w()
            thread R2 = r()
            """)
        XCTAssertEqual(ok.violated, [])
    }

    func testLockBalanceAndRefcountAtReturn() throws {
        let r = try ref("""
            proc p() { lock(a); return 0 }
            proc q() { pg = find_get_page(0); return 0 }
            thread A = p()
            thread B = q()
            check lock-balance, refcount
            """)
        XCTAssertEqual(r.violated, ["lock-balance", "refcount"])
    }

    func testUserInvariantAndUnselectedInvariants() throws {
        let r = try ref("""
            proc p() { store(c, 1); lock(a); return 0 }
            thread A = p()
            invariant c_zero: c == 0
            check c_zero
            """)
        XCTAssertEqual(r.violated, ["c_zero"])     // lock-balance is not selected
    }

    func testLimitGivesIncomplete() throws {
        let r = try ref("""
            proc p() { lock(a); unlock(a); lock(b); unlock(b); return 0 }
            thread A = p()
            thread B = p()
            thread C = p()
            """, limits: ReferenceLimits(maxStates: 20))
        XCTAssertFalse(r.complete)
    }

    func testReplayOfAnEngineTrace() throws {
        let m = try compile(world + """
            lock_order { a -> b }
            proc ab() { lock(a); lock(b); unlock(b); unlock(a); return 0 }
            proc ba() { lock(b); lock(a); unlock(a); unlock(b); return 0 }
            thread A = ab()
            thread B = ba()
            check deadlock
            """)
        XCTAssertTrue(ReferenceChecker.replay(m, moves: [(0, 0), (1, 0)], violation: "deadlock").replayed)
        // Not a deadlock yet, and a step that is not enabled.
        XCTAssertFalse(ReferenceChecker.replay(m, moves: [(0, 0)], violation: "deadlock").replayed)
        XCTAssertFalse(ReferenceChecker.replay(m, moves: [(0, 0), (1, 0), (0, 0)], violation: "deadlock").replayed)
    }
}

/// The interpreter's atomic bodies come from the compiler (`Model.inAtomic`); computed from
/// the op sequence alone (begin/end nesting) they must be the same on every spec.
final class AtomicBodyTests: XCTestCase {
    func testCompilerAtomicBodiesMatchTheOpSequence() throws {
        var checked = 0
        for path in specFiles() {
            guard let m = loadModel(path) else { continue }
            XCTAssertEqual(Interpreter.atomicBodies(m), m.inAtomic, path)
            checked += 1
        }
        let m = try compile(world + """
            proc helper() { atomic { store(c, 1); return 0 } }
            proc w() { atomic { store(c, 2); atomic { store(c, 3) } }; helper(); return 0 }
            thread W = w()
            """)
        XCTAssertEqual(Interpreter.atomicBodies(m), m.inAtomic)
        // A block without a step inside another block: local work inside the outer body.
        let nested = try compile(world + """
            proc w() { atomic { store(c, 1); atomic { x = 1 }; store(c, 0) }; return 0 }
            proc r() { x = load(c); assert x == 0; return 0 }
            thread W = w()
            thread R = r()
            """)
        XCTAssertEqual(ReferenceChecker.check(nested).violated, [])
        // Compiler.swift (`.atomic`): turning the inner block into local work clears inAtomic
        // for every op from its start, though they are still inside the outer body; the engine
        // then ends the outer block's step there, and reports this spec's assertion.
        XCTAssertEqual(Interpreter.atomicBodies(nested), nested.inAtomic,
                       "Model.inAtomic: a step-less atomic block nested in another ends the outer block's atomicity")
        XCTAssertGreaterThan(checked, 100)
    }
}

/// `check --reference` results, and the certification of engine traces.
final class ReferenceRunTests: XCTestCase {
    static let abba = world + """
        lock_order { a -> b }
        proc ab() { lock(a); lock(b); unlock(b); unlock(a); return 0 }
        proc ba() { lock(b); lock(a); unlock(a); unlock(b); return 0 }
        thread A = ab()
        thread B = ba()
        """

    func testReferenceRunGivesVerdictsAndItsOwnTraces() throws {
        let m = try compile(Self.abba)
        let r = Checker.checkReference(m)
        XCTAssertEqual(r.verdict, .violated)
        XCTAssertEqual(r.violations.map(\.invariant), ["deadlock", "lock-order"])
        XCTAssertFalse(r.violations[0].trace.isEmpty)
        XCTAssertTrue(r.violations[0].message.contains("reference"), r.violations[0].message)
        let ok = try compile(world + "proc p() { lock(a); unlock(a); return 0 }\nthread A = p()\nthread B = p()\n")
        XCTAssertEqual(Checker.checkReference(ok).verdict, .holds)
        XCTAssertEqual(Checker.checkReference(ok, limits: SearchLimits(maxStates: 3)).verdict, .incomplete)
    }

    func testEngineTracesAreCertifiedAndAForgedOneIsAnInternalError() throws {
        let m = try compile(Self.abba)
        let r = Checker.check(m)
        XCTAssertEqual(r.internalErrors, [])
        XCTAssertEqual(Set(r.violations.map(\.invariant)), ["deadlock", "lock-order"])
        let forged = ViolationReport(invariant: "deadlock", message: "", help: "", location: nil, trace: [], contextSwitches: 0)
        let errors = Checker.certify(m, [(forged, [(thread: 0, choice: 0)])])
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].contains("does not replay"), errors[0])
    }
}
