import Foundation
import HGMModel
import HGMReference

/// The engine's verdicts checked by the reference semantics (design.md §9), and the
/// reference run itself (`check --reference`).
extension Checker {
    /// Replays every counterexample in the reference semantics; one that does not replay is
    /// an internal error (a sentence per trace).
    static func certify(_ model: Model, _ traced: [(report: ViolationReport, moves: [(thread: Int, choice: Int)])]) -> [String] {
        traced.compactMap { v, moves in
            if v.traceMissing != nil { return nil }     // no trace rebuilt within the limits: nothing to replay
            let r = ReferenceChecker.replay(model, moves: moves, violation: v.invariant,
                                            cycleStart: v.cycleStart.map { $0 - 1 })
            if r.replayed { return nil }
            return "internal error: \(model.path): the engine's \(v.invariant) counterexample (\(moves.count) steps) "
                + "does not replay in the reference semantics: \(r.reason)"
        }
    }

    /// Runs the reference semantics instead of the engine: the same result shape, without
    /// traces (each violation says so). `maxStates` is the only limit it honours (default
    /// 200,000 states).
    public static func checkReference(_ model: Model, limits: SearchLimits = SearchLimits()) -> CheckResult {
        let start = Date()
        let cap = limits.maxStates ?? ReferenceLimits().maxStates
        let r = ReferenceChecker.check(model, limits: ReferenceLimits(maxStates: cap))
        let secs = Date().timeIntervalSince(start)
        let violations = r.violated.sorted().map { name -> ViolationReport in
            let user = model.userInvariants.first { $0.name == name }
            // A witness: the reference's own shortest trace (its steps are single operations;
            // no per-step changes are shown). Livelock has none.
            let w = name == Invariant.livelock.rawValue ? nil
                : ReferenceChecker.witness(model, violation: name, limits: ReferenceLimits(maxStates: cap))
            var switches = 0
            let trace = (w ?? []).enumerated().map { i, st -> TraceStep in
                if i > 0 && w![i - 1].thread != st.thread { switches += 1 }
                return TraceStep(step: i + 1, thread: st.thread, procedure: st.procedure, location: st.location,
                                 statement: st.statement,
                                 changes: st.raised.isEmpty ? [] : [StateChange(object: "violations", before: "", after: st.raised.joined(separator: ", "),
                                                                                text: "raises " + st.raised.joined(separator: ", "))])
            }
            let message = w == nil
                ? "violated in the reference semantics (no trace for this violation in a reference run; run without --reference for one)"
                : "violated in the reference semantics; the trace below is the reference's own: one operation per step"
            return ViolationReport(invariant: name, message: message,
                                   help: Invariant(rawValue: name)?.help ?? "User invariant declared in the spec.",
                                   location: user?.location.description ?? trace.last?.location, trace: trace, contextSwitches: switches)
        }
        let limit = r.complete ? nil : "reference semantics: max-states \(cap) reached"
        let verdict: Verdict = !violations.isEmpty ? .violated : limit != nil ? .incomplete : .holds
        let stats = SearchStats(distinctStates: r.states, transitions: r.transitions, depth: 0, seconds: secs,
                                statesPerSecond: secs > 0 ? Double(r.states) / secs : 0, peakMemoryBytes: 0,
                                visitedBytesPerState: 0, stateBytes: model.words * 4)
        var res = CheckResult(spec: model.path, scenario: model.scenario, verdict: verdict, violations: violations,
                              stats: stats, limit: limit, expectation: model.expectation,
                              expectationMet: expectationMet(model.expectation, verdict: verdict, violations: violations, complete: r.complete))
        res.checked = (model.enabled.map(\.rawValue) + model.userInvariants.map(\.name)).sorted()
        res.expectationLocation = model.expectationLocation?.description
        return res
    }
}
