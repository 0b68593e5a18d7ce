internal import CZ3

/// The answer of `SMTSolver.check`.
public enum SMTCheckResult {
    /// Satisfiable, with a model of the assertions.
    case sat(SMTModel)
    /// Unsatisfiable: the only answer from which a caller may conclude "proved" (for a negated claim).
    case unsat
    /// Z3 gave up; `reason` is `Z3_solver_get_reason_unknown` (e.g. "timeout", "canceled").
    case unknown(reason: String)
}

/// Owner of one `Z3_params` (inc/dec ref); internal to the façade.
final class SMTParams {
    let context: SMTContext
    let handle: OpaquePointer

    init(context: SMTContext) throws {
        guard let p = Z3_mk_params(context.z3) else {
            try context.checkError("Z3_mk_params")
            throw SMTError.nullResult(operation: "Z3_mk_params")
        }
        self.context = context
        self.handle = p
        Z3_params_inc_ref(context.z3, p)
        try context.checkError("Z3_mk_params")
    }

    deinit { Z3_params_dec_ref(context.z3, handle) }

    func set(_ key: String, _ value: UInt32) throws {
        let sym = try context.symbol(key, "Z3_params_set_uint")
        Z3_params_set_uint(context.z3, handle, sym, value)
        try context.checkError("Z3_params_set_uint(\(key))")
    }
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

    /// Checks the assertions. `timeoutMs` sets the solver parameter "timeout" (nil: none);
    /// a timeout gives `.unknown(reason:)`, never `.unsat`. After any `.unknown`, discard the
    /// context (see `SMTContext`).
    public func check(timeoutMs: UInt32? = nil) throws -> SMTCheckResult {
        let params = try SMTParams(context: context)
        try params.set("timeout", timeoutMs ?? UInt32.max)
        withExtendedLifetime(params) { Z3_solver_set_params(context.z3, handle, params.handle) }
        try context.checkError("Z3_solver_set_params")

        let answer = Z3_solver_check(context.z3, handle)
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
