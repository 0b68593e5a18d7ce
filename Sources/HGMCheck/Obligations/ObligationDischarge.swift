import Foundation
import HGMSMT

/// The verdict on one obligation. Never `proved` unless Z3 answered `unsat` for the negated
/// claim; a counterexample is reported only after the claim was evaluated to false on its
/// values by the plain-Swift evaluator (certified); everything else is `unknown`.
public enum ObligationResult: Sendable, Equatable {
    case proved
    /// Certified values of the free variables, plus the obligation's derived reports.
    case counterexample([String: ObligationValue])
    /// Timeout, Z3 error, or a Z3 model the Swift evaluator did not confirm.
    case unknown(String)
}

/// One obligation's result and the wall-clock seconds spent on it (translation, Z3 and
/// certification).
public struct ObligationOutcome: Sendable {
    public var obligation: ArithmeticObligation
    public var result: ObligationResult
    public var seconds: Double

    public init(obligation: ArithmeticObligation, result: ObligationResult, seconds: Double) {
        self.obligation = obligation
        self.result = result
        self.seconds = seconds
    }

    /// True when the result is what the generator expects: `proved` for `.holds`, a
    /// certified counterexample for `.fails`.
    public var meetsExpectation: Bool {
        switch (obligation.expectation, result) {
        case (.holds, .proved), (.fails, .counterexample): true
        default: false
        }
    }

    /// The counterexample as "name = value" lines in variable order, then the reports.
    public var counterexampleLines: [String] {
        guard case .counterexample(let values) = result else { return [] }
        let names = obligation.variables.map(\.name) + obligation.reports.map(\.name)
        return names.compactMap { n in values[n].map { "\(n) = \($0)" } }
    }
}

/// Discharges every obligation of every geometry (all families; false variants excluded),
/// in geometry and family order. The counter-width "first overflow" obligations end in a
/// counterexample by design (that is the figure); judge outcomes with `meetsExpectation`.
/// An ill-formed geometry gives one `unknown` outcome. See `discharge(_:timeoutMs:threads:)`.
public func dischargeAll(
    geometries: [ObligationGeometry] = ObligationGeometry.builtIn, timeoutMs: UInt32 = 10_000,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount
) -> [ObligationOutcome] {
    let perGeometry = geometries.map { $0.problems.isEmpty ? arithmeticObligations(for: $0) : [] }
    var solved = discharge(perGeometry.flatMap { $0 }, timeoutMs: timeoutMs, threads: threads)[...]
    var outcomes: [ObligationOutcome] = []
    for (g, obligations) in zip(geometries, perGeometry) {
        let problems = g.problems
        if problems.isEmpty {
            outcomes += solved.prefix(obligations.count)
            solved = solved.dropFirst(obligations.count)
        } else {
            let bad = ArithmeticObligation(
                name: "geometry.well-formed", geometry: g.name, family: .alignment,
                summary: "the geometry is well formed", claim: .false)
            outcomes.append(ObligationOutcome(
                obligation: bad, result: .unknown("invalid geometry: " + problems.joined(separator: "; ")), seconds: 0))
        }
    }
    return outcomes
}

/// Discharges the obligations, each in a fresh Z3 context (so results, including
/// counterexample values, do not depend on order or threads, and a timed-out context is
/// never reused), on up to `threads` threads, each with its own contexts. The outcomes are
/// in the order of `obligations`; `seconds` is each obligation's own wall-clock time.
/// With a `deadline`, each obligation gets at most the time left (`timeoutMs` at most), and
/// one whose turn comes after it is *unknown* without calling Z3.
public func discharge(
    _ obligations: [ArithmeticObligation], timeoutMs: UInt32 = 10_000,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount, deadline: Date? = nil
) -> [ObligationOutcome] {
    let workers = max(1, min(threads, obligations.count))
    if workers == 1 { return obligations.map { dischargeTimed($0, timeoutMs: timeoutMs, deadline: deadline) } }
    let board = ObligationOutcomeBoard(obligations)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while let i = board.claimNext() {
            board.store(i, dischargeTimed(obligations[i], timeoutMs: timeoutMs, deadline: deadline))
        }
    }
    return board.outcomes()
}

/// The Z3 limit of one obligation: `timeoutMs`, or the time left before `deadline` when that
/// is shorter (nil when nothing is left).
func obligationBudget(timeoutMs: UInt32, deadline: Date?, now: Date = Date()) -> UInt32? {
    guard let deadline else { return timeoutMs }
    let left = deadline.timeIntervalSince(now) * 1000
    if !(left >= 1) { return nil }
    return left >= Double(timeoutMs) ? timeoutMs : UInt32(left)
}

/// Discharges one obligation in a fresh context on the calling thread.
public func discharge(_ obligation: ArithmeticObligation, timeoutMs: UInt32 = 10_000) -> ObligationOutcome {
    dischargeTimed(obligation, timeoutMs: timeoutMs)
}

private func dischargeTimed(_ ob: ArithmeticObligation, timeoutMs: UInt32, deadline: Date? = nil) -> ObligationOutcome {
    let clock = ContinuousClock()
    let t0 = clock.now
    let result: ObligationResult
    if let ms = obligationBudget(timeoutMs: timeoutMs, deadline: deadline) {
        do {
            result = try dischargeOne(ob, context: SMTContext(), timeoutMs: ms)
        } catch {
            result = .unknown("Z3 error: \(error)")
        }
    } else {
        result = .unknown("timeout (the run's --timeout was reached before this obligation)")
    }
    let d = clock.now - t0
    let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    return ObligationOutcome(obligation: ob, result: result, seconds: seconds)
}

