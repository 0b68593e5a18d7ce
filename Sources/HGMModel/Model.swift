import HGMSpec

/// The compiled transition system of one scenario: static world data, every thread's code
/// (procedures inlined), the state layout, and the invariants to check. A state is a
/// fixed-size array of `Word`s laid out as described by the offsets here.
public struct Model: Sendable {
    public var path: String
    public var scenario: String?
    public var geometry: Geometry
    public var world: World
    public var expectation: Expectation?
    public var expectationLocation: SourceLocation?

    // Code.
    public var ops: [Op] = []
    public var info: [OpInfo] = []
    public var exprStart: [Int32] = []
    public var exprCode: [ExprOp] = []
    public var argList: [Int32] = []
    public var targets: [Int32] = []
    public var messages: [String] = []
    public var threads: [ThreadInfo] = []
    /// Every inlined call (`OpInfo.frame` indexes it).
    public var frames: [CallFrame] = []

    // Locks.
    public var lockSlots: [LockSlot] = []
    public var lockRank: [String: Int] = [:]
    var vmaLockSlot: [Int] = []
    var mmapLockSlot: [Int] = []
    var pageTableLockSlot: [Int] = []
    var rootLockSlot: [Int] = []
    var pageLockSlot0 = 0
    var iMmapSlot = 0
    /// Split PTL slot of (vma tree, table slot).
    var splitLockBase: [Int] = []

    // State layout.
    public var words = 0
    var treeBase: [[Int]] = []     // [vma][hp] -> first entry word; live mask at +positions
    var pagesBase = 0
    public static let pageWords = 4
    var isizeWord = 0
    /// First word of the bitmask of model addresses that a wake_range covered (a waiter
    /// asleep on one is a lost wakeup): a bit for every address of every VMA, 32 to a word.
    var wokenWord = 0
    var wokenAddresses = 0
    /// Threads a scenario may have: rwsem reader and waiter masks keep a bit per thread in a 32-bit word.
    public static let maxThreads = 30
    /// First word of the world's shared variables.
    var variablesBase = 0
    var cacheBase = 0
    /// One word per VMA: its lifecycle and PMD-table state (`VMAState`).
    var vmaStateBase = 0
    public static let threadHeader = 4

    // Properties.
    public var enabled: Set<Invariant> = Set(Invariant.allCases)
    public var userInvariants: [UserInvariant] = []

    public var initial: [Word] = []
    /// Per op: whether it lies inside the body of an atomic block (the block's step goes on
    /// while control stays there).
    public var inAtomic: [Bool] = []
    /// Some op jumps backwards (a `while` loop, bounded or not, or a `goto` retry): the state
    /// graph may have cycles, so the search records it to look for livelocks (when
    /// `livelock` is checked). A bounded loop is a claim checked by `loop-bound`; when that
    /// is not selected its counter saturates and the loop can cycle like an unbounded one.
    public var hasLoops = false
    /// Some backward jump is not a bounded loop's (an unbounded `while`, a `goto` retry): it
    /// can cycle even when `loop-bound` cuts every bounded loop run past its bound.
    public var hasUnboundedLoops = false
    /// Whether the state graph can have a cycle the livelock analysis must examine: with
    /// `loop-bound` checked, a bounded loop past its bound ends the path, so only the other
    /// backward jumps can cycle.
    /// The most alternatives one step has (the widest `either`; 1 without one).
    public var maxChoices: Int {
        ops.reduce(1) { if case .either(_, let n) = $1 { return max($0, Int(n)) }; return $0 }
    }
    public var mayCycle: Bool { enabled.contains(.loopBound) ? hasUnboundedLoops : hasLoops }

    // MARK: layout accessors
    @inline(__always) public func pcWord(_ t: Int) -> Int { threads[t].base }
    @inline(__always) public func flagsWord(_ t: Int) -> Int { threads[t].base + 1 }
    @inline(__always) public func waitMsgWord(_ t: Int) -> Int { threads[t].base + 2 }
    @inline(__always) public func waitRealWord(_ t: Int) -> Int { threads[t].base + 3 }
    @inline(__always) public func localWord(_ t: Int, _ slot: Int) -> Int { threads[t].base + Model.threadHeader + slot }
    @inline(__always) public func gatherWord(_ t: Int, _ page: Int) -> Int { threads[t].base + Model.threadHeader + threads[t].locals + page }
    /// Page references thread t took by lookup or allocation and has not put or mapped.
    @inline(__always) public func heldWord(_ t: Int, _ page: Int) -> Int { threads[t].base + Model.threadHeader + threads[t].locals + world.pageCount + page }
    @inline(__always) public func entryWord(_ vma: Int, _ hp: Int, _ pos: Int) -> Int { treeBase[vma][hp] + pos }
    @inline(__always) public func liveWord(_ vma: Int, _ hp: Int) -> Int { treeBase[vma][hp] + geometry.positions }
    @inline(__always) public func pageWord(_ p: Int, _ field: Int) -> Int { pagesBase + p * Model.pageWords + field }
    /// The bits of a VMA's state word: whether it exists (or was freed by remove_vma),
    /// whether its vm_private_data (vma_lock + hgm_enabled) exists, hgm_enabled, how many
    /// hugepages it spans now (split_vma shrinks it), which root (PMD) table its PUD points
    /// to (tree index + 1, 0 = none: §2.9), and its own root table's share count.
    enum VMAState {
        static let live: Word = 1, freed: Word = 2, priv: Word = 4, hgm: Word = 8
        static let pagesShift: Word = 4, pudShift: Word = 8, refShift: Word = 12, fieldMask: Word = 0xF
    }
    enum PageField { static let mapcount = 0, refcount = 1, flags = 2, index = 3 }
    enum PageFlag { static let allocated: Int32 = 1, cached: Int32 = 2, hwpoison: Int32 = 4, notMigratable: Int32 = 8 }

