import HGMModel
import HGMSpec

/// Turns a spec's `prove` blocks into obligations (claims over 64-bit bit-vectors and
/// integers, universally quantified over their variables) and maps the spec's geometry to
/// the generated obligation families. Geometry constants are the real sizes:
/// `PAGE_SHIFT`, `PAGE_SIZE`, `HPAGE_SHIFT`, `HPAGE_SIZE`, and `<LEVEL>_SHIFT`,
/// `<LEVEL>_SIZE`, `<LEVEL>_MASK`, `PTRS_PER_<LEVEL>` for every level and contiguous size.
/// Numerals take the sort of the other operand (bv64 when neither side decides).
public enum ProveBlocks {
    /// The obligation geometry of a spec geometry: every level, contiguous size and hstate.
    public static func obligationGeometry(_ g: Geometry) -> ObligationGeometry {
        ObligationGeometry(name: g.name, levels: g.levels.map { ObligationLevel($0.name, shift: $0.shift) },
                           topLevelIndexBits: g.topIndexBits,
                           contiguous: g.contiguous.map { ObligationLevel($0.name, shift: $0.shift) },
                           hstateShift: g.hstateShift, hstateShifts: g.hstateShifts, pageShift: g.pageShift)
    }

    /// Every obligation of a loaded spec: the families generated from its geometry, then
    /// its own prove blocks (from the main file and its imports).
    public static func obligations(for spec: LoadedSpec, proves: [ProveDecl], generated: Bool = true) throws(DiagnosticError) -> [ArithmeticObligation] {
        let top = SourceLocation(file: spec.main.path, line: 1, column: 1)
        let g = try Geometry.from(spec.geometry, fallback: top)
        let og = obligationGeometry(g)
        var out: [ArithmeticObligation] = []
        if generated {
            let problems = og.problems
            if !problems.isEmpty {
                throw DiagnosticError([Diagnostic(spec.geometry?.location ?? top, "geometry '\(g.name)' cannot be used for obligations: " + problems.joined(separator: "; "))])
            }
            out += arithmeticObligations(for: og)
        }
        var names = Set<String>()
        for p in proves {
            if names.contains(p.name) { throw DiagnosticError([Diagnostic(p.location, "claim '\(p.name)' is defined twice")]) }
            names.insert(p.name)
            var t = Translator(geometry: g, vars: Dictionary(uniqueKeysWithValues: p.vars.map { ($0.name, $0.sort == "int" ? ObligationSort.integer : .bitVector64) }))
            let hyps = try p.assumes.map { e throws(DiagnosticError) in try t.boolean(e) }
            let claims = try p.claims.map { e throws(DiagnosticError) in try t.boolean(e) }
            let concl: ObligationTerm = claims.count == 1 ? claims[0] : .and(claims)
            let claim: ObligationTerm = hyps.isEmpty ? concl : .implies(hyps.count == 1 ? hyps[0] : .and(hyps), concl)
            var o = ArithmeticObligation(name: "prove." + p.name, geometry: og.name, family: .user,
                                         summary: "prove block at \(p.location.description)", claim: claim,
                                         expectation: p.expectCounterexample ? .fails : .holds)
            o.location = p.location.description
            out.append(o)
        }
        return out
    }

    struct Translator {
        let geometry: Geometry
        let vars: [String: ObligationSort]

        func fail(_ e: Expr, _ m: String, _ h: String? = nil) -> DiagnosticError { DiagnosticError([Diagnostic(e.location, m, hint: h)]) }

