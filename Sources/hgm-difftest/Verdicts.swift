import Foundation
import HGMCheck
import HGMModel
import HGMReference
import HGMSpec

/// What one checker says about one spec.
struct Verdict: Sendable {
    var violated: Set<String>
    var complete: Bool
    var states: Int

    var text: String {
        let v = violated.isEmpty ? "nothing violated" : "violated " + violated.sorted().joined(separator: ", ")
        return "\(v) (\(complete ? "complete" : "INCOMPLETE"), \(states) states)"
    }
}

/// The outcome of one spec in the campaign.
enum Outcome: Sendable {
    /// The spec did not compile (a generator bug): the diagnostic.
    case compileError(String)
    case checked(engine: Verdict, reference: Verdict?)
}

/// Compiles a spec text (written to a scratch file: generated specs import nothing).
func compileSpec(_ text: String, scratch: String) -> Result<Model, DiagnosticError> {
    let path = scratch + "/spec-\(UUID().uuidString).hgm"
    do { try text.write(toFile: path, atomically: false, encoding: .utf8) } catch {
        return .failure(DiagnosticError([Diagnostic(SourceLocation(file: path, line: 1, column: 1), "cannot write scratch file: \(error)")]))
    }
    defer { try? FileManager.default.removeItem(atPath: path) }
    do { return .success(try Checker.load(path: path, sources: SourceMap())) } catch { return .failure(error) }
}

/// The engine's verdict. With `workers` > 1 the engine also runs on that many threads, and
/// a parallel run that differs from the one-thread run (in completeness; when complete, in
/// violations, states, transitions, depth, or any trace: messages, locations and every
/// step) shows up as a violation named
/// `parallel-mismatch` (so it is a disagreement with the reference).
func engineVerdict(_ model: Model, maxStates: Int, timeout: Double, workers: Int = 1) -> Verdict {
    let r = Checker.check(model, limits: SearchLimits(maxStates: maxStates, timeout: timeout))
    var v = Verdict(violated: Set(r.violations.map(\.invariant)), complete: r.limit == nil, states: r.stats.distinctStates)
    if workers > 1 {
        let p = Checker.check(model, limits: SearchLimits(maxStates: maxStates, timeout: timeout, workers: workers))
        // A search stopped by a limit stops at a schedule-dependent point (what it found so far
        // may differ); only completeness must match then. A complete run must match in full.
        let same = (p.limit == nil) == v.complete
            && (!v.complete || (p.stats.distinctStates == r.stats.distinctStates && p.stats.transitions == r.stats.transitions
                                && p.stats.depth == r.stats.depth && p.violations.map(traceText) == r.violations.map(traceText)))
        if !same { v.violated.insert("parallel-mismatch") }
    }
    return v
}

/// Everything of a violation that must not depend on the worker count.
func traceText(_ v: ViolationReport) -> String {
    "\(v.invariant) \(v.message) @\(v.location ?? "-") " + v.trace.map { "\($0.thread) \($0.location) \($0.statement) \($0.changes)" }.joined(separator: " | ")
}

/// The reference executor's verdict.
func referenceVerdict(_ model: Model, maxStates: Int) -> Verdict? {
    let r = ReferenceChecker.check(model, limits: ReferenceLimits(maxStates: maxStates))
    return Verdict(violated: r.violated, complete: r.complete, states: r.states)
}

/// Runs both checkers on one spec.
func evaluate(_ text: String, scratch: String, maxStates: Int, timeout: Double, reference: Bool, workers: Int = 1) -> Outcome {
    switch compileSpec(text, scratch: scratch) {
    case .failure(let e):
        return .compileError(e.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }.joined(separator: "; "))
    case .success(let model):
        let eng = engineVerdict(model, maxStates: maxStates, timeout: timeout, workers: workers)
        return .checked(engine: eng, reference: reference ? referenceVerdict(model, maxStates: maxStates) : nil)
    }
}

/// How two verdicts compare.
enum Comparison: Sendable {
    case agreed
    /// Both complete, different sets.
    case disagreed
    /// One side incomplete, and a violation it found is one the complete side rules out.
    case partialDisagreed
    case incomplete
    case notCompared
}

func compare(_ e: Verdict, _ r: Verdict?) -> Comparison {
    guard let r else { return .notCompared }
    if e.complete && r.complete { return e.violated == r.violated ? .agreed : .disagreed }
    // A violation found by a partial search is real: the complete side must report it too.
    if e.complete && !r.violated.isSubset(of: e.violated) { return .partialDisagreed }
    if r.complete && !e.violated.isSubset(of: r.violated) { return .partialDisagreed }
    return .incomplete
}
