import XCTest
import HGMSMT
@testable import HGMCheck


final class ObligationTests: XCTestCase {
    func testBuiltInGeometriesAreWellFormed() {
        for g in ObligationGeometry.builtIn {
            XCTAssertEqual(g.problems, [], g.name)
        }
        XCTAssertEqual(ObligationGeometry.x86_64_1G.realFanoutBits, [9, 9, 9, 9])
        XCTAssertEqual(ObligationGeometry.x86_64_1G.hgmShifts, [30, 21, 12])
        XCTAssertEqual(ObligationGeometry.x86_64_2M.hgmShifts, [21, 12])
        XCTAssertEqual(ObligationGeometry.arm64_4K.hgmShifts, [30, 25, 21, 16, 12])
        XCTAssertEqual(ObligationGeometry.arm64_16K.hgmShifts, [30, 25, 21, 14])
        XCTAssertEqual(ObligationGeometry.arm64_16K.realFanoutBits, [1, 11, 11, 11])
        XCTAssertEqual(ObligationGeometry.arm64_64K.hgmShifts, [29, 21, 16])
        XCTAssertEqual(ObligationGeometry.arm64_64K.entryShapes.map(\.entry.shift), [29, 21, 16])
        var bad = ObligationGeometry.x86_64_1G
        bad.hstateShift = 27
        XCTAssertFalse(bad.problems.isEmpty)
        let outcomes = dischargeAll(geometries: [bad])
        XCTAssertEqual(outcomes.count, 1)
        guard case .unknown? = outcomes.first?.result else { return XCTFail("an invalid geometry is never proved") }
    }

    /// Every family's obligations on every built-in geometry meet their expectation:
    /// proved, or (counter-width figures) a certified counterexample.
    func testEveryFamilyProvedOnEveryGeometry() {
        let clock = ContinuousClock()
        let t0 = clock.now
        let outcomes = dischargeAll(geometries: ObligationGeometry.builtIn, timeoutMs: 30_000)
        let elapsed = clock.now - t0
        for g in ObligationGeometry.builtIn {
            for f in ObligationFamily.allCases where f != .user {  // .user: prove blocks, not generated
                let mine = outcomes.filter { $0.obligation.geometry == g.name && $0.obligation.family == f }
                XCTAssertFalse(mine.isEmpty, "\(g.name) \(f)")
                XCTAssertTrue(mine.contains { $0.obligation.expectation == .holds }, "\(g.name) \(f) proves something")
            }
        }
        for o in outcomes {
            XCTAssertTrue(o.meetsExpectation, "\(o.obligation.qualifiedName): \(o.result)")
        }
        let slowest = outcomes.max { $0.seconds < $1.seconds }!
        print("dischargeAll: \(outcomes.count) obligations on \(ObligationGeometry.builtIn.count) geometries in \(elapsed); "
            + "slowest \(slowest.obligation.qualifiedName) \(String(format: "%.4f", slowest.seconds)) s")
    }

    /// Every family has false variants on every geometry, and each gives a counterexample
    /// that the Swift evaluator confirms (checked again here).
    func testFalseVariantsGiveCertifiedCounterexamples() {
        for g in ObligationGeometry.builtIn {
            for f in ObligationFamily.allCases where f != .user {  // .user: prove blocks, not generated
                let variants = f.falseVariants(for: g)
                XCTAssertFalse(variants.isEmpty, "\(g.name) \(f) has no false variant")
                for o in discharge(variants, timeoutMs: 30_000) {
                    XCTAssertEqual(o.obligation.expectation, .fails)
                    guard case .counterexample(let values) = o.result else {
                        XCTFail("\(o.obligation.qualifiedName): \(o.result)")
                        continue
                    }
                    let env = values.filter { k, _ in o.obligation.variables.contains { $0.name == k } }
                    XCTAssertEqual(env.count, o.obligation.variables.count)
                    XCTAssertEqual(try o.obligation.claim.evaluate(env), .boolean(false), o.obligation.qualifiedName)
                }
            }
        }
    }

    func testCounterWidthFigures() throws {
        func figure(_ g: ObligationGeometry, _ name: String) -> [String: ObligationValue] {
            let ob = ObligationFamily.counterWidth.obligations(for: g).first { $0.name == name }!
            guard case .counterexample(let v) = discharge(ob).result else { XCTFail("\(name)"); return [:] }
            return v
        }
        // x86-64 1G: 2^18 4K mappings per mm; the 2^31st mapping overflows, in the 8192nd mm.
        let m1g = figure(.x86_64_1G, "counter-width.mapcount-first-overflow")
        XCTAssertEqual(m1g["mapcount"], .integer(1 << 31))
        XCTAssertEqual(m1g["mms"], .integer(8192))
        XCTAssertEqual(m1g["pageMappingsPerMM"], .integer(1 << 18))
        let m2m = figure(.x86_64_2M, "counter-width.mapcount-first-overflow")
        XCTAssertEqual(m2m["mms"], .integer(1 << 22))
        // The refcount (one page-cache reference more) overflows one mapping earlier.
        let r1g = figure(.x86_64_1G, "counter-width.refcount-first-overflow")
        XCTAssertEqual(r1g["mapcount"], .integer((1 << 31) - 1))
        XCTAssertEqual(r1g["refcount"], .integer(1 << 31))
        let m64k = figure(.arm64_64K, "counter-width.mapcount-first-overflow")
        XCTAssertEqual(m64k["mms"], .integer(1 << 18))
    }

