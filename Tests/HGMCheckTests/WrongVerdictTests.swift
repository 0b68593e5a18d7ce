import Foundation
import HGMCheck
@testable import HGMModel
import HGMSpec
import XCTest

/// The wrong verdicts of issue 9 §1 (items 1–4, 6–9, 11, 13, 14, 15), each with its
/// reproducer: every one said HOLDS (or reported the wrong thing) before its fix.
final class WrongVerdictTests: XCTestCase {
    static let head = """
        geometry x86_64 { hstate = 2M; fanout = 2 }
        world {
            file hugepages = 1, cached = all, i_size = 1
            vma V0 shared
            var c = 0
            var flag = 0
            mutex L
            mutex M
            spinlock S
        }

        """
    static let twoPages = head.replacingOccurrences(of: "hugepages = 1, cached = all, i_size = 1\n    vma V0 shared",
                                                    with: "hugepages = 2, cached = all, i_size = 2\n    vma V0 shared pages = 2\n    vma V1 split_from = V0 at = 1")

    func check(_ body: String, _ checks: String = "all", header: String = head, limits: SearchLimits = SearchLimits()) throws -> CheckResult {
        let m = try model(header + body + "\ncheck \(checks)\n")
        return Checker.check(m, limits: limits)
    }
    func broken(_ r: CheckResult) -> [String] { r.violations.map(\.invariant).sorted() }

    // Item 1: a return inside an atomic block ended the block's step nowhere.
    func testReturnFromAnAtomicBlockEndsTheStep() throws {
        let r = try check("""
            proc helper() { atomic { return 0 } }
            proc w() { helper(); store(c, 1); store(c, 0); return 0 }
            proc r() { x = load(c); assert x == 0; return 0 }
            thread A = w()
            thread B = r()
            """, "assertion")
        XCTAssertEqual(broken(r), ["assertion"])
        XCTAssertEqual(r.violations[0].trace.count, 2)
    }

    func testLockAfterAnAtomicReturnIsCheckedForEnabledness() throws {
        let r = try check("""
            proc helper() { atomic { return 0 } }
            proc w() { helper(); lock(L); unlock(L); return 0 }
            proc o() { lock(L); unlock(L); return 0 }
            thread A = w()
            thread B = o()
            """)
        XCTAssertEqual(r.verdict, .holds, "\(broken(r))")
    }

    func testBreakContinueAndGotoOutOfAnAtomicBlockEndTheStep() throws {
        for exit in ["break", "goto out"] {
            let r = try check("""
                proc w() { i = 0; while i < 1 bound 2 { atomic { i = i + 1; \(exit) } }; out: store(c, 1); store(c, 0); return 0 }
                proc r() { x = load(c); assert x == 0; return 0 }
                thread A = w()
                thread B = r()
                """, "assertion")
            XCTAssertEqual(broken(r), ["assertion"], exit)
        }
    }

    func testGotoIntoAnAtomicBlockIsRefused() throws {
        XCTAssertThrowsError(try model(Self.head + """
            proc w() { goto in; atomic { store(c, 1); in: store(c, 0) }; return 0 }
            thread A = w()
            expect pass
            """)) { e in XCTAssertTrue("\(e)".contains("jumps into an atomic block"), "\(e)") }
    }

    // Item 2: a built-in reading VMA state was evaluated inside the previous step.
    func testVMAEndIsReadInAStepOfItsOwn() throws {
        let r = try check("""
            proc a() { store(flag, 1); e = vma_end(V0); assert e == V0.end; return 0 }
            proc b() { x = load(flag); if x == 1 { split_vma(V0, V1, false) }; return 0 }
            thread A = a()
            thread B = b()
            """, "assertion", header: Self.twoPages)
        XCTAssertEqual(broken(r), ["assertion"])
    }

    /// Found by the differential campaign: a read of a removed VMA's field is a use-after-free
    /// that must end the step; the local code after it ran on the value read and "failed" an assert.
    func testAUseAfterFreeInASharedReadEndsTheStep() throws {
        let r = try check("""
            proc a() { e = vma_end(V0); assert e == V0.end, "V0 was split"; return 0 }
            proc b() { remove_vma(V0); return 0 }
            thread A = a()
            thread B = b()
            """)
        XCTAssertEqual(broken(r), ["use-after-free"])
    }

