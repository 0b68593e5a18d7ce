import HGMSpec

/// The scenario's world (design.md §3 item 2): one hugetlbfs file, its page cache and
/// i_size, mms, shared VMAs with their flags, declared locks and the hugepage pool.
public struct World: Sendable {
    public struct VMA: Sendable {
        public var name: String
        public var mm: Int
        /// First file hugepage index mapped, and how many hugepages are mapped.
        public var pgoff: Int
        public var pages: Int
        /// Start address in model pages (VMAs are laid out one after another).
        public var start: Int
        public var shared: Bool
        public var hgm: Bool
        public var uffdMinor: Bool
        public var uffdMissing: Bool
        public var exactAddress: Bool
        /// A VMA that does not exist yet: `split_vma` cuts it off `splitFrom` at hugepage
        /// `splitAt` of the parent. It maps the parent's tail, in the same page tables.
        public var splitFrom: Int? = nil
        public var splitAt = 0
        /// Its PUD starts pointing at another VMA's PMD table (a shared PMD table, §2.9).
        public var shares: Int? = nil
        /// Its PUD starts none: `pmd_share` or `pmd_alloc` must give it a PMD table (§2.9).
        public var pudNone = false
    }
    public enum LockKind: String, Sendable { case mutex, rwsem, spinlock }
    public struct LockDecl: Sendable {
        public var name: String
        public var kind: LockKind
        /// > 1 for a hashed table (e.g. the fault mutex table): `name[i]` is bucket `i % buckets`.
        public var buckets: Int
        public var hashed: Bool
    }

    public var hugepages: Int
    /// File index of each initially cached page, in index order (page ids 0..).
    public var cached: [Int]
    public var isize: Int
    public var mms: [String]
    public var vmas: [VMA]
    public var locks: [LockDecl]
    public var freePages: Int
    /// Whether a page goes back to the free pool on its last put (refcount 0, not in the
    /// page cache, not mapped), so alloc_huge_page can hand it out again (`recycle_pages`).
    public var recyclePages = false
    /// Shared integer variables (`var NAME = value`): kernel fields such as vma_lock->vma
    /// that a race reads and writes outside the page tables; `load`/`store` are steps.
    public var variables: [(name: String, initial: Int)] = []
    public var hwpoison: Set<Int> = []
    public var notMigratable: Set<Int> = []
    public var pageCount: Int { cached.count + freePages }

    static let vmaFlags = ["shared", "private", "hgm", "nohgm", "uffd_minor", "uffd_missing", "exact_address", "pud_none"]
    /// Whether any VMA can change which PMD table it uses (PMD sharing is in play).
    public var pmdSharing: Bool { vmas.contains { $0.shares != nil || $0.pudNone } }

