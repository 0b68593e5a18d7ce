import ArgumentParser
import Foundation
import HGMCheck
import HGMSpec

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore every interleaving of each spec's scenario, check its invariants, and discharge its Z3 obligations.",
        discussion: "With no SPEC, checks the RFC v2 baseline scenario, \(Check.defaultSpec). A spec without threads has only obligations.")

    static let defaultSpec = "Specs/rfc-v2-baseline.hgm"

    @Argument(help: "Spec files (.hgm).")
    var specs: [String] = []
    @OptionGroup var report: ReportOptions
    @OptionGroup var limits: Limits
    @OptionGroup var z3: Z3Options
    @Flag(help: "Skip the Z3 obligations (explicit search only).")
    var noProve = false
    @Flag(help: "Run the reference semantics instead of the engine: slow, every operation its own step, whole states; a second opinion on small scenarios (no traces; --max-states is its only limit).")
    var reference = false

    func run() throws {
        let paths = specs.isEmpty ? [Check.defaultSpec] : specs
        if specs.isEmpty && !FileManager.default.fileExists(atPath: Check.defaultSpec) {
            FileHandle.standardError.write(Data("error: no SPEC given and the default \(Check.defaultSpec) is not here; run from the repository root or name a spec\n".utf8))
            throw ExitCode(Exit.usage)
        }
        let sources = SourceMap()
        var results: [CheckResult] = []
        var errors: [String] = []
        Interrupts.install()
        for spec in loadSpecs(paths, sources: sources, errors: &errors) {
            let progress = ProgressLine.make("check \(spec.main.path)")
            let r = Pipeline.run(spec, limits: limits.search(), z3Timeout: z3.z3Timeout, noProve: noProve, observer: progress, reference: reference)
            progress?.finish()
            switch r {
            case .success(let x): results.append(x)
            case .failure(let e): reportDiagnostics(e, sources: sources, errors: &errors)
            }
        }
        errors += reportInternalErrors(results)
        try report.emit(Pipeline.render(results, errors: errors, options: report))
        let code = Pipeline.exitCode(results, errors: errors)
        if code != 0 { throw ExitCode(code) }
    }
}
