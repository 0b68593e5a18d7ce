import HGMModel

/// 64-bit fingerprint of a packed state (wyhash-style multiply-mix over 64-bit chunks).
/// Distinct states collide with probability about n²/2⁶⁵ for n states; a collision could
/// hide a state, which is the usual, stated risk of fingerprint-based model checking.
@inline(__always)
public func fingerprint(_ s: UnsafePointer<Word>, _ count: Int) -> UInt64 {
    // Four independent lanes of 64-bit chunks, so the multiplies do not wait on each other.
    let p = UnsafeRawPointer(s)
    let bytes = count * 4
    var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
    var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    var c: UInt64 = 0x1656_67B1_9E37_79F9
    var d: UInt64 = 0x85EB_CA77_C2B2_AE63
    var i = 0
    while i + 32 <= bytes {
        a = mix(a ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0xA076_1D64_78BD_642F)
        b = mix(b ^ p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self), 0xE703_7ED1_A0B4_28DB)
        c = mix(c ^ p.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self), 0x8EBC_6AF0_9C88_C6E3)
        d = mix(d ^ p.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self), 0x5899_65CC_7537_4CC3)
        i += 32
    }
    while i + 8 <= bytes {
        a = mix(a ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0x1D8E_4E27_C47D_124F)
        i += 8
    }
    if i < bytes {
        b = mix(b ^ UInt64(p.loadUnaligned(fromByteOffset: i, as: UInt32.self)), 0xA076_1D64_78BD_642F)
    }
    var h = mix(a ^ (b &+ 0x9E37_79B9_7F4A_7C15), 0xE703_7ED1_A0B4_28DB) ^ mix(c ^ (d &+ 0x6A09_E667_F3BC_C909), 0x8EBC_6AF0_9C88_C6E3)
    h = mix(h, 0xA076_1D64_78BD_642F)
    return h == 0 ? 1 : h
}

@inline(__always) func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let r = a.multipliedFullWidth(by: b)
    return r.high ^ r.low
}

/// The visited set: open addressing with linear probing over 8-byte fingerprints, grown by
/// 1.5× at 75% load, so it holds 10.7–16 bytes per state. 0 marks an empty slot.
///
/// A growth that would take more than `growthBytes` (the memory the search has left) is
/// not made: the set fills on, up to 95 % load, and `overflow` says the memory limit was
/// reached, which the search reads after each state it expands.
public struct FingerprintSet: ~Copyable {
    var slots: UnsafeMutablePointer<UInt64>
    public private(set) var capacity: Int
    public private(set) var count = 0
    /// The most a growth may allocate (bytes); set by the search from its memory budget.
    public var growthBytes = Int.max
    /// Set when a growth was refused for lack of memory (or the set is nearly full).
    public private(set) var memoryFull = false

    public init(capacity: Int = 1 << 12) {
        self.capacity = max(16, capacity)
        slots = .allocate(capacity: self.capacity)
        slots.initialize(repeating: 0, count: self.capacity)
    }
    deinit { slots.deallocate() }

    public var bytes: Int { capacity * 8 }

    @inline(__always) func home(_ fp: UInt64) -> Int { Int(fp.multipliedFullWidth(by: UInt64(capacity)).high) }

    /// Inserts; true when the fingerprint was new.
    @inline(__always) public mutating func insert(_ fp: UInt64) -> Bool {
        if (count + 1) * 4 > capacity * 3 && !memoryFull { grow() }
        if count * 20 >= capacity * 19 { memoryFull = true }      // 95 %: the search stops after this state
        var i = home(fp)
        while true {
            let x = slots[i]
            if x == 0 { slots[i] = fp; count += 1; return true }
            if x == fp { return false }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    public func contains(_ fp: UInt64) -> Bool {
        var i = home(fp)
        while true {
            let x = slots[i]
            if x == 0 { return false }
            if x == fp { return true }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    mutating func grow() {
        let old = slots, oldCap = capacity
        guard (oldCap + oldCap / 2) * 8 <= growthBytes else { memoryFull = true; return }
        capacity = oldCap + oldCap / 2
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: 0, count: capacity)
        for j in 0..<oldCap where old[j] != 0 {
            var i = home(old[j])
            while slots[i] != 0 { i += 1; if i == capacity { i = 0 } }
            slots[i] = old[j]
        }
        old.deallocate()
    }
}
