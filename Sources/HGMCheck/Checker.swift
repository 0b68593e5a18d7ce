import HGMModel
import HGMSpec

/// The pipeline, one stage per line: load and parse → compile → search → traces → result.
public enum Checker {
    /// Parses the spec (and its imports) and compiles it into a model.
    public static func load(path: String, sources: SourceMap) throws(DiagnosticError) -> Model {
        let spec = try SpecLoader(sources: sources).load(path: path)
        return try Compiler.compile(spec)
    }

    /// Explores every interleaving of the model's scenario within the limits.
    public static func check(_ model: Model, limits: SearchLimits = SearchLimits(), observer: SearchObserver? = nil) -> CheckResult {
        let machine = Machine(model: model)
        let outcome = BreadthFirstSearch(machine: machine, limits: limits, observer: observer).run()
        let violations = TraceBuilder(machine: machine).reports(for: outcome.findings)
        let verdict: Verdict = !violations.isEmpty ? .violated : outcome.limit != nil ? .incomplete : .holds
        return CheckResult(spec: model.path, scenario: model.scenario, verdict: verdict, violations: violations,
                           stats: outcome.stats, limit: outcome.limit, expectation: model.expectation,
                           expectationMet: expectationMet(model.expectation, verdict: verdict, violations: violations, complete: outcome.limit == nil))
    }

    /// `expect pass` is met by *holds*; `expect violation a, b` by exactly those invariants
    /// broken. An incomplete search meets nothing it has not proved.
    public static func expectationMet(_ e: Expectation?, verdict: Verdict, violations: [ViolationReport], complete: Bool) -> Bool? {
        guard let e else { return nil }
        switch e {
        case .pass: return complete ? verdict == .holds : (violations.isEmpty ? nil : false)
        case .violations(let names):
            let found = Set(violations.map(\.invariant))
            if !complete && !found.isSubset(of: Set(names)) { return false }
            if !complete && found != Set(names) { return nil }
            return found == Set(names)
        }
    }
}
