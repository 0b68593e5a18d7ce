/// The initial state of a scenario.
extension Machine {
    /// The initial state, with every violation raised while running each thread's opening
    /// local code, and the first thread that raised one (-1: none).
    public func initialState() -> (state: [Word], raised: ViolationSet, thread: Int) {
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
        var violation: ViolationID? = nil
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
                if v != nil && violation == nil { violation = v; vt = t }
            }
        }
        return (s, violation == nil ? .empty : ViolationSet(bits: raised), vt)
    }

}
