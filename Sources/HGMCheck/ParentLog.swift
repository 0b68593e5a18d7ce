import HGMModel

/// The parent index of a breadth-first search (as TLC and Stateright keep one): for every
/// state number, the number of the state it was first reached from and the step (thread,
/// choice) that reached it, packed in 8 bytes. A trace is the walk back from a state to
/// the initial state (number 0), so traces need no second search.
///
/// States are numbered in breadth-first order: level by level, and inside a level by their
/// key (parent number, thread, choice), the least over every step that reaches them. That
/// is the order in which the sequential search first reaches them, and the parallel search
/// sorts each level by it, so numbers, parents and traces are the same for every worker
/// count.
///
/// Limits: 2⁴⁰ states, 256 threads and 65,536 alternatives of one step (the compiler allows
/// 30 threads; `either` has far fewer branches); beyond them a key would be ambiguous, and
/// the search reports itself incomplete (`overflow`).
public final class ParentLog: @unchecked Sendable {
    private var buf: UnsafeMutablePointer<UInt64>
    private var cap: Int
    public private(set) var count = 0

    /// The key of the initial state (no parent).
    static let root: UInt64 = .max - 1
    /// A key not set yet (the parallel search's concurrent set starts slots with it).
    static let unset: UInt64 = .max
    static let maxStates = 1 << 40

    init(capacity: Int = 1 << 12) {
        cap = max(16, capacity)
        buf = .allocate(capacity: cap)
    }
    deinit { buf.deallocate() }

    var bytes: Int { cap * 8 }

    /// The key of a step (thread `t`, alternative `c`) out of state number `parent`.
    @inline(__always) static func key(parent: Int, thread t: Int, choice c: Int) -> UInt64 {
        UInt64(parent) << 24 | UInt64(t) << 16 | UInt64(c)
    }
    @inline(__always) static func parent(_ k: UInt64) -> Int { Int(k >> 24) }
    @inline(__always) static func move(_ k: UInt64) -> (thread: Int, choice: Int) { (Int(k >> 16 & 0xFF), Int(k & 0xFFFF)) }
    /// Why the keys of `model`'s steps would not fit (see the limits above), or nil.
    static func unsupported(_ model: Model) -> String? {
        if model.threads.count > 256 { return "parent index: more than 256 threads" }
        if model.maxChoices > 65_536 { return "parent index: a step with more than 65,536 alternatives" }
        return nil
    }
    /// The limit reached when the search has numbered `n` states, or nil.
    static func full(_ n: Int) -> String? { n >= maxStates ? "parent index: \(maxStates) states reached" : nil }

    /// Appends the key of the next state number.
    @inline(__always) func append(_ k: UInt64) {
        if count == cap { reserve(cap * 2) }
        buf[count] = k
        count += 1
    }

    /// Makes room for `n` entries in all, so that several workers can `set` disjoint numbers.
    func reserve(_ n: Int) {
        guard n > cap else { return }
        let nb = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        nb.update(from: buf, count: count)
        buf.deallocate()
        buf = nb; cap = n
    }

    /// Sets the entries up to `n` as filled (after workers have `set` them).
    func extend(to n: Int) { precondition(n <= cap); count = n }

    /// Where a worker writes the key of number `i` (below the reserved capacity).
    var base: UnsafeMutablePointer<UInt64> { buf }

    /// The steps from the initial state to state number `n`.
    public func path(to n: Int) -> [(thread: Int, choice: Int)] {
        var moves: [(thread: Int, choice: Int)] = []
        var x = n
        while x > 0 {
            let k = buf[x]
            moves.append(ParentLog.move(k))
            x = ParentLog.parent(k)
        }
        return moves.reversed()
    }
}
