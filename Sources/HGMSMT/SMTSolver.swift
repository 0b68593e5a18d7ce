internal import CZ3
import Dispatch
import Foundation

/// The answer of `SMTSolver.check`.
public enum SMTCheckResult {
    /// Satisfiable, with a model of the assertions.
    case sat(SMTModel)
    /// Unsatisfiable: the only answer from which a caller may conclude "proved" (for a negated claim).
    case unsat
    /// Z3 gave up; `reason` is `Z3_solver_get_reason_unknown` (e.g. "timeout", "canceled").
    case unknown(reason: String)
}

/// Owner of one `Z3_solver` (inc_ref in init, dec_ref in deinit; keeps its context alive).
public final class SMTSolver {
    public let context: SMTContext
    let handle: OpaquePointer

    /// A general solver (`Z3_mk_solver`), or with `logic` (e.g. "QF_BV") one specialised for
    /// that SMT-LIB logic (`Z3_mk_solver_for_logic`).
    public init(context: SMTContext, logic: String? = nil) throws {
        let op = logic == nil ? "Z3_mk_solver" : "Z3_mk_solver_for_logic(\(logic!))"
        let s: OpaquePointer?
        if let logic {
            let sym = try context.symbol(logic, op)
            s = Z3_mk_solver_for_logic(context.z3, sym)
        } else {
            s = Z3_mk_solver(context.z3)
        }
        guard let s else {
            try context.checkError(op)
            throw SMTError.nullResult(operation: op)
        }
        self.context = context
        self.handle = s
        Z3_solver_inc_ref(context.z3, s)
        try context.checkError(op)
    }

    deinit { Z3_solver_dec_ref(context.z3, handle) }

    /// Adds a Boolean assertion.
    public func add(_ assertion: SMTTerm) throws {
        try context.requireMine(assertion, "Z3_solver_assert")
        guard try assertion.sort().kind == .boolean else {
            throw SMTError.invalidArgument(operation: "Z3_solver_assert", message: "assertion is not Boolean")
        }
        withExtendedLifetime(assertion) { Z3_solver_assert(context.z3, handle, assertion.ast) }
        try context.checkError("Z3_solver_assert")
    }

    public func push() throws {
        Z3_solver_push(context.z3, handle)
        try context.checkError("Z3_solver_push")
    }

    public func pop(_ count: Int = 1) throws {
        guard count >= 0 else { throw SMTError.invalidArgument(operation: "Z3_solver_pop", message: "\(count)") }
        Z3_solver_pop(context.z3, handle, UInt32(count))
        try context.checkError("Z3_solver_pop")
    }

    /// Checks the assertions. With `timeoutMs`, a watchdog interrupts Z3 (`Z3_interrupt`)
    /// when the time is up and the answer is `.unknown(reason: "timeout")`, never `.unsat`.
    /// After any `.unknown`, discard the context (see `SMTContext`).
    ///
    /// Z3's own "timeout" parameter is not used: in Z3 4.8.12 its timer thread pool can
    /// deadlock when a timer expires while a tactic's nested timer is live (Z3 PR #5371), and
    /// the check then never returns, interrupt or not. A non-linear integer claim does that
    /// within seconds.
    public func check(timeoutMs: UInt32? = nil) throws -> SMTCheckResult {
        let watchdog = timeoutMs.map { SMTWatchdog(context: context.z3, milliseconds: $0) }
        let answer = Z3_solver_check(context.z3, handle)
        let interrupted = watchdog?.disarm() ?? false
        // After an interrupt the context is not used again (not even for a model): only an
        // unsat that Z3 had already reached stands.
        if interrupted && answer != Z3_L_FALSE { return .unknown(reason: "timeout") }
        try context.checkError("Z3_solver_check")
        switch answer {
        case Z3_L_FALSE:
            return .unsat
        case Z3_L_TRUE:
            let model = Z3_solver_get_model(context.z3, handle).map { SMTModel(context: context, handle: $0) }
            try context.checkError("Z3_solver_get_model")
            guard let model else { throw SMTError.nullResult(operation: "Z3_solver_get_model") }
            return .sat(model)
        default:
            let reason = Z3_solver_get_reason_unknown(context.z3, handle).map { String(cString: $0) }
            try context.checkError("Z3_solver_get_reason_unknown")
            return .unknown(reason: reason ?? "unknown")
        }
    }
}

