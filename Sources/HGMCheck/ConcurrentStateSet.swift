import Synchronization

/// The visited set of the parallel search: open addressing with linear probing over
/// 16-byte slots (fingerprint, key), inserted into lock-free by compare-and-swap. The key
/// is the state's `ParentLog` key, the least over every step that reaches the state in
/// the level where it is first reached, kept with an atomic minimum, so the parent index
/// does not depend on which worker reached a state first.
///
/// Limits: it does not grow while workers insert; the search grows it between rounds of
/// chunks (`grow`), keeping the load under `maxLoad`. 16 bytes a slot, against 8 for the
/// sequential search's `FingerprintSet`.
final class ConcurrentStateSet: @unchecked Sendable {
    private var slots: UnsafeMutablePointer<Atomic<UInt64>>
    private(set) var capacity: Int
    /// States inserted, as counted by the search between rounds (workers count their own).
    var count = 0
    /// The most a round may fill the table to before the search grows it.
    static let maxLoad = 0.8

    init(capacity: Int = 1 << 16) {
        self.capacity = max(16, capacity)
        slots = ConcurrentStateSet.allocate(self.capacity)
    }
    deinit { slots.deinitialize(count: 2 * capacity); slots.deallocate() }

    private static func allocate(_ cap: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        let p = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: 2 * cap)
        for i in 0..<cap {
            (p + 2 * i).initialize(to: Atomic(0))
            (p + 2 * i + 1).initialize(to: Atomic(ParentLog.unset))
        }
        return p
    }

    var bytes: Int { capacity * 16 }

    @inline(__always) private func home(_ fp: UInt64, _ cap: Int) -> Int { Int(fp.multipliedFullWidth(by: UInt64(cap)).high) }

    /// Inserts `fp` reached by the step `key`: its slot when it is new, else -1. A state
    /// already present whose key names a parent numbered `levelStart` or later (or is not
    /// set yet) was first reached in this level: its key becomes the least of the two. A
    /// slot stays where it is until the set grows (`generation`).
    @inline(__always) func insert(_ fp: UInt64, key: UInt64, levelStart: Int) -> Int {
        var i = home(fp, capacity)
        while true {
            var x = slots[2 * i].load(ordering: .relaxed)
            if x == 0 {
                let (won, old) = slots[2 * i].compareExchange(expected: 0, desired: fp, ordering: .relaxed)
                if won { lower(2 * i + 1, key); return i }
                x = old
            }
            if x == fp {
                let k = slots[2 * i + 1].load(ordering: .relaxed)
                if k == ParentLog.unset || ParentLog.parent(k) >= levelStart { lower(2 * i + 1, key) }
                return -1
            }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    /// An atomic unsigned minimum by compare-and-swap. (`Atomic<UInt64>.min` of Swift 6.3
    /// leaves UInt64.max in place for any operand, as a signed minimum would.)
    @inline(__always) private func lower(_ j: Int, _ key: UInt64) {
        var cur = slots[j].load(ordering: .relaxed)
        while key < cur {
            let (done, seen) = slots[j].compareExchange(expected: cur, desired: key, ordering: .relaxed)
            if done { return }
            cur = seen
        }
    }

    /// The key in slot `i` (read when no worker runs).
    @inline(__always) func key(at i: Int) -> UInt64 { slots[2 * i + 1].load(ordering: .relaxed) }

    /// How many times the set has grown (which moves slots).
    private(set) var generation = 0

    /// The key of a state present in the set (read when no worker runs).
    func key(of fp: UInt64) -> UInt64? {
        var i = home(fp, capacity)
        while true {
            let x = slots[2 * i].load(ordering: .relaxed)
            if x == 0 { return nil }
            if x == fp { return slots[2 * i + 1].load(ordering: .relaxed) }
            i += 1
            if i == capacity { i = 0 }
        }
    }

    /// Whether `more` further insertions could take the load past `maxLoad`.
    func needsRoom(for more: Int) -> Bool { Double(count + more) > Double(capacity) * ConcurrentStateSet.maxLoad }

    /// The capacity that holds `count + more` under `maxLoad`.
    private func capacity(toHold more: Int) -> Int {
        var cap = capacity
        while Double(count + more) > Double(cap) * ConcurrentStateSet.maxLoad { cap += cap / 2 }
        return cap
    }

    /// The bytes a growth to hold `more` would allocate (0: no growth needed).
    func growthBytes(toHold more: Int) -> Int {
        let cap = capacity(toHold: more)
        return cap > capacity ? cap * 16 : 0
    }

    /// Grows to hold `count + more` under `maxLoad` (no worker may run).
    func grow(toHold more: Int) {
        let cap = capacity(toHold: more)
        guard cap > capacity else { return }
        let old = slots, oldCap = capacity
        slots = ConcurrentStateSet.allocate(cap)
        capacity = cap
        generation += 1
        for j in 0..<oldCap {
            let fp = old[2 * j].load(ordering: .relaxed)
            guard fp != 0 else { continue }
            var i = home(fp, cap)
            while slots[2 * i].load(ordering: .relaxed) != 0 { i += 1; if i == cap { i = 0 } }
            slots[2 * i].store(fp, ordering: .relaxed)
            slots[2 * i + 1].store(old[2 * j + 1].load(ordering: .relaxed), ordering: .relaxed)
        }
        old.deinitialize(count: 2 * oldCap)
        old.deallocate()
    }
}
