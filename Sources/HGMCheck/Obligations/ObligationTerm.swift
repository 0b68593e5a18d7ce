/// A small term language for arithmetic obligations with two independent interpreters:
/// a compiler to Z3 (`ObligationDischarge.swift`) and a plain-Swift evaluator (below), used
/// to certify every counterexample Z3 returns. Bit-vectors are 64 bits wide, with the
/// kernel's `unsigned long` semantics (arithmetic modulo 2^64); integers are mathematical
/// (the Swift evaluator reports an overflow of Int64 instead of wrapping).

/// The sort of a term.
public enum ObligationSort: String, Sendable, Hashable, CustomStringConvertible {
    case bitVector64 = "bv64"
    case integer = "int"
    case boolean = "bool"

    public var description: String { rawValue }
}

/// A free variable of a claim; the claim must hold for every value of it.
public struct ObligationVariable: Sendable, Hashable {
    public var name: String
    public var sort: ObligationSort

    public init(_ name: String, _ sort: ObligationSort) {
        self.name = name
        self.sort = sort
    }
}

/// A concrete value of a variable or term.
public enum ObligationValue: Sendable, Hashable, CustomStringConvertible {
    case bitVector(UInt64)
    case integer(Int64)
    case boolean(Bool)

    public var sort: ObligationSort {
        switch self {
        case .bitVector: .bitVector64
        case .integer: .integer
        case .boolean: .boolean
        }
    }

    /// Bit-vectors in hex (addresses), integers in decimal.
    public var description: String {
        switch self {
        case .bitVector(let v): "0x" + String(v, radix: 16)
        case .integer(let v): String(v)
        case .boolean(let v): String(v)
        }
    }
}

/// Binary operators. `bv*` take two 64-bit vectors; `int*` two integers; `eq` two terms of
/// one sort; `implies` two Booleans.
public enum ObligationOperator: String, Sendable, Hashable {
    case bvAdd, bvSub, bvMul, bvAnd, bvOr, bvShl, bvLshr, bvUdiv, bvUrem
    case bvUlt, bvUle, bvSlt, bvSle
    case intAdd, intSub, intMul, intLt, intLe
    case eq, implies
}

/// A term of the obligation language.
public indirect enum ObligationTerm: Sendable, Hashable {
    case variable(ObligationVariable)
    case constant(ObligationValue)
    case not(ObligationTerm)
    case bvNot(ObligationTerm)
    case binary(ObligationOperator, ObligationTerm, ObligationTerm)
    case ite(ObligationTerm, ObligationTerm, ObligationTerm)
    case and([ObligationTerm])
    case or([ObligationTerm])
}

/// Why the Swift evaluator could not produce a value.
public enum ObligationEvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A variable had no value, or a value of another sort.
    case unboundVariable(String)
    /// An operator was applied to operands of the wrong sort.
    case sortMismatch(String)
    /// Integer arithmetic left the Int64 range (the evaluator never wraps integers).
    case integerOverflow(String)

    public var description: String {
        switch self {
        case .unboundVariable(let s): "unbound variable \(s)"
        case .sortMismatch(let s): "sort mismatch: \(s)"
        case .integerOverflow(let s): "integer overflow: \(s)"
        }
    }
}

// MARK: - construction helpers

extension ObligationTerm {
    public static func bv(_ name: String) -> ObligationTerm { .variable(ObligationVariable(name, .bitVector64)) }
    public static func int(_ name: String) -> ObligationTerm { .variable(ObligationVariable(name, .integer)) }
    public static func bool(_ name: String) -> ObligationTerm { .variable(ObligationVariable(name, .boolean)) }
    public static func bv(_ value: UInt64) -> ObligationTerm { .constant(.bitVector(value)) }
    public static func int(_ value: Int64) -> ObligationTerm { .constant(.integer(value)) }
    public static let `true` = ObligationTerm.constant(.boolean(true))
    public static let `false` = ObligationTerm.constant(.boolean(false))

