/// Views of one whole state, for the violating step of a trace: who holds and who waits
/// for each lock, where each thread is, the page-table tree of a hugepage, and each page's
/// counters. Read from the state alone; slow (strings), never on the search's path.

/// A lock that is held or waited for.
public struct LockView: Codable, Sendable, Equatable {
    public var lock: String
    /// `mutex`, `rwsem` or `spinlock`.
    public var kind: String
    /// Threads holding it, with the mode for an rwsem (`A (write)`, `B (read)`).
    public var holders: [String]
    /// Threads blocked acquiring it, with the mode for an rwsem; queued writers of an rwsem too.
    public var waiters: [String]
}

/// Where a thread is in a state.
public struct ThreadView: Codable, Sendable, Equatable {
    public var thread: String
    /// `returned`, `blocked` (on a lock or asleep on a userfault) or `runnable`.
    public var status: String
    /// `file:line` and statement of the operation it is at (absent once returned).
    public var location: String?
    public var statement: String?
    /// For a blocked thread: on what (`write_lock(vma_lock(V0))`, `userfault at 1`).
    public var waitingFor: String?
}

/// One entry of a page-table tree.
public struct TreeEntryView: Codable, Sendable, Equatable {
    /// `V0.hp0.PMD[1]`.
    public var entry: String
    public var level: String
    /// 0 for the hstate-level entry.
    public var depth: Int
    /// The model addresses it covers, `[start, end)` (in model pages).
    public var start: Int
    public var end: Int
    /// `none`, `table`, `leaf`, `marker`, `migration` or `hwpoison`.
    public var kind: String
    /// The page (and subpage) a leaf or migration entry maps: `P0+1`.
    public var page: String?
    /// For a `table` entry whose table page is freed (or was never allocated): true.
    public var tableFreed: Bool?
}

/// The page-table tree of one hugepage of one VMA: the entries reachable from the hstate-level
/// entry through allocated tables, depth first.
public struct PageTableView: Codable, Sendable, Equatable {
    /// `V0.hp0`.
    public var hugepage: String
    public var entries: [TreeEntryView]
}

/// A page's counters and state.
public struct PageView: Codable, Sendable, Equatable {
    public var page: String
    public var mapcount: Int
    public var refcount: Int
    /// The file index it is cached at (absent when not in the page cache).
    public var cachedAt: Int?
    /// `allocated`, `hwpoison`, `isolated`.
    public var flags: [String]
}

extension Machine {
    /// The lock slot thread `t` is blocked acquiring (the op it is at is a blocking lock
    /// primitive that cannot proceed), or nil.
    public func waitingLock(_ s: UnsafePointer<Word>, _ t: Int) -> Int? {
        guard case .prim(let p, _, let args, _) = ops[Int(s[pcW(t)])], p == .lock || p == .readLock || p == .writeLock else { return nil }
        guard choices(s, t) == 0 else { return nil }
        let w = evaluate(expr: argList[Int(args)], UnsafeMutablePointer(mutating: s), thread: t)
        guard !w.error, tagOf(w.value) == .lock else { return nil }
        return lockSlotOf(w.value)
    }

    /// Every lock held or waited for in `s`, in declaration order.
    public func lockViews(_ s: UnsafePointer<Word>) -> [LockView] {
        var waiting: [Int: [Int]] = [:]
        for t in 0..<nThreads where !finished(s, t) {
            if let slot = waitingLock(s, t) { waiting[slot, default: []].append(t) }
        }
        var out: [LockView] = []
        for (i, l) in model.lockSlots.enumerated() {
            let o = l.offset
            var holders: [String] = [], waiters: [String] = []
            let name = { (t: Int) in self.model.threads[t].name }
            if l.kind == .rwsem {
                if s[o] != 0 { holders.append("\(name(Int(s[o]) - 1)) (write)") }
                for t in 0..<nThreads where s[o + 1] & (Word(1) << Word(t)) != 0 { holders.append("\(name(t)) (read)") }
                for t in 0..<nThreads where s[o + 2] & (Word(1) << Word(t)) != 0 || waiting[i]?.contains(t) == true {
                    let mode: String
                    if case .prim(let p, _, _, _) = ops[Int(s[pcW(t)])] { mode = p == .readLock ? "read" : "write" } else { mode = "write" }
                    waiters.append("\(name(t)) (\(mode))")
                }
            } else {
                if s[o] != 0 { holders.append(name(Int(s[o]) - 1)) }
                for t in waiting[i] ?? [] { waiters.append(name(t)) }
            }
            if holders.isEmpty && waiters.isEmpty { continue }
            out.append(LockView(lock: l.name, kind: "\(l.kind)", holders: holders, waiters: waiters))
        }
        return out
    }

