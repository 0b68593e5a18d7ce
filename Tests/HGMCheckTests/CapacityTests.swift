import Foundation
import HGMCheck
import HGMModel
import HGMSpec
import XCTest

/// No fixed caps where kernel scenarios need room (issue 10 §3): 16 threads and more, fan-out
/// 8 with a 1G hstate (1 + 8 + 64 entries), fan-out 16 with a 2M hstate, and userfault
/// wakeups tracked at every model address, not only below 32.
final class CapacityTests: XCTestCase {
    func world(_ geometry: String) -> String {
        """
        geometry x86_64 { \(geometry) }
        world {
            file hugepages = 1, cached = all, i_size = 1
            vma V0 shared hgm
            var c = 0
        }

        """
    }

    func testSixteenThreads() throws {
        // 16 threads, 12 of which take one step: 2^12 states (the last threads' bits count too).
        var spec = world("hstate = 2M; fanout = 2") + "proc p() { x = load(c); return 0 }\nproc q() { return 0 }\n"
        for i in 1...16 { spec += "thread T\(i) = \(i > 4 ? "p" : "q")()\n" }
        let r = Checker.check(try model(spec + "check all\nexpect pass\n"))
        XCTAssertEqual(r.verdict, .holds)
        XCTAssertEqual(r.stats.distinctStates, 1 << 12)
        var tooMany = world("hstate = 2M; fanout = 2") + "proc p() { return 0 }\n"
        for i in 1...(Model.maxThreads + 1) { tooMany += "thread T\(i) = p()\n" }
        XCTAssertThrowsError(try model(tooMany + "expect pass\n")) { XCTAssertTrue("\($0)".contains("at most \(Model.maxThreads) threads"), "\($0)") }
    }

    /// A split of a 1G page down to its last PTE entry at fan-out 8, and at fan-out 16 with 2M.
    func testWideFanOuts() throws {
        for (geometry, levels) in [("hstate = 1G; fanout = 8", 2), ("hstate = 2M; fanout = 16", 1)] {
            let descend = (0..<levels).map { _ in "lock(ptl(h)); populate(h); unlock(ptl(h)); h = descend(h, V0.start + HPAGE_SIZE - 1)" }.joined(separator: "; ")
            let spec = world(geometry) + """
                proc split() { read_lock(vma_lock(V0)); h = walk(V0.start); \(descend); assert size(h) == PAGE; read_unlock(vma_lock(V0)); return 0 }
                thread A = split()
                thread B = split()
                check all
                expect pass
                """
            let r = Checker.check(try model(spec))
            XCTAssertEqual(r.violations.map(\.invariant), ["split-from-blank"], geometry)   // the second split of the same entry
        }
    }

    /// A wakeup at a model address past 31 (fan-out 8: a 1G page is 64 model pages) is seen.
    func testLostWakeupPastAddress31() throws {
        let spec = world("hstate = 1G; fanout = 8") + """
            proc waker() { wake_range(40, 1); store(c, 1); return 0 }
            proc sleeper() { wait: if load(c) == 0 { goto wait }; uffd_enqueue(40, 40); uffd_sleep(); return 0 }
            thread W = waker()
            thread S = sleeper()
            check lost-wakeup
            expect violation lost-wakeup
            """
        XCTAssertEqual(Checker.check(try model(spec)).violations.map(\.invariant), ["lost-wakeup"])
    }
}
