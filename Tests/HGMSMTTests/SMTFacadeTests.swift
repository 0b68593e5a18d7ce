import Foundation
import XCTest
import HGMSMT

final class SMTFacadeTests: XCTestCase {
    func testVersion() {
        XCTAssertTrue(Z3Version.string.contains("4."), Z3Version.string)
        XCTAssertEqual(Z3Version.components.count, 4)
    }

    func testSortMismatchThrowsInsteadOfExiting() throws {
        let ctx = try SMTContext()
        let a = try ctx.bitVectorConstant("a", width: 64)
        let b = try ctx.bitVectorConstant("b", width: 32)
        XCTAssertThrowsError(try ctx.bvadd(a, b)) { error in
            guard case SMTError.z3(let op, let code, let message)? = error as? SMTError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(op, "Z3_mk_bvadd")
            XCTAssertNotEqual(code, 0)
            XCTAssertFalse(message.isEmpty)
        }
        // The context stays usable after an error.
        let sum = try ctx.bvadd(a, ctx.bitVector(1))
        XCTAssertEqual(try sum.sort().kind, .bitVector(width: 64))
        // Other ill-sorted applications.
        XCTAssertThrowsError(try ctx.and(a, ctx.boolean(true)))
        XCTAssertThrowsError(try ctx.add(ctx.integer(1), a))
        XCTAssertThrowsError(try ctx.eq(a, b))
    }

    func testArgumentErrors() throws {
        let ctx = try SMTContext()
        let other = try SMTContext()
        let a = try ctx.bitVectorConstant("a")
        let b = try other.bitVectorConstant("b")
        XCTAssertThrowsError(try ctx.bvadd(a, b)) { error in
            XCTAssertEqual(error as? SMTError, .contextMismatch(operation: "Z3_mk_bvadd"))
        }
        XCTAssertThrowsError(try ctx.bitVector(256, width: 8))
        XCTAssertThrowsError(try ctx.bitVectorSort(width: 0))
        XCTAssertThrowsError(try ctx.forall([ctx.bitVector(3)], ctx.boolean(true)))
        XCTAssertThrowsError(try ctx.forall([try ctx.bvadd(a, a)], ctx.boolean(true)))
        XCTAssertThrowsError(try SMTSolver(context: ctx, logic: "NOT_A_LOGIC"))
        let solver = try SMTSolver(context: ctx)
        XCTAssertThrowsError(try solver.add(a))  // not Boolean
        XCTAssertThrowsError(try solver.add(try other.boolean(true)))  // other context
    }

    func testSatUnsatAndModelValues() throws {
        let ctx = try SMTContext()
        let x = try ctx.bitVectorConstant("x")
        let n = try ctx.intConstant("n")
        let p = try ctx.boolConstant("p")
        let s = try SMTSolver(context: ctx)
        try s.add(ctx.eq(ctx.bvmul(x, ctx.bitVector(3)), ctx.bitVector(1)))  // x = 3^-1 mod 2^64
        try s.add(ctx.eq(ctx.add(n, ctx.integer(5)), ctx.integer(-7)))
        try s.add(p)
        guard case .sat(let m) = try s.check(timeoutMs: 10_000) else { return XCTFail("expected sat") }
        XCTAssertEqual(try m.uint64(x) &* 3, 1)
        XCTAssertEqual(try m.int64(n), -12)
        XCTAssertEqual(try m.bool(p), true)
        XCTAssertEqual(try m.numeralString(x), String(try m.uint64(x)))
        XCTAssertThrowsError(try m.int64(p))

        try s.add(ctx.bvult(x, ctx.bitVector(3)))
        guard case .unsat = try s.check() else { return XCTFail("expected unsat") }
    }

    func testPushPopAndUnconstrainedCompletion() throws {
        let ctx = try SMTContext()
        let x = try ctx.bitVectorConstant("x")
        let y = try ctx.bitVectorConstant("unused")
        let s = try SMTSolver(context: ctx)
        try s.add(ctx.eq(x, ctx.bitVector(42)))
        try s.push()
        try s.add(ctx.eq(x, ctx.bitVector(43)))
        guard case .unsat = try s.check() else { return XCTFail("expected unsat") }
        try s.pop()
        guard case .sat(let m) = try s.check() else { return XCTFail("expected sat") }
        XCTAssertEqual(try m.uint64(x), 42)
        XCTAssertEqual(try m.uint64(y), 0)  // model completion
    }

    func testQuantifiers() throws {
        let ctx = try SMTContext()
        let x = try ctx.bitVectorConstant("x")
        // ∀x. x & 0 == 0 is valid: its negation is unsat.
        let valid = try ctx.forall([x], ctx.eq(ctx.bvand(x, ctx.bitVector(0)), ctx.bitVector(0)))
        let s1 = try SMTSolver(context: ctx)
        try s1.add(ctx.not(valid))
        guard case .unsat = try s1.check(timeoutMs: 10_000) else { return XCTFail("expected unsat") }
        // ∃x. x * 2 == 1 is false modulo 2^64.
        let none = try ctx.exists([x], ctx.eq(ctx.bvmul(x, ctx.bitVector(2)), ctx.bitVector(1)))
        let s2 = try SMTSolver(context: ctx)
        try s2.add(none)
        guard case .unsat = try s2.check(timeoutMs: 10_000) else { return XCTFail("expected unsat") }
    }

