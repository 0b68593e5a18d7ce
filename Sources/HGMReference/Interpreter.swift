import HGMModel

/// The reference semantics' steps: one compiled operation of one thread at a time.
///
/// Contract: every operation is its own step (`eval`, `branchFalse`, `jump`, `assert`,
/// `loopCheck`, `clearLocals`, `resetLocal`, a primitive, one branch of `either`,
/// `sharedRead`), except an atomic block, which is one step from its `atomicBegin` while
/// control stays inside the block's body. A thread whose pc is at `.end` has returned; the
/// step that brings it there checks what a return must satisfy (lock balance, references).
/// Primitive effects and expression values come from the engine (`Machine.applyPrimitive`,
/// `Machine.evaluate`); control flow, scheduling, enabledness and checks are written here
/// independently of `Machine.step`/`runLocal`/`choices`/`checkState`.
final class Interpreter {
    let model: Model
    let machine: Machine
    let ops: [Op]
    let nThreads: Int
    /// `inAtomic[pc]`: the op is inside an atomic block's body (an atomic step goes on while this holds).
    let inAtomic: [Bool]
    /// Violations that are reported: the selected built-in invariants, the user invariants, model-error.
    let selected: UInt64
    /// `mayLoopLocally[pc]`: from this op, local ops alone can reach a control-flow cycle (a
    /// static over-approximation; only there is the "runs forever" check run).
    let mayLoopLocally: [Bool]
    /// Per thread: states whose local code is known to run forever (true), not to (false), or
    /// was undecided within the budget (nil: the run is then not exhaustive).
    var localMemo: [[[Word]: Memo]]

    // Flat copies of layout facts (the hot paths touch no Model fields).
    let pcW: [Int], flagsW: [Int], waitMsgW: [Int], waitRealW: [Int], localsW: [Int], gatherW: [Int], heldW: [Int]
    let isEnd: [Bool], isLocalOp: [Bool]
    let nPages: Int
    /// Lock slots: first word and whether an rwsem.
    let lockOffset: [Int], lockRW: [Bool], lockSpin: [Bool]
    /// The VMA whose vma_lock a lock slot is (-1: none), the VMA state words, argument lists.
    let vmaOfSlot: [Int], vmaStateW: [Int], argList: [Int32]
    /// The page-table trees the state invariants walk: (first entry word, live-mask word, file index).
    let trees: [(base: Int, live: Int, index: Int)]
    let positions: Int, lastBase: Int, parentOf: [Int], offsetOf: [Int]
    /// Page p's field f is word `page0 + p * Model.pageWords + f`; then i_size, the woken mask, the page cache.
    let page0: Int, isizeW: Int, wokenW: Int, cacheW: [Int], hugepages: Int
    let userInvariants: [UserInvariant]

    static func bit(_ i: Invariant) -> UInt64 { 1 << UInt64(Invariant.allCases.firstIndex(of: i)!) }
    static let modelError = bit(.modelError), useAfterFree = bit(.useAfterFree), loopBound = bit(.loopBound)
    static let stopMask = modelError | useAfterFree
    let builtinCount = Invariant.allCases.count

