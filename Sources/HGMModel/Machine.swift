import Dispatch

/// Executes the compiled model on packed states: which threads are enabled, one thread's
/// step (a visible operation plus the purely local work after it, merged), and the checks
/// on states. Works in place on `UnsafeMutablePointer<Word>` and allocates nothing on the
/// step path. Not thread-safe: one Machine per search thread.
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
    /// Set while replaying a trace: violations then record a sentence in `detail`.
    public var wantDetail = false
    public var detail = ""
    /// The operation that raised the last violation while replaying.
    public var detailPC = -1
    /// While replaying: the sentence and operation of every violation a step raised.
    public var details: [Int32: (text: String, pc: Int)] = [:]
    /// Bitmask of every violation the last step raised (a step may raise several).
    public var raised: UInt64 = 0
    public static let stopMask: UInt64 = (1 << UInt64(id(.modelError))) | (1 << UInt64(id(.useAfterFree)))
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
        for b in [ptlTableOf, rootLockOf, tBase, lockOff, lockRankOf, pDepth, pParent, pOffset, dSize, dBase, treeBases, canonLock, defaultLock, tableLock, vmaLockS, vmaStartA, vmaOfLock] { b.deallocate() }
        lockRW.deallocate(); lockSpin.deallocate(); vmaShared.deallocate()
    }

    // MARK: - Layout (flat)
    @inline(__always) func pcW(_ t: Int) -> Int { tBase[t] }
    @inline(__always) func flagsW(_ t: Int) -> Int { tBase[t] + 1 }
    @inline(__always) func waitMsgW(_ t: Int) -> Int { tBase[t] + 2 }
    @inline(__always) func waitRealW(_ t: Int) -> Int { tBase[t] + 3 }
    @inline(__always) func localW(_ t: Int, _ slot: Int) -> Int { tBase[t] + Machine.threadHeader + slot }
    @inline(__always) func gatherW(_ t: Int, _ page: Int) -> Int { model.gatherWord(t, page) }
    @inline(__always) func heldW(_ t: Int, _ page: Int) -> Int { model.heldWord(t, page) }
    @inline(__always) func treeBaseOf(_ v: Int, _ hp: Int) -> Int { treeBases[v * 8 + hp] }
    @inline(__always) func entryW(_ v: Int, _ hp: Int, _ pos: Int) -> Int { treeBases[v * 8 + hp] + pos }
    @inline(__always) func liveW(_ v: Int, _ hp: Int) -> Int { treeBases[v * 8 + hp] + positions }
    @inline(__always) func pageW(_ p: Int, _ f: Int) -> Int { pagesBase + p * Model.pageWords + f }
    @inline(__always) func depthOf(_ pos: Int) -> Int { pDepth[pos] }
    @inline(__always) func parentOf(_ pos: Int) -> Int { pParent[pos] }
    @inline(__always) func offsetOf(_ pos: Int) -> Int { pOffset[pos] }
    @inline(__always) func sizeAt(_ k: Int) -> Int { dSize[k] }
    @inline(__always) func baseAt(_ k: Int) -> Int { dBase[k] }
    @inline(__always) func canonicalPTL(_ h: HPTE) -> Int { canonLock[(h.tree * 8 + h.hp) * positions + h.pos] }
    @inline(__always) func hptePTL(_ h: HPTE) -> Int {
        h.ptlExplicit ? tableLock[(h.tree * 8 + h.hp) * positions + h.pos] : defaultLock[(h.tree * 8 + h.hp) * positions + h.pos]
    }
    /// The words of the entry a walk result names (in the root table it went through).
    @inline(__always) func entryW(_ h: HPTE) -> Int { treeBases[h.tree * 8 + h.hp] + h.pos }

    // MARK: - VMA state (split, vm_private_data, remove_vma, PUD -> PMD table)
    @inline(__always) func vmaW(_ v: Int) -> Int { vmaStateBase + v }
    @inline(__always) func vmaHas(_ s: UnsafePointer<Word>, _ v: Int, _ bit: Word) -> Bool { s[vmaW(v)] & bit != 0 }
    @inline(__always) func vmaField(_ s: UnsafePointer<Word>, _ v: Int, _ shift: Word) -> Int {
        Int((s[vmaW(v)] >> shift) & Model.VMAState.fieldMask)
    }
    @inline(__always) func setVMAField(_ s: UnsafeMutablePointer<Word>, _ v: Int, _ shift: Word, _ x: Int) {
        s[vmaW(v)] = (s[vmaW(v)] & ~(Model.VMAState.fieldMask << shift)) | (Word(x) << shift)
    }
    /// The root table V's PUD points to (a VMA tree index), or -1 when the PUD is none.
    @inline(__always) func pudTree(_ s: UnsafePointer<Word>, _ v: Int) -> Int { vmaField(s, v, Model.VMAState.pudShift) - 1 }
    /// The root table a walk through V goes through now: V's own, or with PMD sharing
    /// whatever V's PUD points to (-1: none).
    @inline(__always) func walkTree(_ s: UnsafePointer<Word>, _ v: Int) -> Int { pmdSharing ? pudTree(s, v) : v }
    /// Whether the walk result went through a root table that is freed, or no longer the
    /// one the walker's PUD points to (unshared after the walk: R1, R2).
    @inline(__always) func rootStale(_ s: UnsafePointer<Word>, _ h: HPTE) -> Bool {
        pmdSharing && (pudTree(s, h.vma) != h.tree || vmaField(s, h.tree, Model.VMAState.refShift) == 0)
    }
    /// Whether the root table a walk result went through has been freed since.
    @inline(__always) func rootFreed(_ s: UnsafePointer<Word>, _ h: HPTE) -> Bool {
        pmdSharing && vmaField(s, h.tree, Model.VMAState.refShift) == 0
    }

    public static func id(_ inv: Invariant) -> Int32 { Int32(Invariant.allCases.firstIndex(of: inv)!) }
    static let stopIDs = (id(.modelError), id(.useAfterFree))
    /// Violations after which a path is not explored further: a model error (the spec is
    /// broken) and a use-after-free (the kernel's behaviour is undefined from there).
    @inline(__always) public static func stopsPath(_ v: Int32) -> Bool { v == stopIDs.0 || v == stopIDs.1 }
    public func name(ofViolation id: Int32) -> String {
        let i = Int(id)
        return i < builtinCount ? Invariant.allCases[i].rawValue : model.userInvariants[i - builtinCount].name
    }
    public var violationCount: Int { builtinCount + model.userInvariants.count }

    @inline(__always) func on(_ inv: Invariant) -> Bool { enabledMask & (1 << UInt64(Machine.id(inv))) != 0 }

    /// Report a violation (returns its id), with a sentence when replaying.
    @inline(__always) func fault(_ inv: Invariant, _ text: @autoclosure () -> String) -> Int32 {
        let id = Machine.id(inv)
        raised |= 1 << UInt64(id)
        if wantDetail {
            let t = text()
            if detail.isEmpty { detail = t; detailPC = curPC }   // the step's first violation explains it
            if details[id] == nil { details[id] = (t, curPC) }
        }
        return id
    }
    /// A spec error; after a use-after-free in the same step the values are undefined, so
    /// the follow-on type error is not reported as a model error.
    func modelError(_ text: @autoclosure () -> String) -> Int32 {
        if raised & (1 << UInt64(Machine.stopIDs.1)) != 0 { return Machine.stopIDs.1 }
        return fault(.modelError, text())
    }

    // MARK: - Initial state

    /// The initial state; a violation found while running each thread's opening local code is returned too.
    public func initialState() -> (state: [Word], violation: Int32, thread: Int) {
        var s = [Word](repeating: 0, count: model.words)
        let w = model.world
        for (i, idx) in w.cached.enumerated() {
            s[pageW(i, Model.PageField.flags)] = Model.PageFlag.allocated | Model.PageFlag.cached
            s[pageW(i, Model.PageField.refcount)] = 1
            s[pageW(i, Model.PageField.index)] = Word(idx)
            s[cacheBase + idx] = Word(i + 1)
        }
        for i in w.cached.count..<w.pageCount { s[pageW(i, Model.PageField.index)] = -1 }
        for p in w.hwpoison { s[pageW(p, Model.PageField.flags)] |= Model.PageFlag.hwpoison }
        for p in w.notMigratable { s[pageW(p, Model.PageField.flags)] |= Model.PageFlag.notMigratable }
        s[isizeWord] = Word(w.isize)
        for (i, v) in w.variables.enumerated() { s[model.variablesBase + i] = Word(v.initial) }
        for v in model.treeBase { for b in v { for p in 0..<positions { s[b + p] = noneEntryWord } } }
        var refs = [Int](repeating: 0, count: w.vmas.count)
        for (i, v) in w.vmas.enumerated() where !v.pudNone { refs[v.shares ?? i] += 1 }
        for (i, v) in w.vmas.enumerated() {
            typealias B = Model.VMAState
            var x: Word = v.splitFrom == nil ? B.live | B.priv : 0
            if v.hgm { x |= B.hgm }
            x |= Word(v.pages) << B.pagesShift
            if !v.pudNone { x |= Word((v.shares ?? i) + 1) << B.pudShift }
            x |= Word(min(refs[i], 15)) << B.refShift
            s[vmaStateBase + i] = x
        }
        var violation: Int32 = -1
        var vt = -1
        raised = 0
        s.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            for t in 0..<nThreads {
                // Each thread's opening local work runs here, merged into the initial state;
                // unless it stops its path (a model error or use-after-free): then it stays
                // undone and is the thread's first step, so the other threads can run before
                // it, as they could before the thread reached that operation.
                let before = raised
                let lo = tBase[t], hi = t + 1 < nThreads ? tBase[t + 1] : lo + Machine.threadHeader + model.threads[t].locals + 2 * nPages
                let saved = Array(buf[lo..<hi])
                var pc = model.threads[t].entry
                let v = runLocal(p, t, &pc, atomic: false)
                if raised & Machine.stopMask != 0 {
                    for (i, w) in saved.enumerated() { p[lo + i] = w }
                    p[pcW(t)] = Word(model.threads[t].entry)
                    raised = before
                    continue
                }
                p[pcW(t)] = Word(pc)
                if v >= 0 && violation < 0 { violation = v; vt = t }
            }
        }
        return (s, violation, vt)
    }

    // MARK: - Enabledness

    @inline(__always) public func finished(_ s: UnsafePointer<Word>, _ t: Int) -> Bool {
        if case .end = ops[Int(s[pcW(t)])] { return true }
        return false
    }

    /// Number of alternative steps of thread t here (0 when blocked or finished).
    @inline(__always) public func choices(_ s: UnsafePointer<Word>, _ t: Int) -> Int {
        switch ops[Int(s[pcW(t)])] {
        case .end: return 0
        case .either(_, let count): return Int(count)
        case .prim(let p, _, let args, _):
            if !p.blocks { return 1 }
            return primEnabled(s, t, p, args) ? 1 : 0
        default: return 1
        }
    }

    @inline(__always) func primEnabled(_ s: UnsafePointer<Word>, _ t: Int, _ p: Prim, _ args: Int32) -> Bool {
        if p == .uffdSleep { return s[waitMsgW(t)] == 0 }
        let lw = eval(argList[Int(args)], UnsafeMutablePointer(mutating: s), t)
        if evalError { evalError = false; return true }   // the step itself reports the model error
        guard tagOf(lw) == .lock else { return true }
        let slot = lockSlotOf(lw)
        if vmaOfLock[slot] >= 0 && !vmaHas(s, vmaOfLock[slot], Model.VMAState.priv) { return true }   // a no-op (or freed) vma_lock
        let o = lockOff[slot]
        let bit = Word(1) << Word(t)
        switch (p, lockRW[slot]) {
        case (.lock, false): return s[o] == 0
        case (.readLock, true): return s[o] == 0 && s[o + 2] == 0
        case (.writeLock, true): return (s[o] == 0 && s[o + 1] == 0) || s[o + 2] & bit == 0
        default: return true
        }
    }

    // MARK: - Steps

    /// Runs one step of thread t (alternative `choice`) on s in place. Returns a violation id or -1.
    public func step(_ s: UnsafeMutablePointer<Word>, _ t: Int, choice: Int) -> Int32 {
        var pc = Int(s[pcW(t)])
        var v: Int32 = -1
        curPC = pc
        raised = 0
        var atomic = false
        switch ops[pc] {
        case .either(let first, _):
            pc = Int(targets[Int(first) + choice])
        case .atomicBegin:
            pc += 1
            atomic = true
        case .prim(let p, let dst, let args, let argc):
            var advance = true
            v = prim(s, t, p, dst, args, argc, &advance)
            if advance { pc += 1 } else { s[pcW(t)] = Word(pc); return v }
        case .sharedRead(let dst, let e):
            v = sharedRead(s, t, dst, e)
            pc += 1
        default:
            break
        }
        // A use-after-free or model error ends the step where it happens: what follows would
        // run on undefined values (and the path stops there).
        if raised & Machine.stopMask != 0 { s[pcW(t)] = Word(pc); return v >= 0 ? v : Int32(raised.trailingZeroBitCount) }
        if v < 0 { v = runLocal(s, t, &pc, atomic: atomic) } else { _ = runLocal(s, t, &pc, atomic: atomic) }
        s[pcW(t)] = Word(pc)
        // A violation raised while evaluating an expression (a read of a freed VMA's field).
        if v < 0 && raised != 0 { v = Int32(raised.trailingZeroBitCount) }
        return v
    }

    /// A step reading shared state into a local (`Op.sharedRead`).
    func sharedRead(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ dst: Int32, _ e: Int32) -> Int32 {
        let x = eval(e, s, t)
        s[localW(t, Int(dst))] = x
        if evalError { evalError = false; return modelError(evalErrorText) }
        return -1
    }

    /// Executes local operations (and, inside an atomic block's body, primitives) until the
    /// next visible operation or the end. Checks lock balance when the thread returns.
    ///
    /// Local work is not bounded by a budget: after `LocalLoop.watchAfter` operations in one
    /// step the whole state is watched for a repeat (Brent's cycle detection), and only a
    /// repeat, a local loop that can never take a step, is reported (as a model error). A
    /// finite computation of any length runs to its end, within the search's deadline.
    func runLocal(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ pc: inout Int, atomic: Bool) -> Int32 {
        var atomic = atomic
        var result: Int32 = -1
        var ran = 0
        var loop = LocalLoop()
        while true {
            curPC = pc
            if raised & Machine.stopMask != 0 { return first(result, Int32(raised.trailingZeroBitCount)) }   // the step ends at a stopping violation
            if atomic && !inAtomic[pc] { atomic = false }    // control left the atomic body: the step ends at the next visible op
            ran &+= 1
            if ran > LocalLoop.watchAfter {
                if loop.repeats(s, pc, words: model.words, scratch: loopScratch) {
                    return first(result, modelError("a loop at \(model.info[pc].location.description) runs forever without taking a step"))
                }
                if ran & ((1 << 20) - 1) == 0 && deadline != 0 && DispatchTime.now().uptimeNanoseconds >= deadline {
                    timedOut = true
                    return result
                }
            }
            switch ops[pc] {
            case .eval(let dst, let e):
                let x = eval(e, s, t)
                if evalError { evalError = false; result = first(result, modelError(evalErrorText)) }
                s[localW(t, Int(dst))] = x
                pc += 1
            case .jump(let target):
                pc = Int(target)
            case .branchFalse(let e, let target):
                let x = eval(e, s, t)
                if evalError { evalError = false; result = first(result, modelError(evalErrorText)) }
                if tagOf(x) != .int { result = first(result, modelError("a condition must be a number or boolean")) }
                pc = x == 0 ? Int(target) : pc + 1
            case .resetLocal(let slot):
                s[localW(t, Int(slot))] = 0
                pc += 1
            case .loopCheck(let slot, let bound):
                let w = localW(t, Int(slot))
                s[w] += 1
                if s[w] > bound {
                    s[w] = bound     // capped whether or not loop-bound is checked, so the state space stays finite
                    if on(.loopBound) { result = first(result, fault(.loopBound, "the loop ran more than its bound of \(bound) iterations")) }
                }
                pc += 1
            case .assert(let e, let msg):
                let x = eval(e, s, t)
                if evalError { evalError = false; result = first(result, modelError(evalErrorText)) }
                if x == 0 && on(.assertion) { result = first(result, fault(.assertion, model.messages[Int(msg)])) }
                pc += 1
            case .clearLocals(let from, let to):
                for i in from..<to { s[localW(t, Int(i))] = 0 }
                pc += 1
            case .atomicBegin:
                if !atomic { return result }     // an atomic block starts a step of its own
                pc += 1                          // nested in the running block
            case .atomicEnd:
                pc += 1
            case .sharedRead(let dst, let e):
                if !atomic { return result }
                result = first(result, sharedRead(s, t, dst, e))
                pc += 1
            case .prim(let p, let dst, let args, let argc):
                if !atomic { return result }
                var advance = true
                let v = prim(s, t, p, dst, args, argc, &advance)
                if !advance { return first(result, modelError("'\(p.signature.name)' would block inside an atomic block")) }
                result = first(result, v)
                pc += 1
            case .either:
                return result
            case .end:
                // After a use-after-free in this step (e.g. an unlock through a freed table's
                // PTL) the lock state is undefined: no follow-on lock-balance report.
                if on(.lockBalance) && raised & (1 << UInt64(Machine.stopIDs.1)) == 0 {
                    for i in 0..<nLocks where holds(s, t, i) {
                        result = first(result, fault(.lockBalance, "thread \(model.threads[t].name) returned from \(model.threads[t].procedure) still holding \(model.lockSlots[i].name)"))
                        break
                    }
                }
                if on(.refcount) {
                    for pg in 0..<nPages {
                        if s[heldW(t, pg)] != 0 {
                            result = first(result, fault(.refcount, "thread \(model.threads[t].name) returned holding \(s[heldW(t, pg)]) reference(s) to P\(pg) that it never put or mapped"))
                            break
                        }
                        if s[gatherW(t, pg)] != 0 {
                            result = first(result, fault(.refcount, "thread \(model.threads[t].name) returned with deferred puts of P\(pg) never flushed (no tlb_finish)"))
                            break
                        }
                    }
                }
                return result
            }
        }
    }

    @inline(__always) func first(_ a: Int32, _ b: Int32) -> Int32 { a >= 0 ? a : b }

    // MARK: - Locks

    @inline(__always) func holds(_ s: UnsafePointer<Word>, _ t: Int, _ slot: Int) -> Bool {
        let o = lockOff[slot]
        if lockRW[slot] { return s[o] == Word(t + 1) || s[o + 1] & (Word(1) << Word(t)) != 0 }
        return s[o] == Word(t + 1)
    }
    @inline(__always) func holdsWrite(_ s: UnsafePointer<Word>, _ t: Int, _ slot: Int) -> Bool {
        s[lockOff[slot]] == Word(t + 1)
    }
    func holdsVMALock(_ s: UnsafePointer<Word>, _ t: Int, _ vma: Int) -> Bool { holds(s, t, vmaLockS[vma]) }

    func lockOrderCheck(_ s: UnsafePointer<Word>, _ t: Int, _ slot: Int) -> Int32 {
        let rank = lockRankOf[slot]
        guard rank >= 0, on(.lockOrder) else { return -1 }
        for i in 0..<nLocks where i != slot && holds(s, t, i) {
            let r = lockRankOf[i]
            guard r >= 0 else { continue }
            let l = model.lockSlots[i]
            if r > rank || (r == rank) {
                return fault(.lockOrder, "thread \(model.threads[t].name) blocks on \(model.lockSlots[slot].name) while holding \(l.name)"
                    + (r == rank ? " (same lock class \(l.lockClass))" : "; declared order puts \(l.lockClass) after \(model.lockSlots[slot].lockClass)"))
            }
        }
        return -1
    }

    /// Whether the page-table page a PTL lives in is freed (or, for a split PTL, was never
    /// allocated): the lock is memory inside that page.
    @inline(__always) func ptlPageFreed(_ s: UnsafePointer<Word>, _ slot: Int) -> Bool {
        let x = ptlTableOf[slot]
        if x >= 0 {
            let tree = x >> 16
            if !tableLive(s, tree, (x >> 8) & 0xFF, x & 0xFF) { return true }
            return pmdSharing && vmaField(s, tree, Model.VMAState.refShift) == 0
        }
        let r = rootLockOf[slot]
        return r >= 0 && pmdSharing && vmaField(s, r, Model.VMAState.refShift) == 0
    }

    func lockOp(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ p: Prim, _ lw: Word, _ dst: Int32, _ advance: inout Bool) -> Int32 {
        guard tagOf(lw) == .lock else { return modelError("\(p.signature.name) needs a lock, got \(describe(lw))") }
        let slot = lockSlotOf(lw)
        if (lockDangling(lw) || ptlPageFreed(s, slot)) && on(.useAfterFree) {
            let verb = p == .unlock || p == .readUnlock || p == .writeUnlock ? "releases" : "takes"
            return fault(.useAfterFree, "thread \(model.threads[t].name) \(verb) \(model.lockSlots[slot].name) (\(p.signature.name)), inside a page-table page freed after its walk")
        }
        let vo = vmaOfLock[slot]
        if vo >= 0 && !vmaHas(s, vo, Model.VMAState.priv) {
            if vmaHas(s, vo, Model.VMAState.freed) && on(.useAfterFree) {
                return fault(.useAfterFree, "thread \(model.threads[t].name) calls \(p.signature.name) on the vma_lock of \(model.world.vmas[vo].name), which was freed with its VMA (remove_vma)")
            }
            // vm_private_data == NULL: hugetlb_vma_lock_*/unlock_* do nothing and
            // hugetlb_vma_trylock_write returns 1 (§1.2).
            if dst >= 0 { s[localW(t, Int(dst))] = mkInt(1) }
            return -1
        }
        let o = lockOff[slot]
        let me = Word(t + 1)
        let bit = Word(1) << Word(t)
        let isRW = lockRW[slot]
        var l: LockSlot { model.lockSlots[slot] }
        switch p {
        case .lock, .readLock, .writeLock:
            if (p == .lock) == isRW {
                return modelError(isRW ? "\(l.name) is an rw_semaphore: use read_lock or write_lock" : "\(l.name) is a \(l.kind.rawValue): use lock/unlock")
            }
            let v = lockOrderCheck(s, t, slot)
            switch p {
            case .lock: s[o] = me
            case .readLock: s[o + 1] |= bit
            default:
                if s[o] == 0 && s[o + 1] == 0 { s[o] = me; s[o + 2] &= ~bit }
                else { s[o + 2] |= bit; advance = false }   // queued: blocks new readers
            }
            return v
        case .trylock, .readTrylock, .writeTrylock:
            if (p == .trylock) == isRW { return modelError("\(p.signature.name) does not fit \(l.name), a \(l.kind.rawValue)") }
            var ok = false
            switch p {
            case .trylock: if s[o] == 0 { s[o] = me; ok = true }
            case .readTrylock: if s[o] == 0 && s[o + 2] == 0 { s[o + 1] |= bit; ok = true }
            default: if s[o] == 0 && s[o + 1] == 0 && s[o + 2] == 0 { s[o] = me; ok = true }   // fails while a writer is queued (RWSEM_FLAG_WAITERS)
            }
            if dst >= 0 { s[localW(t, Int(dst))] = mkInt(ok ? 1 : 0) }
            return -1
        default:
            let held: Bool
            switch p {
            case .unlock:
                if isRW { return modelError("\(l.name) is an rw_semaphore: use read_unlock or write_unlock") }
                held = s[o] == me; if held { s[o] = 0 }
            case .readUnlock:
                if !isRW { return modelError("\(l.name) is not an rw_semaphore") }
                held = s[o + 1] & bit != 0; if held { s[o + 1] &= ~bit }
            default:
                if !isRW { return modelError("\(l.name) is not an rw_semaphore") }
                held = s[o] == me; if held { s[o] = 0 }
            }
            if !held && on(.lockBalance) {
                return fault(.lockBalance, "thread \(model.threads[t].name) releases \(l.name) (\(p.signature.name)) without holding it")
            }
            return -1
        }
    }

    // MARK: - Primitives

    @inline(__always) func arg(_ args: Int32, _ i: Int, _ s: UnsafeMutablePointer<Word>, _ t: Int) -> Word {
        eval(argList[Int(args) + i], s, t)
    }

    /// Checks a handle before an access: a model value, not into a freed table, and for a
    /// write, not into a PMD table the walker's mm no longer maps (§5 R1).
    func access(_ s: UnsafePointer<Word>, _ t: Int, _ w: Word, _ what: String, write: Bool = true) -> (HPTE, Int32) {
        guard tagOf(w) == .hpte else { return (HPTE(vma: 0, hp: 0, pos: 0, ptlExplicit: false, dangling: false), modelError("\(what) needs a walk result (hpte), got \(describe(w))")) }
        let h = HPTE(w)
        if h.dangling || (h.pos > 0 && !tableLive(s, h.tree, h.hp, parentOf(h.pos))) {
            if on(.useAfterFree) {
                return (h, fault(.useAfterFree, "thread \(model.threads[t].name) \(what)s through a walk result into a page-table page freed after the walk"))
            }
        } else if rootStale(s, h) && (write || rootFreed(s, h)) && on(.useAfterFree) {
            return (h, fault(.useAfterFree, "thread \(model.threads[t].name) \(what)s through a walk result into \(staleRootText(s, h))"))
        }
        return (h, -1)
    }

    /// Why a walk result's root table is stale, for messages.
    func staleRootText(_ s: UnsafePointer<Word>, _ h: HPTE) -> String {
        let owner = model.world.vmas[h.tree].name, mm = model.world.mms[model.world.vmas[h.vma].mm]
        if vmaField(s, h.tree, Model.VMAState.refShift) == 0 { return "the PMD table of \(owner), freed after the walk" }
        return "the PMD table of \(owner), which \(mm) no longer maps (unshared after the walk)"
    }

    @inline(__always) func tableLive(_ s: UnsafePointer<Word>, _ vma: Int, _ hp: Int, _ slot: Int) -> Bool {
        s[liveW(vma, hp)] & (Word(1) << Word(slot)) != 0
    }

    /// The shared prologue of every entry write: the handle must not dangle (else `v` is the
    /// use-after-free and nil is returned), then the PTL check's result goes into `v`.
    /// Returns the handle and the entry's state word.
    @inline(__always)
    func writeAccess(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ args: Int32, _ what: String, _ v: inout Int32) -> (HPTE, Int)? {
        let (h, e) = access(s, t, arg(args, 0, s, t), what)
        if e >= 0 { v = e; return nil }
        v = writeCheck(s, t, h)
        return (h, entryW(h))
    }

    func writeCheck(_ s: UnsafePointer<Word>, _ t: Int, _ h: HPTE) -> Int32 {
        let canon = canonicalPTL(h)
        if holds(s, t, canon) { return -1 }
        if vmaShared[h.vma] && holdsWrite(s, t, vmaLockS[h.vma]) { return -1 }
        let other = hptePTL(h)
        if other != canon && holds(s, t, other) {
            if on(.ptlIdentity) {
                return fault(.ptlIdentity, "thread \(model.threads[t].name) writes \(entryName(h)) under \(model.lockSlots[other].name), but its PTL is \(model.lockSlots[canon].name)")
            }
            return -1
        }
        if on(.ptlHeld) {
            return fault(.ptlHeld, "thread \(model.threads[t].name) writes \(entryName(h)) without holding its PTL \(model.lockSlots[canon].name)")
        }
        return -1
    }

    func prim(_ s: UnsafeMutablePointer<Word>, _ t: Int, _ p: Prim, _ dst: Int32, _ args: Int32, _ argc: Int32, _ advance: inout Bool) -> Int32 {
        var v: Int32 = -1
        @inline(__always) func set(_ w: Word) { if dst >= 0 { s[localW(t, Int(dst))] = w } }
        @inline(__always) func pageArg(_ i: Int) -> Int? {
            let w = arg(args, i, s, t)
            guard tagOf(w) == .page else { return nil }
            return payload(w)
        }
        switch p {
        case .lock, .readLock, .writeLock, .unlock, .readUnlock, .writeUnlock, .trylock, .readTrylock, .writeTrylock:
            v = lockOp(s, t, p, arg(args, 0, s, t), dst, &advance)
        case .read:
            let (h, e) = access(s, t, arg(args, 0, s, t), "read", write: false)
            if e >= 0 { v = e; break }
            set(s[entryW(h)])
        case .descend:
            let (h, e) = access(s, t, arg(args, 0, s, t), "descend", write: false)
            if e >= 0 { v = e; break }
            let a = arg(args, 1, s, t)
            guard tagOf(a) == .int else { v = modelError("descend needs an address"); break }
            if vmaShared[h.vma] && !holdsVMALock(s, t, h.vma) && on(.walkUnlocked) {
                v = fault(.walkUnlocked, "thread \(model.threads[t].name) descends below \(entryName(h)) without \(model.lockSlots[vmaLockS[h.vma]].name)")
            }
            let k = depthOf(h.pos)
            guard k + 1 < nLevels else { v = first(v, modelError("descend below the last level")); break }
            // The walker computes the child pointer from the value it read earlier; if that
            // table page is gone now, the descent dereferences freed memory. (A table freed
            // and allocated again in between is not told apart: no generations are kept.)
            if !tableLive(s, h.tree, h.hp, h.pos) {
                if on(.useAfterFree) {
                    v = first(v, fault(.useAfterFree, "thread \(model.threads[t].name) descends below \(entryName(h)) into a table page that was freed (or never allocated)"))
                }
                break
            }
            let off = (intOf(a) - vmaStartA[h.vma]) - h.hp * hpPages
            let start = offsetOf(h.pos)
            guard off >= start && off < start + sizeAt(k) else { v = first(v, modelError("descend: address outside \(entryName(h))")); break }
            let child = g.pos(depth: k + 1, offset: off)
            set(HPTE(vma: h.vma, hp: h.hp, pos: child, ptlExplicit: k + 2 == nLevels, dangling: false).word)
        case .populate:
            guard let (h, w) = writeAccess(s, t, args, "populate", &v) else { break }
            guard depthOf(h.pos) + 1 < nLevels else { v = first(v, modelError("cannot split a \(g.pageShift)-shift entry")); break }
            let ev = PTEValue(s[w])
            if ev.kind != .none && on(.splitFromBlank) {
                v = first(v, fault(.splitFromBlank, "thread \(model.threads[t].name) populates \(entryName(h)), which is \(ev.kind.name), with a table"))
            }
            s[w] = PTEValue(kind: .table).word
            s[liveW(h.tree, h.hp)] |= Word(1) << Word(h.pos)
        case .mapLeaf:
            let (h, e) = access(s, t, arg(args, 0, s, t), "map")
            if e >= 0 { v = e; break }
            guard let pg = pageArg(1) else { v = modelError("map_leaf needs a page, got \(describe(arg(args, 1, s, t)))"); break }
            let a = arg(args, 2, s, t)
            guard tagOf(a) == .int else { v = modelError("map_leaf needs an address"); break }
            v = writeCheck(s, t, h)
            s[entryW(h)] = leafValue(h, pg, intOf(a))
            s[pageW(pg, Model.PageField.mapcount)] += 1
            let hw = heldW(t, pg)
            if s[hw] > 0 { s[hw] -= 1 }   // the caller's lookup reference becomes the mapping's reference
        case .zap:
            guard let (h, w) = writeAccess(s, t, args, "zap", &v) else { break }
            let ev = PTEValue(s[w])
            guard ev.kind == .leaf else { v = first(v, modelError("zap of \(entryName(h)), which is \(ev.kind.name), not a leaf")); break }
            s[w] = noneEntryWord
            s[pageW(ev.page, Model.PageField.mapcount)] -= 1
            s[gatherW(t, ev.page)] += 1
        case .clear, .setMarker:
            guard let (_, w) = writeAccess(s, t, args, "clear", &v) else { break }
            let ev = PTEValue(s[w])
            // A migration entry holds the page reference its leaf had (install_migration):
            // clearing it drops that reference through this thread's deferred puts.
            if ev.kind == .migration { s[gatherW(t, ev.page)] += 1 }
            s[w] = PTEValue(kind: p == .clear ? .none : .marker).word
        case .installMigration:
            // §2.10 try_to_migrate_one: LEAF -> MIGRATION(page, subpage); page_remove_rmap
            // (mapcount -1, §4 inv. 1); the mapping's page reference moves to the entry.
            guard let (h, w) = writeAccess(s, t, args, "install_migration", &v) else { break }
            let ev = PTEValue(s[w])
            guard ev.kind == .leaf else { v = first(v, modelError("install_migration on \(entryName(h)), which is \(ev.kind.name), not a leaf")); break }
            s[w] = PTEValue(kind: .migration, page: ev.page, sub: ev.sub).word
            s[pageW(ev.page, Model.PageField.mapcount)] -= 1
        case .removeMigration:
            // §2.10 remove_migration_pte: MIGRATION -> LEAF(page, subpage of addr);
            // page_dup_file_rmap (mapcount +1); the entry's reference becomes the leaf's.
            let (h, e) = access(s, t, arg(args, 0, s, t), "remove_migration")
            if e >= 0 { v = e; break }
            guard let pg = pageArg(1) else { v = modelError("remove_migration needs a page, got \(describe(arg(args, 1, s, t)))"); break }
            let a = arg(args, 2, s, t)
            guard tagOf(a) == .int else { v = modelError("remove_migration needs an address"); break }
            v = writeCheck(s, t, h)
            let w = entryW(h)
            let ev = PTEValue(s[w])
            guard ev.kind == .migration else { v = first(v, modelError("remove_migration on \(entryName(h)), which is \(ev.kind.name), not a migration entry")); break }
            s[w] = leafValue(h, pg, intOf(a))
            s[pageW(pg, Model.PageField.mapcount)] += 1
            if pg != ev.page {      // restored to another page: the reference moves with it
                s[pageW(ev.page, Model.PageField.refcount)] -= 1
                s[pageW(pg, Model.PageField.refcount)] += 1
                recycle(s, ev.page)
            }
        case .installHwpoison:
            // Memory failure: any entry but a table -> HWPOISON. A leaf's rmap is removed
            // (mapcount -1); a leaf's or migration entry's reference becomes a deferred put.
            guard let (h, w) = writeAccess(s, t, args, "install_hwpoison", &v) else { break }
            let ev = PTEValue(s[w])
            guard ev.kind != .table else { v = first(v, modelError("install_hwpoison on \(entryName(h)), which is a table")); break }
            if ev.kind == .leaf { s[pageW(ev.page, Model.PageField.mapcount)] -= 1 }
            if ev.kind == .leaf || ev.kind == .migration { s[gatherW(t, ev.page)] += 1 }
            s[w] = PTEValue(kind: .hwpoison).word
        case .isolateHugetlb, .putbackHugetlb:
            // isolate_hugetlb clears HPageMigratable (it doubles as the isolation flag) and
            // fails on a page already isolated or not migratable; putback_active_hugepage sets it.
            guard let pg = pageArg(0) else { v = modelError("\(p.signature.name) needs a page"); break }
            let fw = pageW(pg, Model.PageField.flags)
            if p == .isolateHugetlb {
                let ok = s[fw] & Model.PageFlag.notMigratable == 0
                if ok { s[fw] |= Model.PageFlag.notMigratable }
                set(mkInt(ok ? 1 : 0))
            } else {
                s[fw] &= ~Model.PageFlag.notMigratable
            }
        case .freeTables:
            let (h, e) = access(s, t, arg(args, 0, s, t), "free tables")
            if e >= 0 { v = e; break }
            if !(vmaShared[h.vma] && holdsWrite(s, t, vmaLockS[h.vma])) && on(.freeUnlocked) {
                v = fault(.freeUnlocked, "thread \(model.threads[t].name) frees the tables below \(entryName(h)) without \(model.lockSlots[vmaLockS[h.vma]].name) held for write")
            }
            let w = entryW(h)
            guard PTEValue(s[w]).kind == .table else { v = first(v, modelError("free_tables of \(entryName(h)), which is not a table")); break }
            freeSubtree(s, h.tree, h.hp, h.pos)
            s[w] = noneEntryWord
        case .splitVma, .vmaLockFree, .removeVma, .findVma, .hugePmdShare, .pmdAlloc, .hugePmdUnshare, .freePgtables:
            v = vmaPrim(s, t, p, args, dst)
        case .findGetPage:
            let i = arg(args, 0, s, t)
            guard tagOf(i) == .int, intOf(i) >= 0, intOf(i) < model.world.hugepages else { v = modelError("find_get_page: index \(describe(i)) is outside the file"); break }
            let c = Int(s[cacheBase + intOf(i)])
            if c == 0 { set(nullWord); break }
            s[pageW(c - 1, Model.PageField.refcount)] += 1
            s[heldW(t, c - 1)] += 1
            set(mkPage(c - 1))
        case .putPage:
            guard let pg = pageArg(0) else { v = modelError("put_page needs a page"); break }
            s[pageW(pg, Model.PageField.refcount)] -= 1
            let hw = heldW(t, pg)
            if s[hw] > 0 { s[hw] -= 1 }
            recycle(s, pg)
        case .pageInCache:
            guard let pg = pageArg(0) else { v = modelError("page_in_cache needs a page"); break }
            set(mkInt(s[pageW(pg, Model.PageField.flags)] & Model.PageFlag.cached != 0 ? 1 : 0))
        case .allocPage:
            var got = nullWord
            for pg in 0..<nPages where s[pageW(pg, Model.PageField.flags)] & Model.PageFlag.allocated == 0 {
                s[pageW(pg, Model.PageField.flags)] |= Model.PageFlag.allocated
                s[pageW(pg, Model.PageField.refcount)] = 1
                s[heldW(t, pg)] = 1
                got = mkPage(pg)
                break
            }
            set(got)
        case .addToCache:
            guard let pg = pageArg(0) else { v = modelError("add_to_page_cache needs a page"); break }
            let i = arg(args, 1, s, t)
            guard tagOf(i) == .int, intOf(i) >= 0, intOf(i) < model.world.hugepages else { v = modelError("add_to_page_cache: index outside the file"); break }
            let cw = cacheBase + intOf(i)
            if s[cw] != 0 { set(mkInt(-17)); break }
            let lo = lockOff[pageLock0 + pg]
            if s[lo] != 0 && s[lo] != Word(t + 1) { v = modelError("add_to_page_cache of a page locked by another thread"); break }
            s[lo] = Word(t + 1)        // the new page enters the cache locked
            s[cw] = Word(pg + 1)
            s[pageW(pg, Model.PageField.flags)] |= Model.PageFlag.cached
            s[pageW(pg, Model.PageField.index)] = Word(intOf(i))
            s[pageW(pg, Model.PageField.refcount)] += 1
            set(mkInt(0))
        case .deleteFromCache:
            guard let pg = pageArg(0) else { v = modelError("delete_from_page_cache needs a page"); break }
            let fw = pageW(pg, Model.PageField.flags)
            if s[fw] & Model.PageFlag.cached != 0 {
                s[fw] &= ~Model.PageFlag.cached
                s[cacheBase + Int(s[pageW(pg, Model.PageField.index)])] = 0
                s[pageW(pg, Model.PageField.refcount)] -= 1
                recycle(s, pg)
            }
        case .pageHwpoison, .pageMigratable, .pageMapped:
            guard let pg = pageArg(0) else { v = modelError("\(p.signature.name) needs a page"); break }
            let f = s[pageW(pg, Model.PageField.flags)]
            let r: Bool = p == .pageHwpoison ? f & Model.PageFlag.hwpoison != 0
                : p == .pageMigratable ? f & Model.PageFlag.notMigratable == 0
                : s[pageW(pg, Model.PageField.mapcount)] > 0
            set(mkInt(r ? 1 : 0))
        case .load, .store:
            let r = arg(args, 0, s, t)
            guard tagOf(r) == .variable else { v = modelError("\(p.signature.name) needs a shared variable (declared with var in the world), got \(describe(r))"); break }
            let w = model.variablesBase + payload(r)
            if p == .load { set(mkInt(Int(s[w]))); break }
            let x = arg(args, 1, s, t)
            guard tagOf(x) == .int else { v = modelError("store needs a number, got \(describe(x))"); break }
            s[w] = Word(intOf(x))
        case .isizeRead:
            set(mkInt(Int(s[isizeWord])))
        case .isizeWrite:
            let n = arg(args, 0, s, t)
            guard tagOf(n) == .int, intOf(n) >= 0 else { v = modelError("i_size_write needs a size in hugepages"); break }
            s[isizeWord] = Word(intOf(n))
            s[flagsW(t)] |= 1
        case .uffdEnqueue:
            let msg = arg(args, 0, s, t), real = arg(args, 1, s, t)
            guard tagOf(msg) == .int, tagOf(real) == .int else { v = modelError("uffd_enqueue needs addresses"); break }
            s[waitMsgW(t)] = Word(intOf(msg) + 1)
            s[waitRealW(t)] = Word(intOf(real) + 1)
        case .uffdSleep, .uffdDequeue:
            s[waitMsgW(t)] = 0
            s[waitRealW(t)] = 0
        case .wakeRange:
            let a = arg(args, 0, s, t), n = arg(args, 1, s, t)
            guard tagOf(a) == .int, tagOf(n) == .int else { v = modelError("wake_range needs a start and a length"); break }
            for u in 0..<nThreads {
                let m = Int(s[waitMsgW(u)]) - 1
                if m >= 0 && m >= intOf(a) && m < intOf(a) + intOf(n) { s[waitMsgW(u)] = 0 }
            }
            let lo = max(0, intOf(a)), hi = min(model.wokenAddresses, max(0, intOf(a) + intOf(n)))
            if lo < hi { for x in lo..<hi { s[wokenWord + x / 32] |= Word(bitPattern: UInt32(1) << UInt32(x % 32)) } }
        case .tlbFinish:
            for pg in 0..<nPages {
                let gw = gatherW(t, pg)
                if s[gw] != 0 {
                    s[pageW(pg, Model.PageField.refcount)] -= s[gw]
                    s[gw] = 0
                    recycle(s, pg)      // free_huge_page at tlb_finish_mmu (R7(b))
                }
            }
        }
        if evalError { evalError = false; v = first(v, modelError(evalErrorText)) }
        return v
    }

    /// With `recycle_pages`, a page whose last reference is gone (refcount 0, not cached,
    /// not mapped) returns to the free pool (free_huge_page); alloc_huge_page may reuse it.
    @inline(__always) func recycle(_ s: UnsafeMutablePointer<Word>, _ pg: Int) {
        guard recyclePages, s[pageW(pg, Model.PageField.refcount)] == 0, s[pageW(pg, Model.PageField.mapcount)] == 0,
              s[pageW(pg, Model.PageField.flags)] & Model.PageFlag.cached == 0 else { return }
        s[pageW(pg, Model.PageField.flags)] &= ~Model.PageFlag.allocated
        s[pageW(pg, Model.PageField.index)] = -1
    }

    /// The leaf an entry gets for `page` at address `addr`: the subpage of `addr`, aligned
    /// down to the entry's size (`hugetlb_find_subpage` + `make_huge_pte_with_shift`).
    @inline(__always) func leafValue(_ h: HPTE, _ page: Int, _ addr: Int) -> Word {
        let size = sizeAt(depthOf(h.pos))
        let off = ((addr - vmaStartA[h.vma]) % hpPages + hpPages) % hpPages
        return PTEValue(kind: .leaf, page: page, sub: off - off % size).word
    }

    /// Frees the table below `pos` and every table below that; marks every walk result into
    /// them dangling (a later access through one is a use-after-free).
    func freeSubtree(_ s: UnsafeMutablePointer<Word>, _ vma: Int, _ hp: Int, _ pos: Int) {
        guard depthOf(pos) + 1 < nLevels, tableLive(s, vma, hp, pos) else { return }
        let k = depthOf(pos)
        let firstChild = baseAt(k + 1) + (pos - baseAt(k)) * g.fanout
        for c in firstChild..<(firstChild + g.fanout) {
            freeSubtree(s, vma, hp, c)
            s[entryW(vma, hp, c)] = noneEntryWord
        }
        s[liveW(vma, hp)] &= ~(Word(1) << Word(pos))
        for t in 0..<nThreads {
            for l in 0..<model.threads[t].locals {
                let w = localW(t, l)
                guard tagOf(s[w]) == .hpte else { continue }
                var h = HPTE(s[w])
                if treeBaseOf(h.tree, h.hp) == treeBaseOf(vma, hp) && h.pos > 0 && parentOf(h.pos) == pos {
                    h.dangling = true
                    s[w] = h.word
                }
            }
        }
    }

    // MARK: - Names for messages

    public func entryName(_ h: HPTE) -> String { entryName(vma: h.vma, hp: h.hp, pos: h.pos) }
    public func entryName(vma: Int, hp: Int, pos: Int) -> String {
        let k = depthOf(pos)
        var path = "\(g.treeLevels[k].name)"
        if k > 0 { path += "[\(pos - baseAt(k))]" }
        return "\(model.world.vmas[vma].name).hp\(hp).\(path)"
    }

    public func describe(_ w: Word) -> String {
        switch tagOf(w) {
        case .int: return "\(intOf(w))"
        case .null: return "NULL"
        case .page: return "P\(payload(w))"
        case .lock: return model.lockSlots[lockSlotOf(w)].name
        case .variable: return model.world.variables[payload(w)].name
        case .hpte:
            let h = HPTE(w)
            return "hpte(\(entryName(h)))" + (h.dangling ? " [dangling]" : "")
        case .entry:
            let e = PTEValue(w)
            switch e.kind {
            case .leaf: return "leaf(P\(e.page)+\(e.sub))"
            case .migration: return "migration(P\(e.page)+\(e.sub))"
            default: return e.kind.name
            }
        }
    }
}
