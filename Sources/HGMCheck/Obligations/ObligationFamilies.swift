/// Generators of the arithmetic obligations of design.md §5 for one geometry, and of the
/// deliberately false variants that must each give a certified counterexample (so that no
/// family can silently prove everything, e.g. through a translation bug).
///
/// Conventions: bit-vectors are 64-bit `unsigned long`s. Claims written with the kernel's
/// literal, wrapping sums (`start + size`) carry the hypothesis `x < 2^addressLimitShift`;
/// the others are written wrap-free (`a - start < size`) and hold for all 2^64 addresses.
extension ObligationFamily {
    /// The obligations of this family for `geometry` (expected to hold, except the
    /// counter-width "first overflow" figures, which are counterexamples by design).
    public func obligations(for geometry: ObligationGeometry) -> [ArithmeticObligation] {
        let g = ObligationGenerator(geometry)
        switch self {
        case .alignment: return g.alignment(false)
        case .largestEntry: return g.largestEntry(false)
        case .continueLoop: return g.continueLoop(false)
        case .collapseRange: return g.collapseRange(false)
        case .user: return []
        case .mapcount: return g.mapcount(false)
        case .counterWidth: return g.counterWidth(false)
        }
    }

    /// Deliberately false variants of this family's claims (off-by-one masks, `<` for `<=`,
    /// missing address bounds, a forgotten +1); each must give a certified counterexample.
    public func falseVariants(for geometry: ObligationGeometry) -> [ArithmeticObligation] {
        let g = ObligationGenerator(geometry)
        switch self {
        case .alignment: return g.alignment(true)
        case .largestEntry: return g.largestEntry(true)
        case .continueLoop: return g.continueLoop(true)
        case .collapseRange: return g.collapseRange(true)
        case .user: return []
        case .mapcount: return g.mapcount(true)
        case .counterWidth: return g.counterWidth(true)
        }
    }
}

/// Every family's obligations for `geometry`.
public func arithmeticObligations(for geometry: ObligationGeometry) -> [ArithmeticObligation] {
    ObligationFamily.allCases.flatMap { $0.obligations(for: geometry) }
}

/// Every family's deliberately false variants for `geometry`.
public func falseArithmeticObligations(for geometry: ObligationGeometry) -> [ArithmeticObligation] {
    ObligationFamily.allCases.flatMap { $0.falseVariants(for: geometry) }
}

/// Kernel-style expressions over the term language.
private struct ObligationGenerator {
    typealias T = ObligationTerm
    let g: ObligationGeometry

    init(_ g: ObligationGeometry) { self.g = g }

    var h: Int { g.hstateShift }
    var p: Int { g.pageShift }
    var hsize: T { size(h) }
    var page: T { size(p) }
    /// 2^addressLimitShift: bound for the kernel's wrapping sums.
    var limit: T { size(g.addressLimitShift) }

    // MARK: helpers (kernel spelling)

    /// `1UL << shift`.
    func size(_ shift: Int) -> T { .bv(1) << .bv(UInt64(shift)) }
    /// `~(size - 1)`, i.e. `hugetlb_pte_mask`.
    func mask(_ shift: Int) -> T { ~(size(shift) - .bv(1)) }
    /// `IS_ALIGNED(x, sz)`: `(x & (sz - 1)) == 0`.
    func isAligned(_ x: T, _ sz: T) -> T { .eq(x & (sz - .bv(1)), .bv(0)) }
    func pageAligned(_ x: T) -> T { isAligned(x, page) }
    func bvTerm(_ v: UInt64) -> T { .bv(v) }

    func ob(
        _ family: ObligationFamily, _ name: String, _ summary: String, _ claim: T,
        expect: ObligationExpectation = .holds, reports: [ObligationReport] = []
    ) -> ArithmeticObligation {
        ArithmeticObligation(
            name: name, geometry: g.name, family: family, summary: summary, claim: claim,
            expectation: expect, reports: reports)
    }

    /// `hugetlb_alloc_largest_pte`'s size choice: the first shift of `for_each_hgm_shift`
    /// with `IS_ALIGNED(addr, sz)` and not `addr + sz > end`; 0 when none fits (-EINVAL).
    func chooseSize(
        _ addr: T, _ end: T,
        aligned: (T, T) -> T, fits: (T, T, T) -> T
    ) -> T {
        var result: T = .bv(0)
        for s in g.hgmShifts.reversed() {
            let sz = size(s)
            result = .ite(aligned(addr, sz) && fits(addr, sz, end), sz, result)
        }
        return result
    }

