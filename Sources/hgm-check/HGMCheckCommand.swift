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
        subcommands: [Check.self, Prove.self, Gate.self, Diff.self, Replay.self],
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
    case text, json, junit, sarif
}

/// `--format` and `--output`, shared by every command.
struct ReportOptions: ParsableArguments {
    @Option(help: "Report format: text, json, junit or sarif.")
    var format: OutputFormat = .text
    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    /// Writes the report; a file that cannot be written is a usage error (exit 2).
    func emit(_ text: String) throws {
        guard let output else { print(text, terminator: ""); return }
        do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
            FileHandle.standardError.write(Data("error: cannot write '\(output)': \(error.localizedDescription)\n".utf8))
            throw ExitCode(Exit.usage)
        }
    }
    var color: Bool { output == nil && useColor() }

    /// `--output` must be writable before the run starts, so a long run never ends in "cannot
    /// write": its folder exists and is writable, and the file, if it exists, is a writable
    /// regular file. (Nothing is created or truncated here.)
    func validate() throws {
        guard let output else { return }
        if output.isEmpty { throw ValidationError("--output: the file name is empty") }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: output, isDirectory: &isDir) {
            if isDir.boolValue { throw ValidationError("--output '\(output)' is a folder; name a file") }
            if !fm.isWritableFile(atPath: output) { throw ValidationError("--output '\(output)' is not writable") }
            return
        }
        let dir = (output as NSString).deletingLastPathComponent.isEmpty ? "." : (output as NSString).deletingLastPathComponent
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("--output '\(output)': the folder '\(dir)' does not exist")
        }
        if !fm.isWritableFile(atPath: dir) { throw ValidationError("--output '\(output)': the folder '\(dir)' is not writable") }
    }
}

struct Limits: ParsableArguments {
    @Option(help: "Stop after this many distinct states (verdict: incomplete).")
    var maxStates: Int?
    @Option(help: "Stop exploring below this depth (verdict: incomplete).")
    var maxDepth: Int?
    @Option(help: "Stop each spec's run (compile, search, traces, Z3) after this many seconds (verdict: incomplete).")
    var timeout: Double?
    @Option(help: "Stop when the search uses this many MiB (verdict: incomplete). Default: 70 % of the machine's memory (or of its control group's limit), shared among gate's --jobs.")
    var maxMemory: Int?
    @Option(help: "Search threads (default: the machine's cores; for gate, the cores left over by --jobs). 1 is the sequential search; N > 1 runs a level-synchronous parallel search whose report is the same apart from timing and memory figures (checked against the sequential search and the reference semantics by the differential tests). Livelock analysis always runs on one.")
    var workers: Int?

    func validate() throws {
        if let v = maxStates, v <= 0 { throw ValidationError("--max-states must be positive") }
        if let v = maxDepth, v < 0 { throw ValidationError("--max-depth must not be negative") }
        if let v = timeout, !(v > 0) || !v.isFinite { throw ValidationError("--timeout must be a positive, finite number of seconds (got \(v))") }
        if let v = maxMemory, v <= 0 { throw ValidationError("--max-memory must be a positive number of MiB") }
        if let w = workers, w < 1 || w > 256 { throw ValidationError("--workers must be between 1 and 256") }
        if let v = maxMemory, v > Limits.maxMemoryMiB {
            throw ValidationError("--max-memory \(v) MiB is more bytes than a 64-bit count holds; at most \(Limits.maxMemoryMiB) MiB")
        }
    }
    /// The largest `--max-memory` whose byte count fits in an `Int` (8 EiB).
    static let maxMemoryMiB = Int.max >> 20
    /// The limits of one spec's search; `sharing` runs (gate's jobs) share the cores and
    /// the default memory budget.
    func search(sharing runs: Int = 1) -> SearchLimits {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var l = SearchLimits(maxStates: maxStates, maxDepth: maxDepth, timeout: timeout,
                             maxMemoryBytes: maxMemory.map { $0 << 20 } ?? MemoryBudget.defaultBytes().map { $0 / max(1, runs) },
                             workers: workers ?? max(1, cores / max(1, runs)))
        l.cancellation = Interrupts.flag
        return l
    }
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
        case .failure(let e): reportDiagnostics(e, sources: sources, errors: &errors)
        }
    }
    return out
}

func reportDiagnostics(_ e: DiagnosticError, sources: SourceMap, errors: inout [String]) {
    let text = e.diagnostics.map { $0.rendered(sources: sources) }.joined(separator: "\n")
    FileHandle.standardError.write(Data((text + "\n").utf8))
    errors.append(text)
}

func useColor() -> Bool { isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

