import Foundation
import HGMCheck

/// Internal errors of results (an engine counterexample the reference semantics does not
/// replay, design.md §9): each is written to stderr; true when there was one, and the
/// command then exits 2 after its report. Never a silent report.
func reportInternalErrors(_ results: [CheckResult]) -> [String] {
    let all = results.flatMap(\.internalErrors)
    for e in all { FileHandle.standardError.write(Data((e + "\n").utf8)) }
    return all
}
