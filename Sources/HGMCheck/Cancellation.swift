import Synchronization

/// A request to stop a run early (Ctrl-C, SIGTERM), shared by every search of the run. The
/// searches check it where they check their timeout (the sequential search every 2048
/// expansions, the parallel search at each level's end) and stop with `reason` as their
/// limit: the verdict is *incomplete*, never *holds*, and violations found so far are kept.
/// Not checked: trace rebuilding, the livelock analysis and Z3, which finish the obligation
/// they are on (each is bounded by its own limits).
public final class CancellationFlag: Sendable {
    private let signal = Atomic<Int32>(0)
    public init() {}

    /// Requests the stop; `signal` names why (e.g. SIGINT's number). The first request wins.
    public func cancel(signal number: Int32) {
        _ = signal.compareExchange(expected: 0, desired: max(1, number), ordering: .sequentiallyConsistent)
    }
    public var isCancelled: Bool { signal.load(ordering: .relaxed) != 0 }

    /// The limit a stopped search reports.
    public var reason: String {
        switch signal.load(ordering: .relaxed) {
        case 2: return "interrupted (SIGINT)"
        case 15: return "interrupted (SIGTERM)"
        case let n: return "interrupted (signal \(n))"
        }
    }
}
