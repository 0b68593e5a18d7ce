/// A stepper over the compiled program: which threads are enabled, one thread's step (a
/// visible operation plus the purely local work after it, merged), and the checks on
/// states. The program and state layout (`Model`) are an immutable `Sendable` value that
/// every worker shares; a Machine holds flat copies of its tables and its own scratch, so
/// it is one per search thread (not thread-safe). Works in place on
/// `UnsafeMutablePointer<Word>` and allocates nothing on the step path.
///
/// Every public call returns what it raised as a value (`StepOutcome`, `ViolationSet`);
/// the fields below that accumulate during a call are scratch, not an interface.
public final class Machine {
    public let model: Model
    let ops: UnsafeMutableBufferPointer<Op>
    let exprStart: UnsafeMutableBufferPointer<Int32>
    let exprCode: UnsafeMutableBufferPointer<ExprOp>
    let argList: UnsafeMutableBufferPointer<Int32>
    let targets: UnsafeMutableBufferPointer<Int32>
    let stack: UnsafeMutablePointer<Word>
    let inAtomic: UnsafeMutableBufferPointer<Bool>
    /// A copy of the state for the local-loop watch (`LocalLoop`).
    let loopScratch: UnsafeMutablePointer<Word>
    /// Uptime (ns) at which a step's long local work gives up (`timedOut`); 0: none.
    public var deadline: UInt64 = 0
    /// Set when a step's local work passed `deadline`: the step is incomplete, and the search stops.
    public var timedOut = false
    let nThreads: Int
    let g: Geometry
    /// Violation ids: built-in invariants first (Invariant.allCases order), then user invariants.
    public let builtinCount = Invariant.allCases.count
    let enabledMask: UInt64
    /// Set by the `explain…` calls: violations then record a sentence (`details`).
    var wantDetail = false
    /// While explaining: the sentence and operation of every violation raised.
    var details: [ViolationID: Explanation] = [:]
    /// Bitmask of every violation raised during the current call (a step may raise several).
    var raised: UInt64 = 0
    @inline(__always) static var stopMask: UInt64 { ViolationSet.stopping.bits }
    @inline(__always) static var useAfterFreeBit: UInt64 { 1 << UInt64(ViolationID(.useAfterFree).index) }
    var curPC = 0
    /// Set by `checkState` when a user invariant could not be evaluated (see `stateViolations`).
    var invariantFailed = false
    var evalError = false
    var evalErrorText = ""

    // Flat copies of layout and geometry facts, so the step path touches no Swift
    // collections of non-trivial values (no retain/release, no hashing).
    let tBase: UnsafeMutableBufferPointer<Int>
    let lockOff: UnsafeMutableBufferPointer<Int>
    let lockRW: UnsafeMutableBufferPointer<Bool>
    let lockSpin: UnsafeMutableBufferPointer<Bool>
    /// The lock slots that are spinlocks (sleep-in-atomic looks only at these).
    let spinSlots: UnsafeMutableBufferPointer<Int>
    let lockRankOf: UnsafeMutableBufferPointer<Int>
    let pDepth: UnsafeMutableBufferPointer<Int>
    let pParent: UnsafeMutableBufferPointer<Int>
    let pOffset: UnsafeMutableBufferPointer<Int>
    let dSize: UnsafeMutableBufferPointer<Int>
    let dBase: UnsafeMutableBufferPointer<Int>
    let treeBases: UnsafeMutableBufferPointer<Int>      // [vma * 8 + hp]
    let canonLock: UnsafeMutableBufferPointer<Int>      // [(vma * 8 + hp) * positions + pos]
    let defaultLock: UnsafeMutableBufferPointer<Int>
    let tableLock: UnsafeMutableBufferPointer<Int>
    let vmaLockS: UnsafeMutableBufferPointer<Int>
    /// Per lock slot: the table page a split PTL lives in (tree << 16 | hp << 8 | entry position
    /// above it), or -1; and the tree whose root table a root PTL lives in, or -1.
    let ptlTableOf: UnsafeMutableBufferPointer<Int>
    let rootLockOf: UnsafeMutableBufferPointer<Int>
    let vmaShared: UnsafeMutableBufferPointer<Bool>
    let vmaStartA: UnsafeMutableBufferPointer<Int>
    let positions: Int, hpPages: Int, nLevels: Int, nPages: Int, nLocks: Int
    let recyclePages: Bool
    /// PMD sharing is possible in this world: walks resolve the PUD and check for stale roots.
    let pmdSharing: Bool
    /// The VMA whose vma_lock a lock slot is, or -1.
    let vmaOfLock: UnsafeMutableBufferPointer<Int>
    let vmaStateBase: Int
    let cacheBase: Int, isizeWord: Int, wokenWord: Int, pagesBase: Int, pageLock0: Int
    static let threadHeader = Model.threadHeader