    func kernelChoose(_ addr: T, _ end: T) -> T {
        chooseSize(addr, end, aligned: isAligned, fits: { a, sz, e in .ule(a + sz, e) })
    }

    // MARK: (a) alignment and containment

    func alignment(_ falseVariants: Bool) -> [ArithmeticObligation] {
        let a = T.bv("a")
        let haddr = a & mask(h)
        var out: [ArithmeticObligation] = []
        for (entry, li) in g.entryShapes {
            let s = entry.shift
            let ls = g.levels[li].shift
            let ib = g.indexBits(ofLevel: li)
            let c = s - ls  // log2 of the entries in a contiguous block (0: a single entry)
            let sz = size(s)
            let e = entry.name
            let contained = { (start: T) -> T in
                .and([
                    isAligned(start, sz),
                    .ule(start, a), .ult(a - start, sz),
                    .ule(haddr, start), .ule((start - haddr) + sz, self.hsize),
                ])
            }
            let kernelForm = { (start: T) -> T in
                .and([
                    .ule(start, a), .ult(a, start + sz),
                    .ule(start + sz, haddr + self.hsize), .ne(start + sz, .bv(0)),
                ])
            }
            let start = a & mask(s)
            if !falseVariants {
                let idxMask = size(ib) - .bv(1)
                let idx = (a >> .bv(UInt64(ls))) & idxMask
                let first = (start >> .bv(UInt64(ls))) & idxMask
                let tableBase = a & mask(ls + ib)
                let block = size(c)
                out.append(ob(.alignment, "alignment.\(e).contained",
                    "the 2^\(s) entry of any 64-bit a starts at a & ~(2^\(s)-1), is 2^\(s)-aligned, contains a, and lies inside a's 2^\(h) hugepage",
                    contained(start)))
                out.append(ob(.alignment, "alignment.\(e).index",
                    "the \(g.levels[li].name) table index (a >> \(ls)) & \((1 << ib) - 1) selects the entry covering a; "
                        + (c == 0 ? "it is below the real fan-out \(1 << ib)"
                            : "the \(1 << c)-entry block starts at a multiple of \(1 << c) and ends within the \(1 << ib)-entry table"),
                    .and([
                        .eq(tableBase + (idx << .bv(UInt64(ls))), a & mask(ls)),
                        isAligned(first, block),
                        .ule(first + block, size(ib)),
                        .ult(idx - first, block),
                    ])))
                out.append(ob(.alignment, "alignment.\(e).kernel-form",
                    "for a < 2^\(g.addressLimitShift), the kernel's wrapping sums give start <= a < start + 2^\(s) <= haddr + 2^\(h), with no wrap",
                    .implies(.ult(a, limit), kernelForm(start))))
            } else {
                out.append(ob(.alignment, "alignment.\(e).false.mask-off-by-one",
                    "FALSE: start computed with ~size instead of ~(size - 1)",
                    contained(a & ~sz), expect: .fails))
                out.append(ob(.alignment, "alignment.\(e).false.kernel-form-unbounded",
                    "FALSE: the kernel's wrapping sums without the address bound (wrap at the top of the address space)",
                    kernelForm(start), expect: .fails))
                if c > 0 {
                    out.append(ob(.alignment, "alignment.\(e).false.level-shift-mask",
                        "FALSE: a contiguous entry's start computed with its level's shift \(ls) instead of \(s)",
                        contained(a & mask(ls)), expect: .fails))
                }
            }
        }
        return out
    }

    // MARK: (b) largest-entry choice

