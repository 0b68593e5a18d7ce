import HGMSpec

/// Compiles a loaded spec into a `Model`: resolves names, inlines procedure calls into
/// each thread's code, hoists shared-state calls out of expressions (each becomes its own
/// step, left to right), and lays out the state. Every error is a diagnostic at the spec
/// location that caused it.
public struct Compiler {
    var m: Model
    let spec: LoadedSpec
    let g: Geometry

    // Per-thread compilation state.
    var nextSlot: Int32 = 0
    var highWater: Int32 = 0
    var slotNames: [(slot: Int, name: String, from: Int)] = []
    var callStack: [String] = []
    /// The statement being compiled, for naming hoisted calls in traces.
    var curStmtText = ""
    /// The inlined call being compiled (`Model.frames`), stamped on every op emitted.
    var curFrame: Int32 = -1
    /// The atomic block being compiled (0: none), and per op the outermost atomic block it
    /// lies in, to refuse a goto into a block from outside it.
    var atomicBlock: Int32 = 0
    var nextAtomicBlock: Int32 = 0
    var opAtomicBlock: [Int32] = []
    /// The backward jumps of bounded loops (each iteration passes the loop's counter).
    var boundedBackEdges = Set<Int>()
    /// Ops a compiled program may have after inlining: past it, compilation stops with the
    /// call chain instead of exhausting memory (a procedure calling the next four times, 16 deep).
    public static let maxOps = 200_000

    struct Scope {
        var proc: String
        var vars: [String: Int32] = [:]
        var labels: [String: Int] = [:]
        var gotos: [(op: Int, label: String, loc: SourceLocation)] = []
        var retSlot: Int32
        var returns: [Int] = []
        var loops: [(top: Int, breaks: [Int], bounded: Bool)] = []
    }

    public static let errnos: [String: Int] = [
        "EPERM": 1, "ENOENT": 2, "EINTR": 4, "EIO": 5, "EAGAIN": 11, "ENOMEM": 12, "EFAULT": 14, "EBUSY": 16,
        "EEXIST": 17, "EINVAL": 22, "ENOSPC": 28, "EHWPOISON": 133,
        "VM_FAULT_OOM": 1, "VM_FAULT_SIGBUS": 2, "VM_FAULT_HWPOISON_LARGE": 4, "VM_FAULT_RETRY": 8, "VM_FAULT_NOPAGE": 16,
    ]
    /// Spec spellings of lock operations, with the page-lock forms that wrap their argument in `page_lock(...)`.
    static let aliases: [String: (Prim, wrapPage: Bool)] = [
        "spin_lock": (.lock, false), "spin_unlock": (.unlock, false), "mutex_lock": (.lock, false),
        "mutex_unlock": (.unlock, false), "down_read": (.readLock, false), "up_read": (.readUnlock, false),
        "down_write": (.writeLock, false), "up_write": (.writeUnlock, false), "down_write_trylock": (.writeTrylock, false),
        "lock_page": (.lock, true), "unlock_page": (.unlock, true), "trylock_page": (.trylock, true),
    ]

    public static func compile(_ spec: LoadedSpec) throws(DiagnosticError) -> Model {
        let top = SourceLocation(file: spec.main.path, line: 1, column: 1)
        let g = try Geometry.from(spec.geometry, fallback: top)
        if !g.searchable {
            throw DiagnosticError([Diagnostic(spec.geometry?.location ?? top, "the hstate of geometry '\(g.name)' is a contiguous size, not a page-table level: it serves the Z3 obligations only",
                hint: "use `hgm-check prove` for this geometry, or pick an hstate that is a level for a scenario")])
        }
        let w = try World.from(spec.world, at: spec.worldLocation ?? top, geometry: g)
        var c = Compiler(m: Model(path: spec.main.path, scenario: spec.main.scenario, geometry: g, world: w,
                                  expectation: spec.main.expectation, expectationLocation: spec.main.expectationLocation),
                         spec: spec, g: g)
        try c.layoutLocks()
        try c.lockOrder()
        try c.compileThreads()
        try c.properties()
        c.layoutState()
        c.commuteConstantVMAReads()
        let back = c.m.ops.indices.filter { pc in
            switch c.m.ops[pc] {
            case .jump(let t), .branchFalse(_, let t): return Int(t) <= pc
            default: return false
            }
        }
        c.m.hasLoops = !back.isEmpty
        c.m.hasUnboundedLoops = back.contains { !c.boundedBackEdges.contains($0) }
        return c.m
    }

    func fail(_ l: SourceLocation, _ msg: String, _ hint: String? = nil) -> DiagnosticError {
        DiagnosticError([Diagnostic(l, msg, hint: hint)])
    }

    // MARK: - Locks