    public init(model: Model) {
        self.model = model
        func copy<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
            let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, a.count))
            _ = p.initialize(from: a)
            return p
        }
        ops = copy(model.ops); exprStart = copy(model.exprStart); exprCode = copy(model.exprCode)
        argList = copy(model.argList); targets = copy(model.targets)
        stack = .allocate(capacity: 256)
        inAtomic = copy(model.inAtomic)
        loopScratch = .allocate(capacity: max(1, model.words))
        nThreads = model.threads.count
        g = model.geometry
        var mask: UInt64 = 0
        for (i, inv) in Invariant.allCases.enumerated() where model.enabled.contains(inv) { mask |= 1 << UInt64(i) }
        enabledMask = mask
        let g = model.geometry
        positions = g.positions; hpPages = g.hugepagePages; nLevels = g.treeLevels.count
        nPages = model.pageCount; nLocks = model.lockSlots.count
        recyclePages = model.world.recyclePages
        pmdSharing = model.world.pmdSharing || model.ops.contains {
            if case .prim(let p, _, _, _) = $0 { return [.hugePmdShare, .pmdAlloc, .hugePmdUnshare, .freePgtables].contains(p) }
            return false
        }
        vmaStateBase = model.vmaStateBase
        var ofLock = [Int](repeating: -1, count: max(1, model.lockSlots.count))
        for (v, slot) in model.vmaLockSlot.enumerated() { ofLock[slot] = v }
        vmaOfLock = copy(ofLock)
        cacheBase = model.cacheBase; isizeWord = model.isizeWord; wokenWord = model.wokenWord
        pagesBase = model.pagesBase; pageLock0 = model.pageLockSlot0
        tBase = copy(model.threads.map(\.base))
        lockOff = copy(model.lockSlots.map(\.offset))
        lockRW = copy(model.lockSlots.map { $0.kind == .rwsem })
        lockSpin = copy(model.lockSlots.map { $0.kind == .spinlock })
        spinSlots = copy(model.lockSlots.indices.filter { model.lockSlots[$0].kind == .spinlock })
        lockRankOf = copy(model.lockSlots.map { model.lockRank[$0.lockClass] ?? -1 })
        pDepth = copy((0..<g.positions).map { g.depth(ofPos: $0) })
        pParent = copy((0..<g.positions).map { $0 == 0 ? -1 : g.parent(ofPos: $0) })
        pOffset = copy((0..<g.positions).map { g.offset(ofPos: $0) })
        dSize = copy((0..<g.treeLevels.count).map { g.modelSize(depth: $0) })
        dBase = copy((0...g.treeLevels.count).map { g.base(depth: $0) })
        var tb = [Int](repeating: -1, count: model.world.vmas.count * 8)
        var canon = [Int](repeating: 0, count: model.world.vmas.count * 8 * g.positions)
        var dflt = canon, table = canon
        for (v, vm) in model.world.vmas.enumerated() {
            for hp in 0..<vm.pages {
                tb[v * 8 + hp] = model.treeBase[v][hp]
                for pos in 0..<g.positions {
                    let i = (v * 8 + hp) * g.positions + pos
                    let h = HPTE(vma: v, hp: hp, pos: pos, ptlExplicit: false, dangling: false)
                    canon[i] = model.canonicalPTL(h)
                    dflt[i] = model.hptePTL(h)
                    table[i] = model.containingTableLock(vma: v, hp: hp, pos: pos)
                }
            }
        }
        treeBases = copy(tb); canonLock = copy(canon); defaultLock = copy(dflt); tableLock = copy(table)
        vmaLockS = copy(model.vmaLockSlot)
        // Which table page each PTL lives in, to catch a PTL taken or released after its page was freed.
        var tableOf = [Int](repeating: -1, count: max(1, model.lockSlots.count))
        var rootOf = tableOf
        for (v, vm) in model.world.vmas.enumerated() where vm.splitFrom == nil {
            rootOf[model.rootLockSlot[v]] = v
            for hp in 0..<vm.pages {
                for t in 0..<g.tableSlots { tableOf[model.splitLockBase[v] + hp * g.tableSlots + t] = v << 16 | hp << 8 | t }
            }
        }
        ptlTableOf = copy(tableOf); rootLockOf = copy(rootOf)
        vmaShared = copy(model.world.vmas.map(\.shared))
        vmaStartA = copy(model.world.vmas.map(\.start))
    }
    deinit {
        ops.deallocate(); exprStart.deallocate(); exprCode.deallocate(); argList.deallocate(); targets.deallocate()
        stack.deallocate(); inAtomic.deallocate(); loopScratch.deallocate()
        for b in [ptlTableOf, rootLockOf, tBase, lockOff, lockRankOf, pDepth, pParent, pOffset, dSize, dBase, treeBases, canonLock, defaultLock, tableLock, vmaLockS, vmaStartA, vmaOfLock, spinSlots] { b.deallocate() }
        lockRW.deallocate(); lockSpin.deallocate(); vmaShared.deallocate()
    }

    /// The invariant's name: a built-in's, or the user invariant's declared name.
    public func name(ofViolation id: ViolationID) -> String {
        id.invariant?.rawValue ?? model.userInvariants[id.index - builtinCount].name
    }
    public var violationCount: Int { builtinCount + model.userInvariants.count }
    /// Every violation id of this model (built-in and user).
    public var allViolations: ViolationSet { ViolationSet(bits: violationCount == 64 ? ~0 : (1 << UInt64(violationCount)) - 1) }

    @inline(__always) func on(_ inv: Invariant) -> Bool { enabledMask & (1 << UInt64(ViolationID(inv).index)) != 0 }

    /// Report a violation (returns its id), with a sentence when explaining.
    @inline(__always) func fault(_ inv: Invariant, _ text: @autoclosure () -> String) -> ViolationID {
        let id = ViolationID(inv)
        raised |= 1 << UInt64(id.index)
        if wantDetail && details[id] == nil { details[id] = Explanation(text: text(), pc: curPC) }
        return id
    }
    /// A spec error; after a use-after-free in the same step the values are undefined, so
    /// the follow-on type error is not reported as a model error.
    func modelError(_ text: @autoclosure () -> String) -> ViolationID {
        if raised & Machine.useAfterFreeBit != 0 { return ViolationID(.useAfterFree) }
        return fault(.modelError, text())
    }
}
