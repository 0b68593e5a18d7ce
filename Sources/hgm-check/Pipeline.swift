import ArgumentParser
import Foundation
import HGMCheck
import HGMModel
import HGMReport
import HGMSpec

/// The steps every command shares: load specs, run one spec (search and obligations),
/// render results in the chosen format.
enum Pipeline {
    /// Search (when the spec has threads) and obligations (unless `noProve`).
    static func run(_ spec: LoadedSpec, limits: SearchLimits, z3Timeout: UInt32, noProve: Bool,
                    observer: SearchObserver? = nil, reference: Bool = false, cache: ObligationCache? = nil) -> Result<CheckResult, DiagnosticError> {
        if let e = nothingToCheck(spec) { return .failure(e) }
        if let c = limits.cancellation, c.isCancelled { return .success(notRun(spec, c.reason)) }
        var limits = limits
        limits.since = Date()           // --timeout covers compiling, the search, traces and Z3
        var result: CheckResult
        if Checker.hasScenario(spec) {
            switch Result(catching: { () throws(DiagnosticError) -> HGMModel.Model in try Compiler.compile(spec) }) {
            case .success(let model):
                result = reference ? Checker.checkReference(model, limits: limits) : Checker.check(model, limits: limits, observer: observer)
            case .failure(let e): return .failure(e)
            }
        } else {
            result = Checker.obligationsOnlyResult(spec)
        }
        if !noProve && limits.cancellation?.isCancelled != true {
            switch Result(catching: { () throws(DiagnosticError) -> [ArithmeticObligation] in try Checker.obligations(spec) }) {
            case .success(let obs): result.obligations = Checker.prove(obs, timeoutMs: z3Timeout, deadline: limits.deadline, cache: cache)
            case .failure(let e): return .failure(e)
            }
        }
        if result.searched { result.stats.processPeakRSSBytes = processPeakRSSBytes() }     // after everything, Z3 included
        return .success(result)
    }

    /// The result of a spec an interrupt stopped before it ran: incomplete, nothing explored.
    static func notRun(_ spec: LoadedSpec, _ reason: String) -> CheckResult {
        var r = Checker.obligationsOnlyResult(spec)
        r.searched = Checker.hasScenario(spec)
        r.verdict = .incomplete
        r.limit = "\(reason) before this spec ran"
        r.expectationMet = nil
        return r
    }

    /// A spec with neither threads nor prove blocks (its own or imported) has nothing to
    /// check: an input error at its first line, never an empty *holds*. (`gate` skips such
    /// files as libraries before it gets here.)
    static func nothingToCheck(_ spec: LoadedSpec) -> DiagnosticError? {
        if Checker.hasScenario(spec) || !spec.proves.isEmpty { return nil }
        let what = spec.main.procs.isEmpty && spec.world == nil && spec.geometry == nil ? "the spec is empty" : "the spec has no threads and no prove blocks"
        return DiagnosticError([Diagnostic(SourceLocation(file: spec.main.path, line: 1, column: 1), "nothing to check: \(what)",
            hint: "add `thread NAME = PROC(args)` lines (a scenario to explore) or `prove` blocks (Z3 obligations); a library of procedures is imported by specs, not checked")])
    }

    /// Renders check-style results in any format.
    static func render(_ results: [CheckResult], errors: [String], options: ReportOptions) -> String {
        switch options.format {
        case .text:
            let rep = TextReporter(color: options.color)
            return results.map(rep.render).joined(separator: "\n")
        case .json:
            return JSONReporter().render(results, errors: errors)
        case .junit:
            return JUnitReporter().render(results, errors: errors)
        case .sarif:
            return SARIFReporter().render(results, toolVersion: hgmCheckVersion, errors: errors)
        }
    }

    /// Exit code of check-style results: 2 errors, 1 a violation or a failed obligation,
    /// 3 incomplete or unknown, 0 otherwise.
    static func exitCode(_ results: [CheckResult], errors: [String]) -> Int32 {
        let obligations = results.flatMap(\.obligations)
        return !errors.isEmpty ? Exit.usage
            : results.contains { $0.verdict == .violated } || obligations.contains { !$0.ok && $0.result != "unknown" } ? Exit.violated
            : results.contains { $0.verdict == .incomplete } || obligations.contains { $0.result == "unknown" } ? Exit.incomplete : Exit.holds
    }
}

let hgmCheckVersion = "0.1.0"