/// Work list and result slots shared by the worker threads (every access under the lock).
private final class ObligationOutcomeBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    private var slots: [ObligationOutcome?]

    init(_ obligations: [ArithmeticObligation]) {
        count = obligations.count
        slots = Array(repeating: nil, count: obligations.count)
    }

    func claimNext() -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func store(_ i: Int, _ outcome: ObligationOutcome) {
        lock.withLock { slots[i] = outcome }
    }

    func outcomes() -> [ObligationOutcome] {
        lock.withLock { slots.map { $0! } }
    }
}

private func dischargeOne(_ ob: ArithmeticObligation, context: SMTContext, timeoutMs: UInt32) throws -> ObligationResult {
    do {
        guard try ob.claim.sort() == .boolean else { return .unknown("the claim is not Boolean") }
    } catch {
        return .unknown("ill-sorted claim: \(error)")
    }
    let variables = ob.variables
    if Set(variables.map(\.name)).count != variables.count {
        return .unknown("two variables share a name with different sorts")
    }
    var compiler = ObligationCompiler(context: context)
    let claim = try compiler.compile(ob.claim)
    // Pure 64-bit bit-vector claims go to Z3's QF_BV solver, the rest to the general one.
    let pureBV = variables.allSatisfy { $0.sort == .bitVector64 }
    let solver = try SMTSolver(context: context, logic: pureBV ? "QF_BV" : nil)
    try solver.add(context.not(claim))
    switch try solver.check(timeoutMs: timeoutMs) {
    case .unsat:
        return .proved
    case .unknown(let reason):
        return .unknown("Z3: \(reason)")
    case .sat(let model):
        var env: [String: ObligationValue] = [:]
        for v in variables {
            guard let term = compiler.variables[v.name] else { return .unknown("variable \(v.name) not compiled") }
            switch v.sort {
            case .bitVector64: env[v.name] = .bitVector(try model.uint64(term))
            case .integer: env[v.name] = .integer(try model.int64(term))
            case .boolean: env[v.name] = .boolean(try model.bool(term))
            }
        }
        // Certification: the claim must evaluate to false in plain Swift on these values.
        let rendered = variables.map { "\($0.name) = \(env[$0.name]!)" }.joined(separator: ", ")
        do {
            guard case .boolean(false) = try ob.claim.evaluate(env) else {
                return .unknown("Z3's counterexample (\(rendered)) was not confirmed by the Swift evaluator")
            }
        } catch {
            return .unknown("Z3's counterexample (\(rendered)) could not be evaluated in Swift: \(error)")
        }
        var values = env
        for r in ob.reports where values[r.name] == nil {
            if let v = try? r.term.evaluate(env) { values[r.name] = v }
        }
        return .counterexample(values)
    }
}

/// Translates obligation terms into Z3 terms of one context (memoised per term).
struct ObligationCompiler {
    let context: SMTContext
    private(set) var variables: [String: SMTTerm] = [:]
    private var memo: [ObligationTerm: SMTTerm] = [:]

    init(context: SMTContext) { self.context = context }

    mutating func compile(_ t: ObligationTerm) throws -> SMTTerm {
        if let done = memo[t] { return done }
        let c = context
        let r: SMTTerm
        switch t {
        case .variable(let v):
            if let existing = variables[v.name] {
                r = existing
            } else {
                switch v.sort {
                case .bitVector64: r = try c.bitVectorConstant(v.name, width: 64)
                case .integer: r = try c.intConstant(v.name)
                case .boolean: r = try c.boolConstant(v.name)
                }
                variables[v.name] = r
            }
        case .constant(.bitVector(let x)): r = try c.bitVector(x, width: 64)
        case .constant(.integer(let x)): r = try c.integer(x)
        case .constant(.boolean(let x)): r = try c.boolean(x)
        case .not(let a): r = try c.not(compile(a))
        case .bvNot(let a): r = try c.bvnot(compile(a))
        case .ite(let a, let b, let d): r = try c.ite(compile(a), compile(b), compile(d))
        case .and(let ts): r = try c.and(ts.map { try compile($0) })
        case .or(let ts): r = try c.or(ts.map { try compile($0) })
        case .binary(let op, let a0, let b0):
            let a = try compile(a0)
            let b = try compile(b0)
            switch op {
            case .bvAdd: r = try c.bvadd(a, b)
            case .bvSub: r = try c.bvsub(a, b)
            case .bvMul: r = try c.bvmul(a, b)
            case .bvAnd: r = try c.bvand(a, b)
            case .bvOr: r = try c.bvor(a, b)
            case .bvShl: r = try c.bvshl(a, b)
            case .bvLshr: r = try c.bvlshr(a, b)
            case .bvUdiv: r = try c.bvudiv(a, b)
            case .bvUrem: r = try c.bvurem(a, b)
            case .bvUlt: r = try c.bvult(a, b)
            case .bvUle: r = try c.bvule(a, b)
            case .bvSlt: r = try c.bvslt(a, b)
            case .bvSle: r = try c.bvsle(a, b)
            case .intAdd: r = try c.add(a, b)
            case .intSub: r = try c.sub(a, b)
            case .intMul: r = try c.mul(a, b)
            case .intLt: r = try c.lt(a, b)
            case .intLe: r = try c.le(a, b)
            case .eq: r = try c.eq(a, b)
            case .implies: r = try c.implies(a, b)
            }
        }
        memo[t] = r
        return r
    }
}