    mutating func addLock(_ name: String, _ kind: World.LockKind, _ cls: String) -> Int {
        m.lockSlots.append(LockSlot(name: name, kind: kind, lockClass: cls, offset: 0))
        return m.lockSlots.count - 1
    }

    mutating func layoutLocks() throws(DiagnosticError) {
        for l in m.world.locks {
            for b in 0..<l.buckets {
                _ = addLock(l.hashed ? "\(l.name)[\(b)]" : l.name, l.kind, l.name)
            }
        }
        for v in m.world.vmas { m.vmaLockSlot.append(addLock("vma_lock(\(v.name))", .rwsem, "vma_lock")) }
        m.iMmapSlot = addLock("i_mmap", .rwsem, "i_mmap")
        for mm in m.world.mms { m.mmapLockSlot.append(addLock("mmap_lock(\(mm))", .rwsem, "mmap_lock")) }
        for mm in m.world.mms { m.pageTableLockSlot.append(addLock("page_table_lock(\(mm))", .spinlock, "ptl")) }
        m.pageLockSlot0 = m.lockSlots.count
        for p in 0..<m.world.pageCount { _ = addLock("page_lock(P\(p))", .mutex, "page_lock") }
        // A split-off VMA maps part of its parent's page tables: same table pages, same PTLs.
        for v in m.world.vmas {
            if let p = v.splitFrom { m.rootLockSlot.append(m.rootLockSlot[p]); continue }
            m.rootLockSlot.append(addLock("ptl(\(v.name) root table)", .spinlock, "ptl"))
        }
        for v in m.world.vmas {
            if let p = v.splitFrom { m.splitLockBase.append(m.splitLockBase[p] + v.splitAt * g.tableSlots); continue }
            m.splitLockBase.append(m.lockSlots.count)
            for hp in 0..<v.pages {
                for t in 0..<g.tableSlots {
                    _ = addLock("ptl(\(v.name).hp\(hp).\(tableName(t)))", .spinlock, "ptl")
                }
            }
        }
    }

    /// Human name of the table page hanging below entry position `t`.
    func tableName(_ t: Int) -> String {
        let k = g.depth(ofPos: t)
        return "\(g.treeLevels[k + 1].name) table under \(g.treeLevels[k].name)[\(t - g.base(depth: k))]"
    }

    mutating func lockOrder() throws(DiagnosticError) {
        guard let order = spec.lockOrder else { return }
        let known = Set(m.lockSlots.map(\.lockClass)).union(["vma_lock", "i_mmap", "mmap_lock", "ptl", "page_lock"])
        for (i, n) in order.enumerated() {
            guard known.contains(n.name) else {
                throw fail(n.location, "unknown lock class '\(n.name)' in lock_order",
                           didYouMean(n.name, known.sorted()) ?? "classes: " + known.sorted().joined(separator: ", "))
            }
            if m.lockRank[n.name] != nil { throw fail(n.location, "lock class '\(n.name)' appears twice in lock_order") }
            m.lockRank[n.name] = i
        }
    }

    // MARK: - Threads

    mutating func compileThreads() throws(DiagnosticError) {
        let main = spec.main
        let top = SourceLocation(file: main.path, line: 1, column: 1)
        if main.threads.isEmpty {
            throw fail(top, "the scenario has no threads", "add e.g. thread A = uffd_continue(V0.start)")
        }
        if main.threads.count > Model.maxThreads {
            throw fail(main.threads[Model.maxThreads].location, "at most \(Model.maxThreads) threads are supported (lock words keep a bit per thread)")
        }
        var seen: [String: SourceLocation] = [:]
        for t in main.threads {
            if let prev = seen[t.name] { throw fail(t.nameLocation, "thread '\(t.name)' is already declared at \(prev.description)") }
            seen[t.name] = t.nameLocation
            guard let proc = spec.procs[t.proc] else {
                throw fail(t.location, "unknown procedure '\(t.proc)'", didYouMean(t.proc, spec.procs.keys))
            }
            nextSlot = 0; highWater = 0; slotNames = []; callStack = []
            curStmtText = "thread \(t.name) = \(t.proc)(...)"
            let entry = m.ops.count
            var top = Scope(proc: "thread \(t.name)", retSlot: -1)
            try inline(proc, args: t.args, at: t.location, dst: nil, caller: &top)
            emit(.end, OpInfo(location: t.location, procedure: proc.name, statement: "return"))
            m.threads.append(ThreadInfo(name: t.name, procedure: proc.name, entry: entry, base: 0,
                                        locals: Int(highWater), slotNames: slotNames, location: t.location))
        }
    }

