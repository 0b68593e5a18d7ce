import ArgumentParser
import Dispatch
import Foundation
import HGMCheck
import HGMReport
import HGMSpec

/// The CI invariant gate: every spec under the paths against its stated expectation.
struct Gate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every spec under the given paths against its stated expectation (the CI gate).",
        discussion: """
            Specs with threads must state `expect`; specs without threads but with prove \
            blocks are gated on their obligations; libraries (neither) are skipped. \
            Specs run in parallel. Exit 0 when every expectation holds, 1 otherwise, 2 on bad input.
            """)

    @Argument(help: "Spec files or folders (default: Specs).")
    var paths: [String] = []
    @OptionGroup var report: ReportOptions
    @OptionGroup var limits: Limits
    @OptionGroup var z3: Z3Options
    @Flag(help: "Skip the Z3 obligations.")
    var noProve = false
    @Option(help: "Specs checked at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let roots = paths.isEmpty ? ["Specs"] : paths
        var files: [String] = []
        var errors: [String] = []
        for root in roots {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir) else {
                errors.append("error: no such file or folder '\(root)'")
                continue
            }
            if isDir.boolValue {
                let found = (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
                    .filter { $0.hasSuffix(".hgm") && !($0 as NSString).lastPathComponent.hasPrefix(".") }   // hidden files are not specs
                    .sorted().map { (root as NSString).appendingPathComponent($0) }
                if found.isEmpty { errors.append("error: no specs (.hgm files) under '\(root)'") }
                files += found
            } else {
                files.append(root)
            }
        }
        let sources = SourceMap()
        var gated: [LoadedSpec] = []
        var skipped: [String] = []
        for spec in loadSpecs(files, sources: sources, errors: &errors) {
            if Checker.hasScenario(spec) {
                if spec.main.expectation == nil {
                    let at = spec.main.threads.first!.nameLocation
                    errors.append("\(at.description): error: spec has threads but no expectation\n  hint: add `expect pass` or `expect violation NAME` so the gate knows what to compare")
                    continue
                }
                gated.append(spec)
            } else if !spec.main.proves.isEmpty {
                gated.append(spec)
            } else {
                skipped.append(spec.main.path)
            }
        }
        for e in errors { FileHandle.standardError.write(Data((e + "\n").utf8)) }
        if !errors.isEmpty { throw ExitCode(Exit.usage) }
        if gated.isEmpty {
            FileHandle.standardError.write(Data("error: nothing to gate: every spec found is a library (no threads, no prove blocks)\n".utf8))
            throw ExitCode(Exit.usage)
        }
        // Parallel over specs; results kept in input order, so the report is deterministic.
        let slots = Slots(count: gated.count)
        let next = Counter()
        let work = gated
        let (lim, z3t, np) = (limits.search(sharing: jobs), z3.z3Timeout, noProve)
        let cache = ObligationCache()       // a geometry's generated obligations are discharged once per run
        Interrupts.install()
        let progress = ProgressLine.make("gate", specs: work.count)
        DispatchQueue.concurrentPerform(iterations: min(jobs, work.count)) { _ in
            while true {
                let i = next.take()
                guard i < work.count else { return }
                let r = Pipeline.run(work[i], limits: lim, z3Timeout: z3t, noProve: np, cache: cache)
                slots.set(i, r)
                progress?.specDone()
            }
        }
        progress?.finish()
        var results: [CheckResult] = []
        for s in slots.all {
            switch s! {
            case .success(let r): results.append(r)
            case .failure(let e): reportDiagnostics(e, sources: sources, errors: &errors)
            }
        }
        if !errors.isEmpty { throw ExitCode(Exit.usage) }
        let internalErrors = reportInternalErrors(results)
        switch report.format {
        case .text:
            try report.emit(TextReporter(color: report.color).renderGate(results, skipped: skipped))
        default:
            try report.emit(Pipeline.render(results, errors: internalErrors, options: report))
        }
        if !internalErrors.isEmpty { throw ExitCode(Exit.usage) }
        let missed = results.filter { !Gate.meets($0) }
        // Interrupted with nothing missed but what the interrupt left undecided: incomplete.
        if Interrupts.flag.isCancelled && missed.allSatisfy({ $0.verdict == .incomplete && $0.obligations.allSatisfy(\.ok) }) { throw ExitCode(Exit.incomplete) }
        if !missed.isEmpty { throw ExitCode(Exit.violated) }
    }

    /// A spec meets the gate when its search met its expectation and every obligation gave
    /// what it is meant to.
    static func meets(_ r: CheckResult) -> Bool {
        (r.searched ? r.expectationMet == true : true) && r.obligations.allSatisfy(\.ok)
    }
}

/// Results of the gate's workers, one slot per spec.
final class Slots: @unchecked Sendable {
    private var items: [Result<CheckResult, DiagnosticError>?]
    private let lock = NSLock()
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<CheckResult, DiagnosticError>) { lock.lock(); items[i] = r; lock.unlock() }
    var all: [Result<CheckResult, DiagnosticError>?] { lock.lock(); defer { lock.unlock() }; return items }
}

/// A shared work counter for the gate's workers.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func take() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value - 1 }
}
