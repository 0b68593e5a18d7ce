import Foundation

/// Outcomes of obligations already discharged in this run, keyed by the whole obligation
/// (name, geometry, claim term, expectation), so `gate` and `diff` discharge a geometry's
/// generated families once per run, not once per spec. Only an obligation's *definitive*
/// outcomes are kept (proved, or a certified counterexample): an *unknown* (a timeout that
/// a later spec with more time left might not hit) is discharged again. Thread-safe.
///
/// Limit: two specs checked at the same moment may both discharge an obligation before
/// either stores it (wasted work, never a different result).
public final class ObligationCache: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [ArithmeticObligation: ObligationOutcome] = [:]
    public private(set) var hits = 0

    public init() {}

    func lookup(_ o: ArithmeticObligation) -> ObligationOutcome? {
        lock.lock(); defer { lock.unlock() }
        guard let x = outcomes[o] else { return nil }
        hits += 1
        return x
    }

    func store(_ x: ObligationOutcome) {
        if case .unknown = x.result { return }
        lock.lock(); outcomes[x.obligation] = x; lock.unlock()
    }

    /// Discharges the obligations not in the cache (on up to `threads` threads) and returns
    /// every outcome in the order given.
    func discharge(_ obligations: [ArithmeticObligation], timeoutMs: UInt32, threads: Int, deadline: Date?) -> [ObligationOutcome] {
        var out = obligations.map(lookup)
        let missing = out.indices.filter { out[$0] == nil }
        let fresh = HGMCheck.discharge(missing.map { obligations[$0] }, timeoutMs: timeoutMs, threads: threads, deadline: deadline)
        for (i, x) in zip(missing, fresh) { out[i] = x; store(x) }
        return out.map { $0! }
    }
}