    /// `l ⇒ r`.
    public static func implies(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.implies, l, r) }
    public static func eq(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.eq, l, r) }
    public static func ne(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .not(.binary(.eq, l, r)) }
    /// Unsigned bit-vector comparisons.
    public static func ult(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.bvUlt, l, r) }
    public static func ule(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.bvUle, l, r) }
    public static func ugt(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.bvUlt, r, l) }
    public static func uge(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.bvUle, r, l) }
    /// Signed bit-vector comparisons.
    public static func slt(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.bvSlt, l, r) }
    public static func sle(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.bvSle, l, r) }
    /// Integer comparisons.
    public static func lt(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.intLt, l, r) }
    public static func le(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.intLe, l, r) }
    public static func gt(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.intLt, r, l) }
    public static func ge(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.intLe, r, l) }
    public static func udiv(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.bvUdiv, l, r) }
    public static func urem(_ l: ObligationTerm, _ r: ObligationTerm) -> ObligationTerm { .binary(.bvUrem, l, r) }
}

// MARK: - sorts and free variables

extension ObligationTerm {
    /// The sort of the term; throws `sortMismatch` if it is ill-sorted.
    public func sort() throws(ObligationEvaluationError) -> ObligationSort {
        switch self {
        case .variable(let v): return v.sort
        case .constant(let c): return c.sort
        case .not(let t):
            try t.expect(.boolean, "not")
            return .boolean
        case .bvNot(let t):
            try t.expect(.bitVector64, "bvnot")
            return .bitVector64
        case .ite(let c, let t, let e):
            try c.expect(.boolean, "ite condition")
            let s = try t.sort()
            try e.expect(s, "ite branches")
            return s
        case .and(let ts), .or(let ts):
            for t in ts { try t.expect(.boolean, "and/or") }
            return .boolean
        case .binary(let op, let l, let r):
            switch op {
            case .bvAdd, .bvSub, .bvMul, .bvAnd, .bvOr, .bvShl, .bvLshr, .bvUdiv, .bvUrem:
                try l.expect(.bitVector64, op.rawValue)
                try r.expect(.bitVector64, op.rawValue)
                return .bitVector64
            case .bvUlt, .bvUle, .bvSlt, .bvSle:
                try l.expect(.bitVector64, op.rawValue)
                try r.expect(.bitVector64, op.rawValue)
                return .boolean
            case .intAdd, .intSub, .intMul:
                try l.expect(.integer, op.rawValue)
                try r.expect(.integer, op.rawValue)
                return .integer
            case .intLt, .intLe:
                try l.expect(.integer, op.rawValue)
                try r.expect(.integer, op.rawValue)
                return .boolean
            case .eq:
                try r.expect(try l.sort(), "eq")
                return .boolean
            case .implies:
                try l.expect(.boolean, "implies")
                try r.expect(.boolean, "implies")
                return .boolean
            }
        }
    }

    private func expect(_ s: ObligationSort, _ what: String) throws(ObligationEvaluationError) {
        let actual = try sort()
        if actual != s { throw .sortMismatch("\(what) expects \(s), got \(actual)") }
    }

    /// The free variables, in order of first occurrence.
    public var freeVariables: [ObligationVariable] {
        var seen = Set<ObligationVariable>()
        var out: [ObligationVariable] = []
        func walk(_ t: ObligationTerm) {
            switch t {
            case .variable(let v): if seen.insert(v).inserted { out.append(v) }
            case .constant: break
            case .not(let a), .bvNot(let a): walk(a)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .ite(let a, let b, let c): walk(a); walk(b); walk(c)
            case .and(let ts), .or(let ts): ts.forEach(walk)
            }
        }
        walk(self)
        return out
    }
}

// MARK: - the Swift evaluator (independent of Z3)

