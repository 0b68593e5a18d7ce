import ArgumentParser
import Foundation
import HGMCheck
import HGMModel
import HGMReport
import HGMSpec

/// Re-executes a counterexample's schedule on a spec, step by step.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-execute a trace's schedule on a spec: every step must be enabled and the violation must recur.",
        discussion: """
            TRACE is a JSON report of `check` (the schedule of its first violation, or of \
            --violation NAME), or a schedule as every trace prints it: items separated by \
            spaces, each THREAD[:ALT][*COUNT] (ALT the 1-based alternative of an `either`, \
            COUNT a repeat), and `|` where a livelock's cycle starts, e.g. 'A*8 C*16 A'. \
            Exit codes: 1 the violation recurs (its trace is printed, as `check` prints one); \
            3 the schedule does not reproduce it (the first step that no longer applies is \
            named: a thread that is blocked, has returned or does not exist, an alternative \
            it does not have; or every step applies but the end shows another violation or \
            none); 2 a usage or spec error, or a TRACE that cannot be read.
            """)

    @Argument(help: "The spec file (.hgm), possibly edited since the trace was made.")
    var spec: String
    @Argument(help: "A JSON report file, or a schedule string such as 'A*8 C*16 A'.")
    var trace: String
    @Option(help: "The invariant the schedule must end in (default: the report's violation; for a schedule string, any violation).")
    var expect: String?
    @Option(help: "For a JSON report with several violations: the invariant whose schedule to replay.")
    var violation: String?
    @OptionGroup var report: ReportOptions

    func run() throws {
        let sources = SourceMap()
        var errors: [String] = []
        let (schedule, reportInvariant) = try readTrace(sources: sources)
        guard let loaded = loadSpecs([spec], sources: sources, errors: &errors).first, errors.isEmpty else { throw ExitCode(Exit.usage) }
        guard Checker.hasScenario(loaded) else {
            reportDiagnostics(DiagnosticError([Diagnostic(SourceLocation(file: spec, line: 1, column: 1), "the spec has no threads: there is no schedule to replay",
                hint: "replay takes the spec the trace was made from (a scenario with threads)")]), sources: sources, errors: &errors)
            throw ExitCode(Exit.usage)
        }
        let model: HGMModel.Model
        switch Result(catching: { () throws(DiagnosticError) -> HGMModel.Model in try Compiler.compile(loaded) }) {
        case .success(let m): model = m
        case .failure(let e): reportDiagnostics(e, sources: sources, errors: &errors); throw ExitCode(Exit.usage)
        }
        let want = expect ?? reportInvariant
        let outcome = ScheduleReplay.replay(model, schedule: schedule, expect: want)
        var result = Checker.obligationsOnlyResult(loaded)
        result.searched = true
        result.expectation = nil
        result.expectationLocation = nil
        result.checked = (model.enabled.map(\.rawValue) + model.userInvariants.map(\.name)).sorted()
        result.stats.depth = outcome.steps.count
        if let r = outcome.report {
            result.verdict = .violated
            result.violations = [r]
        } else {
            result.verdict = .incomplete
            result.limit = "replay: the schedule does not reproduce \(want ?? "a violation"): \(outcome.failure ?? "")"
        }
        switch report.format {
        case .text:
            try report.emit(TextReporter(color: report.color).renderReplay(result, schedule: schedule.text, steps: outcome.steps,
                                                                           failure: outcome.failure, failedStep: outcome.failedStep))
        default:
            try report.emit(Pipeline.render([result], errors: [], options: report))
        }
        throw ExitCode(outcome.report != nil ? Exit.violated : Exit.incomplete)
    }

    /// The schedule to replay and, from a JSON report, the violation it ends in.
    func readTrace(sources: SourceMap) throws -> (Schedule, String?) {
        func fail(_ message: String, hint: String? = nil) -> ExitCode {
            FileHandle.standardError.write(Data(("error: \(message)" + (hint.map { "\n  hint: \($0)" } ?? "") + "\n").utf8))
            return ExitCode(Exit.usage)
        }
        func parse(_ text: String, file: String, line: Int) throws -> Schedule {
            do { return try Schedule.parse(text) } catch let e {
                sources.add(file: file, text: String(repeating: "\n", count: line - 1) + text)
                var errs: [String] = []
                reportDiagnostics(DiagnosticError([Diagnostic(SourceLocation(file: file, line: line, column: e.column), e.message,
                    hint: "a schedule is THREAD[:ALT][*COUNT] items separated by spaces, e.g. 'A*8 C*16 A' ('|' marks a livelock's cycle start)")]),
                    sources: sources, errors: &errs)
                throw ExitCode(Exit.usage)
            }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: trace, isDirectory: &isDir) else {
            if trace.hasSuffix(".json") || trace.contains("/") {
                throw fail("no such report file '\(trace)'", hint: "TRACE is a JSON report of `hgm-check check --format json`, or a schedule string such as 'A*8 C*16 A'")
            }
            return (try parse(trace, file: "<schedule>", line: 1), nil)
        }
        if isDir.boolValue { throw fail("'\(trace)' is a folder, not a JSON report") }
        guard let data = FileManager.default.contents(atPath: trace),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw fail("'\(trace)' is not a JSON report", hint: "write one with `hgm-check check --format json --output FILE SPEC`")
        }
        let results = (json["results"] as? [[String: Any]]) ?? [json]
        let violations = results.flatMap { ($0["violations"] as? [[String: Any]]) ?? [] }
        let candidates = violations.filter { $0["schedule"] is String && (violation == nil || $0["invariant"] as? String == violation) }
        guard let v = candidates.first else {
            let names = violations.compactMap { $0["invariant"] as? String }
            throw fail(violations.isEmpty ? "the report '\(trace)' has no violation to replay"
                       : violation.map { "the report '\(trace)' has no violation '\($0)' with a schedule (it has: \(names.joined(separator: ", ")))" }
                       ?? "no violation of the report '\(trace)' has a schedule (traces not rebuilt within the limits)")
        }
        return (try parse(v["schedule"] as! String, file: "\(trace): schedule of \(v["invariant"] as? String ?? "?")", line: 1), v["invariant"] as? String)
    }
}
