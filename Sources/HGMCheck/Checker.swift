import HGMModel
import HGMSpec

import Foundation

/// The pipeline, one stage per line: load and parse → compile → search → traces → result;
/// and load → obligations → Z3 → certified results.
public enum Checker {
    /// Parses a spec with its imports (no compilation).
    public static func parse(path: String, sources: SourceMap) throws(DiagnosticError) -> LoadedSpec {
        try SpecLoader(sources: sources).load(path: path)
    }

    /// The result for a spec without threads, before its obligations are added.
    public static func obligationsOnlyResult(_ spec: LoadedSpec) -> CheckResult {
        CheckResult(spec: spec.main.path, scenario: spec.main.scenario, verdict: .holds, violations: [],
                    stats: SearchStats(distinctStates: 0, transitions: 0, depth: 0, seconds: 0, statesPerSecond: 0,
                                       peakMemoryBytes: 0, visitedBytesPerState: 0, stateBytes: 0),
                    limit: nil, expectation: spec.main.expectation, expectationMet: nil, searched: false,
                    checked: [], expectationLocation: spec.main.expectationLocation?.description)
    }

    /// True when the spec has a scenario to explore (at least one thread).
    public static func hasScenario(_ spec: LoadedSpec) -> Bool { !spec.main.threads.isEmpty }

    /// The spec's obligations: families generated from its geometry plus its prove blocks
    /// (those of the main file and of its imports).
    public static func obligations(_ spec: LoadedSpec, generated: Bool = true) throws(DiagnosticError) -> [ArithmeticObligation] {
        try ProveBlocks.obligations(for: spec, proves: spec.proves, generated: generated)
    }

    /// Discharges obligations with Z3 (one context per worker thread, per-query timeout).
    /// With a `deadline` (the run's `--timeout`), no obligation runs past it.
    /// With a `cache`, obligations already discharged in this run (the same geometry's
    /// generated families, in `gate` and `diff`) are not discharged again.
    public static func prove(_ obligations: [ArithmeticObligation], timeoutMs: UInt32 = 10_000, threads: Int = 2, deadline: Date? = nil,
                             cache: ObligationCache? = nil) -> [ObligationEntry] {
        guard let cache else { return discharge(obligations, timeoutMs: timeoutMs, threads: threads, deadline: deadline).map(entry) }
        return cache.discharge(obligations, timeoutMs: timeoutMs, threads: threads, deadline: deadline).map(entry)
    }

    static func entry(_ o: ObligationOutcome) -> ObligationEntry {
        var result = "unknown", values: [String: String]? = nil, reason: String? = nil
        switch o.result {
        case .proved: result = "proved"
        case .counterexample(let v):
            result = "counterexample"
            values = v.mapValues(\.description)
        case .unknown(let r): reason = r
        }
        return ObligationEntry(name: o.obligation.name, geometry: o.obligation.geometry, family: o.obligation.family.rawValue,
                               result: result, expected: o.obligation.expectation == .holds ? "proved" : "counterexample",
                               values: values, reason: reason, summary: o.obligation.summary, location: o.obligation.location,
                               seconds: o.seconds)
    }

    /// Parses the spec (and its imports) and compiles it into a model.
    public static func load(path: String, sources: SourceMap) throws(DiagnosticError) -> Model {
        let spec = try SpecLoader(sources: sources).load(path: path)
        return try Compiler.compile(spec)
    }

    /// Explores every interleaving of the model's scenario within the limits.
    /// `limits.timeout` counts from `limits.since` (default: now) and covers the search and
    /// trace rebuilding.
    public static func check(_ model: Model, limits: SearchLimits = SearchLimits(), observer: SearchObserver? = nil) -> CheckResult {
        var limits = limits
        if limits.since == nil { limits.since = Date() }
        let machine = Machine(model: model)
        var outcome = BreadthFirstSearch(machine: machine, limits: limits.forSearch(), observer: observer).run()
        if let t = limits.timeout, outcome.limit?.hasPrefix("timeout ") == true { outcome.limit = "timeout \(t) s reached" }
        let traced = TraceBuilder(machine: machine, parents: outcome.parents).rebuild(outcome.findings)
        var violations = traced.map(\.report)
        TraceExplainer.markSharedPrefixes(&violations)
        outcome.stats.processPeakRSSBytes = processPeakRSSBytes()
        let verdict: Verdict = !violations.isEmpty ? .violated : outcome.limit != nil ? .incomplete : .holds
        var r = CheckResult(spec: model.path, scenario: model.scenario, verdict: verdict, violations: violations,
                            stats: outcome.stats, limit: outcome.limit, expectation: model.expectation,
                            expectationMet: expectationMet(model.expectation, verdict: verdict, violations: violations, complete: outcome.limit == nil))
        r.checked = (model.enabled.map(\.rawValue) + model.userInvariants.map(\.name)).sorted()
        r.expectationLocation = model.expectationLocation?.description
        r.internalErrors = certify(model, traced)
        return r
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
