/// A page-table level, or a contiguous-entry size (arm64), for the arithmetic obligations.
public struct ObligationLevel: Sendable, Hashable {
    public var name: String
    /// log2 of the size one entry (or one contiguous block) maps.
    public var shift: Int

    public init(_ name: String, shift: Int) {
        self.name = name
        self.shift = shift
    }
}

/// The real geometry the Z3 obligations are generated for (real table sizes, 64-bit
/// addresses), independent of the spec front end and of the explicit search's small fan-out.
public struct ObligationGeometry: Sendable, Equatable {
    public var name: String
    /// Page-table levels, largest shift first, ending at the PAGE level. Include the level
    /// above the largest hstate so that its entries' table has a known size.
    public var levels: [ObligationLevel]
    /// Table-index bits of `levels[0]` (the others follow from the shifts).
    public var topLevelIndexBits: Int
    /// Contiguous-entry sizes (arm64 cont-PTE / cont-PMD); empty on x86-64.
    public var contiguous: [ObligationLevel]
    /// The VMA's hstate (log2 of the hugepage size).
    public var hstateShift: Int
    /// Every hstate the architecture offers; `for_each_hgm_shift` yields those ≤ `hstateShift`.
    public var hstateShifts: [Int]
    public var pageShift: Int
    /// Obligations about the kernel's literal (wrapping) sums such as `start + size` are proved
    /// for addresses below 2^addressLimitShift; 57 covers the user address space of 4- and
    /// 5-level x86-64 and of 48/52-bit arm64. The wrap-free forms are proved for all 2^64.
    public var addressLimitShift: Int

    public init(
        name: String, levels: [ObligationLevel], topLevelIndexBits: Int,
        contiguous: [ObligationLevel] = [], hstateShift: Int, hstateShifts: [Int]? = nil,
        pageShift: Int? = nil, addressLimitShift: Int = 57
    ) {
        self.name = name
        self.levels = levels
        self.topLevelIndexBits = topLevelIndexBits
        self.contiguous = contiguous
        self.hstateShift = hstateShift
        self.hstateShifts = hstateShifts ?? [hstateShift]
        self.pageShift = pageShift ?? levels.last?.shift ?? 12
        self.addressLimitShift = addressLimitShift
    }

    /// Table-index bits of `levels[i]`: shift(level above) − shift(level).
    public func indexBits(ofLevel i: Int) -> Int {
        i == 0 ? topLevelIndexBits : levels[i - 1].shift - levels[i].shift
    }

    /// The real fan-out bits of every level, parallel to `levels`.
    public var realFanoutBits: [Int] { levels.indices.map { indexBits(ofLevel: $0) } }

    /// `for_each_hgm_shift`: the hstate shift, every smaller hstate shift, then PAGE_SHIFT
    /// (descending, without duplicates).
    public var hgmShifts: [Int] {
        var out = hstateShifts.filter { $0 <= hstateShift && $0 > pageShift }
        out.append(hstateShift)
        out.append(pageShift)
        return Array(Set(out)).sorted(by: >)
    }

    /// Every entry size (level or contiguous block) from the hstate down to PAGE, largest
    /// first, each with the index of the page-table level it lives in.
    public var entryShapes: [(entry: ObligationLevel, levelIndex: Int)] {
        let all = (levels + contiguous).filter { $0.shift <= hstateShift && $0.shift >= pageShift }
        return all.sorted { $0.shift > $1.shift }.compactMap { e in
            // The level with the largest shift ≤ e.shift holds the entry (or block).
            guard let li = levels.indices.filter({ levels[$0].shift <= e.shift })
                .max(by: { levels[$0].shift < levels[$1].shift })
            else { return nil }
            return (e, li)
        }
    }