extension ObligationTerm {
    /// Evaluates the term with UInt64 wrapping arithmetic for bit-vectors (SMT-LIB semantics
    /// for shifts ≥ 64 and division by zero) and overflow-checked Int64 for integers.
    public func evaluate(_ env: [String: ObligationValue]) throws(ObligationEvaluationError) -> ObligationValue {
        switch self {
        case .variable(let v):
            guard let x = env[v.name], x.sort == v.sort else { throw .unboundVariable(v.name) }
            return x
        case .constant(let c):
            return c
        case .not(let t):
            return .boolean(!(try t.evaluate(env).asBool()))
        case .bvNot(let t):
            return .bitVector(~(try t.evaluate(env).asBV()))
        case .ite(let c, let t, let e):
            return try c.evaluate(env).asBool() ? t.evaluate(env) : e.evaluate(env)
        case .and(let ts):
            for t in ts where !(try t.evaluate(env).asBool()) { return .boolean(false) }
            return .boolean(true)
        case .or(let ts):
            for t in ts where try t.evaluate(env).asBool() { return .boolean(true) }
            return .boolean(false)
        case .binary(let op, let l, let r):
            let a = try l.evaluate(env)
            let b = try r.evaluate(env)
            switch op {
            case .bvAdd: return .bitVector(try a.asBV() &+ b.asBV())
            case .bvSub: return .bitVector(try a.asBV() &- b.asBV())
            case .bvMul: return .bitVector(try a.asBV() &* b.asBV())
            case .bvAnd: return .bitVector(try a.asBV() & b.asBV())
            case .bvOr: return .bitVector(try a.asBV() | b.asBV())
            case .bvShl:
                let (x, n) = (try a.asBV(), try b.asBV())
                return .bitVector(n >= 64 ? 0 : x << n)
            case .bvLshr:
                let (x, n) = (try a.asBV(), try b.asBV())
                return .bitVector(n >= 64 ? 0 : x >> n)
            case .bvUdiv:
                let (x, y) = (try a.asBV(), try b.asBV())
                return .bitVector(y == 0 ? UInt64.max : x / y)
            case .bvUrem:
                let (x, y) = (try a.asBV(), try b.asBV())
                return .bitVector(y == 0 ? x : x % y)
            case .bvUlt: return .boolean(try a.asBV() < b.asBV())
            case .bvUle: return .boolean(try a.asBV() <= b.asBV())
            case .bvSlt: return .boolean(Int64(bitPattern: try a.asBV()) < Int64(bitPattern: try b.asBV()))
            case .bvSle: return .boolean(Int64(bitPattern: try a.asBV()) <= Int64(bitPattern: try b.asBV()))
            case .intAdd: return try checked(a.asInt().addingReportingOverflow(b.asInt()), "+")
            case .intSub: return try checked(a.asInt().subtractingReportingOverflow(b.asInt()), "-")
            case .intMul: return try checked(a.asInt().multipliedReportingOverflow(by: b.asInt()), "*")
            case .intLt: return .boolean(try a.asInt() < b.asInt())
            case .intLe: return .boolean(try a.asInt() <= b.asInt())
            case .eq:
                guard a.sort == b.sort else { throw .sortMismatch("eq of \(a.sort) and \(b.sort)") }
                return .boolean(a == b)
            case .implies:
                let (x, y) = (try a.asBool(), try b.asBool())
                return .boolean(!x || y)
            }
        }
    }

    private func checked(_ r: (partialValue: Int64, overflow: Bool), _ op: String) throws(ObligationEvaluationError) -> ObligationValue {
        if r.overflow { throw .integerOverflow(op) }
        return .integer(r.partialValue)
    }
}

extension ObligationValue {
    func asBV() throws(ObligationEvaluationError) -> UInt64 {
        guard case .bitVector(let v) = self else { throw .sortMismatch("expected bv64, got \(sort)") }
        return v
    }

    func asInt() throws(ObligationEvaluationError) -> Int64 {
        guard case .integer(let v) = self else { throw .sortMismatch("expected int, got \(sort)") }
        return v
    }

    func asBool() throws(ObligationEvaluationError) -> Bool {
        guard case .boolean(let v) = self else { throw .sortMismatch("expected bool, got \(sort)") }
        return v
    }
}
