internal import CZ3

/// Term constructors. Each checks that its arguments belong to this context, calls Z3, checks
/// the error code (so an ill-sorted application such as `bvadd` of a 64-bit and a 32-bit
/// vector throws `SMTError.z3`), and wraps the result at once.
extension SMTContext {
    // MARK: helpers

    private func unary(
        _ name: String, _ a: SMTTerm,
        _ f: (OpaquePointer, OpaquePointer) -> OpaquePointer?
    ) throws -> SMTTerm {
        try requireMine(a, name)
        let r = withExtendedLifetime(a) { f(z3, a.ast) }
        return try own(r, name)
    }

    private func binary(
        _ name: String, _ a: SMTTerm, _ b: SMTTerm,
        _ f: (OpaquePointer, OpaquePointer, OpaquePointer) -> OpaquePointer?
    ) throws -> SMTTerm {
        try requireMine(a, name)
        try requireMine(b, name)
        let r = withExtendedLifetime((a, b)) { f(z3, a.ast, b.ast) }
        return try own(r, name)
    }

    private func nary(
        _ name: String, _ terms: [SMTTerm],
        _ f: (OpaquePointer, UInt32, UnsafePointer<OpaquePointer?>?) -> OpaquePointer?
    ) throws -> SMTTerm {
        for t in terms { try requireMine(t, name) }
        let asts: [OpaquePointer?] = terms.map { $0.ast }
        let r = withExtendedLifetime(terms) {
            asts.withUnsafeBufferPointer { f(z3, UInt32(asts.count), $0.baseAddress) }
        }
        return try own(r, name)
    }

    // MARK: bit-vector arithmetic (modulo 2^width)

