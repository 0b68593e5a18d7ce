/// One thing a step changed, for traces: the object (`vma_lock(V0)`, `V0.hp0.PUD`,
/// `mapcount(P0)`, a local `proc.var`...), its value before and after, and a phrase.
public struct StateChange: Codable, Sendable, Equatable {
    public var object: String
    public var before: String
    public var after: String
    public var text: String
    public init(object: String, before: String, after: String, text: String) {
        self.object = object; self.before = before; self.after = after; self.text = text
    }
}

/// Human-readable views of states, for traces: what one step changed.
extension Machine {
    func threadSet(_ mask: Word) -> String {
        (0..<nThreads).filter { mask & (Word(1) << Word($0)) != 0 }.map { model.threads[$0].name }.joined(separator: ",")
    }

    func lockState(_ s: UnsafePointer<Word>, _ slot: Int) -> String {
        let l = model.lockSlots[slot]
        let o = l.offset
        if l.kind != .rwsem { return s[o] == 0 ? "free" : "held by \(model.threads[Int(s[o]) - 1].name)" }
        var parts: [String] = []
        if s[o] != 0 { parts.append("W{\(model.threads[Int(s[o]) - 1].name)}") }
        if s[o + 1] != 0 { parts.append("R{\(threadSet(s[o + 1]))}") }
        if parts.isEmpty { parts.append("free") }
        if s[o + 2] != 0 { parts.append("writers waiting {\(threadSet(s[o + 2]))}") }
        return parts.joined(separator: " ")
    }

    /// A VMA's state word in words: existence, vm_private_data, hgm_enabled, span, PUD.
    func vmaStateText(_ s: UnsafePointer<Word>, _ v: Int) -> String {
        typealias B = Model.VMAState
        if vmaHas(s, v, B.freed) { return "freed" }
        if !vmaHas(s, v, B.live) { return "not created" }
        var parts = ["\(vmaField(s, v, B.pagesShift)) hugepage(s)"]
        parts.append(vmaHas(s, v, B.priv) ? "vma_lock" : "no vm_private_data")
        parts.append(vmaHas(s, v, B.hgm) ? "hgm_enabled" : "HGM off")
        if pmdSharing {
            let tr = pudTree(s, v)
            parts.append(tr < 0 ? "PUD none" : tr == v ? "own PMD table" : "PUD -> \(model.world.vmas[tr].name)'s PMD table")
            let refs = vmaField(s, v, B.refShift)
            if refs > 1 || (refs == 0 && tr == v) { parts.append("own table shared by \(refs)") }
        }
        return parts.joined(separator: ", ")
    }

    /// The changes between two states, one phrase each (`stateChanges`' texts).
    public func describeChanges(_ a: UnsafePointer<Word>, _ b: UnsafePointer<Word>, thread t: Int) -> [String] {
        stateChanges(a, b, thread: t).map(\.text)
    }

    /// The changes between two states: what changed (an entry, a table page, a VMA, a lock, a
    /// page counter or flag, the page cache, a shared variable, i_size, a userfault waiter, a
    /// local of thread `t` given a value), its value before and after, and a phrase.
    public func stateChanges(_ a: UnsafePointer<Word>, _ b: UnsafePointer<Word>, thread t: Int) -> [StateChange] {
        var out: [StateChange] = []
        func add(_ object: String, _ before: String, _ after: String, _ text: String? = nil) {
            out.append(StateChange(object: object, before: before, after: after, text: text ?? "\(object): \(before) -> \(after)"))
        }
        for (v, vm) in model.world.vmas.enumerated() where vm.splitFrom == nil {
            for hp in 0..<vm.pages {
                for pos in 0..<g.positions {
                    let w = model.entryWord(v, hp, pos)
                    if a[w] != b[w] { add(entryName(vma: v, hp: hp, pos: pos), describe(a[w]), describe(b[w])) }
                }
                let lw = model.liveWord(v, hp)
                if a[lw] != b[lw] {
                    for slot in 0..<g.tableSlots {
                        let was = a[lw] & (Word(1) << Word(slot)) != 0, now = b[lw] & (Word(1) << Word(slot)) != 0
                        if was != now {
                            let object = "\(g.treeLevels[g.depth(ofPos: slot) + 1].name) table below \(entryName(vma: v, hp: hp, pos: slot))"
                            add(object, was ? "allocated" : "free", now ? "allocated" : "freed", "\(object) \(now ? "allocated" : "freed")")
                        }
                    }
                }
            }
        }
        for (v, vm) in model.world.vmas.enumerated() {
            let w = model.vmaStateBase + v
            if a[w] != b[w] { add(vm.name, vmaStateText(a, v), vmaStateText(b, v)) }
        }
        for (i, l) in model.lockSlots.enumerated() {
            let o = l.offset
            let n = l.kind == .rwsem ? 3 : 1
            if (0..<n).contains(where: { a[o + $0] != b[o + $0] }) {
                let after = lockState(b, i)
                add(l.name, lockState(a, i), after, "\(l.name): \(after)")
            }
        }
        for p in 0..<model.pageCount {
            for (f, name) in [(Model.PageField.mapcount, "mapcount"), (Model.PageField.refcount, "refcount")] {
                let w = model.pageWord(p, f)
                if a[w] != b[w] { add("\(name)(P\(p))", "\(a[w])", "\(b[w])") }
            }
        }
        for p in 0..<model.pageCount {
            let w = model.pageWord(p, Model.PageField.flags)
            let was = a[w] & Model.PageFlag.notMigratable != 0, now = b[w] & Model.PageFlag.notMigratable != 0
            if was != now {
                add("HPageMigratable(P\(p))", was ? "cleared" : "set", now ? "cleared" : "set",
                    "P\(p) \(now ? "isolated (HPageMigratable cleared)" : "put back (HPageMigratable set)")")
            }
        }
        for i in 0..<model.world.hugepages {
            let w = model.cacheBase + i
            if a[w] != b[w] {
                func pc(_ x: Word) -> String { x == 0 ? "none" : "P\(x - 1)" }
                add("page cache[\(i)]", pc(a[w]), pc(b[w]))
            }
        }
        for (i, v) in model.world.variables.enumerated() {
            let w = model.variablesBase + i
            if a[w] != b[w] { add(v.name, "\(a[w])", "\(b[w])") }
        }
        if a[model.isizeWord] != b[model.isizeWord] {
            add("i_size", "\(a[model.isizeWord])", "\(b[model.isizeWord])", "i_size: \(a[model.isizeWord]) -> \(b[model.isizeWord]) hugepages")
        }
        for u in 0..<nThreads {
            let w = model.waitMsgWord(u)
            if a[w] != b[w] {
                let name = model.threads[u].name
                func st(_ x: Word) -> String { x == 0 ? "not waiting" : "queued at \(x - 1)" }
                add("userfault waiter \(name)", st(a[w]), st(b[w]),
                    b[w] == 0 ? "userfault waiter \(name) woken" : "userfault waiter \(name) queued at \(b[w] - 1)")
            }
        }
        if t >= 0 {
            for l in 0..<model.threads[t].locals {
                let w = model.localWord(t, l)
                if a[w] != b[w] && b[w] != 0 {
                    let name = model.threads[t].localName(slot: l, at: Int(b[model.pcWord(t)]))
                    if name.contains("$tmp") || name.contains(".loop@") || name.hasSuffix(".return") { continue }
                    add(name, describe(a[w]), describe(b[w]), "\(name) = \(describe(b[w]))")
                }
            }
        }
        return out
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
