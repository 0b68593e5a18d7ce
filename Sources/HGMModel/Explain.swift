/// The explained variants of the machine's calls, for traces: the same effect on the state
/// and the same violations, plus a sentence and the operation for each violation raised.
/// Slower (they build strings); never on the search's path.
extension Machine {
    /// Runs `body` with explanations on and returns what it recorded.
    private func explaining<T>(_ body: () -> T) -> (T, [ViolationID: Explanation]) {
        wantDetail = true
        details = [:]
        defer { wantDetail = false; details = [:] }
        let r = body()
        return (r, details)
    }

    /// `step`, explained.
    public func explainStep(_ s: UnsafeMutablePointer<Word>, _ t: Int, choice: Int) -> StepOutcome {
        var (o, e) = explaining { step(s, t, choice: choice) }
        o.explanations = e
        return o
    }

    /// `initialState`, explained.
    public func explainInitialState() -> (state: [Word], outcome: StepOutcome, thread: Int) {
        let (r, e) = explaining { initialState() }
        var o = StepOutcome(raised: r.raised)
        o.explanations = e
        return (r.state, o, r.thread)
    }

    /// Why `s` violates the state invariant `id`, or, when `s` is a state where no thread can
    /// move, the stuck-state invariant `id` (nil: it does not). The other invariants are not
    /// evaluated, except that for a model error the user invariants are (one that cannot be
    /// evaluated is the model error).
    public func explainState(_ s: UnsafeMutablePointer<Word>, violation id: ViolationID) -> Explanation? {
        let (_, e) = explaining { () -> Void in
            var skip = allViolations.subtracting(ViolationSet([id]))
            if id == ViolationID(.modelError) { skip = skip.subtracting(ViolationSet(bits: ~((1 << UInt64(builtinCount)) - 1))) }
            if checkState(s, skip: skip) == nil { _ = checkStuck(s) }
        }
        return e[id]
    }
}