/// Interrupts one check of a context when its time is up, unless disarmed first, and again
/// every 50 ms until disarmed: an interrupt that lands before `Z3_solver_check` has started
/// is lost (the check starts afresh), so one is not enough. The lock makes `Z3_interrupt` run
/// only while the check is under way (the context alive), never after `disarm`.
final class SMTWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var armed = true
    private var fired = false
    private let z3: OpaquePointer
    private let timer: DispatchSourceTimer

    init(context z3: OpaquePointer, milliseconds: UInt32) {
        self.z3 = z3
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.setEventHandler { [self] in      // released when the timer is cancelled
            lock.withLock {
                guard armed else { return }
                fired = true
                Z3_interrupt(self.z3)
            }
        }
        timer.schedule(deadline: .now() + .milliseconds(Int(milliseconds)), repeating: .milliseconds(50))
        timer.resume()
    }

    /// Stops the watchdog; true if it had interrupted the check.
    func disarm() -> Bool {
        let f = lock.withLock { armed = false; return fired }
        timer.cancel()
        return f
    }
}

@available(*, unavailable, message: "a Z3 solver belongs to its context's thread")
extension SMTSolver: Sendable {}

/// Owner of one `Z3_model` (inc_ref in init, dec_ref in deinit; keeps its context alive).
public final class SMTModel {
    public let context: SMTContext
    let handle: OpaquePointer

    init(context: SMTContext, handle: OpaquePointer) {
        self.context = context
        self.handle = handle
        Z3_model_inc_ref(context.z3, handle)
    }

    deinit { Z3_model_dec_ref(context.z3, handle) }

    /// Evaluates `term` in the model (`Z3_model_eval`); with `completion`, constants the model
    /// leaves unconstrained get a default value instead of staying symbolic.
    public func evaluate(_ term: SMTTerm, completion: Bool = true) throws -> SMTTerm {
        try context.requireMine(term, "Z3_model_eval")
        var out: OpaquePointer? = nil
        let ok = withExtendedLifetime(term) { Z3_model_eval(context.z3, handle, term.ast, completion, &out) }
        let value = ok ? out.map { SMTTerm(context: context, ast: $0) } : nil
        try context.checkError("Z3_model_eval")
        guard let value else {
            throw SMTError.notAValue(operation: "Z3_model_eval", message: "evaluation failed for \(term)")
        }
        return value
    }

    /// The value of a bit-vector (or non-negative integer) term that fits in 64 bits.
    public func uint64(_ term: SMTTerm) throws -> UInt64 {
        let v = try evaluate(term)
        var out: UInt64 = 0
        let ok = withExtendedLifetime(v) { Z3_get_numeral_uint64(context.z3, v.ast, &out) }
        try context.checkError("Z3_get_numeral_uint64")
        guard ok else { throw SMTError.notAValue(operation: "Z3_get_numeral_uint64", message: "\(v)") }
        return out
    }

    /// The value of an integer term that fits in a signed 64-bit integer.
    public func int64(_ term: SMTTerm) throws -> Int64 {
        let v = try evaluate(term)
        var out: Int64 = 0
        let ok = withExtendedLifetime(v) { Z3_get_numeral_int64(context.z3, v.ast, &out) }
        try context.checkError("Z3_get_numeral_int64")
        guard ok else { throw SMTError.notAValue(operation: "Z3_get_numeral_int64", message: "\(v)") }
        return out
    }

    /// The value of a Boolean term.
    public func bool(_ term: SMTTerm) throws -> Bool {
        let v = try evaluate(term)
        let b = withExtendedLifetime(v) { Z3_get_bool_value(context.z3, v.ast) }
        try context.checkError("Z3_get_bool_value")
        switch b {
        case Z3_L_TRUE: return true
        case Z3_L_FALSE: return false
        default: throw SMTError.notAValue(operation: "Z3_get_bool_value", message: "\(v)")
        }
    }

    /// The decimal text of a numeral term of any size.
    public func numeralString(_ term: SMTTerm) throws -> String {
        let v = try evaluate(term)
        let s = withExtendedLifetime(v) { Z3_get_numeral_string(context.z3, v.ast).map { String(cString: $0) } }
        try context.checkError("Z3_get_numeral_string")
        guard let s else { throw SMTError.notAValue(operation: "Z3_get_numeral_string", message: "\(v)") }
        return s
    }
}

@available(*, unavailable, message: "a Z3 model belongs to its context's thread")
extension SMTModel: Sendable {}