    /// Found by the reference's own atomic-body check: a step-less atomic block nested in
    /// another ended the outer block's atomicity.
    func testANestedStepLessAtomicBlockKeepsTheOuterBlockAtomic() throws {
        let r = try check("""
            proc w() { atomic { store(c, 1); atomic { x = 1 }; store(c, 0) }; return 0 }
            proc r() { x = load(c); assert x == 0; return 0 }
            thread A = w()
            thread B = r()
            """)
        XCTAssertEqual(r.verdict, .holds, "\(broken(r))")
    }

    // Item 3: a stuck state with a lost wakeup and a deadlock reported only the first.
    func testAStuckStateReportsEveryStuckInvariant() throws {
        // Every state where B and C deadlock has A asleep on a wakeup that already happened.
        let r = try check("""
            proc waker() { wake_range(0, 1); store(flag, 1); return 0 }
            proc sleeper() { wait: if load(flag) == 0 { goto wait }; uffd_enqueue(0, 0); store(c, 1); uffd_sleep(); return 0 }
            proc ab() { wait: if load(c) == 0 { goto wait }; lock(L); lock(M); unlock(M); unlock(L); return 0 }
            proc ba() { wait: if load(c) == 0 { goto wait }; lock(M); lock(L); unlock(L); unlock(M); return 0 }
            thread W = waker()
            thread A = sleeper()
            thread B = ab()
            thread C = ba()
            """, "deadlock, lost-wakeup")
        XCTAssertEqual(broken(r), ["deadlock", "lost-wakeup"])
    }

    // Item 4: a bounded loop whose bound is not checked can spin for ever: livelock.
    func testABoundedLoopIsExaminedForLivelock() throws {
        let r = try check("""
            proc w() { x = load(flag); while x == 0 bound 3 { x = load(flag) }; return 0 }
            thread A = w()
            """, "livelock, deadlock")
        XCTAssertEqual(broken(r), ["livelock"])
        let g = try check("""
            proc w() { retry: x = load(flag); if x == 0 { goto retry }; return 0 }
            thread A = w()
            """, "livelock")
        XCTAssertEqual(broken(g), ["livelock"])
    }

    // Item 6: a PTL kept in a local, taken after its table page was freed.
    func testAPTLKeptInALocalIsAUseAfterFree() throws {
        let r = try check("""
            proc user() {
                read_lock(vma_lock(V0))
                h = walk(V0.start)
                lock(ptl(h)); populate(h); unlock(ptl(h))
                h2 = descend(h, V0.start)
                l = ptl(h2)
                read_unlock(vma_lock(V0))
                store(flag, 1)
                wait: if load(c) == 0 { goto wait }
                lock(l)
                unlock(l)
                return 0
            }
            proc freer() {
                wait: if load(flag) == 0 { goto wait }
                write_lock(vma_lock(V0))
                h = walk(V0.start)
                free_tables(h)
                write_unlock(vma_lock(V0))
                store(c, 1)
                return 0
            }
            thread A = user()
            thread B = freer()
            """, "use-after-free")
        XCTAssertEqual(broken(r), ["use-after-free"])
        XCTAssertTrue(r.violations[0].message.contains("takes ptl("), r.violations[0].message)
    }

    // Item 15: a use-after-free on an unlock says "releases".
    func testAPTLReleasedAfterItsPageWasFreedSaysReleases() throws {
        let r = try check("""
            proc user() {
                write_lock(vma_lock(V0))
                h = walk(V0.start)
                lock(ptl(h)); populate(h); unlock(ptl(h))
                h2 = descend(h, V0.start)
                lock(ptl(h2))
                free_tables(h)
                unlock(ptl(h2))
                write_unlock(vma_lock(V0))
                return 0
            }
            thread A = user()
            """, "use-after-free")
        XCTAssertEqual(broken(r), ["use-after-free"])
        XCTAssertTrue(r.violations[0].message.contains("releases"), r.violations[0].message)
    }