    /// Problems that make the geometry unusable (empty when it is well formed).
    public var problems: [String] {
        var p: [String] = []
        if levels.isEmpty { p.append("no levels") }
        for i in levels.indices.dropFirst() where levels[i].shift >= levels[i - 1].shift {
            p.append("levels must be listed largest shift first (\(levels[i].name))")
        }
        if levels.last?.shift != pageShift { p.append("the last level must be the PAGE level (shift \(pageShift))") }
        if !(10...20).contains(pageShift) { p.append("page shift \(pageShift) outside 10...20") }
        if !(pageShift...40).contains(hstateShift) { p.append("hstate shift \(hstateShift) outside \(pageShift)...40") }
        if hstateShift > pageShift, !(levels + contiguous).contains(where: { $0.shift == hstateShift }) {
            p.append("hstate 2^\(hstateShift) is neither a level nor a contiguous size")
        }
        if !levels.contains(where: { $0.shift > hstateShift }), topLevelIndexBits < 1 {
            p.append("the hstate entry's table has no index bits")
        }
        if let top = levels.first, top.shift + topLevelIndexBits > 63 { p.append("top level covers more than 2^63 bytes") }
        if !(hstateShift + 1...63).contains(addressLimitShift) { p.append("address limit 2^\(addressLimitShift) out of range") }
        for c in contiguous where !levels.contains(where: { $0.shift < c.shift }) {
            p.append("contiguous size \(c.name) is below every level")
        }
        return p
    }
}

extension ObligationGeometry {
    private static let x86Levels = [
        ObligationLevel("PGD", shift: 39), ObligationLevel("PUD", shift: 30),
        ObligationLevel("PMD", shift: 21), ObligationLevel("PTE", shift: 12),
    ]

    /// x86-64, 4-level paging, 2M hstate (HGM shifts 21, 12).
    public static let x86_64_2M = ObligationGeometry(
        name: "x86_64-2M", levels: x86Levels, topLevelIndexBits: 9,
        hstateShift: 21, hstateShifts: [30, 21])

    /// x86-64, 4-level paging, 1G hstate (HGM shifts 30, 21, 12).
    public static let x86_64_1G = ObligationGeometry(
        name: "x86_64-1G", levels: x86Levels, topLevelIndexBits: 9,
        hstateShift: 30, hstateShifts: [30, 21])

    /// arm64, 4K granule, 48-bit VA: PUD 30, PMD 21, PTE 12; cont-PTE 64K (16 entries),
    /// cont-PMD 32M (16 entries); 1G hstate, so HGM shifts 30, 25, 21, 16, 12.
    /// (HGM for arm64 is not in RFC v2; this is what its `for_each_hgm_shift` rule gives.)
    public static let arm64_4K = ObligationGeometry(
        name: "arm64-4K-1G",
        levels: [
            ObligationLevel("PGD", shift: 39), ObligationLevel("PUD", shift: 30),
            ObligationLevel("PMD", shift: 21), ObligationLevel("PTE", shift: 12),
        ],
        topLevelIndexBits: 9,
        contiguous: [ObligationLevel("contPTE", shift: 16), ObligationLevel("contPMD", shift: 25)],
        hstateShift: 30, hstateShifts: [30, 25, 21, 16])

    /// arm64, 16K granule, 48-bit VA: PUD 36, PMD 25 (32M), PTE 14; cont-PTE 2M (128
    /// entries), cont-PMD 1G (32 entries); 1G (cont-PMD) hstate: HGM shifts 30, 25, 21, 14.
    public static let arm64_16K = ObligationGeometry(
        name: "arm64-16K-1G",
        levels: [
            ObligationLevel("PGD", shift: 47), ObligationLevel("PUD", shift: 36),
            ObligationLevel("PMD", shift: 25), ObligationLevel("PTE", shift: 14),
        ],
        topLevelIndexBits: 1,
        contiguous: [ObligationLevel("contPTE", shift: 21), ObligationLevel("contPMD", shift: 30)],
        hstateShift: 30, hstateShifts: [30, 25, 21])

    /// arm64, 64K granule, 48-bit VA: PGD 42, PMD 29 (512M), PTE 16; cont-PTE 2M (32
    /// entries); 512M hstate: HGM shifts 29, 21, 16. (The 16G cont-PMD hstate is listed but
    /// not used as the VMA's hstate.)
    public static let arm64_64K = ObligationGeometry(
        name: "arm64-64K-512M",
        levels: [
            ObligationLevel("PGD", shift: 42), ObligationLevel("PMD", shift: 29),
            ObligationLevel("PTE", shift: 16),
        ],
        topLevelIndexBits: 6,
        contiguous: [ObligationLevel("contPTE", shift: 21), ObligationLevel("contPMD", shift: 34)],
        hstateShift: 29, hstateShifts: [34, 29, 21])

    /// The built-in geometries, in a fixed order.
    public static let builtIn: [ObligationGeometry] = [x86_64_2M, x86_64_1G, arm64_4K, arm64_16K, arm64_64K]
}