    public static func from(_ entries: [Entry]?, at fallback: SourceLocation, geometry: Geometry) throws(DiagnosticError) -> World {
        guard let entries else {
            throw DiagnosticError([Diagnostic(fallback, "the scenario has no world block",
                hint: "add world { file hugepages = 1, cached = all, i_size = 1; vma V0 shared hgm } here or in a library")])
        }
        func fail(_ l: SourceLocation, _ m: String, _ h: String? = nil) -> DiagnosticError { DiagnosticError([Diagnostic(l, m, hint: h)]) }
        func intAttr(_ a: EntryAttr, _ range: ClosedRange<Int>) throws(DiagnosticError) -> Int {
            guard case .int(let v)? = a.value else { throw fail(a.location, "'\(a.key)' needs a number") }
            guard range.contains(v) else { throw fail(a.location, "'\(a.key) = \(v)' is out of range \(range.lowerBound)...\(range.upperBound)") }
            return v
        }
        var w = World(hugepages: 0, cached: [], isize: 0, mms: [], vmas: [], locks: [], freePages: 0)
        var sawFile = false
        var cachedSpec: EntryValue? = nil
        var cachedLoc = fallback
        var isizeGiven: Int? = nil
        var vmaEntries: [(Entry, String)] = []
        var names: [String: SourceLocation] = [:]
        func declare(_ n: String, _ l: SourceLocation) throws(DiagnosticError) {
            if let prev = names[n] { throw fail(l, "'\(n)' is already declared at \(prev.description)") }
            names[n] = l
        }
        for e in entries {
            switch e.kind {
            case "file":
                if sawFile { throw fail(e.location, "the world has one file") }
                sawFile = true
                for a in e.attrs {
                    switch a.key {
                    case "hugepages": w.hugepages = try intAttr(a, 1...8)
                    case "cached": cachedSpec = a.value; cachedLoc = a.location
                    case "i_size": isizeGiven = try intAttr(a, 0...8)
                    default: throw fail(a.location, "unknown file attribute '\(a.key)'", didYouMean(a.key, ["hugepages", "cached", "i_size"]))
                    }
                }
                if w.hugepages == 0 { throw fail(e.location, "the file needs 'hugepages = N'") }
            case "mm":
                guard let n = e.name else { throw fail(e.location, "an mm needs a name, e.g. mm M0") }
                try declare(n, e.location)
                w.mms.append(n)
            case "vma":
                guard let n = e.name else { throw fail(e.location, "a vma needs a name, e.g. vma V0 shared hgm") }
                try declare(n, e.location)
                vmaEntries.append((e, n))
            case "mutex", "rwsem", "spinlock":
                guard let n = e.name else { throw fail(e.location, "a \(e.kind) needs a name") }
                try declare(n, e.location)
                var buckets = 1
                var hashed = false
                for a in e.attrs {
                    guard a.key == "buckets" else { throw fail(a.location, "unknown lock attribute '\(a.key)'", "only 'buckets = N' is known") }
                    buckets = try intAttr(a, 1...8); hashed = true
                }
                w.locks.append(LockDecl(name: n, kind: LockKind(rawValue: e.kind)!, buckets: buckets, hashed: hashed))
            case "var":
                guard e.name == nil, e.attrs.count == 1, let a = e.attrs.first else {
                    throw fail(e.location, "write var NAME = value (a shared integer, e.g. var vma_ptr = 1)")
                }
                try declare(a.key, a.location)
                var v = 0
                switch a.value {
                case nil: v = 0
                case .int(let x)?: v = x
                default: throw fail(a.location, "a shared variable starts as a number")
                }
                guard abs(v) < 1 << 20 else { throw fail(a.location, "initial value \(v) is too large") }
                w.variables.append((a.key, v))
            case "recycle_pages":
                w.recyclePages = true
            case "free_pages":
                guard case .int(let v)? = e.value, (0...8).contains(v) else { throw fail(e.location, "free_pages needs a number in 0...8") }
                w.freePages = v
            case "page":
                guard let n = e.name, let id = Int(n) else { throw fail(e.location, "write page N flag..., where N is a page id") }
                for a in e.attrs {
                    switch a.key {
                    case "hwpoison": w.hwpoison.insert(id)
                    case "not_migratable": w.notMigratable.insert(id)
                    default: throw fail(a.location, "unknown page flag '\(a.key)'", didYouMean(a.key, ["hwpoison", "not_migratable"]))
                    }
                }
            default:
                throw fail(e.location, "unknown world entry '\(e.kind)'",
                    didYouMean(e.kind, ["file", "mm", "vma", "mutex", "rwsem", "spinlock", "free_pages", "recycle_pages", "page", "var"]) ?? "a world holds file, mm, vma, mutex, rwsem, spinlock, free_pages, recycle_pages and page entries")
            }
        }
        if !sawFile { throw fail(fallback, "the world needs a file entry", "e.g. file hugepages = 1, cached = all, i_size = 1") }
        switch cachedSpec {
        case nil, .ident("all"): w.cached = Array(0..<w.hugepages)
        case .ident("none"): w.cached = []
        case .list(let l):
            for i in l where i < 0 || i >= w.hugepages { throw fail(cachedLoc, "cached index \(i) is outside the file (0..<\(w.hugepages))") }
            w.cached = Array(Set(l)).sorted()
        case .int(let i):
            guard i >= 0 && i < w.hugepages else { throw fail(cachedLoc, "cached index \(i) is outside the file") }
            w.cached = [i]
        default: throw fail(cachedLoc, "cached must be all, none, or a list such as {0, 1}")
        }
        w.isize = isizeGiven ?? w.hugepages
        if w.mms.isEmpty { w.mms = ["M0"] }
        if vmaEntries.count > 4 { throw fail(vmaEntries[4].0.location, "at most 4 VMAs are supported") }
        var start = 0
        for (e, n) in vmaEntries {
            var v = VMA(name: n, mm: 0, pgoff: 0, pages: w.hugepages, start: start, shared: true, hgm: false,
                        uffdMinor: false, uffdMissing: false, exactAddress: false)
            func vmaRef(_ a: EntryAttr) throws(DiagnosticError) -> Int {
                var given = "?"
                if case .ident(let x)? = a.value { given = x }
                guard let i = w.vmas.firstIndex(where: { $0.name == given }) else {
                    throw fail(a.location, "'\(a.key)' needs a VMA declared before \(n), got '\(given)'", didYouMean(given, w.vmas.map(\.name)))
                }
                return i
            }
            var at: (Int, SourceLocation)? = nil
            for a in e.attrs {
                switch a.key {
                case "mm":
                    guard case .ident(let m)? = a.value, let i = w.mms.firstIndex(of: m) else {
                        var given = "?"
                        if case .ident(let m)? = a.value { given = m }
                        throw fail(a.location, "unknown mm '\(given)'", didYouMean(given, w.mms) ?? "declare it: mm \(given)")
                    }
                    v.mm = i
                case "pgoff": v.pgoff = try intAttr(a, 0...7)
                case "pages": v.pages = try intAttr(a, 1...8)
                case "shared": v.shared = true
                case "private": v.shared = false
                case "hgm": v.hgm = true
                case "nohgm": v.hgm = false
                case "uffd_minor": v.uffdMinor = true
                case "uffd_missing": v.uffdMissing = true
                case "exact_address": v.exactAddress = true
                case "split_from": v.splitFrom = try vmaRef(a)
                case "at": at = (try intAttr(a, 1...7), a.location)
                case "shares": v.shares = try vmaRef(a)
                case "pud_none": v.pudNone = true
                default:
                    throw fail(a.location, "unknown vma attribute '\(a.key)'", didYouMean(a.key, vmaFlags + ["mm", "pgoff", "pages", "split_from", "at", "shares"]))
                }
            }
            if let p = v.splitFrom {
                // vm_area_dup copies the parent's flags, mm and userfaultfd context; the new
                // VMA's vm_private_data (vma_lock, hgm_enabled) comes from split_vma.
                let parent = w.vmas[p]
                guard parent.splitFrom == nil else { throw fail(e.location, "\(n) splits \(parent.name), which is itself a split-off VMA; split the original") }
                guard let (k, kl) = at else { throw fail(e.location, "a split-off VMA needs 'at = K': the parent hugepage where the split happens") }
                guard k < parent.pages else { throw fail(kl, "at = \(k) is not inside \(parent.name), which has \(parent.pages) hugepage(s)") }
                guard v.shares == nil && !v.pudNone else { throw fail(e.location, "a split-off VMA uses its parent's page tables: no shares/pud_none") }
                v.mm = parent.mm; v.shared = parent.shared; v.uffdMinor = parent.uffdMinor
                v.uffdMissing = parent.uffdMissing; v.exactAddress = parent.exactAddress; v.hgm = false
                v.pgoff = parent.pgoff + k; v.pages = parent.pages - k; v.splitAt = k
                v.start = parent.start + k * geometry.hugepagePages
                w.vmas.append(v)
                continue
            }
            if at != nil { throw fail(e.location, "'at' goes with 'split_from'") }
            if v.pgoff + v.pages > w.hugepages {
                throw fail(e.location, "vma \(n) maps file hugepages \(v.pgoff)..<\(v.pgoff + v.pages), past the file's \(w.hugepages)")
            }
            if v.hgm && !v.shared { throw fail(e.location, "HGM needs a shared VMA (hgm-reference.md §1.3)") }
            if v.shares != nil && v.pudNone { throw fail(e.location, "a VMA either shares a PMD table or starts with a none PUD, not both") }
            if let o = v.shares {
                let u = w.vmas[o]
                // page_table_shareable (§2.9): same file range, both shareable, 2M hstate.
                guard geometry.treeLevels.first?.name == "PMD" else {
                    throw fail(e.location, "PMD sharing needs a 2M hstate at the PMD level (hgm-reference.md §2.9)")
                }
                guard u.shares == nil, u.splitFrom == nil, u.mm != v.mm, u.pgoff == v.pgoff, u.pages == v.pages, u.shared && v.shared else {
                    throw fail(e.location, "\(n) can share only the PMD table of a shared VMA of another mm that maps the same file range (pgoff, pages)")
                }
            }
            if v.pudNone && !(geometry.treeLevels.first?.name == "PMD") {
                throw fail(e.location, "pud_none needs a 2M hstate at the PMD level (hgm-reference.md §2.9)")
            }
            start += v.pages * geometry.hugepagePages
            w.vmas.append(v)
        }
        if w.vmas.isEmpty { throw fail(fallback, "the world needs at least one vma", "e.g. vma V0 shared hgm") }
        for e in entries where e.kind == "page" {
            if let n = e.name, let p = Int(n), p >= w.pageCount {
                throw fail(e.location, "page \(p) does not exist (the world has \(w.pageCount) pages: P0..P\(w.pageCount - 1))")
            }
        }
        return w
    }
}