    func largestEntry(_ falseVariants: Bool) -> [ArithmeticObligation] {
        let addr = T.bv("addr")
        let end = T.bv("end")
        let haddr = addr & mask(h)
        let pre = pageAligned(addr) && pageAligned(end) && .ult(addr, end)
        let claim = { (sz: T) -> T in
            var parts: [T] = [
                .ne(sz, .bv(0)),
                self.isAligned(addr, sz),
                .ule(sz, end - addr), .ule(addr + sz, end),
                .ule((addr - haddr) + sz, self.hsize),
            ]
            // Largest: no bigger HGM size would also have been aligned and fitted.
            for s in self.g.hgmShifts {
                let big = self.size(s)
                parts.append(.implies(self.isAligned(addr, big) && .ule(big, end - addr), .ule(big, sz)))
            }
            return .and(parts)
        }
        let shifts = g.hgmShifts.map(String.init).joined(separator: ", ")
        if !falseVariants {
            return [
                ob(.largestEntry, "largest-entry.choice",
                    "for PAGE-aligned addr < end <= 2^\(g.addressLimitShift), the largest of {\(shifts)} aligned at addr with addr + size <= end exists, is aligned, fits in [addr, end) and in addr's hugepage, and no larger HGM size fits",
                    .implies(pre && .ule(end, limit), claim(kernelChoose(addr, end)))),
            ]
        }
        return [
            ob(.largestEntry, "largest-entry.false.mask-off-by-one",
                "FALSE: IS_ALIGNED tested as (addr & size) == 0",
                .implies(pre && .ule(end, limit),
                    claim(chooseSize(addr, end, aligned: { x, sz in .eq(x & sz, .bv(0)) },
                        fits: { a, sz, e in .ule(a + sz, e) }))),
                expect: .fails),
            ob(.largestEntry, "largest-entry.false.strict-fit",
                "FALSE: fits tested as addr + size < end instead of <=",
                .implies(pre && .ule(end, limit),
                    claim(chooseSize(addr, end, aligned: isAligned, fits: { a, sz, e in .ult(a + sz, e) }))),
                expect: .fails),
            ob(.largestEntry, "largest-entry.false.unbounded",
                "FALSE: without end <= 2^\(g.addressLimitShift), addr + size wraps at the top of the address space",
                .implies(pre, claim(kernelChoose(addr, end))),
                expect: .fails),
        ]
    }

    // MARK: (c) the UFFDIO_CONTINUE loop

    func continueLoop(_ falseVariants: Bool) -> [ArithmeticObligation] {
        let start = T.bv("start")
        let len = T.bv("len")
        let dst = T.bv("dst")
        let end = start + len
        let pre = pageAligned(start) && pageAligned(len) && .ule(start, end) && .ule(end, limit)
        let inv = { (d: T) -> T in .ule(start, d) && .ule(d, end) && self.pageAligned(d) }
        let step = { (guardTerm: T, sz: T) -> T in
            let next = dst + sz
            return .implies(
                pre && inv(dst) && guardTerm,
                .and([
                    .uge(sz, self.page), .ule(sz, end - dst),
                    inv(next), .eq(next - dst, sz),
                    .ult(end - next, end - dst), .ule(end - next, (end - dst) - self.page),
                    self.isAligned(dst, sz), .ule((dst - (dst & self.mask(self.h))) + sz, self.hsize),
                ]))
        }
        if !falseVariants {
            return [
                ob(.continueLoop, "continue-loop.init",
                    "the loop invariant (start <= dst <= end, dst PAGE-aligned) holds at dst = start",
                    .implies(pre, inv(start))),
                ob(.continueLoop, "continue-loop.step",
                    "while dst < end: the chunk [dst, dst + size) is aligned, inside dst's hugepage, at least PAGE long, ends at or before end, the next chunk starts where it ends, and end - dst drops by at least PAGE",
                    step(.ult(dst, end), kernelChoose(dst, end))),
                ob(.continueLoop, "continue-loop.exit",
                    "when the loop stops (not dst < end) with the invariant, dst == end: the adjacent chunks cover [start, start + len) exactly, without overlap, in at most len / PAGE steps",
                    .implies(pre && inv(dst) && !T.ult(dst, end), .eq(dst, end))),
            ]
        }
        return [
            ob(.continueLoop, "continue-loop.false.step-le",
                "FALSE: loop condition dst <= end instead of dst < end",
                step(.ule(dst, end), kernelChoose(dst, end)), expect: .fails),
            ob(.continueLoop, "continue-loop.false.end-as-length",
                "FALSE: hugetlb_alloc_largest_pte passed len instead of start + len as the end",
                step(.ult(dst, end), kernelChoose(dst, len)), expect: .fails),
        ]
    }

    // MARK: (d) MADV_COLLAPSE range

