import Dispatch
import Foundation
import HGMModel
import HGMSpec

public enum Verdict: String, Codable, Sendable {
    case holds, violated, incomplete
}

public struct ViolationReport: Codable, Sendable {
    public var invariant: String
    public var message: String
    public var help: String
    /// Where the invariant is anchored in the spec: the violating step's statement, or the
    /// user invariant's declaration.
    public var location: String?
    public var trace: [TraceStep]
    public var contextSwitches: Int
    /// For a livelock, the trace is a lasso: the shortest path to a state on the cycle, then
    /// the cycle. This is the (1-based) step where the cycle starts; the steps from here to
    /// the end repeat forever. Nil for every other violation.
    public var cycleStart: Int? = nil
    /// Set when the search found the violation but its trace could not be rebuilt within
    /// the run's limits (`trace` is then empty): why. The violation stands.
    public var traceMissing: String? = nil
    /// The trace as a schedule (`Schedule`: `A*3 B C:2 ...`), replayable with `hgm-check replay`.
    public var schedule: String? = nil
    /// The state the trace ends in: threads, locks, page tables, pages.
    public var finalState: StateSnapshot? = nil
    /// Set when the trace begins with the steps of an earlier trace in the same report.
    public var sharedPrefix: SharedPrefix? = nil
}

public struct SearchStats: Codable, Sendable {
    public var distinctStates: Int
    public var transitions: Int
    public var depth: Int
    public var seconds: Double
    public var statesPerSecond: Double
    public var peakMemoryBytes: Int
    /// The whole process's peak resident set (getrusage), for comparison.
    public var processPeakRSSBytes: Int = 0
    /// Bytes of the visited set divided by distinct states (when looking for livelocks, the
    /// visited set includes the recorded transitions).
    public var visitedBytesPerState: Double
    public var stateBytes: Int
}

/// The whole process's peak resident set so far (getrusage), in bytes.
public func processPeakRSSBytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss) * 1024
}

/// One discharged Z3 obligation, as reported.
public struct ObligationEntry: Codable, Sendable {
    public var name: String
    public var geometry: String
    public var family: String
    /// `proved`, `counterexample` or `unknown`.
    public var result: String
    /// What the obligation is meant to give: `proved`, or `counterexample` for the
    /// counter-width figures and claims marked `expect counterexample`.
    public var expected: String
    /// Certified values of the variables (and derived reports) of a counterexample.
    public var values: [String: String]?
    /// Why the result is unknown (timeout, Z3 error, uncertified model).
    public var reason: String?
    public var summary: String
    /// The prove block's file:line:col; nil for generated obligations.
    public var location: String?
    public var seconds: Double
    public var ok: Bool { result == expected }
}

public struct CheckResult: Sendable {
    public var spec: String
    public var scenario: String?
    public var verdict: Verdict
    public var violations: [ViolationReport]
    public var stats: SearchStats
    /// Why the search stopped early, when it did.
    public var limit: String?
    public var expectation: Expectation?
    /// Whether the outcome matches the spec's `expect` line (nil without one, or when incomplete).
    public var expectationMet: Bool?
    /// The spec's Z3 obligations (generated from its geometry, and its prove blocks).
    public var obligations: [ObligationEntry] = []
    /// False for a spec without threads: only its obligations were discharged.
    public var searched = true
    /// The invariants the search checked (built-in and user), sorted.
    public var checked: [String] = []
    /// Where the spec states its expectation (`expect ...`), as file:line:col.
    public var expectationLocation: String?
    /// Internal errors of the run: an engine counterexample the reference semantics does not
    /// replay (design.md §9). Reported as errors (non-zero exit), never silently.
    public var internalErrors: [String] = []
}

/// Limits of one search; reaching any gives an *incomplete* verdict, never *holds*.
public struct SearchLimits: Sendable {
    public var maxStates: Int?
    public var maxDepth: Int?
    public var timeout: Double?
    public var maxMemoryBytes: Int?
    /// Threads the search runs on (`ParallelBreadthFirstSearch` when more than 1; the
    /// livelock analysis always runs on one).
    public var workers: Int
    /// When the run these limits bound began; `timeout` counts from here, so that it covers
    /// compiling, the search, trace rebuilding and Z3. Nil: from the start of the search.
    public var since: Date?
    /// Set to stop the run early (an interrupt): the search stops where it checks its timeout.
    public var cancellation: CancellationFlag? = nil
    public init(maxStates: Int? = nil, maxDepth: Int? = nil, timeout: Double? = nil, maxMemoryBytes: Int? = nil, since: Date? = nil, workers: Int = 1) {
        self.maxStates = maxStates; self.maxDepth = maxDepth; self.timeout = timeout; self.maxMemoryBytes = maxMemoryBytes
        self.since = since
        self.workers = max(1, workers)
    }

    /// The uptime (ns) `seconds` from now, the form `Machine.deadline` and the searches'
    /// watchdogs compare with (0 means none, so the result is never 0).
    static func uptimeDeadline(in seconds: Double) -> UInt64 {
        max(1, DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, min(seconds, 1e9)) * 1e9))
    }

    /// When `timeout` runs out (nil: no timeout, or not started).
    public var deadline: Date? { timeout.flatMap { t in since.map { $0.addingTimeInterval(t) } } }

    /// The limits of the search proper: the time left of the run's timeout (a search always
    /// gets a positive limit; one started after the deadline stops at its first check).
    func forSearch(now: Date = Date()) -> SearchLimits {
        var l = self
        if let d = deadline { l.timeout = max(d.timeIntervalSince(now), 1e-9) }
        return l
    }
}

/// Receives progress from a running search. The search never prints.
public protocol SearchObserver: AnyObject {
    func progress(states: Int, depth: Int, statesPerSecond: Double)
}