    init(model: Model) {
        self.model = model
        machine = Machine(model: model)
        ops = model.ops
        nThreads = model.threads.count
        inAtomic = Interpreter.atomicBodies(model)
        var sel: UInt64 = Interpreter.modelError
        for (i, inv) in Invariant.allCases.enumerated() where model.enabled.contains(inv) { sel |= 1 << UInt64(i) }
        for i in model.userInvariants.indices { sel |= 1 << UInt64(Invariant.allCases.count + i) }
        selected = sel
        mayLoopLocally = Interpreter.localCycles(model.ops)
        localMemo = Array(repeating: [:], count: model.threads.count)
        pcW = model.threads.indices.map { model.pcWord($0) }
        flagsW = model.threads.indices.map { model.flagsWord($0) }
        waitMsgW = model.threads.indices.map { model.waitMsgWord($0) }
        waitRealW = model.threads.indices.map { model.waitRealWord($0) }
        localsW = model.threads.indices.map { model.localWord($0, 0) }
        gatherW = model.threads.indices.map { model.gatherWord($0, 0) }
        heldW = model.threads.indices.map { model.heldWord($0, 0) }
        isEnd = model.ops.map { if case .end = $0 { return true } else { return false } }
        isLocalOp = model.ops.map {
            switch $0 { case .prim, .either, .atomicBegin, .end, .sharedRead: return false; default: return true }
        }
        nPages = model.pageCount
        lockOffset = model.lockSlots.map(\.offset)
        lockRW = model.lockSlots.map { $0.kind == .rwsem }
        lockSpin = model.lockSlots.map { $0.kind == .spinlock }
        var ofSlot = [Int](repeating: -1, count: model.lockSlots.count)
        for v in model.world.vmas.indices { ofSlot[model.vmaLockSlotIndex(v)] = v }
        vmaOfSlot = ofSlot
        vmaStateW = model.world.vmas.indices.map { model.vmaStateWord($0) }
        argList = model.argList
        var tr: [(base: Int, live: Int, index: Int)] = []
        for (v, vm) in model.world.vmas.enumerated() where vm.splitFrom == nil {     // a split-off VMA lives in its parent's tables
            for hp in 0..<vm.pages { tr.append((model.entryWord(v, hp, 0), model.liveWord(v, hp), vm.pgoff + hp)) }
        }
        trees = tr
        let g = model.geometry
        positions = g.positions
        lastBase = g.base(depth: g.treeLevels.count - 1)
        parentOf = (0..<g.positions).map { $0 == 0 ? -1 : g.parent(ofPos: $0) }
        offsetOf = (0..<g.positions).map { g.offset(ofPos: $0) }
        page0 = model.pageWord(0, 0)
        isizeW = model.isizeStateWord
        wokenW = model.wokenStateWord
        hugepages = model.world.hugepages
        cacheW = (0..<model.world.hugepages).map { model.cacheWord($0) }
        userInvariants = model.userInvariants
    }

    func on(_ i: Invariant) -> Bool { selected & Interpreter.bit(i) != 0 }

    func name(ofBit b: Int) -> String {
        b < builtinCount ? Invariant.allCases[b].rawValue : model.userInvariants[b - builtinCount].name
    }
    func names(_ mask: UInt64) -> Set<String> {
        var out = Set<String>()
        var m = mask
        while m != 0 { out.insert(name(ofBit: m.trailingZeroBitCount)); m &= m - 1 }
        return out
    }

    /// Which ops are inside an atomic body, computed from the ops and their source locations
    /// alone: the two ops an `atomic { }` statement compiles to (its opening and closing op)
    /// carry its location, so pairing them by location (in order: an inlined procedure's
    /// copies follow one another) finds each block; a block whose opening op is an
    /// `atomicBegin` covers the ops strictly between the two. (A block without a step inside
    /// is compiled to plain local work: its opening op is an `atomicEnd`, a no-op.) The
    /// interpreter uses this, not the compiler's `Model.inAtomic` (which the engine uses), so
    /// that a mistake in either shows as a disagreement; a test checks the two agree.
    static func atomicBodies(_ model: Model) -> [Bool] {
        var r = [Bool](repeating: false, count: model.ops.count)
        var open: [String: Int] = [:]
        for (i, op) in model.ops.enumerated() {
            switch op {
            case .atomicBegin, .atomicEnd:
                let key = model.info[i].location.description
                if let first = open.removeValue(forKey: key) {
                    if case .atomicBegin = model.ops[first] { for j in (first + 1)..<i { r[j] = true } }
                } else {
                    open[key] = i
                }
            default: break
            }
        }
        return r
    }

    /// Local ops: everything but a primitive, `either`, `atomicBegin`, `end` and a shared read
    /// (the ops an engine step starts with; the others it merges).
    func isLocal(_ pc: Int) -> Bool { isLocalOp[pc] }

