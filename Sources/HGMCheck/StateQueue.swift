import HGMModel

/// A frontier queue of fixed-size states, in blocks of about 1 MiB: it grows a block at a
/// time (no doubling, no copying), so the memory it holds is what it was filled to, to
/// within a block, and `bytes` is memory the search wrote. Emptying keeps the blocks for
/// the next level.
public struct StateQueue: ~Copyable {
    public let stride: Int
    private var blocks: UnsafeMutablePointer<UnsafeMutablePointer<Word>>
    private var blockCap: Int
    private var blockCount = 0
    private let shift: Int
    private let mask: Int
    public private(set) var count = 0

    static let blockBytes = 1 << 20

    public init(stride: Int) {
        self.stride = max(1, stride)
        // States a block holds: a power of two, at least one, filling about blockBytes.
        var s = 0
        while (2 << s) * self.stride * MemoryLayout<Word>.stride <= StateQueue.blockBytes { s += 1 }
        shift = s
        mask = (1 << s) - 1
        blockCap = 16
        blocks = .allocate(capacity: blockCap)
    }
    deinit {
        for b in 0..<blockCount { blocks[b].deallocate() }
        blocks.deallocate()
    }

    /// States one block holds.
    public var statesPerBlock: Int { mask + 1 }
    /// The bytes of the blocks held.
    public var bytes: Int { blockCount * statesPerBlock * stride * MemoryLayout<Word>.stride }

    @inline(__always) public subscript(i: Int) -> UnsafeMutablePointer<Word> { blocks[i >> shift] + (i & mask) * stride }

    @inline(__always) public mutating func append(_ s: UnsafePointer<Word>) {
        if count >> shift == blockCount { addBlock() }
        self[count].update(from: s, count: stride)
        count += 1
    }

    private mutating func addBlock() {
        if blockCount == blockCap {
            let nb = UnsafeMutablePointer<UnsafeMutablePointer<Word>>.allocate(capacity: blockCap * 2)
            nb.update(from: blocks, count: blockCount)
            blocks.deallocate()
            blocks = nb; blockCap *= 2
        }
        blocks[blockCount] = .allocate(capacity: statesPerBlock * stride)
        blockCount += 1
    }

    public mutating func removeAll() { count = 0 }

    /// Swaps contents with another queue of the same stride.
    public mutating func swapWith(_ other: inout StateQueue) {
        precondition(stride == other.stride)
        swap(&blocks, &other.blocks); swap(&blockCap, &other.blockCap)
        swap(&blockCount, &other.blockCount); swap(&count, &other.count)
    }
}