    func testConversionsAndSignedComparisons() throws {
        let ctx = try SMTContext()
        let x = try ctx.bitVectorConstant("x")
        let s = try SMTSolver(context: ctx)
        try s.add(ctx.eq(x, ctx.bitVector(UInt64.max)))
        guard case .sat(let m) = try s.check() else { return XCTFail("expected sat") }
        XCTAssertEqual(try m.numeralString(ctx.bv2int(x)), "18446744073709551615")
        XCTAssertEqual(try m.int64(ctx.bv2int(x, signed: true)), -1)
        XCTAssertEqual(try m.uint64(ctx.int2bv(ctx.integer(-1), width: 64)), UInt64.max)
        XCTAssertEqual(try m.bool(ctx.bvslt(x, ctx.bitVector(0))), true)
        XCTAssertEqual(try m.bool(ctx.bvult(x, ctx.bitVector(0))), false)
        XCTAssertEqual(try m.bool(ctx.bvaddNoOverflow(x, ctx.bitVector(1))), false)
        XCTAssertEqual(try m.uint64(ctx.extract(x, high: 7, low: 0)), 255)
        XCTAssertEqual(try m.uint64(ctx.bvudiv(x, ctx.bitVector(0))), UInt64.max)
        XCTAssertEqual(try m.uint64(ctx.bvurem(ctx.bitVector(7), ctx.bitVector(0))), 7)
    }

    /// The unknown path: factoring a 62-bit semiprime cannot finish in 1 ms.
    func testTimeoutIsUnknownNeverUnsat() throws {
        let ctx = try SMTContext()
        let x = try ctx.bitVectorConstant("x")
        let y = try ctx.bitVectorConstant("y")
        let n: UInt64 = 2_147_483_647 * 2_147_483_629  // two 31-bit primes
        let s = try SMTSolver(context: ctx)
        let limit = try ctx.bitVector(1 << 32)
        try s.add(ctx.and([
            ctx.eq(ctx.bvmul(x, y), ctx.bitVector(n)),
            ctx.bvugt(x, ctx.bitVector(1)), ctx.bvugt(y, ctx.bitVector(1)),
            ctx.bvult(x, limit), ctx.bvult(y, limit),
        ]))
        let result = try s.check(timeoutMs: 1)
        guard case .unknown(let reason) = result else { return XCTFail("expected unknown, got \(result)") }
        XCTAssertFalse(reason.isEmpty)
        // (The context is discarded here, as documented after a timeout.)
    }

    /// Issue 9 §1 item 10: a non-linear integer claim (x³ + y³ + z³ = 33) with Z3's own
    /// timeout parameter deadlocked 4.8.12's timer threads and never returned; the watchdog
    /// interrupts it on time, with reason "timeout".
    func testNonLinearTimeoutReturnsOnTime() throws {
        let ctx = try SMTContext()
        let cube = { (n: String) throws -> SMTTerm in let v = try ctx.intConstant(n); return try ctx.mul([v, v, v]) }
        let s = try SMTSolver(context: ctx)
        try s.add(ctx.eq(ctx.add([cube("x"), cube("y"), cube("z")]), ctx.integer(33)))
        // On a thread of its own, so that a check that never returns fails the test instead
        // of hanging the suite.
        final class Box: @unchecked Sendable { var result: String = ""; let done = DispatchSemaphore(value: 0) }
        let box = Box()
        nonisolated(unsafe) let solver = s
        let start = Date()
        Thread.detachNewThread {
            box.result = (try? solver.check(timeoutMs: 1000)).map { r in
                if case .unknown(let reason) = r { return "unknown: \(reason)" }
                return "\(r)"
            } ?? "error"
            box.done.signal()
        }
        guard box.done.wait(timeout: .now() + 20) == .success else { return XCTFail("a 1 s Z3 limit still running after 20 s") }
        let took = Date().timeIntervalSince(start)
        XCTAssertEqual(box.result, "unknown: timeout")
        XCTAssertLessThan(took, 8, "the 1 s limit took \(took) s")
        XCTAssertGreaterThan(took, 0.9)
    }

    /// Thousands of intermediate terms, each released as soon as the next is built: the
    /// final terms must still mean what was built (no AST silently recycled).
    func testOwnershipAcrossManyCalls() throws {
        let ctx = try SMTContext()
        var bvSum = try ctx.bitVector(0)
        var intSum = try ctx.integer(0)
        var conjuncts: [SMTTerm] = []
        var vars: [SMTTerm] = []
        for i in 1...3000 {
            bvSum = try ctx.bvadd(bvSum, ctx.bitVector(UInt64(i)))
            intSum = try ctx.add(intSum, ctx.integer(Int64(i)))
            _ = try ctx.bvmul(ctx.bitVector(UInt64(i)), ctx.bitVectorConstant("garbage\(i)"))  // churn
            if i % 3 == 0 {
                let v = try ctx.bitVectorConstant("v\(i)")
                vars.append(v)
                conjuncts.append(try ctx.eq(v, ctx.bitVector(UInt64(i) * 7)))
            }
        }
        let all = try ctx.and(conjuncts)
        conjuncts.removeAll()
        let expected: UInt64 = 3000 * 3001 / 2
        let s = try SMTSolver(context: ctx)
        try s.add(all)
        try s.push()
        try s.add(ctx.or(ctx.not(ctx.eq(bvSum, ctx.bitVector(expected))),
                         ctx.not(ctx.eq(intSum, ctx.integer(Int64(expected))))))
        guard case .unsat = try s.check(timeoutMs: 30_000) else { return XCTFail("sums were altered") }
        try s.pop()
        guard case .sat(let m) = try s.check(timeoutMs: 30_000) else { return XCTFail("expected sat") }
        for (j, v) in vars.enumerated() {
            XCTAssertEqual(try m.uint64(v), UInt64(3 * (j + 1)) * 7)
        }
        XCTAssertEqual(try m.uint64(bvSum), expected)
        XCTAssertEqual(try m.int64(intSum), Int64(expected))
    }
}