    func collapseRange(_ falseVariants: Bool) -> [ArithmeticObligation] {
        let start = T.bv("start")
        let end = T.bv("end")
        let pageIn = pageAligned(start) && pageAligned(end) && .ule(start, end)
        let hend = end & mask(h)
        let roundUp = (start + (hsize - .bv(1))) & mask(h)
        let inside = { (hstart: T) -> T in
            .implies(.ult(hstart, hend),
                .and([self.isAligned(hstart, self.hsize), self.isAligned(hend, self.hsize), .ule(start, hstart), .ule(hend, end)]))
        }
        if !falseVariants {
            let x = T.bv("x")
            return [
                ob(.collapseRange, "collapse-range.inside",
                    "for PAGE-aligned start <= end <= 2^\(g.addressLimitShift), [roundup(start, 2^\(h)), rounddown(end, 2^\(h))) when non-empty is hugepage-aligned and inside [start, end)",
                    .implies(pageIn && .ule(end, limit), inside(roundUp))),
                ob(.collapseRange, "collapse-range.maximal",
                    "every whole hugepage [x, x + 2^\(h)) inside [start, end) lies inside the clamped range",
                    .implies(
                        pageIn && .ule(end, limit) && isAligned(x, hsize) && .ule(start, x) && .ule(x, end)
                            && .ule(hsize, end - x),
                        .ule(roundUp, x) && .ule(x + hsize, hend))),
            ]
        }
        return [
            ob(.collapseRange, "collapse-range.false.round-down-start",
                "FALSE: start rounded down instead of up",
                .implies(pageIn && .ule(end, limit), inside(start & mask(h))), expect: .fails),
            ob(.collapseRange, "collapse-range.false.unbounded",
                "FALSE: without end <= 2^\(g.addressLimitShift), roundup(start) wraps to 0",
                .implies(pageIn, inside(roundUp)), expect: .fails),
        ]
    }

    // MARK: (e) mapcount arithmetic

    func mapcount(_ falseVariants: Bool) -> [ArithmeticObligation] {
        let m = T.int("mapcount")
        let leaves = T.int("leaves")
        let k = T.int("k")
        let zero = T.int(0)
        let one = T.int(1)
        let kmax = Int64(1) << Int64(h - p)
        let rule = T.eq(m, leaves) && .ge(leaves, zero)
        // k: present leaves removed, at most the 2^(hstate - PAGE) PAGE-size leaves of a hugepage.
        let kRange = T.le(zero, k) && .le(k, .int(kmax))
        let preserves = { (pre: T, dm: T, dl: T) -> T in
            .implies(pre, .eq(m + dm, leaves + dl) && .ge(m + dm, zero))
        }
        let kdesc = "0 <= k <= min(leaves, \(kmax))"
        if !falseVariants {
            return [
                ob(.mapcount, "mapcount.map", "map a leaf: mapcount +1, leaves +1 keeps mapcount = leaves >= 0",
                    preserves(rule, one, one)),
                ob(.mapcount, "mapcount.zap", "zap k leaves (\(kdesc)): mapcount -k keeps mapcount = leaves, no underflow",
                    preserves(rule && kRange && .le(k, leaves), zero - k, zero - k)),
                ob(.mapcount, "mapcount.collapse", "collapse k child leaves (\(kdesc)) into one leaf: mapcount -k+1 keeps mapcount = leaves, no underflow",
                    preserves(rule && kRange && .le(k, leaves), one - k, one - k)),
                ob(.mapcount, "mapcount.collapse-no-page", "collapse with no page-cache page clears the entry: mapcount -k keeps mapcount = leaves, no underflow",
                    preserves(rule && kRange && .le(k, leaves), zero - k, zero - k)),
                ob(.mapcount, "mapcount.split", "split a blank entry: mapcount +0, leaves +0",
                    preserves(rule, zero, zero)),
            ]
        }
        return [
            ob(.mapcount, "mapcount.false.collapse-forgets-new-leaf",
                "FALSE: collapse drops k references but does not count the new leaf",
                preserves(rule && kRange && .le(k, leaves), zero - k, one - k), expect: .fails),
            ob(.mapcount, "mapcount.false.zap-more-than-leaves",
                "FALSE: zap without k <= leaves underflows",
                preserves(rule && kRange, zero - k, zero - k), expect: .fails),
        ]
    }

    // MARK: (f) counter width

