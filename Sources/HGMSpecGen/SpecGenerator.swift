/// One generated spec: its text and the seed it was generated from
/// (`SpecGenerator.spec(seed:)` gives the same text again).
public struct GeneratedSpec: Sendable, Equatable {
    public var text: String
    public var seed: UInt64
    /// The role of each thread in order; a trailing `!` marks a deliberately broken variant.
    public var roles: [String]

    public init(text: String, seed: UInt64, roles: [String]) {
        self.text = text; self.seed = seed; self.roles = roles
    }
}

/// A deterministic stream of small random well-formed specs (grammar-directed templates
/// with random mutations plus free random statements), for differential testing of the
/// engine against the reference executor. Every spec is self-contained (no imports): a 2M
/// hstate, fan-out 2, one or two hugepages, 2-4 threads of a few steps each.
public struct SpecGenerator: Sendable {
    var master: SplitMix64

    public init(seed: UInt64) { master = SplitMix64(seed: seed) }

    /// The next spec; its own seed is drawn from the stream.
    public mutating func next() -> GeneratedSpec { SpecGenerator.spec(seed: master.next()) }

    /// The spec for one seed (the seed `next()` reported, or any other).
    public static func spec(seed: UInt64) -> GeneratedSpec {
        var b = SpecBuilder(seed: seed)
        return b.build()
    }
}
