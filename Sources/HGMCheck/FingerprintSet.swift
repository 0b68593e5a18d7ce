/// The sequential search's visited set: a compact Robin Hood hash table of 64-bit
/// fingerprints that stores only what a slot's position does not already say (quotienting).
///
/// A fingerprint's home slot is `fp * capacity / 2⁶⁴` (its top bits); a slot stores the
/// fingerprint's low `r = 64 - ⌊log₂ capacity⌋` bits and its displacement from home (one
/// byte), and the whole fingerprint is rebuilt from the two when the table grows, so no
/// information is lost: two states collide only when their 64-bit fingerprints do. A slot
/// takes 6 bytes from 2²⁴ slots on (7 below, 8 below 2¹⁶); with loads between 77 % and
/// 92 % (it grows by 1.2×) that is 6.5–7.8 bytes a state for runs of 13 M states and
/// more. Robin Hood placement keeps probe sequences short at that load, and a lookup stops
/// at the first slot closer to its home than the probe.
///
/// A growth that would take more than `growthBytes` (the memory the search has left) is
/// not made: the set fills on, up to 97 % load, and `memoryFull` tells the search, which
/// reads it after each state it expands.
public struct FingerprintSet: ~Copyable {
    private var raw: UnsafeMutableRawPointer
    public private(set) var capacity: Int
    public private(set) var count = 0
    /// Bytes a slot takes, the fingerprint bits it keeps, and the mask of a slot's bytes.
    private var slotBytes: Int
    private var remBits: Int
    private var slotMask: UInt64
    /// Counts at which the set grows, at which it is full, and at which it grows whatever the
    /// budget (the successors of the state being expanded must still find room).
    private var growAt: Int
    private var fullAt: Int
    private var hardAt: Int
    /// Fingerprints whose displacement outgrew a byte, kept aside until the next growth.
    private var aside: [UInt64] = []
    /// The most a growth may allocate (bytes); set by the search from its memory budget.
    public var growthBytes = Int.max
    /// Set when a growth was refused for lack of memory (or the set is nearly full).
    public private(set) var memoryFull = false

    public static let maxLoad = 0.92
    public static let growth = 1.2
    /// The bytes a slot takes in a table of `capacity` slots.
    public static func slotBytes(capacity: Int) -> Int { layout(capacity).0 }
    static let maxDisplacement = 254

    public init(capacity: Int = 1 << 12) {
        let cap = max(256, capacity)
        self.capacity = cap
        (slotBytes, remBits, slotMask) = FingerprintSet.layout(cap)
        (growAt, fullAt, hardAt) = FingerprintSet.thresholds(cap)
        raw = FingerprintSet.allocate(cap, slotBytes)
    }
    deinit { raw.deallocate() }

