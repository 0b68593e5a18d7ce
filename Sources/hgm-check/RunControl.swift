import Dispatch
import Foundation
import HGMCheck

/// Ctrl-C and SIGTERM: the first ends the run cleanly (the searches stop at their next
/// limit check, the report is written, marked incomplete); a second one exits at once (130).
enum Interrupts {
    static let flag = CancellationFlag()
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Installs the handlers (once, before the run starts).
    static func install() {
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler {
                if flag.isCancelled { FileHandle.standardError.write(Data("\nhgm-check: interrupted again: exiting without a report\n".utf8)); exit(130) }
                flag.cancel(signal: sig)
                FileHandle.standardError.write(Data("\nhgm-check: \(flag.reason): stopping the search and writing the report (again to quit at once)\n".utf8))
            }
            src.resume()
            sources.append(src)
        }
    }
}

/// A progress line on stderr, redrawn every second while a run lasts: elapsed time, the
/// running search's states, depth and rate, the process's memory, and for `gate` and
/// `prove` the specs done. Only when stderr is a terminal (or `HGM_CHECK_PROGRESS=1`,
/// which also makes it print one line per redraw instead of overwriting, for logs and tests).
final class ProgressLine: SearchObserver, @unchecked Sendable {
    let label: String
    private let lock = NSLock()
    private let start = Date()
    private var states = 0, depth = 0, rate = 0.0, searching = false
    private var done = 0, total = 0
    private var timer: DispatchSourceTimer?
    private let overwrite: Bool

    /// Nil when progress is not shown (stderr is not a terminal).
    static func make(_ label: String, specs: Int = 0) -> ProgressLine? {
        let forced = ProcessInfo.processInfo.environment["HGM_CHECK_PROGRESS"] == "1"
        guard forced || isatty(2) != 0 else { return nil }
        return ProgressLine(label, specs: specs, overwrite: !forced)
    }

    private init(_ label: String, specs: Int, overwrite: Bool) {
        self.label = label; self.total = specs; self.overwrite = overwrite
        let t = DispatchSource.makeTimerSource(queue: .global())
        t.schedule(deadline: .now() + 1, repeating: 1)
        t.setEventHandler { [weak self] in self?.draw() }
        t.resume()
        timer = t
    }

    func progress(states: Int, depth: Int, statesPerSecond: Double) {
        lock.withLock { self.states = states; self.depth = depth; self.rate = statesPerSecond; self.searching = true }
    }

    /// One spec of `gate` or `prove` finished.
    func specDone() { lock.withLock { done += 1; searching = false } }

    func text() -> String {
        lock.withLock {
            let secs = Int(Date().timeIntervalSince(start))
            var parts = [String(format: "%d:%02d elapsed", secs / 60, secs % 60)]
            if total > 0 { parts.append("\(done)/\(total) specs done") }
            if searching { parts.append("\(states) states, depth \(depth), \(Int(rate)) states/s") }
            parts.append(String(format: "%.0f MiB", Double(ProgressLine.residentBytes()) / 1048576))
            return "hgm-check \(label): " + parts.joined(separator: ", ")
        }
    }

    private func draw() {
        let line = text()
        FileHandle.standardError.write(Data((overwrite ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    /// Stops redrawing and clears the line.
    func finish() {
        timer?.cancel()
        timer = nil
        if overwrite { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// The process's resident set now (bytes), from /proc/self/statm (0 when unreadable).
    static func residentBytes() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let f = s.split(separator: " ")
        guard f.count > 1, let pages = Int(f[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