    /// Static: from which ops local ops alone can run into a cycle of the control-flow graph.
    static func localCycles(_ ops: [Op]) -> [Bool] {
        let n = ops.count
        func local(_ op: Op) -> Bool {
            switch op { case .prim, .either, .atomicBegin, .end, .sharedRead: return false; default: return true }
        }
        func succs(_ i: Int) -> [Int] {
            guard local(ops[i]) else { return [] }
            switch ops[i] {
            case .jump(let t): return [Int(t)]
            case .branchFalse(_, let t): return [i + 1, Int(t)]
            default: return i + 1 < n ? [i + 1] : []
            }
        }
        let cyclic = nodesOnCycles(count: n, successors: succs)
        // Everything that reaches a cyclic node through local ops.
        var reach = cyclic
        var changed = true
        while changed {
            changed = false
            for i in stride(from: n - 1, through: 0, by: -1) where !reach[i] {
                if succs(i).contains(where: { reach[$0] }) { reach[i] = true; changed = true }
            }
        }
        return reach
    }

    // MARK: - State access

    func pc(_ s: [Word], _ t: Int) -> Int { Int(s[pcW[t]]) }
    func finished(_ s: [Word], _ t: Int) -> Bool { isEnd[Int(s[pcW[t]])] }

    /// The initial state: the world as the engine sets it up, every thread at its entry with
    /// nothing of its code run (its words are zero but the pc).
    func initialState() -> [Word] {
        var s = machine.initialState().state
        for (t, th) in model.threads.enumerated() {
            let n = Model.threadHeader + th.locals + 2 * model.pageCount
            for w in th.base..<(th.base + n) { s[w] = 0 }
            s[model.pcWord(t)] = Word(th.entry)
        }
        return s
    }

    func holds(_ s: [Word], _ t: Int, slot: Int) -> Bool {
        let o = lockOffset[slot]
        if s[o] == Word(t + 1) { return true }
        return lockRW[slot] && s[o + 1] & (Word(1) << Word(t)) != 0
    }

    // MARK: - Steps

    /// Runs one step of thread t (alternative `choice` of an `either`) on s. Returns every
    /// violation raised (unfiltered; `selected` filters what is reported).
    func step(_ s: inout [Word], _ t: Int, choice: Int) -> UInt64 {
        var mask: UInt64 = 0
        let start = pc(s, t)
        if case .atomicBegin = ops[start] {
            s[pcW[t]] = Word(start + 1)
            // Brent's cycle detection on the whole state: an atomic block that revisits a
            // state inside its step never ends.
            var tortoise = s, power = 1, lam = 0
            while inAtomic[pc(s, t)] {
                let (r, done) = execOp(&s, t, choice: 0, atomic: true)
                accumulate(&mask, r)
                if !done { break }
                if s == tortoise {
                    accumulate(&mask, Interpreter.modelError)
                    break
                }
                lam += 1
                if lam == power { tortoise = s; power *= 2; lam = 0 }
            }
        } else {
            let (r, _) = execOp(&s, t, choice: choice, atomic: false)
            accumulate(&mask, r)
        }
        if finished(s, t) && start != pc(s, t) { accumulate(&mask, returnChecks(s, t, mask)) }
        return mask
    }

    /// After a use-after-free in the same step values are undefined: no follow-on model error.
    func accumulate(_ mask: inout UInt64, _ r: UInt64) {
        var r = r
        if mask & Interpreter.useAfterFree != 0 { r &= ~Interpreter.modelError }
        mask |= r
    }