    @discardableResult
    mutating func emit(_ op: Op, _ info: OpInfo) -> Int {
        var info = info
        if info.frame < 0 { info.frame = curFrame }
        m.ops.append(op); m.info.append(info)
        m.inAtomic.append(atomicBlock != 0)
        opAtomicBlock.append(atomicBlock)
        return m.ops.count - 1
    }

    mutating func alloc(_ name: String) -> Int32 {
        let s = nextSlot
        nextSlot += 1
        highWater = max(highWater, nextSlot)
        slotNames.append((Int(s), name, m.ops.count))
        return s
    }

    mutating func inline(_ proc: ProcDecl, args: [Expr], at: SourceLocation, dst: Int32?, caller: inout Scope) throws(DiagnosticError) {
        if callStack.contains(proc.name) {
            throw fail(at, "recursive call of '\(proc.name)'", "procedures are inlined; use a bounded loop instead of recursion")
        }
        if callStack.count > 16 { throw fail(at, "calls nest too deeply") }
        if m.ops.count > Compiler.maxOps {
            throw fail(at, "the compiled program is too large: more than \(Compiler.maxOps) operations after inlining every call",
                       "procedures are inlined at each call; the call chain here is " + (callStack + [proc.name]).joined(separator: " -> "))
        }
        guard args.count == proc.params.count else {
            throw fail(at, "'\(proc.name)' takes \(proc.params.count) argument\(proc.params.count == 1 ? "" : "s"), given \(args.count)",
                       "declared at \(proc.location.description)(" + proc.params.map(\.name).joined(separator: ", ") + ")")
        }
        let info = OpInfo(location: at, procedure: caller.proc, statement: "call \(proc.name)")
        // Evaluate the arguments in the caller's scope, then bind them.
        var argExprs: [Int32] = []
        let tempStart = nextSlot
        for a in args { argExprs.append(try expr(a, &caller)) }
        let frame = nextSlot
        var scope = Scope(proc: proc.name, retSlot: alloc("\(proc.name).return"))
        let callerFrame = curFrame
        m.frames.append(CallFrame(procedure: proc.name, callText: curStmtText, callSite: at, parent: callerFrame,
                                  depth: callerFrame < 0 ? 0 : m.frames[Int(callerFrame)].depth + 1,
                                  returnSlot: scope.retSlot, returnsValue: dst != nil))
        curFrame = Int32(m.frames.count - 1)
        let callerText = curStmtText     // the callee's statements must not rename the caller's hoisted calls
        defer { curFrame = callerFrame; curStmtText = callerText }
        for (p, e) in zip(proc.params, argExprs) {
            if scope.vars[p.name] != nil { throw fail(p.location, "parameter '\(p.name)' is declared twice") }
            let s = alloc("\(proc.name).\(p.name)")
            scope.vars[p.name] = s
            emit(.eval(dst: s, expr: e), info)
        }
        // Every local of the procedure lives for the whole call, wherever it is first
        // assigned (a variable set inside an `if` keeps its value after it).
        for name in Compiler.assignedNames(proc.body) where scope.vars[name] == nil && !isGlobalName(name) {
            scope.vars[name] = alloc("\(proc.name).\(name)")
        }
        callStack.append(proc.name)
        try block(proc.body, &scope)
        callStack.removeLast()
        let exit = m.ops.count
        for r in scope.returns { patch(r, exit) }
        for gt in scope.gotos {
            guard let target = scope.labels[gt.label] else {
                throw fail(gt.loc, "no label '\(gt.label)' in '\(proc.name)'", didYouMean(gt.label, scope.labels.keys))
            }
            if target < opAtomicBlock.count && opAtomicBlock[target] != 0 && opAtomicBlock[target] != opAtomicBlock[gt.op] {
                throw fail(gt.loc, "goto '\(gt.label)' jumps into an atomic block from outside it", "an atomic block is entered only at its start")
            }
            patch(gt.op, target)
        }
        let endInfo = OpInfo(location: proc.location, procedure: proc.name, statement: "return")
        if let dst { emit(.eval(dst: dst, expr: addExpr([.local(scope.retSlot)])), endInfo) }
        emit(.clearLocals(from: tempStart, to: max(nextSlot, frame + 1)), endInfo)
        nextSlot = tempStart
    }

    mutating func patch(_ at: Int, _ target: Int) {
        let t = Int32(target)
        switch m.ops[at] {
        case .jump: m.ops[at] = .jump(t)
        case .branchFalse(let e, _): m.ops[at] = .branchFalse(expr: e, target: t)
        default: break
        }
    }

    // MARK: - Statements

    mutating func block(_ stmts: [Stmt], _ s: inout Scope) throws(DiagnosticError) {
        for st in stmts { try stmt(st, &s) }
    }

    func info(_ st: Stmt, _ s: Scope) -> OpInfo { OpInfo(location: st.location, procedure: s.proc, statement: st.text) }

