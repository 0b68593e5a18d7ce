import ArgumentParser
import Foundation
import HGMCheck
import HGMReport
import HGMSpec

/// Compares two locking schemes of one scenario, invariant by invariant.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two locking schemes of one scenario (BASE and HEAD), invariant by invariant and obligation by obligation.",
        discussion: """
            HEAD is a spec of the same scenario (same threads with the same procedures and \
            arguments, geometry, world and lock order; every difference is listed and the diff \
            refused), or an override file: a spec without threads whose procedures replace \
            BASE's. Exit 1 when HEAD newly violates something BASE satisfied; 3 when nothing \
            regressed but something could not be compared (a limit stopped a side, Z3 said \
            unknown, or one side does not check it); 0 when every invariant and obligation was \
            compared; 2 on bad input.
            """)

    @Argument(help: "The baseline spec.")
    var base: String
    @Argument(help: "The changed spec, or an override file.")
    var head: String
    @OptionGroup var report: ReportOptions
    @OptionGroup var limits: Limits
    @OptionGroup var z3: Z3Options
    @Flag(help: "Skip the Z3 obligations.")
    var noProve = false

    func run() throws {
        let sources = SourceMap()
        var errors: [String] = []
        let loaded = loadSpecs([base, head], sources: sources, errors: &errors)
        guard errors.isEmpty, loaded.count == 2 else { throw ExitCode(Exit.usage) }
        let b = loaded[0]
        var h = loaded[1]
        let top = { (f: String) in SourceLocation(file: f, line: 1, column: 1) }
        guard Checker.hasScenario(b) else {
            reportDiagnostics(DiagnosticError([Diagnostic(top(base), "BASE has no threads: diff compares two locking schemes of one scenario",
                hint: "BASE is a spec with threads; HEAD is the same scenario changed, or an override file of procedures")]), sources: sources, errors: &errors)
            throw ExitCode(Exit.usage)
        }
        if !Checker.hasScenario(h) {
            if h.main.procs.isEmpty {
                reportDiagnostics(DiagnosticError([Diagnostic(top(head), "HEAD has neither threads nor procedures to override",
                    hint: "HEAD is the changed spec of BASE's scenario, or an override file: `override proc NAME(...) { ... }`")]), sources: sources, errors: &errors)
                throw ExitCode(Exit.usage)
            }
            let diffs = SchemeDiff.environmentDifferences(b, h, onlyWhatHeadDeclares: true)
            if !diffs.isEmpty {
                refuse("HEAD '\(head)' is an override file (no threads), but it changes BASE's scenario", diffs,
                       hint: "an override file replaces procedures only; the scenario (geometry, world, lock order) is BASE's")
            }
            h = SchemeDiff.applyOverrides(base: b, overrides: h)
        } else {
            let diffs = SchemeDiff.scenarioDifferences(b, h)
            if !diffs.isEmpty {
                refuse("'\(base)' and '\(head)' are different scenarios", diffs,
                       hint: "diff compares two locking schemes of one scenario: the same threads (procedures and arguments), geometry, world and lock order; procedures, check, invariant and expect lines may differ")
            }
        }
        var results: [CheckResult] = []
        let cache = ObligationCache()       // BASE and HEAD share their geometry's obligations
        Interrupts.install()
        for (side, spec) in [("base", b), ("head", h)] {
            let progress = ProgressLine.make("diff \(side) \(spec.main.path)")
            defer { progress?.finish() }
            switch Pipeline.run(spec, limits: limits.search(), z3Timeout: z3.z3Timeout, noProve: noProve, observer: progress, cache: cache) {
            case .success(let r): results.append(r)
            case .failure(let e): reportDiagnostics(e, sources: sources, errors: &errors)
            }
        }
        guard errors.isEmpty, reportInternalErrors(results).isEmpty else { throw ExitCode(Exit.usage) }
        let d = SchemeDiff.compare(base: results[0], head: results[1])
        switch report.format {
        case .text: try report.emit(TextReporter(color: report.color).renderDiff(d))
        case .json: try report.emit(JSONReporter().renderDiff(d))
        case .junit, .sarif: try report.emit(Pipeline.render([d.head], errors: [], options: report))
        }
        if !d.regressions.isEmpty { throw ExitCode(Exit.violated) }
        if !d.undecided.isEmpty { throw ExitCode(Exit.incomplete) }
    }

    /// Refuses the diff: every difference listed on stderr, exit 2.
    func refuse(_ what: String, _ differences: [String], hint: String) -> Never {
        var text = "error: \(what):\n"
        for d in differences { text += "  - \(d)\n" }
        text += "  hint: \(hint)\n"
        FileHandle.standardError.write(Data(text.utf8))
        Foundation.exit(Exit.usage)
    }
}
