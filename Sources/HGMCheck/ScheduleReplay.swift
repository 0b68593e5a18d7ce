import Foundation
import HGMModel
import HGMReference

/// Re-executes a schedule on a compiled spec (`hgm-check replay`): every step must be
/// enabled (the thread exists, has not returned, is not blocked, has the alternative), and
/// the end must show the violation. After a spec is edited, the first step where the
/// schedule no longer applies is named.
///
/// The violation is looked for where the engine reports it: raised by the last step (or,
/// with no steps, by the threads' opening code), broken by the final state, or, when no
/// thread can move there, found by the stuck-state checks. A livelock's schedule must come
/// back to the state where its cycle starts (`|`), and the reference semantics must find
/// no way out of that state (`ReferenceChecker.replay`, up to 20,000 states explored).
public enum ScheduleReplay {
    public struct Outcome {
        /// The violation the schedule ends in, as a report (trace, schedule, final state),
        /// when it reproduces.
        public var report: ViolationReport?
        /// The steps that applied (all of them when the schedule applies).
        public var steps: [TraceStep]
        /// Why the schedule does not reproduce the violation: the first step that does not
        /// apply, or what the end shows instead. Nil when it reproduces.
        public var failure: String?
        /// The 1-based step that did not apply (nil when every step applied).
        public var failedStep: Int?
    }

    public static func replay(_ model: Model, schedule: Schedule, expect: String?) -> Outcome {
        let m = Machine(model: model)
        var moves: [TraceExplainer.Move] = []
        let names = model.threads.map(\.name)
        var unknown: (step: Int, name: String)? = nil
        for (i, mv) in schedule.moves.enumerated() {
            guard let t = names.firstIndex(of: mv.thread) else { unknown = (i + 1, mv.thread); break }
            moves.append((t, mv.choice))
        }
        if let expect, !(0..<m.violationCount).contains(where: { m.name(ofViolation: ViolationID(index: $0)) == expect }) {
            return Outcome(report: nil, steps: [], failure: "the spec has no invariant '\(expect)'", failedStep: nil)
        }
        if let c = schedule.cycleStart, c >= schedule.moves.count {
            return Outcome(report: nil, steps: [], failure: "the cycle start '|' is at the end: a livelock's cycle needs at least one step", failedStep: nil)
        }
        let ex = TraceExplainer(machine: m).explain(moves)
        if let mm = ex.mismatch {
            return Outcome(report: nil, steps: ex.steps, failure: "step \(mm.step): \(mm.reason)", failedStep: mm.step)
        }
        if let u = unknown {
            return Outcome(report: nil, steps: ex.steps, failure: "step \(u.step): there is no thread '\(u.name)' (threads: \(names.joined(separator: ", ")))",
                           failedStep: u.step)
        }
        // What the end shows.
        var final = ex.final
        var raisedByStep = moves.isEmpty ? ex.initialOutcome.raised : (ex.lastOutcome?.raised ?? .empty)
        let stepThread = moves.isEmpty ? -1 : moves.last!.thread
        if moves.isEmpty && ex.initialThread < 0 { raisedByStep = .empty }
        let (stateRaised, stuckRaised) = final.withUnsafeMutableBufferPointer { b -> (ViolationSet, ViolationSet) in
            let p = b.baseAddress!
            let sv = m.stateViolations(p, skip: .empty).raised
            let movable = (0..<model.threads.count).contains { m.choices(p, $0) > 0 }
            return (sv, movable ? .empty : m.checkStuck(p))
        }
        let builder = TraceBuilder(machine: m)
        if let c = schedule.cycleStart {
            guard expect == nil || expect == Invariant.livelock.rawValue else {
                return Outcome(report: nil, steps: ex.steps, failure: "a schedule with a cycle start '|' is a livelock's, not \(expect!)'s", failedStep: nil)
            }
            guard ex.states[c] == final else {
                return Outcome(report: nil, steps: ex.steps, failure: "the schedule does not come back to the state where its cycle starts (after step \(c)): no livelock", failedStep: nil)
            }
            let r = ReferenceChecker.replay(model, moves: moves, violation: Invariant.livelock.rawValue, cycleStart: c)
            guard r.replayed else {
                return Outcome(report: nil, steps: ex.steps, failure: "the cycle recurs, but it is no livelock: \(r.reason)", failedStep: nil)
            }
            let f = Finding(id: ViolationID(.livelock), depth: moves.count, stateFP: 0, thread: -1, choice: 0, state: 0)
            let rep = builder.report(f, path: Array(moves[..<c]), cycle: Array(moves[c...]))
            return Outcome(report: rep, steps: rep.trace, failure: nil, failedStep: nil)
        }
        let all = raisedByStep.union(stateRaised).union(stuckRaised)
        let wanted: ViolationID?
        if let expect { wanted = all.first(where: { m.name(ofViolation: $0) == expect }) } else { wanted = all.first }
        guard let id = wanted else {
            let found = all.map { m.name(ofViolation: $0) }.sorted()
            let what = found.isEmpty ? "no violation" : "only " + found.joined(separator: ", ")
            return Outcome(report: nil, steps: ex.steps,
                           failure: "every step applies, but the end shows \(what)" + (expect.map { ", not \($0)" } ?? ""), failedStep: nil)
        }
        let f: Finding
        if raisedByStep.contains(id) && stepThread >= 0 {
            f = Finding(id: id, depth: moves.count, stateFP: 0, thread: stepThread, choice: moves.last!.choice, state: 0)
            return Outcome(report: builder.report(f, path: Array(moves.dropLast())), steps: ex.steps, failure: nil, failedStep: nil)
        }
        f = Finding(id: id, depth: moves.count, stateFP: 0, thread: -1, choice: 0, state: 0)
        let rep = builder.report(f, path: moves)
        return Outcome(report: rep, steps: rep.trace, failure: nil, failedStep: nil)
    }
}