        var constants: [String: Int64] {
            var c: [String: Int64] = [:]
            let g = geometry
            var upper: Int? = nil
            for l in g.levels {
                c["\(l.name)_SHIFT"] = Int64(l.shift)
                c["\(l.name)_SIZE"] = Int64(1) << Int64(l.shift)
                c["\(l.name)_MASK"] = ~((Int64(1) << Int64(l.shift)) - 1)
                c["PTRS_PER_\(l.name)"] = Int64(1) << Int64(upper.map { $0 - l.shift } ?? g.topIndexBits)
                upper = l.shift
            }
            for l in g.contiguous {
                c["\(l.name)_SHIFT"] = Int64(l.shift)
                c["\(l.name)_SIZE"] = Int64(1) << Int64(l.shift)
                c["\(l.name)_MASK"] = ~((Int64(1) << Int64(l.shift)) - 1)
            }
            c["PAGE_SHIFT"] = Int64(g.pageShift)
            c["PAGE_SIZE"] = Int64(1) << Int64(g.pageShift)
            c["PAGE_MASK"] = ~((Int64(1) << Int64(g.pageShift)) - 1)
            c["HPAGE_SHIFT"] = Int64(g.hstateShift)
            c["HPAGE_SIZE"] = Int64(1) << Int64(g.hstateShift)
            c["HPAGE_MASK"] = ~((Int64(1) << Int64(g.hstateShift)) - 1)
            return c
        }

        static let functions = ["implies", "ite", "slt", "sle", "align_down", "is_aligned", "mask"]

        /// The sort an expression must have, or nil when it is made of numerals only.
        func sortOf(_ e: Expr) throws(DiagnosticError) -> ObligationSort? {
            switch e.kind {
            case .int, .size: return nil
            case .name(let n):
                if let s = vars[n] { return s }
                if constants[n] != nil { return nil }
                if n == "true" || n == "false" { return .boolean }
                throw fail(e, "unknown name '\(n)' in a prove block", didYouMean(n, Array(vars.keys) + Array(constants.keys)))
            case .unary(let op, let x): return op == "!" ? .boolean : try sortOf(x)
            case .binary(let op, let a, let b):
                if ["==", "!=", "<", "<=", ">", ">=", "&&", "||"].contains(op) { return .boolean }
                if let x = try sortOf(a) { return x }
                return try sortOf(b)
            case .call(let f, let args):
                switch f {
                case "implies", "slt", "sle", "is_aligned": return .boolean
                case "ite":
                    guard args.count == 3 else { return nil }
                    if let x = try sortOf(args[1]) { return x }
                    return try sortOf(args[2])
                case "align_down", "mask": return .bitVector64
                default: throw fail(e, "unknown function '\(f)' in a prove block", didYouMean(f, Translator.functions))
                }
            default: throw fail(e, "not allowed in a prove block", "claims use variables, numerals, geometry constants and operators")
            }
        }

        func boolean(_ e: Expr) throws(DiagnosticError) -> ObligationTerm {
            let s = try sortOf(e)
            guard s == .boolean else { throw fail(e, "a claim or assumption must be a condition (a comparison or && / ||)") }
            return try term(e, .boolean)
        }

        func numeral(_ v: Int64, _ sort: ObligationSort, _ e: Expr) throws(DiagnosticError) -> ObligationTerm {
            switch sort {
            case .bitVector64: return .bv(UInt64(bitPattern: v))
            case .integer: return .int(v)
            case .boolean: throw fail(e, "a number where a condition is expected")
            }
        }