    public func bvadd(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvadd", a, b, Z3_mk_bvadd) }
    public func bvsub(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvsub", a, b, Z3_mk_bvsub) }
    public func bvmul(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvmul", a, b, Z3_mk_bvmul) }
    public func bvand(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvand", a, b, Z3_mk_bvand) }
    public func bvor(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvor", a, b, Z3_mk_bvor) }
    public func bvxor(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvxor", a, b, Z3_mk_bvxor) }
    public func bvnot(_ a: SMTTerm) throws -> SMTTerm { try unary("Z3_mk_bvnot", a, Z3_mk_bvnot) }
    /// Shift left; a shift amount ≥ width gives 0.
    public func bvshl(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvshl", a, b, Z3_mk_bvshl) }
    /// Logical shift right; a shift amount ≥ width gives 0.
    public func bvlshr(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvlshr", a, b, Z3_mk_bvlshr) }
    /// Unsigned division; SMT-LIB semantics: `x / 0` is all ones.
    public func bvudiv(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvudiv", a, b, Z3_mk_bvudiv) }
    /// Unsigned remainder; SMT-LIB semantics: `x % 0` is `x`.
    public func bvurem(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvurem", a, b, Z3_mk_bvurem) }

    /// True iff `a + b` does not overflow (unsigned, or signed when `signed`).
    public func bvaddNoOverflow(_ a: SMTTerm, _ b: SMTTerm, signed: Bool = false) throws -> SMTTerm {
        try binary("Z3_mk_bvadd_no_overflow", a, b) { Z3_mk_bvadd_no_overflow($0, $1, $2, signed) }
    }

    /// True iff `a * b` does not overflow (unsigned, or signed when `signed`).
    public func bvmulNoOverflow(_ a: SMTTerm, _ b: SMTTerm, signed: Bool = false) throws -> SMTTerm {
        try binary("Z3_mk_bvmul_no_overflow", a, b) { Z3_mk_bvmul_no_overflow($0, $1, $2, signed) }
    }

    /// Zero-extends `a` by `bits` bits.
    public func zeroExtend(_ a: SMTTerm, by bits: Int) throws -> SMTTerm {
        guard bits >= 0 else { throw SMTError.invalidArgument(operation: "Z3_mk_zero_ext", message: "\(bits) bits") }
        return try unary("Z3_mk_zero_ext", a) { Z3_mk_zero_ext($0, UInt32(bits), $1) }
    }

    /// Bits `high...low` of `a`.
    public func extract(_ a: SMTTerm, high: Int, low: Int) throws -> SMTTerm {
        guard low >= 0, high >= low else {
            throw SMTError.invalidArgument(operation: "Z3_mk_extract", message: "bits \(high)...\(low)")
        }
        return try unary("Z3_mk_extract", a) { Z3_mk_extract($0, UInt32(high), UInt32(low), $1) }
    }

    // MARK: bit-vector comparisons

    public func bvult(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvult", a, b, Z3_mk_bvult) }
    public func bvule(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvule", a, b, Z3_mk_bvule) }
    public func bvugt(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvugt", a, b, Z3_mk_bvugt) }
    public func bvuge(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvuge", a, b, Z3_mk_bvuge) }
    public func bvslt(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvslt", a, b, Z3_mk_bvslt) }
    public func bvsle(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvsle", a, b, Z3_mk_bvsle) }
    public func bvsgt(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvsgt", a, b, Z3_mk_bvsgt) }
    public func bvsge(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_bvsge", a, b, Z3_mk_bvsge) }

    // MARK: core

    public func eq(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_eq", a, b, Z3_mk_eq) }

    public func distinct(_ terms: [SMTTerm]) throws -> SMTTerm { try nary("Z3_mk_distinct", terms, Z3_mk_distinct) }

    public func ite(_ c: SMTTerm, _ t: SMTTerm, _ e: SMTTerm) throws -> SMTTerm {
        for x in [c, t, e] { try requireMine(x, "Z3_mk_ite") }
        let r = withExtendedLifetime((c, t, e)) { Z3_mk_ite(z3, c.ast, t.ast, e.ast) }
        return try own(r, "Z3_mk_ite")
    }

    /// Conjunction; the empty conjunction is `true`.
    public func and(_ terms: [SMTTerm]) throws -> SMTTerm {
        terms.isEmpty ? try boolean(true) : try nary("Z3_mk_and", terms, Z3_mk_and)
    }

    /// Disjunction; the empty disjunction is `false`.
    public func or(_ terms: [SMTTerm]) throws -> SMTTerm {
        terms.isEmpty ? try boolean(false) : try nary("Z3_mk_or", terms, Z3_mk_or)
    }

    public func and(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try and([a, b]) }
    public func or(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try or([a, b]) }
    public func not(_ a: SMTTerm) throws -> SMTTerm { try unary("Z3_mk_not", a, Z3_mk_not) }
    public func implies(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_implies", a, b, Z3_mk_implies) }

    // MARK: integer arithmetic (mathematical integers)

    public func add(_ terms: [SMTTerm]) throws -> SMTTerm { try nary("Z3_mk_add", terms, Z3_mk_add) }
    public func sub(_ terms: [SMTTerm]) throws -> SMTTerm { try nary("Z3_mk_sub", terms, Z3_mk_sub) }
    public func mul(_ terms: [SMTTerm]) throws -> SMTTerm { try nary("Z3_mk_mul", terms, Z3_mk_mul) }
    public func add(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try add([a, b]) }
    public func sub(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try sub([a, b]) }
    public func mul(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try mul([a, b]) }
    public func neg(_ a: SMTTerm) throws -> SMTTerm { try unary("Z3_mk_unary_minus", a, Z3_mk_unary_minus) }
    public func lt(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_lt", a, b, Z3_mk_lt) }
    public func le(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_le", a, b, Z3_mk_le) }
    public func gt(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_gt", a, b, Z3_mk_gt) }
    public func ge(_ a: SMTTerm, _ b: SMTTerm) throws -> SMTTerm { try binary("Z3_mk_ge", a, b, Z3_mk_ge) }

    // MARK: conversions

    /// The integer value of a bit-vector (two's complement when `signed`).
    public func bv2int(_ a: SMTTerm, signed: Bool = false) throws -> SMTTerm {
        try unary("Z3_mk_bv2int", a) { Z3_mk_bv2int($0, $1, signed) }
    }

    /// An integer modulo 2^width as a bit-vector.
    public func int2bv(_ a: SMTTerm, width: Int) throws -> SMTTerm {
        guard width >= 1 else { throw SMTError.invalidArgument(operation: "Z3_mk_int2bv", message: "width \(width)") }
        return try unary("Z3_mk_int2bv", a) { Z3_mk_int2bv($0, UInt32(width), $1) }
    }

    // MARK: quantifiers

    /// `∀ variables. body`; each variable must be a constant made by `constant(_:sort:)`.
    public func forall(_ variables: [SMTTerm], _ body: SMTTerm) throws -> SMTTerm {
        try quantifier(isForall: true, variables, body)
    }

    /// `∃ variables. body`; each variable must be a constant made by `constant(_:sort:)`.
    public func exists(_ variables: [SMTTerm], _ body: SMTTerm) throws -> SMTTerm {
        try quantifier(isForall: false, variables, body)
    }

    private func quantifier(isForall: Bool, _ variables: [SMTTerm], _ body: SMTTerm) throws -> SMTTerm {
        let name = isForall ? "Z3_mk_forall_const" : "Z3_mk_exists_const"
        guard !variables.isEmpty else {
            throw SMTError.invalidArgument(operation: name, message: "no bound variables")
        }
        try requireMine(body, name)
        var apps: [OpaquePointer?] = []
        for v in variables {
            try requireMine(v, name)
            guard Z3_get_ast_kind(z3, v.ast) == Z3_APP_AST else {
                throw SMTError.invalidArgument(operation: name, message: "bound term is not a constant: \(v)")
            }
            let app = Z3_to_app(z3, v.ast)
            try checkError(name)
            let isConstant = Z3_get_app_num_args(z3, app) == 0
                && Z3_get_decl_kind(z3, Z3_get_app_decl(z3, app)) == Z3_OP_UNINTERPRETED
            try checkError(name)
            guard isConstant else {
                throw SMTError.invalidArgument(operation: name, message: "bound term is not a constant: \(v)")
            }
            apps.append(app)
        }
        let r: OpaquePointer? = withExtendedLifetime((variables, body)) {
            apps.withUnsafeBufferPointer { buf in
                isForall
                    ? Z3_mk_forall_const(z3, 0, UInt32(buf.count), buf.baseAddress, 0, nil, body.ast)
                    : Z3_mk_exists_const(z3, 0, UInt32(buf.count), buf.baseAddress, 0, nil, body.ast)
            }
        }
        return try own(r, name)
    }
}
