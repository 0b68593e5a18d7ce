import HGMModel

/// One step of a counterexample, as shown to the user.
public struct TraceStep: Codable, Sendable {
    public var step: Int
    public var thread: String
    public var procedure: String
    /// `file:line` of the statement, a path that opens from the working directory.
    public var location: String
    public var statement: String
    /// What the step changed: entries, tables, locks, mapcount and refcount, page cache, locals.
    public var changes: [StateChange]
    /// The step's alternative, 1-based, where the thread had several (an `either`); with `alternatives`.
    public var alternative: Int? = nil
    public var alternatives: Int? = nil
    /// Call depth of the statement: 0 in the thread's procedure, 1 in what it calls, ...
    public var depth: Int = 0
    /// What the step decided that the state does not show, in order: its operation's result,
    /// the conditions its local work evaluated and the branch each took, the calls it entered
    /// and returned from.
    public var notes: [StepNote] = []
    /// The walk results (hpte) the step's operation uses, each with the step that produced it.
    public var origins: [ValueOrigin] = []

    public init(step: Int, thread: String, procedure: String, location: String, statement: String, changes: [StateChange]) {
        self.step = step; self.thread = thread; self.procedure = procedure; self.location = location
        self.statement = statement; self.changes = changes
    }

    /// The notes on the step's own statement in one phrase (`→ false, else-branch`), or nil.
    public var outcome: String? {
        let own = notes.filter(\.own)
        guard !own.isEmpty else { return nil }
        var text = "→ "
        for (i, n) in own.enumerated() {
            // `if trylock(...)`: "→ false, else-branch" (the result is the condition).
            if i > 0 { text += (n.kind == .condition || n.kind == .loop) && n.value == nil ? ", " : "; " }
            text += n.phrase
        }
        return text
    }
}

/// Something a step decided that the state does not show.
public struct StepNote: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The value the step's operation returned (a trylock, a read, a lookup).
        case result
        /// The alternative taken at an `either`.
        case either
        /// An `if` condition and the branch taken.
        case condition
        /// A `while` condition: the loop goes on or ends.
        case loop
        /// A procedure call entered (inlined: no step of its own).
        case call
        /// A return from a procedure, with the value when the caller uses it.
        case `return`
    }
    public var kind: Kind
    /// Whether it belongs to the step's own statement (shown on the step's line).
    public var own: Bool
    public var location: String
    public var statement: String
    /// The value: a result, a condition (`true`/`false`), a returned value.
    public var value: String?
    /// For `condition`, `loop` and `either`: the way taken (`else-branch`, `branch 2 of 3`).
    public var taken: String?
    /// For `call` and `return`: the procedure and the call depth inside it.
    public var procedure: String?
    public var depth: Int?

    /// The note in a few words.
    public var phrase: String {
        switch kind {
        case .result: return value ?? ""
        case .either: return "[\(taken ?? "")]"
        case .condition, .loop: return [value, taken].compactMap { $0 }.joined(separator: ", ")
        case .call: return "call \(procedure ?? "") (depth \(depth ?? 0))"
        case .return: return "return from \(procedure ?? "")" + (value.map { " = \($0)" } ?? "")
        }
    }
}

/// Where a value used by a step came from: the step that produced it (0: the thread's
/// opening code, run before the first step), and for a walk result into a table page freed
/// since, the step that freed it.
public struct ValueOrigin: Codable, Sendable, Equatable {
    /// The local holding it at the step, and its value.
    public var local: String
    public var value: String
    public var step: Int
    public var statement: String
    public var location: String
    public var freedAtStep: Int? = nil
}

/// The state where a trace ends (the violating step's result): threads, locks, the page
/// tables of the hugepages the trace touches, and the pages' counters.
public struct StateSnapshot: Codable, Sendable {
    public var threads: [ThreadView]
    public var locks: [LockView]
    public var pageTables: [PageTableView]
    public var pages: [PageView]
}

/// A trace that begins with the same steps as an earlier trace of the same report.
public struct SharedPrefix: Codable, Sendable, Equatable {
    /// The earlier violation's position in the report's `violations` (0-based) and invariant.
    public var violation: Int
    public var invariant: String
    /// How many leading steps the two traces share.
    public var steps: Int
}

extension ViolationReport {
    /// The steps of a trace that ends in no violation (a replay that stopped), for printing.
    public init(steps: [TraceStep]) {
        self.init(invariant: "", message: "", help: "", location: nil, trace: steps, contextSwitches: 0)
    }
}
