internal import CZ3

/// A Z3 context created with `Z3_mk_context_rc` (reference-counted ASTs) and with Z3's
/// exiting error handler removed; every call is followed by an error-code check that turns a
/// failure into a thrown `SMTError`.
///
/// Threads: a context and everything made from it (sorts, terms, solvers, models) belong to
/// one thread. None of these classes is `Sendable`; create one context per thread.
/// Z3 4.8.12 has no concurrent `dec_ref`.
///
/// Timeouts: after a check that returned `.unknown` (in particular a timeout), discard the
/// context and everything made from it; an interrupted check can leave state behind in it.
public final class SMTContext {
    /// The `Z3_context`; never leaves the module.
    let z3: OpaquePointer

    public init() throws {
        guard let config = Z3_mk_config() else { throw SMTError.nullResult(operation: "Z3_mk_config") }
        defer { Z3_del_config(config) }
        guard let ctx = Z3_mk_context_rc(config) else {
            throw SMTError.nullResult(operation: "Z3_mk_context_rc")
        }
        // Z3's default handler prints and exits; with no handler the error code is only recorded.
        Z3_set_error_handler(ctx, nil)
        z3 = ctx
    }

    deinit {
        // Every owner object holds a strong reference to its context, so all their dec_refs
        // have already run.
        Z3_del_context(z3)
    }

    // MARK: internal plumbing

    /// Throws if the last Z3 call on this context set an error code; copies the message.
    func checkError(_ operation: String) throws {
        let code = Z3_get_error_code(z3)
        if code != Z3_OK {
            let message = Z3_get_error_msg(z3, code).map { String(cString: $0) } ?? "(no message)"
            throw SMTError.z3(operation: operation, code: Int(code.rawValue), message: message)
        }
    }

    /// Takes ownership (inc_ref) of a freshly returned AST before any other Z3 call, then
    /// checks the error code (on error the owner is released again).
    func own(_ ast: OpaquePointer?, _ operation: String) throws -> SMTTerm {
        let term = ast.map { SMTTerm(context: self, ast: $0) }
        try checkError(operation)
        guard let term else { throw SMTError.nullResult(operation: operation) }
        return term
    }

    func ownSort(_ sort: OpaquePointer?, _ operation: String) throws -> SMTSort {
        let owned = sort.map { SMTSort(context: self, sort: $0) }
        try checkError(operation)
        guard let owned else { throw SMTError.nullResult(operation: operation) }
        return owned
    }

    func requireMine(_ term: SMTTerm, _ operation: String) throws {
        if term.context !== self { throw SMTError.contextMismatch(operation: operation) }
    }

    func requireMine(_ sort: SMTSort, _ operation: String) throws {
        if sort.context !== self { throw SMTError.contextMismatch(operation: operation) }
    }

    func symbol(_ name: String, _ operation: String) throws -> OpaquePointer {
        // Symbols are not reference counted; Z3 copies the C string.
        let sym = name.withCString { Z3_mk_string_symbol(z3, $0) }
        try checkError(operation)
        guard let sym else { throw SMTError.nullResult(operation: operation) }
        return sym
    }

    // MARK: sorts

    public func boolSort() throws -> SMTSort {
        try ownSort(Z3_mk_bool_sort(z3), "Z3_mk_bool_sort")
    }

    public func intSort() throws -> SMTSort {
        try ownSort(Z3_mk_int_sort(z3), "Z3_mk_int_sort")
    }

    /// A bit-vector sort of `width` bits (1 or more).
    public func bitVectorSort(width: Int) throws -> SMTSort {
        guard width >= 1, width <= Int(UInt32.max) else {
            throw SMTError.invalidArgument(operation: "Z3_mk_bv_sort", message: "width \(width)")
        }
        return try ownSort(Z3_mk_bv_sort(z3, UInt32(width)), "Z3_mk_bv_sort")
    }

    // MARK: constants and numerals

    /// A named constant (a free variable of a formula) of the given sort.
    public func constant(_ name: String, sort: SMTSort) throws -> SMTTerm {
        try requireMine(sort, "Z3_mk_const")
        let sym = try symbol(name, "Z3_mk_const")
        let ast = withExtendedLifetime(sort) { Z3_mk_const(z3, sym, sort.sort) }
        return try own(ast, "Z3_mk_const")
    }

    public func bitVectorConstant(_ name: String, width: Int = 64) throws -> SMTTerm {
        try constant(name, sort: bitVectorSort(width: width))
    }

    public func intConstant(_ name: String) throws -> SMTTerm {
        try constant(name, sort: intSort())
    }

    public func boolConstant(_ name: String) throws -> SMTTerm {
        try constant(name, sort: boolSort())
    }

    /// A bit-vector numeral (`Z3_mk_unsigned_int64`); `value` must fit in `width` bits.
    public func bitVector(_ value: UInt64, width: Int = 64) throws -> SMTTerm {
        if width < 64, value >> UInt64(width) != 0 {
            throw SMTError.invalidArgument(
                operation: "Z3_mk_unsigned_int64", message: "\(value) does not fit in \(width) bits")
        }
        let sort = try bitVectorSort(width: width)
        let ast = withExtendedLifetime(sort) { Z3_mk_unsigned_int64(z3, value, sort.sort) }
        return try own(ast, "Z3_mk_unsigned_int64")
    }

    /// An integer numeral (`Z3_mk_int64`).
    public func integer(_ value: Int64) throws -> SMTTerm {
        let sort = try intSort()
        let ast = withExtendedLifetime(sort) { Z3_mk_int64(z3, value, sort.sort) }
        return try own(ast, "Z3_mk_int64")
    }

    public func boolean(_ value: Bool) throws -> SMTTerm {
        try own(value ? Z3_mk_true(z3) : Z3_mk_false(z3), value ? "Z3_mk_true" : "Z3_mk_false")
    }
}

@available(*, unavailable, message: "a Z3 context belongs to one thread")
extension SMTContext: Sendable {}