    func counterWidth(_ falseVariants: Bool) -> [ArithmeticObligation] {
        let intMax = T.int(Int64(Int32.max))
        let mms = T.int("mms")
        let last = T.int("lastMMMappings")
        let perValue = Int64(1) << Int64(h - p)
        let per = T.int(perValue)
        let one = T.int(1)
        // mms - 1 address spaces map the hugepage entirely with PAGE-size leaves; the last maps
        // `last` PAGE-size pieces of it.
        let pre = T.ge(mms, one) && .le(one, last) && .le(last, per)
        let mapcount = (mms - one) * per + last
        let refcount = one + mapcount  // + the page-cache reference
        let firstOverflow = { (c: T) -> T in .gt(c, intMax) && .le(c - one, intMax) }
        let safeMMs = Int64(Int32.max) / perValue
        let safe = { (n: Int64) -> T in
            .implies(.le(T.int(0), mms) && .le(mms, .int(n)), .le(mms * per, intMax))
        }
        let base = [ObligationReport("pageMappingsPerMM", per), ObligationReport("mapcount", mapcount)]
        if !falseVariants {
            return [
                ob(.counterWidth, "counter-width.mapcount-first-overflow",
                    "the first number of PAGE-size mappings of one 2^\(h) hugepage (\(perValue) per mm) at which a 32-bit signed mapcount exceeds INT_MAX; the counterexample is the figure",
                    .implies(pre, !firstOverflow(mapcount)), expect: .fails, reports: base),
                ob(.counterWidth, "counter-width.refcount-first-overflow",
                    "the first number of PAGE-size mappings at which a 32-bit signed refcount (page-cache reference + one per leaf) exceeds INT_MAX",
                    .implies(pre, !firstOverflow(refcount)), expect: .fails,
                    reports: base + [ObligationReport("refcount", refcount)]),
                ob(.counterWidth, "counter-width.mapcount-safe",
                    "up to \(safeMMs) mms each mapping the whole hugepage with PAGE-size leaves keep the mapcount <= INT_MAX",
                    safe(safeMMs)),
            ]
        }
        return [
            ob(.counterWidth, "counter-width.false.mapcount-safe-off-by-one",
                "FALSE: \(safeMMs + 1) mms each mapping the whole hugepage with PAGE-size leaves keep the mapcount <= INT_MAX",
                safe(safeMMs + 1), expect: .fails, reports: [ObligationReport("mapcount", mms * per)]),
        ]
    }
}

/// Operators for writing claims in kernel spelling, visible in this file only (so they add
/// no overloads to the rest of the module or to its clients).
extension ObligationTerm {
    /// Arithmetic by the sort of the left operand (bit-vector or integer).
    fileprivate static func + (l: ObligationTerm, r: ObligationTerm) -> ObligationTerm { .binary(l.isInteger ? .intAdd : .bvAdd, l, r) }
    fileprivate static func - (l: ObligationTerm, r: ObligationTerm) -> ObligationTerm { .binary(l.isInteger ? .intSub : .bvSub, l, r) }
    fileprivate static func * (l: ObligationTerm, r: ObligationTerm) -> ObligationTerm { .binary(l.isInteger ? .intMul : .bvMul, l, r) }
    fileprivate static func & (l: ObligationTerm, r: ObligationTerm) -> ObligationTerm { .binary(.bvAnd, l, r) }
    fileprivate static func | (l: ObligationTerm, r: ObligationTerm) -> ObligationTerm { .binary(.bvOr, l, r) }
    fileprivate static func << (l: ObligationTerm, r: ObligationTerm) -> ObligationTerm { .binary(.bvShl, l, r) }
    /// Logical (unsigned) shift right.
    fileprivate static func >> (l: ObligationTerm, r: ObligationTerm) -> ObligationTerm { .binary(.bvLshr, l, r) }
    fileprivate static prefix func ~ (t: ObligationTerm) -> ObligationTerm { .bvNot(t) }
    fileprivate static prefix func ! (t: ObligationTerm) -> ObligationTerm { .not(t) }
    fileprivate static func && (l: ObligationTerm, r: ObligationTerm) -> ObligationTerm { .and([l, r]) }
    fileprivate static func || (l: ObligationTerm, r: ObligationTerm) -> ObligationTerm { .or([l, r]) }

    fileprivate var isInteger: Bool { (try? sort()) == .integer }
}
