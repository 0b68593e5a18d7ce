import HGMModel

/// What expanding one state gave, beside its successors.
enum Expansion {
    /// Some thread took a step.
    case moved
    /// No thread can move (the stuck-state checks have run on it).
    case stuck
    /// A step's local work passed the deadline (`Machine.timedOut`): the state is unfinished.
    case timedOut
}

/// The successor relation, the one place it is written: every alternative of every
/// thread's next step out of `s`, in the order (thread, choice), each run on `scratch`
/// and handed to `body` with its outcome (the violations it raised; whether the path
/// stops). The searches, the trace builder and the livelock analysis all go through it.
/// Returns `.stuck` when no thread can move (nothing else is done to `s` here), and
/// `.timedOut` as soon as a step's local work passes the machine's deadline.
@inline(__always)
func forEachSuccessor(_ m: Machine, _ s: UnsafePointer<Word>, scratch: UnsafeMutablePointer<Word>, stride: Int,
                      _ body: (_ thread: Int, _ choice: Int, _ outcome: StepOutcome) -> Void) -> Expansion {
    var any = false
    for t in 0..<m.model.threads.count {
        let k = m.choices(s, t)
        var c = 0
        while c < k {
            any = true
            scratch.update(from: s, count: stride)
            let o = m.step(scratch, t, choice: c)
            if m.timedOut { return .timedOut }
            body(t, c, o)
            c += 1
        }
    }
    return any ? .moved : .stuck
}

/// The expansion rule every breadth-first search shares (sequential and parallel), over
/// `forEachSuccessor` out of `s` (state number `source`, at `depth`; `stride` is the
/// state's words). A step's violations are offered to `table` (unless `settled` at a
/// smaller depth); a step that stops its path (use-after-free, model error) has no
/// successor and `stopped()` is called; otherwise `successor(fp, raised, thread, choice)`
/// admits the state: nil when it was seen before, else its number (-1 when it is numbered
/// later, as the parallel search does). A new state is checked (its state invariants
/// offered to `table`) and handed to `enqueue` with its number and whether its path stops
/// there. A state where no thread can move gets the stuck-state checks.
@inline(__always)
func expand(_ m: Machine, _ s: UnsafeMutablePointer<Word>, scratch: UnsafeMutablePointer<Word>, stride: Int,
            depth: Int, source: Int, settled: ViolationSet, table: inout FindingTable, transitions: inout Int,
            successor: (UInt64, ViolationSet, Int, Int) -> Int?, enqueue: (UnsafeMutablePointer<Word>, Int, Bool) -> Void,
            stopped: () -> Void) -> Expansion {
    let e = forEachSuccessor(m, s, scratch: scratch, stride: stride) { t, c, o in
        transitions += 1
        let fresh = o.raised.subtracting(settled)      // a step may break several invariants at once
        if !fresh.isEmpty { table.offer(fresh, depth + 1, fingerprint(s, stride), t, c, state: source) }
        if o.stopsPath { stopped(); return }
        let fp = fingerprint(scratch, stride)
        if let n = successor(fp, o.raised, t, c) {
            let (bad, stops) = m.stateViolations(scratch, skip: settled)
            if !bad.isEmpty { table.offer(bad, depth + 1, fp, -1, 0, state: n) }
            enqueue(scratch, n, stops)
        }
    }
    if case .stuck = e {
        let bad = m.checkStuck(s)      // every stuck-state finding of this state
        if !bad.isEmpty { table.offer(bad, depth, fingerprint(s, stride), -1, 0, state: source) }
    }
    return e
}
