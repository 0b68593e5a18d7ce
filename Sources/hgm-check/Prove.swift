import ArgumentParser
import Foundation
import HGMCheck
import HGMReport
import HGMSpec

struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Discharge each spec's Z3 obligations: the families generated from its geometry and its prove blocks.",
        discussion: """
            Exit codes: 0 every obligation gave what it is meant to (proved; or a certified \
            counterexample for the counter-width figures and `expect counterexample` claims), \
            1 a counterexample (or a proof where a counterexample was expected), 2 a usage or \
            spec error, 3 unknown (a Z3 timeout or error; never reported as proved).
            """)

    @Argument(help: "Spec files (.hgm); default: every geometry in Specs/geometries.")
    var specs: [String] = []
    @OptionGroup var report: ReportOptions
    @OptionGroup var z3: Z3Options
    @Flag(help: "Only the spec's prove blocks, not the generated families.")
    var onlyBlocks = false

    static let defaultDir = "Specs/geometries"

    func run() throws {
        var paths = specs
        if paths.isEmpty {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: Prove.defaultDir)) ?? []
            paths = files.filter { $0.hasSuffix(".hgm") }.sorted().map { "\(Prove.defaultDir)/\($0)" }
            if paths.isEmpty {
                FileHandle.standardError.write(Data("error: no SPEC given and no geometries in \(Prove.defaultDir); run from the repository root or name a spec\n".utf8))
                throw ExitCode(Exit.usage)
            }
        }
        let sources = SourceMap()
        var errors: [String] = []
        var results: [CheckResult] = []
        let started = Date()
        Interrupts.install()
        let specs = loadSpecs(paths, sources: sources, errors: &errors)
        let progress = ProgressLine.make("prove", specs: specs.count)
        defer { progress?.finish() }
        var skipped = 0
        for spec in specs {
            defer { progress?.specDone() }
            if Interrupts.flag.isCancelled { skipped += 1; continue }
            if let e = Pipeline.nothingToCheck(spec) { reportDiagnostics(e, sources: sources, errors: &errors); continue }
            switch Result(catching: { () throws(DiagnosticError) -> [ArithmeticObligation] in try Checker.obligations(spec, generated: !onlyBlocks) }) {
            case .success(let obs):
                var r = Checker.obligationsOnlyResult(spec)
                r.obligations = Checker.prove(obs, timeoutMs: z3.z3Timeout)
                results.append(r)
            case .failure(let e): reportDiagnostics(e, sources: sources, errors: &errors)
            }
        }
        let wall = Date().timeIntervalSince(started)
        switch report.format {
        case .text:
            let rep = TextReporter(color: report.color)
            var out = ""
            for r in results { out += "\(r.spec)\n" + rep.renderObligations(r.obligations) }
            let all = results.flatMap(\.obligations)
            if results.count > 1, let slow = all.max(by: { $0.seconds < $1.seconds }) {
                out += String(format: "all: %d obligations, %.3f s of solver time, %.3f s wall clock, slowest %.3f s (%@: %@)\n", all.count,
                              all.reduce(0) { $0 + $1.seconds }, wall, slow.seconds, slow.geometry, slow.name)
            }
            try report.emit(out)
        case .json:
            try report.emit(JSONReporter().renderProve(results.map { ($0.spec, $0.obligations) }, errors: errors))
        case .junit, .sarif:
            try report.emit(Pipeline.render(results, errors: errors, options: report))
        }
        var code = Pipeline.exitCode(results, errors: errors)
        if skipped > 0 {
            FileHandle.standardError.write(Data("hgm-check prove: \(Interrupts.flag.reason): \(skipped) spec(s) not proved\n".utf8))
            if code == Exit.holds { code = Exit.incomplete }
        }
        if code != 0 { throw ExitCode(code) }
    }
}
