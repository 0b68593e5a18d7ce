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

/// The expansion rule every breadth-first search shares (sequential and parallel): each
/// alternative of each thread's next step out of `s` (a state at `depth`), run on `scratch`.
/// A step's violations are offered to `table` (unless `settled` at a smaller depth); a step
/// that stops its path (use-after-free, model error) has no successor and `stopped()` is
/// called; otherwise `successor(fp, raised)` says whether the state is new, and a new one is
/// checked (its state invariants offered to `table`) and, unless it stops its path, handed
/// to `enqueue`. A state where no thread can move gets the stuck-state checks.
@inline(__always)
func expand(_ m: Machine, _ s: UnsafeMutablePointer<Word>, scratch: UnsafeMutablePointer<Word>, stride: Int,
            depth: Int, settled: UInt64, table: inout FindingTable, transitions: inout Int,
            successor: (UInt64, UInt64) -> Bool, enqueue: (UnsafeMutablePointer<Word>, Bool) -> Void,
            stopped: () -> Void) -> Expansion {
    var any = false
    for t in 0..<m.model.threads.count {
        let k = m.choices(s, t)
        var c = 0
        while c < k {
            any = true
            scratch.update(from: s, count: stride)
            let v = m.step(scratch, t, choice: c)
            if m.timedOut { return .timedOut }
            transitions += 1
            let raised = m.raised
            if v >= 0 && raised & ~settled != 0 {     // a step may break several invariants at once
                table.offer(mask: raised & ~settled, depth + 1, fingerprint(s, stride), t, c)
            }
            if raised & Machine.stopMask == 0 {
                let fp = fingerprint(scratch, stride)
                if successor(fp, raised) {
                    let (bad, stops) = m.stateViolations(scratch, skip: settled)
                    if bad != 0 { table.offer(mask: bad, depth + 1, fp, -1, 0) }
                    enqueue(scratch, stops)
                }
            } else {
                stopped()
            }
            c += 1
        }
    }
    if any { return .moved }
    if m.checkStuck(s) >= 0 {      // every stuck-state finding of this state
        table.offer(mask: m.raised, depth, fingerprint(s, stride), -1, 0)
    }
    return .stuck
}
