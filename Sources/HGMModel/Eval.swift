/// Expression evaluation: a small stack machine over `ExprOp`s. Pure: reads thread t's
/// locals and the static world; the state functions (mapcount...) read the state and are
/// only compiled into user invariants (t = -1). A type error sets `evalError`.
extension Machine {
    func eval(_ id: Int32, _ s: UnsafeMutablePointer<Word>, _ t: Int) -> Word {
        let start = Int(exprStart[Int(id)])
        let end = Int(id) + 1 < exprStart.count ? Int(exprStart[Int(id) + 1]) : exprCode.count
        var sp = 0
        for i in start..<end {
            switch exprCode[i] {
            case .const(let w):
                stack[sp] = w; sp += 1
            case .local(let slot):
                stack[sp] = s[localW(t, Int(slot))]; sp += 1
            case .lockTable(let base, let buckets):
                let x = stack[sp - 1]
                guard tagOf(x) == .int else { return err("a lock table index must be a number, got \(describe(x))") }
                stack[sp - 1] = mkLock(Int(base) + ((intOf(x) % Int(buckets)) + Int(buckets)) % Int(buckets))
            case .unary(let op):
                let x = stack[sp - 1]
                guard tagOf(x) == .int else { return err("operator applied to \(describe(x))") }
                let r: Int
                switch UOp(rawValue: op)! {
                case .not: r = x == 0 ? 1 : 0
                case .neg: r = -intOf(x)
                case .bnot: r = ~intOf(x)
                }
                guard abs(r) < intLimit else { return err("integer overflow in the model (\(r))") }
                stack[sp - 1] = mkInt(r)
            case .binary(let op):
                let b = stack[sp - 1], a = stack[sp - 2]
                sp -= 1
                let o = BOp(rawValue: op)!
                if o == .eq { stack[sp - 1] = mkInt(a == b ? 1 : 0); continue }
                if o == .ne { stack[sp - 1] = mkInt(a != b ? 1 : 0); continue }
                guard tagOf(a) == .int, tagOf(b) == .int else { return err("arithmetic on \(describe(a)) and \(describe(b))") }
                let x = intOf(a), y = intOf(b)
                let r: Int
                switch o {
                case .add: r = x + y
                case .sub: r = x - y
                case .mul: r = x * y
                case .div: if y == 0 { return err("division by zero") }; r = x / y
                case .mod: if y == 0 { return err("division by zero") }; r = x % y
                case .band: r = x & y
                case .bor: r = x | y
                case .bxor: r = x ^ y
                case .shl: if y < 0 || y > 26 { return err("shift by \(y)") }; r = x << y
                case .shr: if y < 0 || y > 62 { return err("shift by \(y)") }; r = x >> y
                case .lt: r = x < y ? 1 : 0
                case .le: r = x <= y ? 1 : 0
                case .gt: r = x > y ? 1 : 0
                case .ge: r = x >= y ? 1 : 0
                case .land: r = (x != 0 && y != 0) ? 1 : 0
                case .lor: r = (x != 0 || y != 0) ? 1 : 0
                case .eq, .ne: r = 0
                }
                guard abs(r) < intLimit else { return err("integer overflow in the model (\(r))") }
                stack[sp - 1] = mkInt(r)
            case .fn(let f):
                let n = f.signature.arity
                let r = pure(f, sp - n, s, t)
                if evalError { return 0 }
                sp -= n
                stack[sp] = r; sp += 1
            }
        }
        return stack[sp - 1]
    }

    func err(_ text: @autoclosure () -> String) -> Word {
        evalError = true
        if wantDetail { evalErrorText = text() } else { evalErrorText = "" }
        return 0
    }

