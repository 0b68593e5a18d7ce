import Foundation
@testable import HGMModel
import HGMSpec
import XCTest

/// The rule that keeps merged local work honest (issue 9 item 2): a built-in function whose
/// value another thread's step can change is an interleaving point of its own
/// (`PureFn.readsSharedState`, compiled to `Op.sharedRead`). This test enumerates every
/// built-in function: another thread runs every kind of state change (page tables, pages,
/// shared variables, i_size, locks, VMA split, vm_private_data freed, VMA removed), and at
/// each state it reaches, every function not marked as reading shared state must give the
/// same value (and no violation) for every argument, while every function marked so must
/// give a different value somewhere (the mark is not a guess).
final class SharedReadRuleTests: XCTestCase {
    static let spec = """
        geometry x86_64 { hstate = 2M; fanout = 2 }
        world {
            file hugepages = 2, cached = all, i_size = 2
            vma V0 shared hgm uffd_minor exact_address pages = 2
            vma V1 split_from = V0 at = 1
            var c = 0
            mutex L
        }
        proc idle() { x = load(c); return 0 }
        proc mutate() {
            lock(L)
            write_lock(vma_lock(V0))
            h = walk(V0.start)
            populate(h)
            h2 = descend(h, V0.start)
            p = find_get_page(0)
            map_leaf(h2, p, V0.start)
            zap(h2)
            tlb_finish()
            free_tables(h)
            write_unlock(vma_lock(V0))
            store(c, 5)
            i_size_write(1)
            unlock(L)
            split_vma(V0, V1, false)
            vma_lock_free(V0)
            remove_vma(V0)
            return 0
        }
        thread A = idle()
        thread B = mutate()
        check all
        expect pass
        """

    func testEveryBuiltInFollowsTheSharedReadRule() throws {
        let model = try compileSpec(Self.spec)
        let m = Machine(model: model)
        // Every state thread B reaches while thread A (whose view is checked) stands still.
        var states: [[Word]] = []
        var s = m.initialState().state
        states.append(s)
        for _ in 0..<200 where !s.withUnsafeBufferPointer({ m.finished($0.baseAddress!, 1) }) {
            _ = s.withUnsafeMutableBufferPointer { m.step($0.baseAddress!, 1, choice: 0) }
            states.append(s)
        }
        XCTAssertTrue(s.withUnsafeBufferPointer { m.finished($0.baseAddress!, 1) }, "thread B did not finish")
        XCTAssertGreaterThan(states.count, 15)

        var domain: [Word] = (-1...9).map { mkInt($0) } + [nullWord, mkPage(0), mkPage(1), mkVar(0)]
        domain += (0..<model.lockSlots.count).map { mkLock($0) }
        for hp in 0..<2 { for pos in 0..<3 { domain.append(HPTE(vma: 0, hp: hp, pos: pos, ptlExplicit: pos > 0, dangling: false).word) } }
        domain += [EntryKind.none, .marker, .leaf, .table, .migration, .hwpoison].map { PTEValue(kind: $0, page: 0, sub: 0).word }

        func value(_ f: PureFn, _ args: [Word], _ st: [Word]) -> String {
            var st = st
            return st.withUnsafeMutableBufferPointer { b -> String in
                for (i, a) in args.enumerated() { m.stack[i] = a }
                m.raised = 0
                m.evalError = false
                let r = m.pure(f, 0, b.baseAddress!, 0)
                let out = m.evalError ? "error" : "\(r) raised \(m.raised)"
                m.evalError = false
                m.raised = 0
                return out
            }
        }
        for f in PureFn.allCases {
            let n = f.signature.arity
            let tuples: [[Word]] = n == 0 ? [[]] : n == 1 ? domain.map { [$0] } : domain.flatMap { a in domain.map { [a, $0] } }
            var changes = false
            for args in tuples {
                let base = value(f, args, states[0])
                for (i, st) in states.enumerated().dropFirst() {
                    let v = value(f, args, st)
                    if v != base {
                        changes = true
                        XCTAssertTrue(f.readsSharedState, "\(f.signature.name)(\(args.map(m.describe))) changes after B's step \(i) (\(base) -> \(v)) but is not marked readsSharedState")
                    }
                }
            }
            if f.readsSharedState && !f.readsState {
                XCTAssertTrue(changes, "\(f.signature.name) is marked readsSharedState but no other thread's step changed it")
            }
        }
    }

    /// A marked built-in is compiled to a step of its own, wherever it stands.
    func testMarkedBuiltInsCompileToSharedReads() throws {
        let model = try compileSpec(Self.spec.replacingOccurrences(of: "proc idle() { x = load(c); return 0 }",
                                                                   with: "proc idle() { if vma_end(V0) > 1 && hgm_enabled(V0) { x = index(V0.start) }; return 0 }"))
        let idle = model.ops[model.threads[0].entry..<model.threads[1].entry]
        let reads = idle.filter { if case .sharedRead = $0 { return true } else { return false } }
        XCTAssertEqual(reads.count, 3)
    }

    /// Without a primitive that changes VMA state, the reads commute with every step and are merged.
    func testReadsOfConstantVMAStateAreLocalWork() throws {
        let model = try compileSpec(Self.spec.replacingOccurrences(of: "split_vma(V0, V1, false)\n", with: "")
            .replacingOccurrences(of: "vma_lock_free(V0)\n", with: "").replacingOccurrences(of: "remove_vma(V0)\n", with: "")
            .replacingOccurrences(of: "proc idle() { x = load(c); return 0 }", with: "proc idle() { x = vma_end(V0); return 0 }"))
        XCTAssertFalse(model.ops.contains { if case .sharedRead = $0 { return true } else { return false } })
    }
}