        func term(_ e: Expr, _ want: ObligationSort) throws(DiagnosticError) -> ObligationTerm {
            switch e.kind {
            case .int(let v): return try numeral(Int64(v), want, e)
            case .size(let v): return try numeral(Int64(v), want, e)
            case .name(let n):
                if let s = vars[n] {
                    guard s == want else { throw fail(e, "'\(n)' is \(s) but \(want) is needed here") }
                    return .variable(ObligationVariable(n, s))
                }
                if n == "true" || n == "false" {
                    guard want == .boolean else { throw fail(e, "'\(n)' is a condition, \(want) is needed here") }
                    return n == "true" ? .true : .false
                }
                guard let c = constants[n] else {
                    throw fail(e, "unknown name '\(n)' in a prove block", didYouMean(n, Array(vars.keys) + Array(constants.keys)))
                }
                return try numeral(c, want, e)
            case .unary(let op, let x):
                switch op {
                case "!":
                    guard want == .boolean else { throw fail(e, "'!' gives a condition, \(want) is needed here") }
                    return .not(try term(x, .boolean))
                case "~":
                    guard want == .bitVector64 else { throw fail(e, "'~' works on bv64 values") }
                    return .bvNot(try term(x, .bitVector64))
                default:
                    let z = try numeral(0, want, e)
                    return .binary(want == .integer ? .intSub : .bvSub, z, try term(x, want))
                }
            case .binary(let op, let a, let b):
                if op == "&&" || op == "||" {
                    guard want == .boolean else { throw fail(e, "'\(op)' gives a condition") }
                    let l = try term(a, .boolean), r = try term(b, .boolean)
                    return op == "&&" ? .and([l, r]) : .or([l, r])
                }
                if ["==", "!=", "<", "<=", ">", ">="].contains(op) {
                    guard want == .boolean else { throw fail(e, "a comparison gives a condition, \(want) is needed here") }
                    var s = ObligationSort.bitVector64
                    if let x = try sortOf(a) { s = x } else if let y = try sortOf(b) { s = y }
                    let l = try term(a, s), r = try term(b, s)
                    switch (op, s) {
                    case ("==", _): return .eq(l, r)
                    case ("!=", _): return .ne(l, r)
                    case (_, .boolean): throw fail(e, "'\(op)' compares numbers, not conditions")
                    case ("<", .integer): return .lt(l, r)
                    case ("<=", .integer): return .le(l, r)
                    case (">", .integer): return .gt(l, r)
                    case (">=", .integer): return .ge(l, r)
                    case ("<", _): return .ult(l, r)
                    case ("<=", _): return .ule(l, r)
                    case (">", _): return .ugt(l, r)
                    default: return .uge(l, r)
                    }
                }
                guard want != .boolean else { throw fail(e, "'\(op)' gives a number where a condition is expected") }
                let l = try term(a, want), r = try term(b, want)
                if want == .integer {
                    switch op {
                    case "+": return .binary(.intAdd, l, r)
                    case "-": return .binary(.intSub, l, r)
                    case "*": return .binary(.intMul, l, r)
                    default: throw fail(e, "'\(op)' is not supported on int (only + - *); use bv64")
                    }
                }
                switch op {
                case "+": return .binary(.bvAdd, l, r)
                case "-": return .binary(.bvSub, l, r)
                case "*": return .binary(.bvMul, l, r)
                case "/": return .udiv(l, r)
                case "%": return .urem(l, r)
                case "&": return .binary(.bvAnd, l, r)
                case "|": return .binary(.bvOr, l, r)
                case "^": return .binary(.bvAnd, .binary(.bvOr, l, r), .bvNot(.binary(.bvAnd, l, r)))
                case "<<": return .binary(.bvShl, l, r)
                case ">>": return .binary(.bvLshr, l, r)
                default: throw fail(e, "operator '\(op)' is not supported in a prove block")
                }
            case .call(let f, let args):
                func arity(_ n: Int) throws(DiagnosticError) {
                    if args.count != n { throw fail(e, "'\(f)' takes \(n) argument\(n == 1 ? "" : "s"), given \(args.count)") }
                }
                switch f {
                case "implies":
                    try arity(2)
                    guard want == .boolean else { throw fail(e, "'implies' gives a condition") }
                    return .implies(try term(args[0], .boolean), try term(args[1], .boolean))
                case "slt", "sle":
                    try arity(2)
                    let l = try term(args[0], .bitVector64), r = try term(args[1], .bitVector64)
                    return f == "slt" ? .slt(l, r) : .sle(l, r)
                case "ite":
                    try arity(3)
                    return .ite(try term(args[0], .boolean), try term(args[1], want), try term(args[2], want))
                case "align_down", "is_aligned":
                    try arity(2)
                    let a = try term(args[0], .bitVector64), sz = try term(args[1], .bitVector64)
                    let low = ObligationTerm.binary(.bvSub, sz, .bv(1))
                    if f == "align_down" { return .binary(.bvAnd, a, .bvNot(low)) }
                    return .eq(.binary(.bvAnd, a, low), .bv(0))
                case "mask":
                    try arity(1)
                    return .bvNot(.binary(.bvSub, try term(args[0], .bitVector64), .bv(1)))
                default: throw fail(e, "unknown function '\(f)' in a prove block", didYouMean(f, Translator.functions))
                }
            default:
                throw fail(e, "not allowed in a prove block")
            }
        }
    }
}
