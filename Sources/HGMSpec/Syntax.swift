/// The syntax tree of a spec file, as parsed, before names are resolved.

public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        case int(Int)
        /// A size literal in bytes (`4K`, `2M`, `1G`); scaled to the model by the geometry.
        case size(Int)
        case name(String)
        case string(String)
        case unary(String, Expr)
        case binary(String, Expr, Expr)
        case call(String, [Expr])
        /// `table[index]`, e.g. `fault_mutex[idx]`.
        case index(String, Expr)
        /// `base.field`, e.g. `V0.start`.
        case field(Expr, String)
    }
    public var kind: Kind
    public var location: SourceLocation
    public init(kind: Kind, location: SourceLocation) { self.kind = kind; self.location = location }
}

public struct Stmt: Sendable {
    public indirect enum Kind: Sendable {
        case assign(String, Expr)
        case call(Expr)
        case ifElse(Expr, [Stmt], [Stmt]?)
        /// `while COND [bound N] { ... }`; nil bound: unbounded (checked by `livelock`, not `loop-bound`).
        case whileLoop(Expr, bound: Int?, [Stmt])
        case ret(Expr?)
        case assert(Expr, String?)
        case either([[Stmt]])
        case atomic([Stmt])
        case label(String)
        case goto(String)
        case breakLoop
        case continueLoop
    }
    public var kind: Kind
    public var location: SourceLocation
    /// The statement's source text (its first line), as shown in traces.
    public var text: String
}

public struct Param: Sendable {
    public var name: String
    public var location: SourceLocation
}

public struct ProcDecl: Sendable {
    public var name: String
    public var params: [Param]
    public var body: [Stmt]
    public var isOverride: Bool
    public var location: SourceLocation
}

/// A value in a `world` or `geometry` entry.
public enum EntryValue: Sendable {
    case int(Int)
    case size(Int)
    case ident(String)
    case list([Int])
}

public struct EntryAttr: Sendable {
    public var key: String
    /// nil for a bare flag such as `shared` or `hgm`.
    public var value: EntryValue?
    public var location: SourceLocation
}

/// One line of a `world` or `geometry` block: `kind [name] [key = value | flag]...`,
/// or `kind = value`.
public struct Entry: Sendable {
    public var kind: String
    public var name: String?
    public var value: EntryValue?
    public var attrs: [EntryAttr]
    public var location: SourceLocation
}

public struct GeometryDecl: Sendable {
    public var name: String
    public var entries: [Entry]
    public var location: SourceLocation
}

public struct ThreadDecl: Sendable {
    public var name: String
    public var proc: String
    public var args: [Expr]
    /// Where the procedure is named; `nameLocation` is the thread's own name.
    public var location: SourceLocation
    public var nameLocation: SourceLocation
}

public struct NamedLocation: Sendable {
    public var name: String
    public var location: SourceLocation
}

public enum Expectation: Sendable, Equatable {
    case pass
    case violations([String])
}

public struct InvariantDecl: Sendable {
    public var name: String
    public var expr: Expr
    public var location: SourceLocation
}

/// A `prove` block: a named claim over 64-bit bit-vectors and integers, universally
/// quantified over its parameters; `assume` lines are hypotheses.
public struct ProveDecl: Sendable {
    public struct Var: Sendable {
        public var name: String
        /// "bv64" or "int".
        public var sort: String
        public var location: SourceLocation
    }
    public var name: String
    public var vars: [Var]
    public var assumes: [Expr]
    public var claims: [Expr]
    /// True for `expect counterexample`: the claim is meant to be false.
    public var expectCounterexample: Bool
    public var location: SourceLocation
}

/// One parsed file. Imports are resolved by `SpecLoader`.
public struct SpecFile: Sendable {
    public var path: String
    public var imports: [(path: String, location: SourceLocation)] = []
    public var geometry: GeometryDecl?
    public var world: [Entry]?
    public var worldLocation: SourceLocation?
    public var lockOrder: [NamedLocation]?
    public var procs: [ProcDecl] = []
    public var threads: [ThreadDecl] = []
    /// nil: no `check` line; empty with `checkAll`: every built-in invariant.
    public var checks: [NamedLocation]?
    public var checkAll = false
    public var checkLocation: SourceLocation?
    public var invariants: [InvariantDecl] = []
    public var expectation: Expectation?
    public var expectationLocation: SourceLocation?
    public var scenario: String?
    public var proves: [ProveDecl] = []
}