    mutating func clearTemps(_ from: Int32, _ info: OpInfo) {
        if nextSlot > from { emit(.clearLocals(from: from, to: nextSlot), info) }
    }

    mutating func stmt(_ st: Stmt, _ s: inout Scope) throws(DiagnosticError) {
        let inf = info(st, s)
        curStmtText = st.text
        switch st.kind {
        case .assign(let name, let e):
            if isGlobalName(name) {
                throw fail(st.location, "cannot assign to '\(name)': it names a \(globalKind(name) ?? "global"), not a local variable")
            }
            let slot: Int32
            if let v = s.vars[name] { slot = v } else { slot = alloc("\(s.proc).\(name)"); s.vars[name] = slot }
            let temps = nextSlot
            if case .call(let fname, let args) = e.kind, try isEffectful(fname, e.location) {
                try call(fname, args, e.location, dst: slot, inf, &s)
            } else {
                let x = try expr(e, &s)
                emit(.eval(dst: slot, expr: x), inf)
            }
            clearTemps(temps, inf); nextSlot = temps
        case .call(let e):
            guard case .call(let fname, let args) = e.kind else { throw fail(st.location, "expected a call") }
            let temps = nextSlot
            if try isEffectful(fname, e.location) {
                try call(fname, args, e.location, dst: nil, inf, &s)
            } else {
                throw fail(st.location, "the result of '\(fname)' is unused", "assign it: x = \(fname)(...)")
            }
            clearTemps(temps, inf); nextSlot = temps
        case .ifElse(let cond, let thenB, let elseB):
            let temps = nextSlot
            let c = try expr(cond, &s)
            let br = emit(.branchFalse(expr: c, target: -1), inf)
            m.info[br].role = .condition(hasElse: elseB != nil)
            clearTemps(temps, inf)
            try block(thenB, &s)
            var j = -1
            if elseB != nil { j = emit(.jump(-1), inf) }
            patch(br, m.ops.count)
            clearTemps(temps, inf)
            nextSlot = temps
            if let elseB {
                try block(elseB, &s)
                patch(j, m.ops.count)
            }
        case .whileLoop(let cond, let bound, let body):
            // A bounded loop keeps an iteration counter in the state (checked by loop-bound, and
            // saturating at the bound); an unbounded one keeps none. Either can revisit a state:
            // the state graph then has cycles, which the search examines for livelock.
            var counter: Int32 = -1
            if bound != nil {
                counter = alloc("\(s.proc).loop@\(st.location.line)")
                emit(.resetLocal(counter), inf)
            }
            let top = m.ops.count
            let temps = nextSlot
            let c = try expr(cond, &s)
            let br = emit(.branchFalse(expr: c, target: -1), inf)
            m.info[br].role = .loopCondition
            clearTemps(temps, inf)
            nextSlot = temps
            if let bound { emit(.loopCheck(slot: counter, bound: Int32(bound)), inf) }
            s.loops.append((top, [], bound != nil))
            try block(body, &s)
            let loop = s.loops.removeLast()
            let back = emit(.jump(Int32(top)), inf)
            if bound != nil { boundedBackEdges.insert(back) }
            let exit = m.ops.count
            patch(br, exit)
            for b in loop.breaks { patch(b, exit) }
            if bound != nil { emit(.clearLocals(from: counter, to: counter + 1), inf) }
        case .ret(let e):
            if let e {
                let temps = nextSlot
                if s.retSlot < 0 { throw fail(st.location, "internal: return outside a procedure") }
                if case .call(let fname, let args) = e.kind, try isEffectful(fname, e.location) {
                    try call(fname, args, e.location, dst: s.retSlot, inf, &s)
                } else {
                    emit(.eval(dst: s.retSlot, expr: try expr(e, &s)), inf)
                }
                clearTemps(temps, inf); nextSlot = temps
            }
            s.returns.append(emit(.jump(-1), inf))
        case .assert(let e, let msg):
            let temps = nextSlot
            let x = try expr(e, &s)
            m.messages.append(msg ?? "assert \(st.text.replacingOccurrences(of: "assert ", with: ""))")
            emit(.assert(expr: x, message: Int32(m.messages.count - 1)), inf)
            clearTemps(temps, inf); nextSlot = temps
        case .either(let branches):
            let first = m.targets.count
            m.targets.append(contentsOf: Array(repeating: 0, count: branches.count))
            emit(.either(first: Int32(first), count: Int32(branches.count)), inf)
            var ends: [Int] = []
            for (i, b) in branches.enumerated() {
                m.targets[first + i] = Int32(m.ops.count)
                try block(b, &s)
                ends.append(emit(.jump(-1), inf))
            }
            for e in ends { patch(e, m.ops.count) }
        case .atomic(let body):
            let start = emit(.atomicBegin, inf)
            let outer = atomicBlock
            if outer == 0 { nextAtomicBlock += 1; atomicBlock = nextAtomicBlock }
            try block(body, &s)
            atomicBlock = outer
            for i in start..<m.ops.count {
                switch m.ops[i] {
                case .prim(let p, _, _, _) where p.blocks:
                    throw fail(m.info[i].location, "'\(p.signature.name)' may block and cannot be inside an atomic block",
                               "take blocking locks before the atomic block; trylock is allowed inside")
                case .either:
                    throw fail(m.info[i].location, "'either' cannot be inside an atomic block")
                default: break
                }
            }
            if !m.ops[(start + 1)...].contains(where: { !$0.isLocal }) {
                // No step inside: the block is local work, merged like any other (and, nested
                // in another atomic block, still inside that block's body).
                m.ops[start] = .atomicEnd
                if outer == 0 { for i in start..<m.ops.count { m.inAtomic[i] = false } }
            }
            emit(.atomicEnd, inf)
        case .label(let name):
            if s.labels[name] != nil { throw fail(st.location, "label '\(name)' is defined twice in '\(s.proc)'") }
            s.labels[name] = m.ops.count
        case .goto(let name):
            s.gotos.append((emit(.jump(-1), inf), name, st.location))
        case .breakLoop:
            guard !s.loops.isEmpty else { throw fail(st.location, "'break' outside a loop") }
            s.loops[s.loops.count - 1].breaks.append(emit(.jump(-1), inf))
        case .continueLoop:
            guard let l = s.loops.last else { throw fail(st.location, "'continue' outside a loop") }
            let j = emit(.jump(Int32(l.top)), inf)
            if l.bounded { boundedBackEdges.insert(j) }
        }
    }