    func pure(_ f: PureFn, _ at: Int, _ s: UnsafeMutablePointer<Word>, _ t: Int) -> Word {
        let a0 = stack[at]
        let a1 = f.signature.arity > 1 ? stack[at + 1] : 0
        func int(_ w: Word) -> Int? { tagOf(w) == .int ? intOf(w) : nil }
        func hpte(_ w: Word) -> HPTE? { tagOf(w) == .hpte ? HPTE(w) : nil }
        func entry(_ w: Word) -> PTEValue? { tagOf(w) == .entry ? PTEValue(w) : nil }
        func b(_ x: Bool) -> Word { mkInt(x ? 1 : 0) }
        func vma(_ w: Word) -> Int? { int(w).flatMap { $0 >= 0 && $0 < model.world.vmas.count ? $0 : nil } }
        func page(_ w: Word) -> Int? { tagOf(w) == .page ? payload(w) : nil }
        let name = f.signature.name
        /// A read of a VMA field: through a freed VMA it is a use-after-free (R8).
        func live(_ v: Int) -> Bool {
            guard vmaHas(s, v, Model.VMAState.freed) else { return true }
            if on(.useAfterFree) && t >= 0 {
                _ = fault(.useAfterFree, "thread \(model.threads[t].name) reads \(name)(\(model.world.vmas[v].name)) of a VMA freed by remove_vma")
            }
            return false
        }
        switch f {
        case .walk:
            guard let a = int(a0), let (v, hp, _) = locate(a, s) else { return err("walk: \(describe(a0)) is not an address inside a VMA") }
            // huge_pte_offset: NULL when the PUD is none (§2.9; only with PMD sharing modelled).
            let tree = walkTree(s, v)
            if tree < 0 { return nullWord }
            return HPTE(vma: v, hp: hp, pos: 0, ptlExplicit: false, dangling: false, tree: tree).word
        case .ptl:
            guard let h = hpte(a0) else { return err("ptl needs a walk result, got \(describe(a0))") }
            // Pure: whether the table page holding the lock is still live is checked when the
            // lock is taken or released (Machine.lockOp), also through a lock kept in a local.
            return mkLock(hptePTL(h), dangling: h.dangling)
        case .held, .heldWrite:
            guard tagOf(a0) == .lock, t >= 0 else { return err("\(name) needs a lock, in a procedure (lockdep_assert_held)") }
            let slot = lockSlotOf(a0)
            return b(f == .held ? holds(s, t, slot) : holdsWrite(s, t, slot))
        case .vmaLock:
            guard let v = vma(a0) else { return err("vma_lock needs a VMA, got \(describe(a0))") }
            return mkLock(vmaLockS[v])
        case .pageLock:
            guard let p = page(a0) else { return err("page_lock needs a page, got \(describe(a0))") }
            return mkLock(model.pageLockSlot0 + p)
        case .iMmap: return mkLock(model.iMmapSlot)
        case .mmapLock, .pageTableLock:
            guard let m = int(a0), m >= 0, m < model.world.mms.count else { return err("\(name) needs an mm, got \(describe(a0))") }
            return mkLock(f == .mmapLock ? model.mmapLockSlot[m] : model.pageTableLockSlot[m])
        case .isNone, .isNoneMostly, .isMarker, .isPresent, .isLeaf, .isTable, .isMigration, .isHwpoisonEntry, .entryPage:
            guard let e = entry(a0) else { return err("\(name) needs an entry value (from read), got \(describe(a0))") }
            switch f {
            case .isNone: return b(e.kind == .none)
            case .isNoneMostly: return b(e.kind == .none || e.kind == .marker)
            case .isMarker: return b(e.kind == .marker)
            case .isPresent: return b(e.kind == .leaf || e.kind == .table)
            case .isLeaf: return b(e.kind == .leaf)
            case .isTable: return b(e.kind == .table)
            case .isMigration: return b(e.kind == .migration)
            case .isHwpoisonEntry: return b(e.kind == .hwpoison)
            default: return e.kind == .leaf || e.kind == .migration ? mkPage(e.page) : nullWord
            }
        case .isPresentLeaf:
            guard hpte(a0) != nil, let e = entry(a1) else { return err("is_present_leaf(hpte, value)") }
            return b(e.kind == .leaf)
        case .size, .shift, .level:
            guard let h = hpte(a0) else { return err("\(name) needs a walk result, got \(describe(a0))") }
            let k = depthOf(h.pos)
            return mkInt(f == .size ? sizeAt(k) : f == .shift ? g.treeLevels[k].shift : k)
        case .index, .hugepageBase, .vmaOf:
            guard let a = int(a0), let (v, hp, _) = locate(a, s) else { return err("\(name): \(describe(a0)) is not an address inside a VMA") }
            if f == .vmaOf { return mkInt(v) }
            if f == .index { return mkInt(model.world.vmas[v].pgoff + hp) }
            return mkInt(model.world.vmas[v].start + hp * hpPages)
        case .largestSize:
            guard let a = int(a0), let e = int(a1), let (v, _, _) = locate(a, s) else { return err("largest_size(addr, end) needs addresses") }
            let rel = a - model.world.vmas[v].start
            for k in 0..<nLevels {
                let sz = sizeAt(k)
                if rel % sz == 0 && a + sz <= e { return mkInt(sz) }
            }
            return mkInt(0)
        case .hgmEnabled, .uffdMinor, .uffdMissing, .exactAddress, .isShared:
            guard let v = vma(a0) else { return err("\(name) needs a VMA, got \(describe(a0))") }
            guard live(v) else { return mkInt(0) }
            let x = model.world.vmas[v]
            return b(f == .hgmEnabled ? vmaHas(s, v, Model.VMAState.hgm) : f == .uffdMinor ? x.uffdMinor : f == .uffdMissing ? x.uffdMissing : f == .exactAddress ? x.exactAddress : x.shared)
        case .isErr: return b(tagOf(a0) == .int && intOf(a0) < 0)
        case .isNull: return b(a0 == nullWord)
        case .min, .max:
            guard let x = int(a0), let y = int(a1) else { return err("\(name) needs numbers") }
            return mkInt(f == .min ? Swift.min(x, y) : Swift.max(x, y))
        case .alignDown:
            guard let x = int(a0), let y = int(a1), y > 0 else { return err("align_down(value, size) needs numbers") }
            return mkInt(x - ((x % y) + y) % y)
        case .withDefaultPtl:
            guard var h = hpte(a0) else { return err("with_default_ptl needs a walk result") }
            h.ptlExplicit = false
            return h.word
        case .hpageSize: return mkInt(hpPages)
        case .vmaStart, .vmaEnd, .vmaPgoff:
            guard let v = vma(a0) else { return err("\(name) needs a VMA, got \(describe(a0))") }
            guard live(v) else { return mkInt(0) }
            let x = model.world.vmas[v]
            return mkInt(f == .vmaStart ? x.start : f == .vmaPgoff ? x.pgoff : x.start + vmaField(s, v, Model.VMAState.pagesShift) * hpPages)
        case .vmaMapsIndex, .indexAddr:
            guard let v = vma(a0), let i = int(a1) else { return err("\(name)(vma, index) needs a VMA and a file index") }
            let x = model.world.vmas[v]
            // Only existing VMAs are in i_mmap; a split VMA maps its current range.
            let maps = vmaHas(s, v, Model.VMAState.live) && i >= x.pgoff && i < x.pgoff + vmaField(s, v, Model.VMAState.pagesShift)
            if f == .vmaMapsIndex { return b(maps) }
            guard maps else { return err("\(name): \(x.name) does not map file index \(i)") }
            return mkInt(x.start + (i - x.pgoff) * hpPages)
        case .nrVmas: return mkInt(model.world.vmas.count)
        case .filePages: return mkInt(model.world.hugepages)
        case .mapcount, .refcount:
            guard let p = page(a0), p < nPages else { return err("\(name) needs a page (P0...)") }
            return mkInt(Int(s[pageW(p, f == .mapcount ? Model.PageField.mapcount : Model.PageField.refcount)]))
        case .cached:
            guard let i = int(a0), i >= 0, i < model.world.hugepages else { return err("cached needs a file index") }
            return b(s[cacheBase + i] != 0)
        case .iSize: return mkInt(Int(s[isizeWord]))
        case .varValue:
            guard tagOf(a0) == .variable else { return err("not a shared variable") }
            return mkInt(Int(s[model.variablesBase + payload(a0)]))
        }
    }
}
