/// Encoding of model values in one 32-bit state word: the low 4 bits are a tag, the rest
/// the payload (arithmetic shift for integers). Equal values have equal words, so `==`
/// on entry values is `pte_same`.
public enum Tag: Int32, Sendable {
    case int = 0, hpte = 1, page = 2, null = 3, entry = 4, lock = 5, variable = 6
}

public typealias Word = Int32

@inline(__always) public func tagOf(_ w: Word) -> Tag { Tag(rawValue: w & 0xF) ?? .int }
@inline(__always) public func mkInt(_ v: Int) -> Word { Word(truncatingIfNeeded: v << 4) }
@inline(__always) public func intOf(_ w: Word) -> Int { Int(w >> 4) }
@inline(__always) func mk(_ tag: Tag, _ payload: Int) -> Word { Word(truncatingIfNeeded: (payload << 4) | Int(tag.rawValue)) }
@inline(__always) func payload(_ w: Word) -> Int { Int(w >> 4) }
public let nullWord: Word = Tag.null.rawValue

/// Largest magnitude an integer value may take (27 bits).
public let intLimit = 1 << 27

/// A walk result: which VMA (the walker's) and hugepage, the entry position, whether
/// `ptl` was set explicitly (as `hugetlb_walk_step` does at PTE level), whether the table
/// it points into has been freed since (a dangling pointer), and `tree`: whose root (PMD)
/// table the walk went through. `tree` is the VMA itself unless its PUD pointed at another
/// mm's shared PMD table at walk time (§2.9).
public struct HPTE: Equatable {
    public var vma: Int, hp: Int, pos: Int, ptlExplicit: Bool, dangling: Bool, tree: Int
    @inline(__always) public init(vma: Int, hp: Int, pos: Int, ptlExplicit: Bool, dangling: Bool, tree: Int? = nil) {
        self.vma = vma; self.hp = hp; self.pos = pos; self.ptlExplicit = ptlExplicit; self.dangling = dangling
        self.tree = tree ?? vma
    }
    @inline(__always) public init(_ w: Word) {
        let p = payload(w)
        vma = p & 0xF; hp = (p >> 4) & 0x3F; pos = (p >> 10) & 0xFF
        ptlExplicit = (p >> 18) & 1 == 1; dangling = (p >> 19) & 1 == 1; tree = (p >> 20) & 0xF
    }
    @inline(__always) public var word: Word {
        mk(.hpte, vma | hp << 4 | pos << 10 | (ptlExplicit ? 1 << 18 : 0) | (dangling ? 1 << 19 : 0) | tree << 20)
    }
}

/// Page-table entry kinds (hgm-reference.md §1.5).
public enum EntryKind: Int, Sendable {
    case none = 0, marker = 1, migration = 2, hwpoison = 3, leaf = 4, table = 5
    public var name: String {
        switch self {
        case .none: "none"; case .marker: "marker"; case .migration: "migration"
        case .hwpoison: "hwpoison"; case .leaf: "leaf"; case .table: "table"
        }
    }
}

/// An entry value: kind, the page it maps (leaf/migration) and the subpage (in model pages).
public struct PTEValue: Equatable {
    public var kind: EntryKind, page: Int, sub: Int
    @inline(__always) public init(kind: EntryKind, page: Int = 0, sub: Int = 0) { self.kind = kind; self.page = page; self.sub = sub }
    @inline(__always) public init(_ w: Word) {
        let p = payload(w)
        kind = EntryKind(rawValue: p & 7) ?? .none; page = (p >> 3) & 0xFF; sub = (p >> 11) & 0x3FFF
    }
    @inline(__always) public var word: Word { mk(.entry, kind.rawValue | page << 3 | sub << 11) }
}

public let noneEntryWord: Word = PTEValue(kind: .none).word

/// A reference to a lock slot; `dangling` when it was derived from a dangling walk result.
@inline(__always) func mkLock(_ slot: Int, dangling: Bool = false) -> Word { mk(.lock, slot | (dangling ? 1 << 20 : 0)) }
@inline(__always) func lockSlotOf(_ w: Word) -> Int { payload(w) & 0xFFFFF }
@inline(__always) func lockDangling(_ w: Word) -> Bool { (payload(w) >> 20) & 1 == 1 }
@inline(__always) func mkPage(_ id: Int) -> Word { mk(.page, id) }

/// A reference to a shared variable declared in the world (`var NAME = value`).
@inline(__always) func mkVar(_ slot: Int) -> Word { mk(.variable, slot) }