    /// True for user procedures and primitives (calls that are steps or contain steps).
    func isEffectful(_ name: String, _ l: SourceLocation) throws(DiagnosticError) -> Bool {
        if spec.procs[name] != nil || Prim.byName[name] != nil || Compiler.aliases[name] != nil { return true }
        if PureFn.byName[name] != nil { return false }
        throw fail(l, "unknown function '\(name)'", didYouMean(name, allCallables))
    }

    var allCallables: [String] {
        Array(spec.procs.keys) + Prim.allCases.map(\.signature.name) + PureFn.allCases.map(\.signature.name) + Array(Compiler.aliases.keys)
    }

    mutating func call(_ name: String, _ args: [Expr], _ l: SourceLocation, dst: Int32?, _ inf: OpInfo, _ s: inout Scope) throws(DiagnosticError) {
        if let proc = spec.procs[name] {
            try inline(proc, args: args, at: l, dst: dst, caller: &s)
            return
        }
        var prim: Prim
        var wrap = false
        if let p = Prim.byName[name] { prim = p } else if let a = Compiler.aliases[name] { prim = a.0; wrap = a.wrapPage }
        else { throw fail(l, "unknown function '\(name)'", didYouMean(name, allCallables)) }
        let sig = prim.signature
        guard args.count == sig.arity else {
            throw fail(l, "'\(name)' takes \(sig.arity) argument\(sig.arity == 1 ? "" : "s"), given \(args.count)")
        }
        if dst != nil && !sig.returns { throw fail(l, "'\(name)' returns no value") }
        var ids: [Int32] = []
        for a in args {
            let e = wrap ? Expr(kind: .call("page_lock", [a]), location: a.location) : a
            ids.append(try expr(e, &s))
        }
        let start = m.argList.count
        m.argList.append(contentsOf: ids)
        emit(.prim(prim, dst: dst ?? -1, args: Int32(start), argc: Int32(ids.count)), inf)
    }

    // MARK: - Expressions

    func isGlobalName(_ n: String) -> Bool { globalKind(n) != nil }
    func globalKind(_ n: String) -> String? {
        if m.world.vmas.contains(where: { $0.name == n }) { return "VMA" }
        if m.world.mms.contains(n) { return "mm" }
        if m.world.locks.contains(where: { $0.name == n }) { return "lock" }
        if m.world.variables.contains(where: { $0.name == n }) { return "shared variable (use store(\(n), value))" }
        if constant(n) != nil { return "constant" }
        return nil
    }

    func constant(_ n: String) -> Word? {
        switch n {
        case "PAGE", "PAGE_SIZE": return mkInt(1)
        case "HPAGE_SIZE", "HPAGE": return mkInt(g.hugepagePages)
        case "NULL": return nullWord
        case "true": return mkInt(1)
        case "false": return mkInt(0)
        default: break
        }
        if let e = Compiler.errnos[n] { return mkInt(e) }
        for (k, l) in g.treeLevels.enumerated() where n == "\(l.name)_SIZE" { return mkInt(g.modelSize(depth: k)) }
        if n.hasPrefix("P"), let id = Int(n.dropFirst()), id >= 0, id < m.world.pageCount, String(id) == String(n.dropFirst()) {
            return mkPage(id)
        }
        return nil
    }

