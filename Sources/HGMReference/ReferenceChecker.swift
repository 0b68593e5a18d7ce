import HGMModel

/// Limits of a reference run; reaching one gives an incomplete result.
public struct ReferenceLimits: Sendable {
    public var maxStates: Int
    public init(maxStates: Int = 200_000) { self.maxStates = maxStates }
}

/// What the reference semantics found: the names of the violated invariants (built-in
/// names, user invariant names), whether the exploration was exhaustive, and its size.
public struct ReferenceResult: Sendable {
    public var violated: Set<String>
    public var complete: Bool
    public var states: Int
    public var transitions: Int
}

/// The reference semantics (design.md §9): a slow, simple executor of a compiled model that
/// shares with the engine only the effects of single primitives and the expression
/// evaluator. Every operation is its own step (no local work merged), states are whole
/// `[Word]` arrays in a dictionary (no fingerprints), the search is breadth-first over all
/// interleavings, and every invariant is evaluated on every reached state.
///
/// The filters a successor goes through, in order:
/// 1. the step's own violations are recorded; a model error or use-after-free stops the
///    path (the successor is not kept, and the source counts as able to end, for livelock);
///    a step running a bounded loop past its bound (loop-bound checked) is kept but is no
///    edge of the graph (it counts as ending, as in the engine);
/// 2. seen? (whole-state dictionary);
/// 3. the state invariants of a new state (all of them, plus "a thread's local code runs
///    forever"); a model error there stops the path;
/// 4. enqueue. A state with no step is checked for deadlock and lost wakeup.
/// After an exhaustive run, livelock: a cycle among the states from which no ending state
/// is reachable (Livelock.swift).
public enum ReferenceChecker {
    public static func check(_ model: Model, limits: ReferenceLimits = .init()) -> ReferenceResult {
        let interp = Interpreter(model: model)
        var g = Exploration(interp: interp)
        let complete = g.run(from: interp.initialState(), maxStates: limits.maxStates, stopAtEnd: false)
        var violated = g.violated & interp.selected
        if complete && interp.on(.livelock) && g.hasLivelock() { violated |= Interpreter.bit(.livelock) }
        return ReferenceResult(violated: interp.names(violated), complete: complete && !g.undecided,
                               states: g.states.count, transitions: g.transitions)
    }
}

/// The explored state graph: states numbered in breadth-first order, their successors
/// (edges), which states end (or can end at once), which are not expanded.
struct Exploration {
    let interp: Interpreter
    var index: [[Word]: Int] = [:]
    var states: [[Word]] = []
    var succ: [[Int32]] = []
    var ends: [Bool] = []
    var stopped: [Bool] = []
    var violated: UInt64 = 0
    var transitions = 0
    /// A local-code cycle check ran out of budget somewhere: the result is not exhaustive.
    var undecided = false
    /// Some state ends (with `stopAtEnd`, the run stops there).
    var reachedEnd = false

    mutating func markEnd(_ i: Int) { ends[i] = true; reachedEnd = true }

    init(interp: Interpreter) { self.interp = interp }

    mutating func insert(_ s: [Word]) -> (Int, Bool) {
        if let i = index[s] { return (i, false) }
        let i = states.count
        index[s] = i
        states.append(s); succ.append([]); ends.append(false); stopped.append(false)
        let (v, und) = interp.stateViolations(s)
        undecided = undecided || und
        let r = v & interp.selected
        violated |= r
        if r & Interpreter.stopMask != 0 { stopped[i] = true; markEnd(i) }
        return (i, true)
    }

    /// Breadth-first from `s0`. Returns false when `maxStates` stopped it. With `stopAtEnd`,
    /// stops (returning true) as soon as a state that ends is found (`reachedEnd`).
    mutating func run(from s0: [Word], maxStates: Int, stopAtEnd: Bool) -> Bool {
        _ = insert(s0)
        var head = 0
        while head < states.count {
            if stopAtEnd && reachedEnd { return true }
            if states.count >= maxStates { return false }
            let i = head
            head += 1
            if stopped[i] { continue }
            let s = states[i]
            var any = false
            for t in 0..<interp.nThreads {
                let k = interp.choices(s, t)
                for c in 0..<k {
                    any = true
                    var x = s
                    let r = interp.step(&x, t, choice: c) & interp.selected
                    transitions += 1
                    violated |= r
                    if r & Interpreter.stopMask != 0 { markEnd(i); continue }
                    let (j, _) = insert(x)
                    if r & Interpreter.loopBound != 0 { markEnd(i) } else { succ[i].append(Int32(j)) }
                }
            }
            if !any {
                violated |= interp.stuckViolations(s) & interp.selected
                if interp.ended(s) { markEnd(i) }
            }
        }
        return true
    }
}