    /// Slot size, remainder bits and slot mask for a capacity.
    private static func layout(_ cap: Int) -> (Int, Int, UInt64) {
        let r = 64 - (Int.bitWidth - 1 - cap.leadingZeroBitCount)     // 64 - ⌊log₂ cap⌋
        let b = (r + 8 + 7) / 8
        return (b, r, b == 8 ? ~0 : (1 << UInt64(8 * b)) - 1)
    }
    private static func thresholds(_ cap: Int) -> (Int, Int, Int) { (Int(Double(cap) * maxLoad), Int(Double(cap) * 0.97), cap - 2) }
    /// Zeroed slots, with 8 bytes of padding so every slot can be read as one word.
    private static func allocate(_ cap: Int, _ b: Int) -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer.allocate(byteCount: cap * b + 8, alignment: 8)
        p.initializeMemory(as: UInt8.self, repeating: 0, count: cap * b + 8)
        return p
    }

    public var bytes: Int { capacity * slotBytes + aside.capacity * 8 }

    @inline(__always) private func home(_ fp: UInt64) -> Int { Int(fp.multipliedFullWidth(by: UInt64(capacity)).high) }
    @inline(__always) private static func mask(_ bits: Int) -> UInt64 { bits == 64 ? ~0 : (1 << UInt64(bits)) - 1 }
    @inline(__always) private func slot(_ i: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: i * slotBytes, as: UInt64.self) & slotMask }
    @inline(__always) private func set(_ i: Int, _ rem: UInt64, _ d: Int) {
        let off = i * slotBytes
        let old = raw.loadUnaligned(fromByteOffset: off, as: UInt64.self)
        raw.storeBytes(of: (old & ~slotMask) | ((rem << 8 | UInt64(d + 1)) & slotMask), toByteOffset: off, as: UInt64.self)
    }

    /// The fingerprint with home slot `h` (of `capacity`) and low `remBits` bits `rem`: the
    /// least fingerprint whose home is h, then the first at or above it with those bits.
    private static func rebuild(home h: Int, rem: UInt64, capacity: Int, remBits: Int) -> UInt64 {
        let (q, r) = UInt64(capacity).dividingFullWidth((high: UInt64(h), low: 0))
        let lo = q &+ (r != 0 ? 1 : 0)
        return lo &+ ((rem &- lo) & mask(remBits))
    }
    /// The home of the entry at slot `i` that is `d` slots from it.
    @inline(__always) private func homeOf(_ i: Int, _ d: Int) -> Int { i - d < 0 ? i - d + capacity : i - d }

    /// Inserts; true when the fingerprint was new.
    @inline(__always) public mutating func insert(_ fp: UInt64) -> Bool {
        if count >= growAt && (!memoryFull || count >= hardAt) { grow(force: count >= hardAt) }
        if count >= fullAt { memoryFull = true }       // the search stops after this state
        if !aside.isEmpty && aside.contains(fp) { return false }
        let r = fp & FingerprintSet.mask(remBits)
        var i = home(fp), d = 0
        while true {
            let w = slot(i)
            if w == 0 { set(i, r, d); count += 1; return true }
            let dd = Int(w & 0xFF) - 1
            if dd == d && w >> 8 == r { return false }
            if dd < d {             // fp is not in the table: it takes this slot, the resident moves on
                set(i, r, d)
                carry(from: i, w)
                count += 1
                return true
            }
            i += 1; if i == capacity { i = 0 }
            d += 1
            if d > FingerprintSet.maxDisplacement { aside.append(fp); count += 1; return true }
        }
    }

    /// Moves the entry `w` evicted from slot `i0` on, Robin Hood style.
    private mutating func carry(from i0: Int, _ w0: UInt64) {
        var i = i0, r = w0 >> 8, d = Int(w0 & 0xFF) - 1
        while true {
            i += 1; if i == capacity { i = 0 }
            d += 1
            if d > FingerprintSet.maxDisplacement {      // rebuild it before its slot is forgotten
                aside.append(FingerprintSet.rebuild(home: homeOf(i, d), rem: r, capacity: capacity, remBits: remBits))
                return
            }
            let w = slot(i)
            if w == 0 { set(i, r, d); return }
            let dd = Int(w & 0xFF) - 1
            if dd < d { set(i, r, d); r = w >> 8; d = dd }
        }
    }

    public func contains(_ fp: UInt64) -> Bool {
        let r = fp & FingerprintSet.mask(remBits)
        var i = home(fp), d = 0
        while d <= FingerprintSet.maxDisplacement {
            let w = slot(i)
            if w == 0 { break }
            let dd = Int(w & 0xFF) - 1
            if dd == d && w >> 8 == r { return true }
            if dd < d { break }
            i += 1; if i == capacity { i = 0 }
            d += 1
        }
        return aside.contains(fp)
    }

    /// Every fingerprint held, rebuilt from the slots (and those kept aside).
    public func forEach(_ body: (UInt64) -> Void) {
        for j in 0..<capacity {
            let w = slot(j)
            if w != 0 { body(FingerprintSet.rebuild(home: homeOf(j, Int(w & 0xFF) - 1), rem: w >> 8, capacity: capacity, remBits: remBits)) }
        }
        aside.forEach(body)
    }

    /// Grows by `growth`, unless that would take more than `growthBytes` and is not `force`d.
    mutating func grow(force: Bool = false) {
        let newCap = max(capacity + 256, Int(Double(capacity) * FingerprintSet.growth))
        let (b, r, m) = FingerprintSet.layout(newCap)
        guard force || newCap * b + 8 <= growthBytes else { memoryFull = true; return }
        let wasFull = memoryFull
        var next = FingerprintSet(capacity: newCap)
        precondition(next.slotBytes == b && next.remBits == r && next.slotMask == m)
        forEach { _ = next.insertFresh($0) }
        swap(&self, &next)
        growthBytes = next.growthBytes
        memoryFull = wasFull
    }

    /// Inserts a fingerprint known to be absent (while growing).
    private mutating func insertFresh(_ fp: UInt64) -> Bool {
        let r = fp & FingerprintSet.mask(remBits)
        var i = home(fp), d = 0
        while true {
            let w = slot(i)
            if w == 0 { set(i, r, d); count += 1; return true }
            let dd = Int(w & 0xFF) - 1
            if dd < d { set(i, r, d); carry(from: i, w); count += 1; return true }
            i += 1; if i == capacity { i = 0 }
            d += 1
            if d > FingerprintSet.maxDisplacement { aside.append(fp); count += 1; return true }
        }
    }
}
