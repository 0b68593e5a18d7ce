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
            Exit codes: 0 every invariant holds, 1 a violation, 2 a usage or spec error, \
            3 incomplete (a limit was reached).
            """,
        version: "hgm-check 0.1.0 (Z3 \(Z3Version.string))",
        subcommands: [Check.self],
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

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore every interleaving of each spec's scenario and check its invariants.",
        discussion: "With no SPEC, checks the RFC v2 baseline scenario, \(Check.defaultSpec).")

    static let defaultSpec = "Specs/rfc-v2-baseline.hgm"

    @Argument(help: "Spec files (.hgm).")
    var specs: [String] = []
    @Option(help: "Report format: text or json.")
    var format: OutputFormat = .text
    @OptionGroup var limits: Limits

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
        for p in paths {
            switch Result(catching: { () throws(DiagnosticError) -> HGMModel.Model in try Checker.load(path: p, sources: sources) }) {
            case .success(let model):
                let progress = tty ? Progress() : nil
                let r = Checker.check(model, limits: limits.search, observer: progress)
                progress?.done()
                results.append(r)
            case .failure(let e):
                let text = e.diagnostics.map { $0.rendered(sources: sources) }.joined(separator: "\n")
                FileHandle.standardError.write(Data((text + "\n").utf8))
                errors.append(text)
            }
        }
        switch format {
        case .text:
            let color = isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            let rep = TextReporter(color: color)
            print(results.map(rep.render).joined(separator: "\n"), terminator: "")
        case .json:
            print(JSONReporter().render(results, errors: errors), terminator: "")
        }
        let code: Int32 = !errors.isEmpty ? Exit.usage
            : results.contains { $0.verdict == .violated } ? Exit.violated
            : results.contains { $0.verdict == .incomplete } ? Exit.incomplete : Exit.holds
        if code != 0 { throw ExitCode(code) }
    }
}