    /// Compiles an expression; calls with effects are hoisted into temporaries first.
    mutating func expr(_ e: Expr, _ s: inout Scope) throws(DiagnosticError) -> Int32 {
        var code: [ExprOp] = []
        try lower(e, &s, &code, invariant: false)
        if code.count > 250 { throw fail(e.location, "expression is too long (more than 250 operations)") }
        return addExpr(code)
    }

    mutating func addExpr(_ code: [ExprOp]) -> Int32 {
        // Every expression is bounded by the parser's nesting limit; the evaluator's stack
        // holds 256 values, more than any expression of at most 100 nested levels needs.
        m.exprStart.append(Int32(m.exprCode.count))
        m.exprCode.append(contentsOf: code)
        return Int32(m.exprStart.count - 1)
    }

    static let binops: [String: BOp] = ["+": .add, "-": .sub, "*": .mul, "/": .div, "%": .mod, "&": .band, "|": .bor, "^": .bxor,
        "<<": .shl, ">>": .shr, "==": .eq, "!=": .ne, "<": .lt, "<=": .le, ">": .gt, ">=": .ge, "&&": .land, "||": .lor]

    mutating func lower(_ e: Expr, _ s: inout Scope, _ code: inout [ExprOp], invariant: Bool) throws(DiagnosticError) {
        switch e.kind {
        case .int(let v):
            guard abs(v) < intLimit else { throw fail(e.location, "\(v) is too large for the model (limit \(intLimit))") }
            code.append(.const(mkInt(v)))
        case .size(let b):
            guard let p = g.modelPages(bytes: b) else {
                throw fail(e.location, "size \(b) bytes is not a multiple of PAGE_SIZE (2^\(g.pageShift))")
            }
            guard abs(p) < intLimit else {
                throw fail(e.location, "size \(b) bytes is \(p) model pages, too large for the model (limit \(intLimit))")
            }
            code.append(.const(mkInt(p)))
        case .string:
            throw fail(e.location, "strings are only allowed as assert messages and import paths")
        case .name(let n):
            if let v = s.vars[n] { code.append(.local(v)); return }
            if let i = m.world.vmas.firstIndex(where: { $0.name == n }) { code.append(.const(mkInt(i))); return }
            if let i = m.world.mms.firstIndex(of: n) { code.append(.const(mkInt(i))); return }
            if let i = m.world.variables.firstIndex(where: { $0.name == n }) {
                if invariant { code.append(.const(mkVar(i))); code.append(.fn(.varValue)); return }
                code.append(.const(mkVar(i))); return
            }
            if let c = constant(n) { code.append(.const(c)); return }
            if let l = m.world.locks.first(where: { $0.name == n }) {
                if l.hashed { throw fail(e.location, "'\(n)' is a hashed lock table; index it: \(n)[index]") }
                code.append(.const(mkLock(m.lockSlots.firstIndex { $0.name == n }!))); return
            }
            let candidates = Array(s.vars.keys) + m.world.vmas.map(\.name) + m.world.mms + m.world.locks.map(\.name) + m.world.variables.map(\.name)
                + ["PAGE", "PAGE_SIZE", "HPAGE_SIZE", "NULL", "true", "false"] + Array(Compiler.errnos.keys)
                + g.treeLevels.map { "\($0.name)_SIZE" } + (0..<m.world.pageCount).map { "P\($0)" }
            throw fail(e.location, invariant ? "unknown name '\(n)' in an invariant" : "unknown name '\(n)'",
                       didYouMean(n, candidates) ?? (invariant ? "invariants see pages (P0...), VMAs, constants and state functions" : "a local is declared by assigning to it"))
        case .unary(let op, let x):
            try lower(x, &s, &code, invariant: invariant)
            code.append(.unary((op == "!" ? UOp.not : op == "-" ? .neg : .bnot).rawValue))
        case .binary(let op, let a, let b) where (op == "&&" || op == "||") && !invariant && hasEffect(b):
            // C short-circuit: the right side's steps run only when the left side does not
            // decide, e.g. `!is_null(p) && !page_migratable(p)`.
            let t = alloc("\(s.proc).$tmp")
            let info = OpInfo(location: e.location, procedure: s.proc, statement: curStmtText)
            var ca: [ExprOp] = []
            try lower(a, &s, &ca, invariant: false)
            emit(.eval(dst: t, expr: addExpr(ca + [.unary(UOp.not.rawValue), .unary(UOp.not.rawValue)])), info)
            let skip = emit(.branchFalse(expr: addExpr(op == "&&" ? [.local(t)] : [.local(t), .unary(UOp.not.rawValue)]), target: -1), info)
            m.info[skip].role = .shortCircuit
            var cb: [ExprOp] = []
            try lower(b, &s, &cb, invariant: false)
            emit(.eval(dst: t, expr: addExpr(cb + [.unary(UOp.not.rawValue), .unary(UOp.not.rawValue)])), info)
            patch(skip, m.ops.count)
            code.append(.local(t))
        case .binary(let op, let a, let b):
            try lower(a, &s, &code, invariant: invariant)
            try lower(b, &s, &code, invariant: invariant)
            code.append(.binary(Compiler.binops[op]!.rawValue))
        case .field(let base, let f):
            guard case .name(let n) = base.kind, let v = m.world.vmas.first(where: { $0.name == n }) else {
                throw fail(e.location, "only VMAs have fields (V.start, V.end, V.pages)")
            }
            switch f {
            case "start": code.append(.const(mkInt(v.start)))
            case "end": code.append(.const(mkInt(v.start + v.pages * g.hugepagePages)))
            case "pages": code.append(.const(mkInt(v.pages)))
            case "pgoff": code.append(.const(mkInt(v.pgoff)))
            default: throw fail(e.location, "unknown VMA field '\(f)'", didYouMean(f, ["start", "end", "pages", "pgoff"]))
            }
        case .index(let n, let i):
            guard let l = m.world.locks.first(where: { $0.name == n }) else {
                throw fail(e.location, "'\(n)' is not a hashed lock table", didYouMean(n, m.world.locks.filter(\.hashed).map(\.name)))
            }
            guard l.hashed else { throw fail(e.location, "'\(n)' is a single lock, not a table; write \(n) without an index") }
            try lower(i, &s, &code, invariant: invariant)
            code.append(.lockTable(base: Int32(m.lockSlots.firstIndex { $0.name == "\(n)[0]" }!), buckets: Int32(l.buckets)))
        case .call(let name, let args):
            if let fn = PureFn.byName[name] {
                guard args.count == fn.signature.arity else {
                    throw fail(e.location, "'\(name)' takes \(fn.signature.arity) argument\(fn.signature.arity == 1 ? "" : "s"), given \(args.count)")
                }
                if fn.readsState && !invariant {
                    throw fail(e.location, "'\(name)' reads the checker's view of the state and is only allowed in invariants")
                }
                if fn.readsSharedState && !invariant {
                    // Another thread's step can change the value: read it in a step of its own.
                    var ca: [ExprOp] = []
                    for a in args { try lower(a, &s, &ca, invariant: false) }
                    let t = alloc("\(s.proc).$tmp")
                    emit(.sharedRead(dst: t, expr: addExpr(ca + [.fn(fn)])),
                         OpInfo(location: e.location, procedure: s.proc, statement: curStmtText.isEmpty ? "\(name)(...)" : curStmtText))
                    code.append(.local(t))
                    return
                }
                for a in args { try lower(a, &s, &code, invariant: invariant) }
                code.append(.fn(fn))
                return
            }
            if invariant {
                throw fail(e.location, "'\(name)' cannot be used in an invariant",
                           "invariants may use mapcount(P), refcount(P), cached(idx), i_size() and pure functions")
            }
            guard try isEffectful(name, e.location) else { return }
            // Hoist: run the call as its own step(s) into a temporary.
            let t = alloc("\(s.proc).$tmp")
            if let p = Prim.byName[name] ?? Compiler.aliases[name]?.0, !p.signature.returns {
                throw fail(e.location, "'\(name)' returns no value and cannot be used in an expression")
            }
            try call(name, args, e.location, dst: t, OpInfo(location: e.location, procedure: s.proc, statement: curStmtText.isEmpty ? "\(name)(...)" : curStmtText), &s)
            code.append(.local(t))
        }
    }