    /// Executes the op at t's pc and moves the pc. Returns the violations and false when an
    /// atomic step cannot go on (a primitive that would block inside it).
    func execOp(_ s: inout [Word], _ t: Int, choice: Int, atomic: Bool) -> (UInt64, Bool) {
        let p = pc(s, t)
        var next = p + 1
        var r: UInt64 = 0
        var done = true
        func eval(_ e: Int32) -> Word {
            let (x, err, raised) = s.withUnsafeMutableBufferPointer { machine.evaluate(expr: e, $0.baseAddress!, thread: t) }
            r |= raised.bits
            if err { r |= Interpreter.modelError }
            return x
        }
        switch ops[p] {
        case .eval(let dst, let e), .sharedRead(let dst, let e):
            let x = eval(e)
            s[localsW[t] + Int(dst)] = x
        case .jump(let target):
            next = Int(target)
        case .branchFalse(let e, let target):
            let x = eval(e)
            if tagOf(x) != .int { r |= Interpreter.modelError }
            if x == mkInt(0) { next = Int(target) }
        case .resetLocal(let slot):
            s[localsW[t] + Int(slot)] = 0
        case .loopCheck(let slot, let bound):
            // The counter is a raw count; it saturates at the bound so the state space stays finite.
            let w = localsW[t] + Int(slot)
            if s[w] >= bound { s[w] = bound; r |= Interpreter.loopBound } else { s[w] += 1 }
        case .assert(let e, _):
            let x = eval(e)
            if x == mkInt(0) { r |= Interpreter.bit(.assertion) }
        case .clearLocals(let from, let to):
            for i in from..<to { s[localsW[t] + Int(i)] = 0 }
        case .atomicBegin, .atomicEnd:
            break
        case .prim:
            let (raised, advanced) = s.withUnsafeMutableBufferPointer { machine.applyPrimitive($0.baseAddress!, thread: t, pc: p) }
            r |= raised.bits
            if !advanced {
                next = p
                if atomic { r |= Interpreter.modelError; done = false }
            }
        case .either(let first, _):
            next = Int(model.targets[Int(first) + choice])
        case .end:
            next = p
            done = false
        }
        s[pcW[t]] = Word(next)
        return (r, done)
    }

    /// What a returning thread must satisfy: it holds no lock (lock-balance), and no page
    /// reference it took and no deferred put it did not flush (refcount).
    func returnChecks(_ s: [Word], _ t: Int, _ stepMask: UInt64) -> UInt64 {
        var r: UInt64 = 0
        if stepMask & Interpreter.useAfterFree == 0 {
            for slot in lockOffset.indices where holds(s, t, slot: slot) { r |= Interpreter.bit(.lockBalance); break }
        }
        for p in 0..<nPages where s[heldW[t] + p] != 0 || s[gatherW[t] + p] != 0 {
            r |= Interpreter.bit(.refcount)
            break
        }
        return r
    }

    /// Whether thread t's local ops alone, from s, run forever (revisit their own state
    /// without reaching a primitive, `either`, an atomic block or the end): the engine's
    /// "runs forever without taking a step". Nil when undecided within `budget` ops. Every
    /// state of a run is remembered with its answer, so the breadth-first search, which
    /// reaches those states one local step at a time, decides each once.
    func runsForeverLocally(_ s: [Word], _ t: Int, budget: Int = 1 << 18) -> Bool? {
        guard mayLoopLocally[pc(s, t)], isLocal(pc(s, t)) else { return false }
        if let known = localMemo[t][s] { return known.answer }
        var x = s
        var run: [[Word]] = [s]
        var seen: Set<[Word]> = [s]
        var answer: Bool? = nil
        for _ in 0..<budget {
            let (r, _) = execOp(&x, t, choice: 0, atomic: false)
            if r & Interpreter.stopMask != 0 { answer = false; break }     // the step reports its own error
            if !isLocal(pc(x, t)) { answer = false; break }
            if let known = localMemo[t][x] { answer = known.answer; break }
            if !seen.insert(x).inserted { answer = true; break }
            run.append(x)
        }
        for y in run { localMemo[t][y] = Memo(answer: answer) }     // undecided runs are remembered too
        return answer
    }
    struct Memo { var answer: Bool? }
}
