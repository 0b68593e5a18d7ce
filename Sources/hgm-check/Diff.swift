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
            HEAD is a spec of the same scenario (same threads, geometry and world), or an \
            override file: a spec without threads whose procedures replace BASE's. Exit 1 when \
            HEAD newly violates something BASE satisfied, 0 otherwise, 2 on bad input.
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
        guard Checker.hasScenario(b) else {
            FileHandle.standardError.write(Data("error: BASE '\(base)' has no threads: diff compares scenarios\n".utf8))
            throw ExitCode(Exit.usage)
        }
        if !Checker.hasScenario(h) {
            if h.main.procs.isEmpty {
                FileHandle.standardError.write(Data("error: HEAD '\(head)' has neither threads nor procedures to override\n".utf8))
                throw ExitCode(Exit.usage)
            }
            h = SchemeDiff.applyOverrides(base: b, overrides: h)
        } else if let why = SchemeDiff.sameScenario(b, h) {
            FileHandle.standardError.write(Data("error: '\(base)' and '\(head)' are different scenarios: \(why)\n  hint: diff compares two locking schemes of one scenario\n".utf8))
            throw ExitCode(Exit.usage)
        }
        var results: [CheckResult] = []
        for spec in [b, h] {
            switch Pipeline.run(spec, limits: limits.search, z3Timeout: z3.z3Timeout, noProve: noProve) {
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
    }
}
