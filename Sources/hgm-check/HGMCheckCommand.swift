import ArgumentParser
import Foundation
import HGMCheck
import HGMReport
import HGMSpec
import HGMModel
import HGMSMT

/// Exit codes (design.md §6).
enum Exit {
    static let holds: Int32 = 0, violated: Int32 = 1, usage: Int32 = 2, incomplete: Int32 = 3
}

@main
struct HGMCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hgm-check",
        abstract: "A model checker for the locking of HugeTLB high-granularity mapping (HGM).",
        discussion: """
            Exit codes: 0 every invariant holds and every obligation is proved, 1 a violation or a \
            counterexample, 2 a usage or spec error, 3 incomplete (a limit was reached) or unknown (Z3).
            """,
        version: "hgm-check 0.1.0 (Z3 \(Z3Version.string))",
        subcommands: [Check.self, Prove.self],
        defaultSubcommand: nil)

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(Exit.usage)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct Limits: ParsableArguments {
    @Option(help: "Stop after this many distinct states (verdict: incomplete).")
    var maxStates: Int?
    @Option(help: "Stop exploring below this depth (verdict: incomplete).")
    var maxDepth: Int?
    @Option(help: "Stop after this many seconds (verdict: incomplete).")
    var timeout: Double?
    @Option(help: "Stop when the search uses this many MiB (verdict: incomplete).")
    var maxMemory: Int?

    func validate() throws {
        if let v = maxStates, v <= 0 { throw ValidationError("--max-states must be positive") }
        if let v = maxDepth, v < 0 { throw ValidationError("--max-depth must not be negative") }
        if let v = timeout, !(v > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if let v = maxMemory, v <= 0 { throw ValidationError("--max-memory must be a positive number of MiB") }
    }
    var search: SearchLimits {
        SearchLimits(maxStates: maxStates, maxDepth: maxDepth, timeout: timeout, maxMemoryBytes: maxMemory.map { $0 << 20 })
    }
}

/// Shows progress on stderr when it is a terminal.
final class Progress: SearchObserver {
    func progress(states: Int, depth: Int, statesPerSecond: Double) {
        let line = String(format: "\r  … %d states, depth %d, %.0f states/s   ", states, depth, statesPerSecond)
        FileHandle.standardError.write(Data(line.utf8))
    }
    func done() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
}

struct Z3Options: ParsableArguments {
    @Option(help: "Z3 time limit per obligation, in milliseconds (reached: unknown).")
    var z3Timeout: UInt32 = 10_000

    func validate() throws {
        if z3Timeout == 0 { throw ValidationError("--z3-timeout must be positive") }
    }
}

/// Loads every spec, reporting diagnostics on stderr; returns the loaded ones.
func loadSpecs(_ paths: [String], sources: SourceMap, errors: inout [String]) -> [LoadedSpec] {
    var out: [LoadedSpec] = []
    for p in paths {
        switch Result(catching: { () throws(DiagnosticError) -> LoadedSpec in try Checker.parse(path: p, sources: sources) }) {
        case .success(let s): out.append(s)
        case .failure(let e): report(e, sources: sources, errors: &errors)
        }
    }
    return out
}

func report(_ e: DiagnosticError, sources: SourceMap, errors: inout [String]) {
    let text = e.diagnostics.map { $0.rendered(sources: sources) }.joined(separator: "\n")
    FileHandle.standardError.write(Data((text + "\n").utf8))
    errors.append(text)
}

func useColor() -> Bool { isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore every interleaving of each spec's scenario, check its invariants, and discharge its Z3 obligations.",
        discussion: "With no SPEC, checks the RFC v2 baseline scenario, \(Check.defaultSpec). A spec without threads has only obligations.")

    static let defaultSpec = "Specs/rfc-v2-baseline.hgm"

    @Argument(help: "Spec files (.hgm).")
    var specs: [String] = []
    @Option(help: "Report format: text or json.")
    var format: OutputFormat = .text
    @OptionGroup var limits: Limits
    @OptionGroup var z3: Z3Options
    @Flag(help: "Skip the Z3 obligations (explicit search only).")
    var noProve = false

    func run() throws {
        let paths = specs.isEmpty ? [Check.defaultSpec] : specs
        if specs.isEmpty && !FileManager.default.fileExists(atPath: Check.defaultSpec) {
            FileHandle.standardError.write(Data("error: no SPEC given and the default \(Check.defaultSpec) is not here; run from the repository root or name a spec\n".utf8))
            throw ExitCode(Exit.usage)
        }
        let sources = SourceMap()
        var results: [CheckResult] = []
        var errors: [String] = []
        let tty = isatty(2) != 0
        for spec in loadSpecs(paths, sources: sources, errors: &errors) {
            var result: CheckResult
            if Checker.hasScenario(spec) {
                switch Result(catching: { () throws(DiagnosticError) -> HGMModel.Model in try Compiler.compile(spec) }) {
                case .success(let model):
                    let progress = tty ? Progress() : nil
                    result = Checker.check(model, limits: limits.search, observer: progress)
                    progress?.done()
                case .failure(let e):
                    report(e, sources: sources, errors: &errors)
                    continue
                }
            } else {
                result = Checker.obligationsOnlyResult(spec)
            }
            if !noProve {
                switch Result(catching: { () throws(DiagnosticError) -> [ArithmeticObligation] in try Checker.obligations(spec) }) {
                case .success(let obs): result.obligations = Checker.prove(obs, timeoutMs: z3.z3Timeout)
                case .failure(let e):
                    report(e, sources: sources, errors: &errors)
                    continue
                }
            }
            results.append(result)
        }
        switch format {
        case .text:
            let rep = TextReporter(color: useColor())
            print(results.map(rep.render).joined(separator: "\n"), terminator: "")
        case .json:
            print(JSONReporter().render(results, errors: errors), terminator: "")
        }
        let obligations = results.flatMap(\.obligations)
        let code: Int32 = !errors.isEmpty ? Exit.usage
            : results.contains { $0.verdict == .violated } || obligations.contains { !$0.ok && $0.result != "unknown" } ? Exit.violated
            : results.contains { $0.verdict == .incomplete } || obligations.contains { $0.result == "unknown" } ? Exit.incomplete : Exit.holds
        if code != 0 { throw ExitCode(code) }
    }
}

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
    @Option(help: "Report format: text or json.")
    var format: OutputFormat = .text
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
        var results: [(spec: String, obligations: [ObligationEntry])] = []
        let started = Date()
        for spec in loadSpecs(paths, sources: sources, errors: &errors) {
            switch Result(catching: { () throws(DiagnosticError) -> [ArithmeticObligation] in try Checker.obligations(spec, generated: !onlyBlocks) }) {
            case .success(let obs): results.append((spec.main.path, Checker.prove(obs, timeoutMs: z3.z3Timeout)))
            case .failure(let e): report(e, sources: sources, errors: &errors)
            }
        }
        switch format {
        case .text:
            let rep = TextReporter(color: useColor())
            for r in results {
                print("\(r.spec)")
                print(rep.renderObligations(r.obligations), terminator: "")
            }
            let all = results.flatMap(\.obligations)
            if results.count > 1, let slow = all.max(by: { $0.seconds < $1.seconds }) {
                print(String(format: "all: %d obligations, %.3f s of solver time, %.3f s wall clock (2 threads), slowest %.3f s (%@: %@)", all.count,
                             all.reduce(0) { $0 + $1.seconds }, Date().timeIntervalSince(started), slow.seconds, slow.geometry, slow.name))
            }
        case .json:
            print(JSONReporter().renderProve(results, errors: errors), terminator: "")
        }
        let all = results.flatMap(\.obligations)
        let code: Int32 = !errors.isEmpty ? Exit.usage
            : all.contains { !$0.ok && $0.result != "unknown" } ? Exit.violated
            : all.contains { $0.result == "unknown" } ? Exit.incomplete : Exit.holds
        if code != 0 { throw ExitCode(code) }
    }
}
