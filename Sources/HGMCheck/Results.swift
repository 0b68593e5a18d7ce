import HGMModel
import HGMSpec

public enum Verdict: String, Codable, Sendable {
    case holds, violated, incomplete
}

/// One step of a counterexample, as shown to the user.
public struct TraceStep: Codable, Sendable {
    public var step: Int
    public var thread: String
    public var procedure: String
    public var location: String
    public var statement: String
    /// What the step changed: entries, locks, mapcount and refcount, page cache, locals.
    public var changes: [String]
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
}

public struct SearchStats: Codable, Sendable {
    public var distinctStates: Int
    public var transitions: Int
    public var depth: Int
    public var seconds: Double
    public var statesPerSecond: Double
    public var peakMemoryBytes: Int
    /// Bytes of the visited set divided by distinct states.
    public var visitedBytesPerState: Double
    public var stateBytes: Int
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
}

/// Limits of one search; reaching any gives an *incomplete* verdict, never *holds*.
public struct SearchLimits: Sendable {
    public var maxStates: Int?
    public var maxDepth: Int?
    public var timeout: Double?
    public var maxMemoryBytes: Int?
    public init(maxStates: Int? = nil, maxDepth: Int? = nil, timeout: Double? = nil, maxMemoryBytes: Int? = nil) {
        self.maxStates = maxStates; self.maxDepth = maxDepth; self.timeout = timeout; self.maxMemoryBytes = maxMemoryBytes
    }
}

/// Receives progress from a running search. The search never prints.
public protocol SearchObserver: AnyObject {
    func progress(states: Int, depth: Int, statesPerSecond: Double)
}
