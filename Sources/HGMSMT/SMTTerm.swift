internal import CZ3

/// The kind of a sort, as far as the façade distinguishes them.
public enum SMTSortKind: Sendable, Equatable {
    case boolean
    case integer
    case bitVector(width: Int)
    case other
}

/// Owner of one `Z3_sort`: inc_ref in `init`, dec_ref in `deinit`; keeps its context alive.
public final class SMTSort {
    public let context: SMTContext
    let sort: OpaquePointer

    init(context: SMTContext, sort: OpaquePointer) {
        self.context = context
        self.sort = sort
        Z3_inc_ref(context.z3, Z3_sort_to_ast(context.z3, sort))
    }

    deinit {
        Z3_dec_ref(context.z3, Z3_sort_to_ast(context.z3, sort))
    }

    public var kind: SMTSortKind {
        let z3 = context.z3
        switch Z3_get_sort_kind(z3, sort) {
        case Z3_BOOL_SORT: return .boolean
        case Z3_INT_SORT: return .integer
        case Z3_BV_SORT: return .bitVector(width: Int(Z3_get_bv_sort_size(z3, sort)))
        default: return .other
        }
    }
}

@available(*, unavailable, message: "a Z3 sort belongs to its context's thread")
extension SMTSort: Sendable {}

/// Owner of one `Z3_ast`: inc_ref in `init`, dec_ref in `deinit`, and a strong reference to
/// its context so that every dec_ref runs before `Z3_del_context`. Every AST the façade
/// receives from Z3 is wrapped in one of these immediately, before the next Z3 call.
public final class SMTTerm: CustomStringConvertible {
    public let context: SMTContext
    let ast: OpaquePointer

    init(context: SMTContext, ast: OpaquePointer) {
        self.context = context
        self.ast = ast
        Z3_inc_ref(context.z3, ast)
    }

    deinit {
        Z3_dec_ref(context.z3, ast)
    }

    /// The term's sort.
    public func sort() throws -> SMTSort {
        try context.ownSort(Z3_get_sort(context.z3, ast), "Z3_get_sort")
    }

    /// SMT-LIB text of the term (copied out of Z3 at once).
    public var description: String {
        guard let s = Z3_ast_to_string(context.z3, ast) else { return "<term>" }
        return String(cString: s)
    }
}

@available(*, unavailable, message: "a Z3 term belongs to its context's thread")
extension SMTTerm: Sendable {}
