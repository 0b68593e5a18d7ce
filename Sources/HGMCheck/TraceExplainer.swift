import Foundation
import HGMModel
import HGMSpec

/// Replays a list of moves from the initial state and describes every step: what it
/// changed (`Machine.stateChanges`), what it decided that the state does not show (its
/// operation's result, each condition its local work evaluated and the branch taken, the
/// `either` alternative, the calls entered and returned from), where the walk results it
/// uses came from, and, at the end, the whole state (threads, locks, page tables, pages).
///
/// The engine merges a step's local work into the step, so the decisions inside it are
/// recovered by a shadow run: the step is re-executed one operation at a time on a copy
/// with `Machine.applyPrimitive` and `Machine.evaluate`, recording each operation, and the
/// copy must end equal to the engine's own step; when it does not (or its local work runs
/// past a million operations), the step is shown without those notes rather than with
/// guessed ones.
public struct TraceExplainer {
    public let machine: Machine
    public init(machine: Machine) { self.machine = machine }

    public typealias Move = (thread: Int, choice: Int)

    /// The first move that does not apply where it is taken: its 1-based step and why.
    public struct Mismatch: Error, Sendable, Equatable {
        public var step: Int
        public var reason: String
    }

    public struct Explained {
        public var steps: [TraceStep] = []
        /// The state before the first move (the initial state) and after each move applied.
        public var states: [[Word]] = []
        public var initialOutcome: StepOutcome
        /// The thread whose opening code raised `initialOutcome`'s first violation (-1: none).
        public var initialThread: Int
        /// The last applied move's outcome, and the operation (pc) it ran.
        public var lastOutcome: StepOutcome? = nil
        public var lastPC = -1
        public var contextSwitches = 0
        /// Set when a move did not apply; `steps` stop before it.
        public var mismatch: Mismatch? = nil
        /// Steps whose shadow run did not end in the engine's state (shown without notes); 0
        /// unless the shadow run and the engine disagree, which the tests check.
        public var unexplainedSteps = 0
        public var final: [Word] { states.last ?? [] }
    }

    /// Applies `moves` in order from the initial state, checking each is enabled (the thread
    /// exists, has not returned, is not blocked, and has the alternative).
    public func explain(_ moves: [Move]) -> Explained {
        let m = machine
        let model = m.model
        let (s0, o0, vt) = m.explainInitialState()
        var out = Explained(states: [s0], initialOutcome: o0, initialThread: vt)
        var s = s0
        var frameOf = [Int32?](repeating: nil, count: model.threads.count)
        var origins = Array(repeating: [Int: Origin](), count: model.threads.count)
        for t in model.threads.indices {
            for slot in 0..<model.threads[t].locals where tagOf(s[model.localWord(t, slot)]) == .hpte {
                origins[t][slot] = Origin(step: 0, statement: "the opening code of thread \(model.threads[t].name)",
                                          location: TraceExplainer.place(model.threads[t].location, column: false))
            }
        }
        var lastThread = -1
        for (i, mv) in moves.enumerated() {
            let n = i + 1
            guard mv.thread >= 0 && mv.thread < model.threads.count else {
                out.mismatch = Mismatch(step: n, reason: "there is no thread \(mv.thread)"); break
            }
            let name = model.threads[mv.thread].name
            let pc = Int(s[model.pcWord(mv.thread)])
            let info = model.info[pc]
            let at = "\(TraceExplainer.place(info.location, column: false)) (\(info.statement))"
            let k = s.withUnsafeBufferPointer { m.choices($0.baseAddress!, mv.thread) }
            if s.withUnsafeBufferPointer({ m.finished($0.baseAddress!, mv.thread) }) {
                out.mismatch = Mismatch(step: n, reason: "thread \(name) has returned: it takes no more steps"); break
            }
            if k == 0 {
                let waiting = s.withUnsafeBufferPointer { m.threadViews($0.baseAddress!)[mv.thread].waitingFor }
                out.mismatch = Mismatch(step: n, reason: "thread \(name) is not enabled at \(at)" + (waiting.map { ": blocked on \($0)" } ?? ": blocked"))
                break
            }
            if mv.choice < 0 || mv.choice >= k {
                out.mismatch = Mismatch(step: n, reason: "thread \(name) has no alternative \(mv.choice + 1) at \(at): "
                    + (k == 1 ? "it has one" : "it has \(k)"))
                break
            }
            let before = s
            let o = s.withUnsafeMutableBufferPointer { m.explainStep($0.baseAddress!, mv.thread, choice: mv.choice) }
            var shadow = before
            let trail = shadow.withUnsafeMutableBufferPointer { walk($0.baseAddress!, mv.thread, choice: mv.choice) }
            let events = trail != nil && shadow == s ? trail! : nil
            let changes = before.withUnsafeBufferPointer { a in s.withUnsafeBufferPointer { b in
                m.stateChanges(a.baseAddress!, b.baseAddress!, thread: mv.thread) } }
            var step = TraceStep(step: n, thread: name, procedure: info.procedure,
                                 location: TraceExplainer.place(info.location, column: false), statement: info.statement, changes: changes)
            if info.frame >= 0 { step.depth = model.frames[Int(info.frame)].depth }
            if k > 1 { step.alternative = mv.choice + 1; step.alternatives = k }
            // The walk results the operation uses, before the step changes them.
            step.origins = usedOrigins(before, mv.thread, pc: pc, origins: origins[mv.thread], last: n == moves.count,
                                       raised: o.raised, steps: out.steps)
            if let events {
                step.notes = notes(events, thread: mv.thread, stepInfo: info, frame: &frameOf[mv.thread], choices: k, choice: mv.choice)
                // A step that stops its path (use-after-free, model error) produced no defined value.
                if o.raised.stopsPath { step.notes.removeAll { $0.kind == .result } }
                track(events, thread: mv.thread, step: n, state: s, origins: &origins[mv.thread])
            } else {
                out.unexplainedSteps += 1
                if k > 1 { step.notes = [StepNote(kind: .either, own: true, location: step.location, statement: info.statement, taken: "branch \(mv.choice + 1) of \(k)")] }
                frameOf[mv.thread] = model.info[Int(s[model.pcWord(mv.thread)])].frame
                origins[mv.thread] = [:]      // unknown from here: no origins rather than wrong ones
            }
            out.steps.append(step)
            out.states.append(s)
            if lastThread >= 0 && lastThread != mv.thread { out.contextSwitches += 1 }
            lastThread = mv.thread
            out.lastOutcome = o
            out.lastPC = pc
        }
        return out
    }