    /// Names assigned anywhere in a block, in order of first assignment.
    static func assignedNames(_ stmts: [Stmt]) -> [String] {
        var out: [String] = []
        func walk(_ ss: [Stmt]) {
            for st in ss {
                switch st.kind {
                case .assign(let n, _): if !out.contains(n) { out.append(n) }
                case .ifElse(_, let a, let b): walk(a); walk(b ?? [])
                case .whileLoop(_, _, let b), .atomic(let b): walk(b)
                case .either(let bs): bs.forEach(walk)
                default: break
                }
            }
        }
        walk(stmts)
        return out
    }

    /// Whether evaluating the expression takes steps (calls a procedure or a primitive, or
    /// reads shared state).
    func hasEffect(_ e: Expr) -> Bool {
        switch e.kind {
        case .call(let name, let args):
            if spec.procs[name] != nil || Prim.byName[name] != nil || Compiler.aliases[name] != nil { return true }
            if PureFn.byName[name]?.readsSharedState == true { return true }
            return args.contains(where: hasEffect)
        case .unary(_, let x): return hasEffect(x)
        case .binary(_, let a, let b): return hasEffect(a) || hasEffect(b)
        case .index(_, let i): return hasEffect(i)
        case .field(let b, _): return hasEffect(b)
        default: return false
        }
    }