    /// The split PTL of the table holding the entry at `pos` (the VMA's root table for depth 0).
    func containingTableLock(vma: Int, hp: Int, pos: Int) -> Int {
        if pos == 0 { return rootLockSlot[vma] }
        return splitLockBase[vma] + hp * geometry.tableSlots + geometry.parent(ofPos: pos)
    }
    /// The lock every writer of the entry must hold (hgm-reference.md §1.1, §4 inv. 7):
    /// mm->page_table_lock above PMD_SHIFT, the split lock of the table page at and below.
    func canonicalPTL(_ h: HPTE) -> Int {
        let shift = geometry.treeLevels[geometry.depth(ofPos: h.pos)].shift
        if shift > pmdShift { return pageTableLockSlot[world.vmas[h.vma].mm] }
        return containingTableLock(vma: h.vma, hp: h.hp, pos: h.pos)
    }
    /// PMD_SHIFT of the geometry: the level named PMD (21 on x86-64, 25 on arm64 16K).
    var pmdShift: Int { geometry.levels.first { $0.name == "PMD" }?.shift ?? 21 }
    /// `hugetlb_pte_lockptr`: the explicit ptl if set, else `huge_pte_lockptr(shift)`:
    /// the split PMD lock at PMD_SHIFT, mm->page_table_lock for any other shift.
    func hptePTL(_ h: HPTE) -> Int {
        if h.ptlExplicit { return containingTableLock(vma: h.vma, hp: h.hp, pos: h.pos) }
        let shift = geometry.treeLevels[geometry.depth(ofPos: h.pos)].shift
        if shift == pmdShift { return containingTableLock(vma: h.vma, hp: h.hp, pos: h.pos) }
        return pageTableLockSlot[world.vmas[h.vma].mm]
    }
    public var pageCount: Int { world.pageCount }
}

/// The built-in invariants and checks, each under a stable name (design.md §4,
/// hgm-reference.md §4).
public enum Invariant: String, Sendable, CaseIterable, Codable, Comparable {
    case mapcount = "mapcount"
    case refcount = "refcount"
    case doubleCoverage = "double-coverage"
    case alignment = "alignment"
    case useAfterFree = "use-after-free"
    case splitFromBlank = "split-from-blank"
    case ptlHeld = "ptl-held"
    case ptlIdentity = "ptl-identity"
    case walkUnlocked = "walk-unlocked"
    case freeUnlocked = "free-unlocked"
    case lockOrder = "lock-order"
    case lockBalance = "lock-balance"
    case deadlock = "deadlock"
    case sleepInAtomic = "sleep-in-atomic"
    case livelock = "livelock"
    case truncation = "truncation"
    case lostWakeup = "lost-wakeup"
    case assertion = "assertion"
    case loopBound = "loop-bound"
    case modelError = "model-error"

    public static func < (a: Invariant, b: Invariant) -> Bool { a.rawValue < b.rawValue }

    /// One sentence a report can show as help.
    public var help: String {
        switch self {
        case .mapcount: "Head-page mapcount equals the number of present leaf entries mapping the hugepage (hgm-reference.md §4 inv. 1)."
        case .refcount: "Refcount equals page-cache reference + leaves + deferred puts + references held by threads; none leaked at the end (§4 inv. 1)."
        case .doubleCoverage: "No address is covered by two leaves, or by a leaf with a table below it (§4 inv. 2)."
        case .alignment: "Every leaf maps the subpage of the page-cache page at its own file offset, aligned to its size (§4 inv. 3)."
        case .useAfterFree: "No read, write, lock or descent through a page-table page freed after the walk that reached it, no write into a PMD table the mm unshared since, no use of a freed VMA or vma_lock (§4 inv. 4, R1, R8)."
        case .splitFromBlank: "A blank entry is the only one that may be populated with a table (§4 inv. 5)."
        case .ptlHeld: "An entry is written only with its PTL held (or the VMA lock held for write, as collapse does) (§2, §3.2)."
        case .ptlIdentity: "Every writer of an entry uses the same spinlock: the PTL chosen by its level (§1.1 inv. 4, §4 inv. 7)."
        case .walkUnlocked: "No walk descends below the hstate level without the VMA lock held (§2.5, R2)."
        case .freeUnlocked: "Page-table pages below the hstate level are freed only with the VMA lock held for write (§4 inv. 4)."
        case .lockOrder: "Blocking acquisitions follow the declared lock order (§3.1, R16)."
        case .lockBalance: "Every operation releases exactly what it took; no unlock of a lock not held (§4 inv. 12)."
        case .deadlock: "Some thread can always move until all have returned (§4 inv. 11)."
        case .sleepInAtomic: "No thread calls a function that may sleep (mutex or rwsem acquisition, lock_page, waiting for a userfault) while holding a spinlock such as a PTL (the kernel's \"BUG: sleeping function called from invalid context\", might_sleep)."
        case .livelock: "From every state on a cycle some interleaving still lets every thread return or sleep on a userfault (or stops at a use-after-free or model error): no retry loop spins forever without a way out."
        case .truncation: "After a truncation returns, nothing at or past i_size is cached or mapped (§4 inv. 9)."
        case .lostWakeup: "A userfault waiter whose address is mapped is not left asleep (§2.3, §4 inv. 10)."
        case .assertion: "Every assert in a procedure holds."
        case .loopBound: "No loop runs more iterations than its stated bound."
        case .modelError: "The spec evaluates without type errors or impossible operations."
        }
    }
}
