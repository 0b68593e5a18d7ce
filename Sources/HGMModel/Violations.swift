/// A violation id: the built-in invariants first (in `Invariant.allCases` order), then the
/// spec's user invariants in declaration order. There are at most 64 in all (the compiler
/// refuses more), so a set of them is one word (`ViolationSet`).
public struct ViolationID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The position in the order above (0..<64).
    public let index: Int

    @inline(__always) public init(index: Int) { self.index = index }
    /// A built-in invariant's id: its case number (an enum without payloads is stored as its
    /// case's position in declaration order, which is `allCases` order; a test checks this).
    @inline(__always) public init(_ inv: Invariant) { index = Int(unsafeBitCast(inv, to: UInt8.self)) }
    public static func < (a: ViolationID, b: ViolationID) -> Bool { a.index < b.index }

    /// The built-in invariant, or nil for a user invariant.
    public var invariant: Invariant? { index < Invariant.allCases.count ? Invariant.allCases[index] : nil }
    /// Whether a path is not explored past this violation: a model error (the spec is broken)
    /// or a use-after-free (the kernel's behaviour is undefined from there).
    public var stopsPath: Bool { ViolationSet.stopping.contains(self) }
    public var description: String { invariant?.rawValue ?? "user invariant \(index - Invariant.allCases.count)" }
}

/// A set of violation ids, one bit each: what a step or a state raised.
public struct ViolationSet: Hashable, Sendable, Sequence {
    public var bits: UInt64

    @inline(__always) public init(bits: UInt64 = 0) { self.bits = bits }
    public init(_ ids: [ViolationID]) { bits = ids.reduce(0) { $0 | (1 << UInt64($1.index)) } }
    @inline(__always) public init(_ id: ViolationID) { bits = 1 << UInt64(id.index) }

    public static var empty: ViolationSet { ViolationSet() }
    /// The violations that stop a path (see `ViolationID.stopsPath`). Computed, not stored:
    /// a stored static would cost a `swift_once` check on the step path.
    @inline(__always) public static var stopping: ViolationSet {
        ViolationSet(bits: 1 << UInt64(ViolationID(.modelError).index) | 1 << UInt64(ViolationID(.useAfterFree).index))
    }

    @inline(__always) public var isEmpty: Bool { bits == 0 }
    @inline(__always) public func contains(_ id: ViolationID) -> Bool { bits & (1 << UInt64(id.index)) != 0 }
    @inline(__always) public mutating func insert(_ id: ViolationID) { bits |= 1 << UInt64(id.index) }
    @inline(__always) public func union(_ o: ViolationSet) -> ViolationSet { ViolationSet(bits: bits | o.bits) }
    @inline(__always) public func subtracting(_ o: ViolationSet) -> ViolationSet { ViolationSet(bits: bits & ~o.bits) }
    @inline(__always) public func intersects(_ o: ViolationSet) -> Bool { bits & o.bits != 0 }
    /// Whether the path stops here (a stopping violation is in the set).
    @inline(__always) public var stopsPath: Bool { intersects(.stopping) }
    /// The least id in the set.
    @inline(__always) public var first: ViolationID? { bits == 0 ? nil : ViolationID(index: bits.trailingZeroBitCount) }

    public struct Iterator: IteratorProtocol {
        var rest: UInt64
        public mutating func next() -> ViolationID? {
            guard rest != 0 else { return nil }
            defer { rest &= rest - 1 }
            return ViolationID(index: rest.trailingZeroBitCount)
        }
    }
    public func makeIterator() -> Iterator { Iterator(rest: bits) }
}

/// What one step did besides changing the state: the violations it raised (a step may
/// raise several), and, when the step was explained (`Machine.explainStep`), a sentence and
/// the operation for each.
public struct StepOutcome {
    public var raised: ViolationSet
    /// Whether the path stops after this step (a stopping violation).
    @inline(__always) public var stopsPath: Bool { raised.stopsPath }
    public var explanations: [ViolationID: Explanation] = [:]

    @inline(__always) public init(raised: ViolationSet) { self.raised = raised }
}

/// Why a violation was raised, for traces: a sentence and the operation (pc) that raised it.
public struct Explanation: Sendable {
    public var text: String
    public var pc: Int
}