    /// Primitives that change VMA state (what the `readsSharedState` built-ins read).
    static let vmaStateWriters: Set<Prim> = [.splitVma, .vmaLockFree, .removeVma, .hugePmdShare, .pmdAlloc, .hugePmdUnshare, .freePgtables]

    /// When no thread can change VMA state, a read of it commutes with every step: its
    /// `sharedRead` becomes local work again (merged), so scenarios without VMA changes
    /// keep their state space.
    mutating func commuteConstantVMAReads() {
        let writes = m.ops.contains { if case .prim(let p, _, _, _) = $0 { return Compiler.vmaStateWriters.contains(p) }; return false }
        guard !writes else { return }
        for i in m.ops.indices { if case .sharedRead(let d, let e) = m.ops[i] { m.ops[i] = .eval(dst: d, expr: e) } }
    }

    // MARK: - Properties and layout

    mutating func properties() throws(DiagnosticError) {
        let main = spec.main
        var names = Set(Invariant.allCases.map(\.rawValue))
        var empty = Scope(proc: "invariant", retSlot: -1)
        for inv in main.invariants {
            if m.userInvariants.count + Invariant.allCases.count >= 64 {
                throw fail(inv.location, "too many invariants: at most \(64 - Invariant.allCases.count) user invariants")
            }
            if names.contains(inv.name) { throw fail(inv.location, "invariant '\(inv.name)' is already defined") }
            names.insert(inv.name)
            var code: [ExprOp] = []
            try lower(inv.expr, &empty, &code, invariant: true)
            if code.count > 250 { throw fail(inv.location, "invariant expression is too long (more than 250 operations)") }
            m.userInvariants.append(UserInvariant(name: inv.name, expr: addExpr(code), location: inv.location))
        }
        // Every name on the check line must exist, `check all, ...` included.
        for c in main.checks ?? [] where !names.contains(c.name) {
            throw fail(c.location, "unknown invariant '\(c.name)'", didYouMean(c.name, names) ?? "built-in invariants: " + Invariant.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let checks = main.checks, !main.checkAll {
            var sel = Set<Invariant>()
            for c in checks {
                if let i = Invariant(rawValue: c.name) { sel.insert(i); continue }
            }
            sel.insert(.modelError)
            m.enabled = sel
            let chosen = Set(checks.map(\.name))
            m.userInvariants = m.userInvariants.filter { chosen.contains($0.name) }
        }
        if case .violations(let vs)? = main.expectation {
            for v in vs {
                guard names.contains(v) else {
                    throw fail(main.expectationLocation!, "expected violation of unknown invariant '\(v)'", didYouMean(v, names))
                }
                if let i = Invariant(rawValue: v), !m.enabled.contains(i) {
                    throw fail(main.expectationLocation!, "'\(v)' is expected to break but is not selected by the check line")
                }
            }
        }
    }

    mutating func layoutState() {
        var w = 0
        for t in m.threads.indices {
            m.threads[t].base = w
            w += Model.threadHeader + m.threads[t].locals + 2 * m.world.pageCount   // locals, deferred puts, held references
        }
        for i in m.lockSlots.indices {
            m.lockSlots[i].offset = w
            w += m.lockSlots[i].kind == .rwsem ? 3 : 1
        }
        m.treeBase = []
        for v in m.world.vmas {
            if let p = v.splitFrom { m.treeBase.append(Array(m.treeBase[p][v.splitAt...])); continue }
            var bases: [Int] = []
            for _ in 0..<v.pages { bases.append(w); w += g.positions + 1 }
            m.treeBase.append(bases)
        }
        m.vmaStateBase = w
        w += m.world.vmas.count
        m.pagesBase = w
        w += m.world.pageCount * Model.pageWords
        m.isizeWord = w
        w += 1
        m.wokenWord = w
        m.wokenAddresses = m.world.vmas.map { $0.start + $0.pages * g.hugepagePages }.max() ?? 0
        w += (m.wokenAddresses + 31) / 32
        m.variablesBase = w
        w += m.world.variables.count
        m.cacheBase = w
        w += m.world.hugepages
        m.words = w
    }
}
