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

extension ReferenceChecker {
    /// One step of a reference witness.
    public struct WitnessStep: Sendable {
        public var thread: String, procedure: String, location: String, statement: String
        /// Violations this step raised.
        public var raised: [String]
    }

    /// A shortest reference trace (one entry per reference step) to the first place
    /// `violation` was seen, or nil when the reference does not find it within the limits.
    /// For users of `--reference` and for investigating disagreements; livelock has none.
    public static func witness(_ model: Model, violation: String, limits: ReferenceLimits = .init()) -> [WitnessStep]? {
        let interp = Interpreter(model: model)
        var g = Exploration(interp: interp)
        _ = g.run(from: interp.initialState(), maxStates: limits.maxStates, stopAtEnd: false)
        guard let bit = g.firstSeen.keys.first(where: { interp.name(ofBit: $0) == violation }), let at = g.firstSeen[bit] else { return nil }
        var moves: [(Int, Int)] = []
        var x = at.state
        while g.parent[x].state >= 0 { moves.append((Int(g.parent[x].thread), Int(g.parent[x].choice))); x = Int(g.parent[x].state) }
        moves.reverse()
        if at.thread >= 0 { moves.append((at.thread, at.choice)) }
        var s = interp.initialState()
        var steps: [WitnessStep] = []
        for (t, c) in moves {
            let info = model.info[interp.pc(s, t)]
            let r = interp.step(&s, t, choice: c) & interp.selected
            var stmt = info.statement
            if c > 0 { stmt += "  [branch \(c + 1)]" }
            steps.append(WitnessStep(thread: model.threads[t].name, procedure: info.procedure, location: info.location.description,
                                     statement: stmt, raised: interp.names(r).sorted()))
        }
        return steps
    }
}

/// The explored state graph: states numbered in breadth-first order, their successors
/// (edges), which states end (or can end at once), which are not expanded.
struct Exploration {
    let interp: Interpreter
    var index: [[Word]: Int] = [:]
    var states: [[Word]] = []
    var succ: [[Int32]] = []
    /// How each state was first reached: its parent state, thread and alternative (-1 for the start).
    var parent: [(state: Int32, thread: Int8, choice: Int8)] = []
    /// Where each violation (bit) was first seen: a state, and the step out of it (thread -1: the state itself).
    var firstSeen: [Int: (state: Int, thread: Int, choice: Int)] = [:]
    var ends: [Bool] = []
    var stopped: [Bool] = []
    var violated: UInt64 = 0
    var transitions = 0
    /// A local-code cycle check ran out of budget somewhere: the result is not exhaustive.
    var undecided = false
    /// Some state ends (with `stopAtEnd`, the run stops there).
    var reachedEnd = false

    mutating func markEnd(_ i: Int) { ends[i] = true; reachedEnd = true }

    mutating func see(_ r: UInt64, _ state: Int, _ t: Int, _ c: Int) {
        var m = r & ~violated
        violated |= r
        while m != 0 { firstSeen[m.trailingZeroBitCount] = (state, t, c); m &= m - 1 }
    }

    init(interp: Interpreter) { self.interp = interp }

    mutating func insert(_ s: [Word]) -> (Int, Bool) {
        if let i = index[s] { return (i, false) }
        let i = states.count
        index[s] = i
        states.append(s); succ.append([]); ends.append(false); stopped.append(false)
        parent.append((-1, -1, -1))
        let (v, und) = interp.stateViolations(s)
        undecided = undecided || und
        let r = v & interp.selected
        see(r, i, -1, 0)
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
                    see(r, i, t, c)
                    if r & Interpreter.stopMask != 0 { markEnd(i); continue }
                    let (j, new) = insert(x)
                    if new { parent[j] = (Int32(i), Int8(t), Int8(c)) }
                    if r & Interpreter.loopBound != 0 { markEnd(i) } else { succ[i].append(Int32(j)) }
                }
            }
            if !any {
                see(interp.stuckViolations(s) & interp.selected, i, -1, 0)
                if interp.ended(s) { markEnd(i) }
            }
        }
        return true
    }
}