    // Item 7: integers wrap.
    func testIntegerOverflowIsAModelError() throws {
        let r = try check("""
            proc w() { x = 0 - 134217727; x = x - 1; y = -x; return 0 }
            thread A = w()
            """)
        XCTAssertEqual(broken(r), ["model-error"])
        XCTAssertTrue(r.violations[0].message.contains("overflow"), r.violations[0].message)
        XCTAssertThrowsError(try model(Self.head.replacingOccurrences(of: "2M", with: "1G") + """
            proc w() { x = 33554432G; return 0 }
            thread A = w()
            expect pass
            """)) { e in XCTAssertTrue("\(e)".contains("too large"), "\(e)") }
    }

    // Item 8: long finite local work is not an endless loop; an endless one still is.
    func testLongFiniteLocalWorkRunsToItsEnd() throws {
        let r = try check("""
            proc w() { i = 0; while i < 300000 bound 300000 { i = i + 1 }; store(c, i); return 0 }
            thread A = w()
            """)
        XCTAssertEqual(r.verdict, .holds, "\(r.violations.map(\.message))")
        let e = try check("""
            proc w() { i = 0; while true { i = (i + 1) % 70000 }; return 0 }
            thread A = w()
            """)
        XCTAssertEqual(broken(e), ["model-error"])
        XCTAssertTrue(e.violations[0].message.contains("runs forever"), e.violations[0].message)
    }

    // Item 9: a user invariant that cannot be evaluated hung the search.
    func testAFailingUserInvariantIsOneModelError() throws {
        let r = try check("""
            proc w() { store(c, 1); store(c, 2); return 0 }
            thread A = w()
            invariant bad: c == 0 || P0 + 1 > 0
            """)
        XCTAssertEqual(broken(r), ["model-error"])
        XCTAssertTrue(r.violations[0].message.contains("invariant bad"), r.violations[0].message)
    }

    // Item 11: inlining that explodes is refused with the call chain.
    func testInliningBlowUpIsRefusedWithTheCallChain() throws {
        var procs = "proc p0() { store(c, 1); return 0 }\n"
        for i in 1...16 { procs += "proc p\(i)() { p\(i - 1)(); p\(i - 1)(); p\(i - 1)(); p\(i - 1)(); return 0 }\n" }
        XCTAssertThrowsError(try model(Self.head + procs + "thread A = p16()\nexpect pass\n")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("too large"), text)
            XCTAssertTrue(text.contains("p16 -> p15"), text)
        }
    }

    // Item 13: unknown names on `check all, ...` are errors.
    func testUnknownInvariantAfterCheckAllIsAnError() throws {
        XCTAssertThrowsError(try model(Self.head + "proc w() { return 0 }\nthread A = w()\ncheck all, bogus-name\nexpect pass\n")) { e in
            XCTAssertTrue("\(e)".contains("unknown invariant") && "\(e)".contains("bogus-name"), "\(e)")
        }
    }

    // Item 14: sleeping while holding a spinlock.
    func testSleepingUnderASpinlockIsFlagged() throws {
        let bad = try check("proc w() { lock(S); lock(L); unlock(L); unlock(S); return 0 }\nthread A = w()")
        XCTAssertEqual(broken(bad), ["sleep-in-atomic"])
        let ptl = try check("""
            proc w() { read_lock(vma_lock(V0)); h = walk(V0.start); lock(ptl(h)); lock_page(P0); unlock_page(P0); unlock(ptl(h)); read_unlock(vma_lock(V0)); return 0 }
            thread A = w()
            """)
        XCTAssertEqual(broken(ptl), ["sleep-in-atomic"])
        let good = try check("proc w() { lock(L); lock(S); unlock(S); unlock(L); return 0 }\nthread A = w()")
        XCTAssertEqual(good.verdict, .holds)
    }

    // Item 15: a deadlock behind a thread asleep on a userfault names the sleeper and the lock.
    func testDeadlockMessageNamesTheLockAndTheSleeper() throws {
        let r = try check("""
            proc sleeper() { lock(L); uffd_enqueue(0, 0); uffd_sleep(); unlock(L); return 0 }
            proc waiter() { x = load(flag); lock(L); unlock(L); return 0 }
            thread A = sleeper()
            thread B = waiter()
            """, "deadlock")
        XCTAssertEqual(broken(r), ["deadlock"])
        let msg = r.violations[0].message
        XCTAssertTrue(msg.contains("waiting for L held by A (asleep on a userfault"), msg)
    }
}
