import HGMCheck
import HGMModel

/// A counterexample as plain text, the same in the text report, JUnit and SARIF: the
/// schedule, one line per step (number, thread, procedure indented by call depth,
/// location, statement and what it decided), what the step changed (`·`), the calls and
/// conditions of its local work (`↳`, `↲`, `?`), where the walk results it used came from
/// (`^`), and the state at the end: threads, locks, page-table trees, pages.
enum TraceText {
    /// The lines of `v`'s trace after its summary line. `spec` is the checked spec (for the
    /// replay command); `earlier` the report's earlier violations, whose shared leading steps
    /// are referenced instead of repeated (nil: print every step).
    static func lines(_ v: ViolationReport, spec: String?, earlier: [ViolationReport]? = nil) -> [String] {
        var out: [String] = []
        if let s = v.schedule {
            out.append("schedule: \(s)" + (spec.map { "   (replay: hgm-check replay \(shellQuote($0)) '\(s)')" } ?? ""))
        }
        var skip = 0
        if let p = v.sharedPrefix, let earlier, p.violation < earlier.count {
            skip = p.steps
            out.append("steps 1–\(p.steps): the first \(p.steps) steps of the \(p.invariant) trace above")
        }
        let shown = v.trace.dropFirst(skip)
        let wStep = max(3, shown.map { String($0.step).count }.max() ?? 0)
        let wThread = shown.map(\.thread.count).max() ?? 0
        let wProc = shown.map { $0.procedure.count + 2 * $0.depth }.max() ?? 0
        let wLoc = shown.map(\.location.count).max() ?? 0
        let sub = String(repeating: " ", count: wStep + 4)
        for s in shown {
            if s.step == v.cycleStart { out.append(ReportSupport.cycleMarker(v)) }
            let proc = String(repeating: " ", count: 2 * s.depth) + s.procedure
            var line = pad(String(s.step), wStep, right: true) + "  " + pad(s.thread, wThread) + "  " + pad(proc, wProc)
                + "  " + pad(s.location, wLoc) + "  " + s.statement
            if let o = s.outcome { line += "  " + o }
            out.append(line)
            for c in s.changes { out.append(sub + "· " + c.text) }
            for n in s.notes where !n.own {
                switch n.kind {
                case .call: out.append(sub + "↳ call \(n.procedure ?? "") (\(n.location): \(n.statement))")
                case .return: out.append(sub + "↲ return from \(n.procedure ?? "")" + (n.value.map { " = \($0)" } ?? ""))
                default: out.append(sub + "? \(n.statement) → \(n.phrase)  (\(n.location))")
                }
            }
            for o in s.origins {
                out.append(sub + "^ \(o.local) = \(o.value) comes from " + (o.step == 0 ? o.statement : "step \(o.step) (\(o.statement), \(o.location))")
                    + (o.freedAtStep.map { "; a table page it leads into was freed at step \($0)" } ?? ""))
            }
        }
        if let st = v.finalState, !v.trace.isEmpty { out += stateLines(st) }
        return out
    }

    /// The state at the end of a trace.
    static func stateLines(_ st: StateSnapshot) -> [String] {
        var out = ["state after the last step:"]
        for t in st.threads {
            var what = t.status
            if let w = t.waitingFor { what += " on \(w)" }
            if let l = t.location, let s = t.statement { what += " at \(l) (\(s))" }
            out.append("  thread \(t.thread): \(what)")
        }
        if st.locks.isEmpty { out.append("  locks: none held") }
        for l in st.locks {
            var s = "  lock \(l.lock): " + (l.holders.isEmpty ? "free" : "held by " + l.holders.joined(separator: ", "))
            if !l.waiters.isEmpty { s += "; waiting: " + l.waiters.joined(separator: ", ") }
            out.append(s)
        }
        for t in st.pageTables { out += treeLines(t).map { "  " + $0 } }
        for p in st.pages {
            var s = "  \(p.page): mapcount \(p.mapcount), refcount \(p.refcount)"
            if let c = p.cachedAt { s += ", in the page cache at index \(c)" }
            let flags = p.flags.filter { $0 != "allocated" }
            if !p.flags.contains("allocated") { s += ", free" }
            if !flags.isEmpty { s += ", " + flags.joined(separator: ", ") }
            out.append(s)
        }
        return out
    }

    /// A page-table tree, one line per entry: the tree drawn in ASCII, the level and index,
    /// the model address range, the entry's kind and the page it maps.
    static func treeLines(_ t: PageTableView) -> [String] {
        var out = ["page table of \(t.hugepage) (addresses in model pages):"]
        let es = t.entries
        func isLast(_ i: Int) -> Bool {
            let d = es[i].depth
            for j in (i + 1)..<es.count {
                if es[j].depth < d { return true }
                if es[j].depth == d { return false }
            }
            return true
        }
        var open: [Bool] = []          // per depth: whether the branch at that depth continues below
        let labels = es.map { $0.entry.split(separator: ".").last.map(String.init) ?? $0.entry }
        var prefixes: [String] = []
        for (i, e) in es.enumerated() {
            let last = isLast(i)
            if open.count > e.depth { open.removeLast(open.count - e.depth) }
            var p = ""
            for d in 1..<max(1, e.depth) { p += open.count > d && open[d] ? "|  " : "   " }
            if e.depth > 0 { p += last ? "`- " : "+- " }
            while open.count <= e.depth { open.append(false) }
            open[e.depth] = !last
            prefixes.append(p + labels[i])
        }
        let w = prefixes.map(\.count).max() ?? 0
        let ranges = es.map { "[\($0.start), \($0.end))" }
        let wr = ranges.map(\.count).max() ?? 0
        for (i, e) in es.enumerated() {
            var s = "  " + pad(prefixes[i], w) + "  " + pad(ranges[i], wr) + "  " + e.kind
            if let pg = e.page { s += " \(pg)" }
            if e.tableFreed == true { s += " (its table page is freed)" }
            out.append(s)
        }
        return out
    }

    static func shellQuote(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "/._-+".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - s.count))
        return right ? fill + s : s + fill
    }
}