    /// The state the trace ends in, with the page tables of the hugepages its steps touched
    /// (every hugepage when they touched none and there are at most four).
    public func snapshot(_ s: [Word], steps: [TraceStep]) -> StateSnapshot {
        let m = machine
        return s.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            let trees = m.pageTableTrees
            let mentioned = steps.flatMap { $0.changes.map(\.object) + $0.origins.map(\.value) }
            var involved = trees.filter { v, hp in
                let key = "\(m.model.world.vmas[v].name).hp\(hp)."
                return mentioned.contains { $0.contains(key) }
            }
            if involved.isEmpty && trees.count <= 4 { involved = trees }
            return StateSnapshot(threads: m.threadViews(p), locks: m.lockViews(p),
                                 pageTables: involved.map { m.pageTable(p, vma: $0.vma, hp: $0.hp) }, pages: m.pageViews(p))
        }
    }

    // MARK: - The shadow run

    enum Event {
        /// An operation about to run.
        case at(Int)
        /// The value the step's own operation (a primitive with a result, a shared read) produced.
        case value(pc: Int, Word)
        /// A conditional jump and the value it tested.
        case branch(pc: Int, Word)
        /// A local written by the operation at pc: a copy of another local, or a new value.
        case write(slot: Int, pc: Int, copyOf: Int?)
        case clear(from: Int, to: Int)
        /// A procedure's return value, read as its frame's locals are cleared.
        case returned(frame: Int, Word)
    }

    /// Runs thread t's step (alternative `choice`) on `s` one operation at a time, as
    /// `Machine.step` does, recording each. Nil when its local work runs past a million
    /// operations.
    func walk(_ s: UnsafeMutablePointer<Word>, _ t: Int, choice: Int) -> [Event]? {
        let m = machine
        let model = m.model
        var ev: [Event] = []
        var pc = Int(s[model.pcWord(t)])
        var raised = ViolationSet()
        var atomic = false
        let modelError = ViolationID(.modelError)
        func lw(_ slot: Int32) -> Int { model.localWord(t, Int(slot)) }
        func eval(_ e: Int32) -> Word {
            let r = m.evaluate(expr: e, s, thread: t)
            raised = raised.union(r.raised)
            if r.error { raised.insert(modelError) }
            return r.value
        }
        /// A primitive; false when it could not proceed.
        func prim(_ dst: Int32) -> Bool {
            let r = m.applyPrimitive(s, thread: t, pc: pc)
            raised = raised.union(r.raised)
            guard r.advanced else { return false }
            if dst >= 0 { ev.append(.value(pc: pc, s[lw(dst)])); ev.append(.write(slot: Int(dst), pc: pc, copyOf: nil)) }
            return true
        }
        ev.append(.at(pc))
        switch model.ops[pc] {
        case .either(let first, _):
            pc = Int(model.targets[Int(first) + choice])
        case .atomicBegin:
            pc += 1
            atomic = true
        case .prim(_, let dst, _, _):
            guard prim(dst) else { return ev }
            pc += 1
        case .sharedRead(let dst, let e):
            let x = eval(e)
            s[lw(dst)] = x
            ev.append(.value(pc: pc, x)); ev.append(.write(slot: Int(dst), pc: pc, copyOf: nil))
            pc += 1
        default:
            break
        }
        var ran = 0
        run: while !raised.stopsPath {
            ran += 1
            if ran > 1_000_000 { return nil }
            if atomic && !model.inAtomic[pc] { atomic = false }
            let op = model.ops[pc]
            switch op {
            case .eval, .jump, .branchFalse, .resetLocal, .loopCheck, .assert, .clearLocals, .atomicEnd: ev.append(.at(pc))
            case .atomicBegin, .sharedRead, .prim: if atomic { ev.append(.at(pc)) }
            case .either, .end: break
            }
            switch op {
            case .eval(let dst, let e):
                let x = eval(e)
                s[lw(dst)] = x
                ev.append(.write(slot: Int(dst), pc: pc, copyOf: singleLocal(e)))
                pc += 1
            case .jump(let target):
                pc = Int(target)
            case .branchFalse(let e, let target):
                let x = eval(e)
                if tagOf(x) != .int { raised.insert(modelError) }
                ev.append(.branch(pc: pc, x))
                pc = x == 0 ? Int(target) : pc + 1
            case .resetLocal(let slot):
                s[lw(slot)] = 0
                ev.append(.clear(from: Int(slot), to: Int(slot) + 1))
                pc += 1
            case .loopCheck(let slot, let bound):
                s[lw(slot)] += 1
                if s[lw(slot)] > bound { s[lw(slot)] = bound }
                pc += 1
            case .assert(let e, _):
                _ = eval(e)
                pc += 1
            case .clearLocals(let from, let to):
                let f = Int(model.info[pc].frame)
                if f >= 0 {
                    let r = model.frames[f].returnSlot
                    if r >= from && r < to { ev.append(.returned(frame: f, s[lw(r)])) }
                }
                for i in from..<to { s[lw(i)] = 0 }
                ev.append(.clear(from: Int(from), to: Int(to)))
                pc += 1
            case .atomicBegin:
                if !atomic { break run }
                pc += 1
            case .atomicEnd:
                pc += 1
            case .sharedRead(let dst, let e):
                if !atomic { break run }
                s[lw(dst)] = eval(e)
                ev.append(.write(slot: Int(dst), pc: pc, copyOf: nil))
                pc += 1
            case .prim(_, let dst, _, _):
                if !atomic { break run }
                guard prim(dst) else { raised.insert(modelError); break run }
                pc += 1
            case .either, .end:
                break run
            }
        }
        s[model.pcWord(t)] = Word(pc)
        ev.append(.at(pc))      // where the step ends: calls entered or returned from on the way there
        return ev
    }

    /// The local an expression is a plain copy of, or nil.
    func singleLocal(_ e: Int32) -> Int? {
        let model = machine.model
        let start = Int(model.exprStart[Int(e)])
        let end = Int(e) + 1 < model.exprStart.count ? Int(model.exprStart[Int(e) + 1]) : model.exprCode.count
        guard end - start == 1, case .local(let x) = model.exprCode[start] else { return nil }
        return Int(x)
    }

    // MARK: - Notes

    /// The notes of one step's events; `frame` is the thread's current call frame (nil
    /// before its first step), updated.
    func notes(_ events: [Event], thread t: Int, stepInfo: OpInfo, frame: inout Int32?, choices k: Int, choice: Int) -> [StepNote] {
        let m = machine
        let model = m.model
        var out: [StepNote] = []
        var returned: [Int: Word] = [:]
        let stepLoc = TraceExplainer.place(stepInfo.location, column: false)
        func own(_ info: OpInfo) -> Bool {
            info.statement == stepInfo.statement && info.location.file == stepInfo.location.file && info.location.line == stepInfo.location.line
        }
        if k > 1 { out.append(StepNote(kind: .either, own: true, location: stepLoc, statement: stepInfo.statement, taken: "branch \(choice + 1) of \(k)")) }
        for e in events {
            switch e {
            case .at(let pc):
                let f = model.info[pc].frame
                if let cur = frame, cur != f { out += transition(from: cur, to: f, returned: returned) }
                frame = f
            case .value(let pc, let w):
                out.append(StepNote(kind: .result, own: true, location: stepLoc, statement: stepInfo.statement, value: show(w, boolean: booleanResult(pc))))
            case .branch(let pc, let w):
                let info = model.info[pc]
                let yes = w != 0
                let taken: String
                let kind: StepNote.Kind
                switch info.role {
                case .condition(let hasElse):
                    kind = .condition
                    taken = yes ? "then-branch" : hasElse ? "else-branch" : "skips the then-branch"
                case .loopCondition:
                    kind = .loop
                    taken = yes ? "loop body" : "leaves the loop"
                case .shortCircuit, .plain:
                    continue
                }
                var note = StepNote(kind: kind, own: own(info), location: TraceExplainer.place(info.location, column: false),
                                    statement: info.statement, value: yes ? "true" : "false", taken: taken)
                // `if trylock(...)`: the result already says what the condition is.
                if note.own, let last = out.last, last.kind == .result, last.own, last.value == note.value { note.value = nil }
                out.append(note)
            case .returned(let f, let w):
                returned[f] = w
            case .write, .clear:
                break
            }
        }
        return out
    }

    /// Call and return notes from frame `a` to frame `b` (through their closest common caller).
    func transition(from a: Int32, to b: Int32, returned: [Int: Word]) -> [StepNote] {
        let frames = machine.model.frames
        func chain(_ f: Int32) -> [Int32] {
            var c: [Int32] = []
            var x = f
            while x >= 0 { c.append(x); x = frames[Int(x)].parent }
            return c.reversed()
        }
        let ca = chain(a), cb = chain(b)
        var common = 0
        while common < ca.count && common < cb.count && ca[common] == cb[common] { common += 1 }
        var out: [StepNote] = []
        for f in ca[common...].reversed() {
            let fr = frames[Int(f)]
            let v = fr.returnsValue ? returned[Int(f)].map { show($0, boolean: false) } : nil
            out.append(StepNote(kind: .return, own: false, location: TraceExplainer.place(fr.callSite, column: false),
                                statement: fr.callText, value: v, procedure: fr.procedure, depth: fr.depth))
        }
        for f in cb[common...] {
            let fr = frames[Int(f)]
            out.append(StepNote(kind: .call, own: false, location: TraceExplainer.place(fr.callSite, column: false),
                                statement: fr.callText, procedure: fr.procedure, depth: fr.depth))
        }
        return out
    }

    /// Whether the operation at pc yields a truth value (a trylock, a page test, a VMA flag).
    func booleanResult(_ pc: Int) -> Bool {
        let model = machine.model
        switch model.ops[pc] {
        case .prim(let p, _, _, _):
            return [.trylock, .readTrylock, .writeTrylock, .pageInCache, .pageHwpoison, .pageMigratable, .pageMapped].contains(p)
        case .sharedRead(_, let e), .eval(_, let e):
            let end = Int(e) + 1 < model.exprStart.count ? Int(model.exprStart[Int(e) + 1]) : model.exprCode.count
            guard end > 0, case .fn(let f) = model.exprCode[end - 1] else { return false }
            return [.hgmEnabled, .uffdMinor, .uffdMissing, .exactAddress, .isShared, .vmaMapsIndex].contains(f)
        default:
            return false
        }
    }

    func show(_ w: Word, boolean: Bool) -> String {
        if boolean && tagOf(w) == .int && (intOf(w) == 0 || intOf(w) == 1) { return intOf(w) == 1 ? "true" : "false" }
        return machine.describe(w)
    }

    // MARK: - Where walk results come from

    struct Origin {
        var step: Int
        var statement: String
        var location: String
    }

    /// Updates thread t's origins (per local slot) with one step's writes.
    func track(_ events: [Event], thread t: Int, step: Int, state: [Word], origins: inout [Int: Origin]) {
        let model = machine.model
        for e in events {
            switch e {
            case .write(let slot, let pc, let copy):
                if let c = copy { origins[slot] = origins[c] ?? origins[slot]; continue }
                let info = model.info[pc]
                origins[slot] = Origin(step: step, statement: info.statement, location: TraceExplainer.place(info.location, column: false))
            case .clear(let from, let to):
                for x in from..<to { origins[x] = nil }
            default:
                break
            }
        }
    }

    /// The walk results the operation at pc uses (locals of its arguments holding an hpte),
    /// when the step is the last, raised a use-after-free, or the result is dangling.
    func usedOrigins(_ s: [Word], _ t: Int, pc: Int, origins: [Int: Origin], last: Bool, raised: ViolationSet, steps: [TraceStep]) -> [ValueOrigin] {
        let m = machine
        let model = m.model
        var exprs: [Int32] = []
        switch model.ops[pc] {
        case .prim(_, _, let args, let argc): exprs = (0..<Int(argc)).map { model.argList[Int(args) + $0] }
        case .sharedRead(_, let e): exprs = [e]
        default: return []
        }
        var out: [ValueOrigin] = []
        var seen = Set<Int>()
        for e in exprs {
            let start = Int(model.exprStart[Int(e)])
            let end = Int(e) + 1 < model.exprStart.count ? Int(model.exprStart[Int(e) + 1]) : model.exprCode.count
            for i in start..<end {
                guard case .local(let x) = model.exprCode[i], seen.insert(Int(x)).inserted else { continue }
                let w = s[model.localWord(t, Int(x))]
                guard tagOf(w) == .hpte else { continue }
                let h = HPTE(w)
                guard last || raised.contains(ViolationID(.useAfterFree)) || h.dangling, let o = origins[Int(x)] else { continue }
                var v = ValueOrigin(local: model.threads[t].localName(slot: Int(x), at: pc), value: m.describe(w),
                                    step: o.step, statement: o.statement, location: o.location)
                // The table page the entry lives in, and the one below it (what a descent enters).
                let g = model.geometry
                var tables: [String] = []
                for pos in [h.pos > 0 ? g.parent(ofPos: h.pos) : -1, h.pos < g.tableSlots ? h.pos : -1] where pos >= 0 {
                    tables.append("\(g.treeLevels[g.depth(ofPos: pos) + 1].name) table below \(m.entryName(vma: h.tree, hp: h.hp, pos: pos))")
                }
                v.freedAtStep = steps.last { st in st.step > o.step && st.changes.contains { tables.contains($0.object) && $0.after == "freed" } }?.step
                out.append(v)
            }
        }
        return out
    }

    // MARK: - Paths

    /// `file:line[:col]` with a path that opens from the working directory the spec was
    /// named from: the loader's path with `dir/..` pairs resolved (an import `../lib/x.hgm`
    /// of `Specs/races/y.hgm` is `Specs/lib/x.hgm`), absolute paths kept absolute.
    public static func place(_ l: SourceLocation, column: Bool = true) -> String {
        "\(displayPath(l.file)):\(l.line)" + (column ? ":\(l.column)" : "")
    }

    /// The path part of `place`.
    public static func displayPath(_ p: String) -> String {
        let absolute = p.hasPrefix("/")
        var out: [Substring] = []
        for seg in p.split(separator: "/", omittingEmptySubsequences: true) {
            if seg == "." { continue }
            if seg == "..", let last = out.last, last != ".." { out.removeLast(); continue }
            if seg == "..", absolute { continue }
            out.append(seg)
        }
        let n = (absolute ? "/" : "") + out.joined(separator: "/")
        return n.isEmpty ? "." : n
    }

    // MARK: - Reports that share steps

    /// Marks each trace that begins with at least three steps of an earlier trace of the
    /// same report (the longest such prefix), so reporters can print the shared steps once.
    public static func markSharedPrefixes(_ reports: inout [ViolationReport]) {
        for i in reports.indices {
            reports[i].sharedPrefix = nil
            var best: SharedPrefix? = nil
            for j in 0..<i {
                let a = reports[i].trace, b = reports[j].trace
                var n = 0
                while n < a.count && n < b.count && same(a[n], b[n]) { n += 1 }
                if n >= 3 && n > (best?.steps ?? 0) { best = SharedPrefix(violation: j, invariant: reports[j].invariant, steps: n) }
            }
            reports[i].sharedPrefix = best
        }
    }

    static func same(_ a: TraceStep, _ b: TraceStep) -> Bool {
        a.thread == b.thread && a.alternative == b.alternative && a.location == b.location && a.statement == b.statement
            && a.changes == b.changes && a.notes == b.notes
    }
}