    /// Translation cross-check in the other direction: every claim Z3 proves also holds in the
    /// Swift evaluator on edge-case and pseudo-random values.
    func testProvedClaimsHoldOnSampleValues() throws {
        var rng = SplitMix(seed: 0x5eed)
        let edges: [UInt64] = [0, 1, 0xfff, 0x1000, 0x1fff, 0x200000, 0x1ff000, 0x3fe00000, 0x40000000,
                               (1 << 57) - 0x1000, 1 << 57, UInt64.max, UInt64.max - 0xfff, 1 << 63]
        for g in ObligationGeometry.builtIn {
            for ob in arithmeticObligations(for: g) where ob.expectation == .holds {
                let vars = ob.variables
                for trial in 0..<300 {
                    var env: [String: ObligationValue] = [:]
                    for v in vars {
                        switch v.sort {
                        case .bitVector64:
                            let r = rng.next()
                            let pick = trial % 3 == 0 ? edges[Int(r % UInt64(edges.count))]
                                : trial % 3 == 1 ? (r & ~0xfff) >> (r % 40) : r
                            env[v.name] = .bitVector(pick)
                        case .integer: env[v.name] = .integer(Int64(rng.next() % 600_000) - 100)
                        case .boolean: env[v.name] = .boolean(rng.next() & 1 == 1)
                        }
                    }
                    XCTAssertEqual(try ob.claim.evaluate(env), .boolean(true), "\(ob.qualifiedName) \(env)")
                }
            }
        }
    }

    /// The two interpreters agree on ground terms built from every operator.
    func testSwiftEvaluatorAgreesWithZ3() throws {
        let ctx = try SMTContext()
        let solver = try SMTSolver(context: ctx)
        guard case .sat(let model) = try solver.check() else { return XCTFail("empty solver must be sat") }
        var compiler = ObligationCompiler(context: ctx)
        var rng = SplitMix(seed: 42)
        let interesting: [UInt64] = [0, 1, 2, 63, 64, 65, 0x1000, 1 << 63, UInt64.max, UInt64.max - 1]
        func operand() -> UInt64 { rng.next() % 2 == 0 ? interesting[Int(rng.next() % 10)] : rng.next() }
        let bvOps: [ObligationOperator] = [.bvAdd, .bvSub, .bvMul, .bvAnd, .bvOr, .bvShl, .bvLshr, .bvUdiv, .bvUrem,
                                           .bvUlt, .bvUle, .bvSlt, .bvSle, .eq]
        for _ in 0..<60 {
            for op in bvOps {
                let t = ObligationTerm.binary(op, .bv(operand()), .bv(operand()))
                try assertAgree(t, compiler.compile(t), model)
            }
            let n = ObligationTerm.bvNot(.bv(operand()))
            try assertAgree(n, compiler.compile(n), model)
            let a = Int64(bitPattern: rng.next() >> 2) - (1 << 60), b = Int64(rng.next() % 1000) - 500
            for op: ObligationOperator in [.intAdd, .intSub, .intMul, .intLt, .intLe, .eq] {
                let t = ObligationTerm.binary(op, .int(a), .int(b))
                guard (try? t.evaluate([:])) != nil else { continue }  // Int64 overflow: not comparable
                try assertAgree(t, compiler.compile(t), model)
            }
        }
        let ite = ObligationTerm.ite(.ult(.bv(1), .bv(2)), .bv(7), .bv(9))
        try assertAgree(ite, compiler.compile(ite), model)
        let logic = ObligationTerm.implies(.or([.false, .true]), .and([.true, .not(.false)]))
        try assertAgree(logic, compiler.compile(logic), model)
    }

    private func assertAgree(_ t: ObligationTerm, _ z: SMTTerm, _ m: SMTModel) throws {
        let swift = try t.evaluate([:])
        switch swift {
        case .bitVector(let v): XCTAssertEqual(try m.uint64(z), v, "\(t)")
        case .integer(let v): XCTAssertEqual(try m.int64(z), v, "\(t)")
        case .boolean(let v): XCTAssertEqual(try m.bool(z), v, "\(t)")
        }
    }

    /// A timed-out obligation is unknown, never proved (the claim here is false, but finding
    /// the factors of a 62-bit semiprime takes far longer than 1 ms).
    func testTimedOutObligationIsUnknown() {
        let x = ObligationTerm.bv("x"), y = ObligationTerm.bv("y")
        let n: UInt64 = 2_147_483_647 * 2_147_483_629
        let claim = ObligationTerm.not(.and([
            .eq(.binary(.bvMul, x, y), .bv(n)),
            .ult(.bv(1), x), .ult(x, .bv(1 << 32)), .ult(.bv(1), y), .ult(y, .bv(1 << 32)),
        ]))
        let ob = ArithmeticObligation(name: "factor", geometry: "none", family: .alignment,
                                      summary: "no factorisation", claim: claim)
        let outcome = discharge(ob, timeoutMs: 1)
        guard case .unknown(let why) = outcome.result else { return XCTFail("expected unknown, got \(outcome.result)") }
        XCTAssertTrue(why.hasPrefix("Z3: "), why)
        XCTAssertFalse(outcome.meetsExpectation)
    }

    func testIllSortedClaimIsUnknown() {
        let ob = ArithmeticObligation(
            name: "bad", geometry: "none", family: .alignment, summary: "ill-sorted",
            claim: .binary(.bvAdd, .bv("a"), .int("a")))
        guard case .unknown = discharge(ob).result else { return XCTFail("an ill-sorted claim is never proved") }
        let notBool = ArithmeticObligation(
            name: "bad2", geometry: "none", family: .alignment, summary: "not Boolean", claim: .binary(.bvAdd, .bv("a"), .bv(1)))
        guard case .unknown = discharge(notBool).result else { return XCTFail("a non-Boolean claim is never proved") }
    }
}

/// A small deterministic generator (SplitMix64) so the sample values are reproducible.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
