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
/// count. Kept in blocks of 1 MiB, so it grows without copying and holds what it was
/// filled to, to within a block.
///
/// Limits: 2⁴⁰ states, 256 threads and 65,536 alternatives of one step (the compiler allows
/// 30 threads; `either` has far fewer branches); beyond them a key would be ambiguous, and
/// the search reports itself incomplete (`full`, `unsupported`).
public final class ParentLog: @unchecked Sendable {
    private var blocks: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>
    private var blockCap = 16
    private var blockCount = 0
    public private(set) var count = 0

    static let shift = 17
    static let perBlock = 1 << shift
    /// The key of the initial state (no parent).
    static let root: UInt64 = .max - 1
    /// A key not set yet (the parallel search's concurrent set starts slots with it).
    static let unset: UInt64 = .max
    static let maxStates = 1 << 40

    init() { blocks = .allocate(capacity: blockCap) }
    deinit {
        for b in 0..<blockCount { blocks[b].deallocate() }
        blocks.deallocate()
    }

    /// The bytes of the blocks held.
    var bytes: Int { blockCount * ParentLog.perBlock * 8 }

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

    @inline(__always) subscript(i: Int) -> UInt64 {
        get { blocks[i >> ParentLog.shift][i & (ParentLog.perBlock - 1)] }
        set { blocks[i >> ParentLog.shift][i & (ParentLog.perBlock - 1)] = newValue }
    }

    /// Appends the key of the next state number.
    @inline(__always) func append(_ k: UInt64) {
        if count >> ParentLog.shift == blockCount { addBlock() }
        self[count] = k
        count += 1
    }

    private func addBlock() {
        if blockCount == blockCap {
            let nb = UnsafeMutablePointer<UnsafeMutablePointer<UInt64>>.allocate(capacity: blockCap * 2)
            nb.update(from: blocks, count: blockCount)
            blocks.deallocate()
            blocks = nb; blockCap *= 2
        }
        blocks[blockCount] = .allocate(capacity: ParentLog.perBlock)
        blockCount += 1
    }

    /// Makes room for numbers up to `n` and counts them as filled: the caller sets each
    /// with the subscript (several workers may set disjoint numbers).
    func extend(to n: Int) {
        while blockCount * ParentLog.perBlock < n { addBlock() }
        count = max(count, n)
    }

    /// The steps from the initial state to state number `n`.
    public func path(to n: Int) -> [(thread: Int, choice: Int)] {
        var moves: [(thread: Int, choice: Int)] = []
        var x = n
        while x > 0 {
            let k = self[x]
            moves.append(ParentLog.move(k))
            x = ParentLog.parent(k)
        }
        return moves.reversed()
    }
}