    /// Where every thread is in `s`.
    public func threadViews(_ s: UnsafePointer<Word>) -> [ThreadView] {
        (0..<nThreads).map { t in
            let name = model.threads[t].name
            if finished(s, t) { return ThreadView(thread: name, status: "returned") }
            let pc = Int(s[pcW(t)])
            let info = model.info[pc]
            var v = ThreadView(thread: name, status: "runnable", location: "\(info.location.file):\(info.location.line)", statement: info.statement)
            if choices(s, t) == 0 {
                v.status = "blocked"
                if let slot = waitingLock(s, t), case .prim(let p, _, _, _) = ops[pc] {
                    v.waitingFor = "\(p.signature.name)(\(model.lockSlots[slot].name))"
                } else if s[waitMsgW(t)] != 0 {
                    v.waitingFor = "userfault at \(s[waitMsgW(t)] - 1)"
                }
            }
            return v
        }
    }

    /// The page-table tree of hugepage `hp` of VMA `vma` (a VMA split from another shows its
    /// parent's tables).
    public func pageTable(_ s: UnsafePointer<Word>, vma: Int, hp: Int) -> PageTableView {
        let vm = model.world.vmas[vma]
        let base = vm.start + hp * g.hugepagePages
        let live = s[model.liveWord(vma, hp)]
        var entries: [TreeEntryView] = []
        func visit(_ pos: Int) {
            let k = g.depth(ofPos: pos)
            let e = PTEValue(s[model.entryWord(vma, hp, pos)])
            let start = base + g.offset(ofPos: pos)
            var v = TreeEntryView(entry: entryName(vma: vma, hp: hp, pos: pos), level: g.treeLevels[k].name, depth: k,
                                  start: start, end: start + g.modelSize(depth: k), kind: e.kind.name)
            if e.kind == .leaf || e.kind == .migration { v.page = "P\(e.page)+\(e.sub)" }
            let hasTable = pos < g.tableSlots && live & (Word(1) << Word(pos)) != 0
            if e.kind == .table && !hasTable { v.tableFreed = true }
            entries.append(v)
            guard hasTable else { return }
            let first = g.base(depth: k + 1) + (pos - g.base(depth: k)) * g.fanout
            for c in first..<(first + g.fanout) { visit(c) }
        }
        visit(0)
        return PageTableView(hugepage: "\(vm.name).hp\(hp)", entries: entries)
    }

    /// The (VMA, hugepage) trees of the state, one per hugepage of each VMA that is not split
    /// from another.
    public var pageTableTrees: [(vma: Int, hp: Int)] {
        model.world.vmas.enumerated().filter { $0.element.splitFrom == nil }.flatMap { v, vm in (0..<vm.pages).map { (v, $0) } }
    }

    /// Every page's counters and flags.
    public func pageViews(_ s: UnsafePointer<Word>) -> [PageView] {
        (0..<model.pageCount).map { p in
            let f = s[model.pageWord(p, Model.PageField.flags)]
            var flags: [String] = []
            if f & Model.PageFlag.allocated != 0 { flags.append("allocated") }
            if f & Model.PageFlag.hwpoison != 0 { flags.append("hwpoison") }
            if f & Model.PageFlag.notMigratable != 0 { flags.append("isolated") }
            let idx = Int(s[model.pageWord(p, Model.PageField.index)])
            let cached = f & Model.PageFlag.cached != 0 && idx >= 0 ? idx : nil
            return PageView(page: "P\(p)", mapcount: Int(s[model.pageWord(p, Model.PageField.mapcount)]),
                            refcount: Int(s[model.pageWord(p, Model.PageField.refcount)]), cachedAt: cached, flags: flags)
        }
    }
}
