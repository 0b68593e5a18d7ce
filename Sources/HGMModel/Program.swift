import HGMSpec

/// Operations with an effect on shared state; each is one interleaving point (one step).
public enum Prim: Int32, Sendable, CaseIterable {
    case lock, readLock, writeLock, unlock, readUnlock, writeUnlock
    case trylock, readTrylock, writeTrylock
    case read, descend, populate, mapLeaf, zap, clear, setMarker, freeTables
    case installMigration, removeMigration, installHwpoison, isolateHugetlb, putbackHugetlb
    case findGetPage, putPage, pageInCache, allocPage, addToCache, deleteFromCache
    case pageHwpoison, pageMigratable, pageMapped
    case isizeRead, isizeWrite
    case uffdEnqueue, uffdSleep, uffdDequeue, wakeRange, tlbFinish
    case load, store
    case splitVma, vmaLockFree, removeVma, findVma, hugePmdShare, pmdAlloc, hugePmdUnshare, freePgtables

    /// Spec-level name, arity, and whether the call yields a value.
    public var signature: (name: String, arity: Int, returns: Bool) {
        switch self {
        case .lock: ("lock", 1, false); case .readLock: ("read_lock", 1, false); case .writeLock: ("write_lock", 1, false)
        case .unlock: ("unlock", 1, false); case .readUnlock: ("read_unlock", 1, false); case .writeUnlock: ("write_unlock", 1, false)
        case .trylock: ("trylock", 1, true); case .readTrylock: ("read_trylock", 1, true); case .writeTrylock: ("write_trylock", 1, true)
        case .read: ("read", 1, true); case .descend: ("descend", 2, true); case .populate: ("populate", 1, false)
        case .mapLeaf: ("map_leaf", 3, false); case .zap: ("zap", 1, false); case .clear: ("clear", 1, false)
        case .setMarker: ("set_marker", 1, false); case .freeTables: ("free_tables", 1, false)
        case .installMigration: ("install_migration", 1, false); case .removeMigration: ("remove_migration", 3, false)
        case .installHwpoison: ("install_hwpoison", 1, false)
        case .isolateHugetlb: ("isolate_hugetlb", 1, true); case .putbackHugetlb: ("putback_hugetlb", 1, false)
        case .findGetPage: ("find_get_page", 1, true); case .putPage: ("put_page", 1, false)
        case .pageInCache: ("page_in_cache", 1, true); case .allocPage: ("alloc_huge_page", 0, true)
        case .addToCache: ("add_to_page_cache", 2, true); case .deleteFromCache: ("delete_from_page_cache", 1, false)
        case .pageHwpoison: ("page_hwpoison", 1, true); case .pageMigratable: ("page_migratable", 1, true)
        case .pageMapped: ("page_mapped", 1, true)
        case .isizeRead: ("i_size_read", 0, true); case .isizeWrite: ("i_size_write", 1, false)
        case .load: ("load", 1, true); case .store: ("store", 2, false)
        case .splitVma: ("split_vma", 3, false); case .vmaLockFree: ("vma_lock_free", 1, false)
        case .removeVma: ("remove_vma", 1, false); case .findVma: ("find_vma", 1, true)
        case .hugePmdShare: ("huge_pmd_share", 1, true); case .pmdAlloc: ("pmd_alloc", 1, false)
        case .hugePmdUnshare: ("huge_pmd_unshare", 1, true); case .freePgtables: ("free_pgtables", 1, false)
        case .uffdEnqueue: ("uffd_enqueue", 2, false); case .uffdSleep: ("uffd_sleep", 0, false); case .uffdDequeue: ("uffd_dequeue", 0, false)
        case .wakeRange: ("wake_range", 2, false); case .tlbFinish: ("tlb_finish", 0, false)
        }
    }
    /// May block: the thread is not enabled while the operation cannot proceed.
    public var blocks: Bool { self == .lock || self == .readLock || self == .writeLock || self == .uffdSleep }
    public static let byName: [String: Prim] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.signature.name, $0) })
}

/// Pure functions of locals and the (static) world: evaluated inside a step, never a step.
public enum PureFn: Int32, Sendable, CaseIterable {
    case walk, ptl, vmaLock, pageLock, iMmap, mmapLock, pageTableLock
    case isNone, isNoneMostly, isMarker, isPresent, isLeaf, isPresentLeaf, isTable, isMigration, isHwpoisonEntry, entryPage
    case size, shift, level, index, hugepageBase, largestSize, hgmEnabled, vmaOf, uffdMinor, uffdMissing, exactAddress, isShared
    case isErr, isNull, min, max, alignDown, withDefaultPtl, hpageSize, held, heldWrite
    case vmaStart, vmaEnd, vmaPgoff, vmaMapsIndex, indexAddr, nrVmas, filePages
    // State functions: only in user invariants.
    case mapcount, refcount, cached, iSize, varValue

    public var signature: (name: String, arity: Int) {
        switch self {
        case .walk: ("walk", 1); case .ptl: ("ptl", 1); case .vmaLock: ("vma_lock", 1); case .pageLock: ("page_lock", 1)
        case .iMmap: ("i_mmap", 0); case .mmapLock: ("mmap_lock", 1); case .pageTableLock: ("page_table_lock", 1)
        case .isNone: ("is_none", 1); case .isNoneMostly: ("is_none_mostly", 1); case .isMarker: ("is_marker", 1)
        case .isPresent: ("is_present", 1); case .isLeaf: ("is_leaf", 1); case .isPresentLeaf: ("is_present_leaf", 2)
        case .isTable: ("is_table", 1); case .isMigration: ("is_migration", 1); case .isHwpoisonEntry: ("is_hwpoison_entry", 1)
        case .entryPage: ("entry_page", 1)
        case .size: ("size", 1); case .shift: ("shift", 1); case .level: ("level", 1); case .index: ("index", 1)
        case .hugepageBase: ("hugepage_base", 1); case .largestSize: ("largest_size", 2); case .hgmEnabled: ("hgm_enabled", 1)
        case .vmaOf: ("vma_of", 1); case .uffdMinor: ("uffd_minor", 1); case .uffdMissing: ("uffd_missing", 1)
        case .exactAddress: ("exact_address", 1); case .isShared: ("is_shared", 1)
        case .isErr: ("is_err", 1); case .isNull: ("is_null", 1); case .min: ("min", 2); case .max: ("max", 2)
        case .alignDown: ("align_down", 2); case .withDefaultPtl: ("with_default_ptl", 1); case .hpageSize: ("hpage_size", 0)
        case .held: ("held", 1); case .heldWrite: ("held_write", 1)
        case .vmaStart: ("vma_start", 1); case .vmaEnd: ("vma_end", 1); case .vmaPgoff: ("vma_pgoff", 1); case .vmaMapsIndex: ("vma_maps_index", 2)
        case .indexAddr: ("index_addr", 2); case .nrVmas: ("nr_vmas", 0); case .filePages: ("file_pages", 0)
        case .mapcount: ("mapcount", 1); case .refcount: ("refcount", 1); case .cached: ("cached", 1); case .iSize: ("i_size", 0)
        case .varValue: ("$value", 1)
        }
    }
    public var readsState: Bool { self == .mapcount || self == .refcount || self == .cached || self == .iSize || self == .varValue }
    /// Whether another thread's step can change the result (VMA state: split_vma, vma_lock_free,
    /// remove_vma, PMD sharing). Such a call is an interleaving point of its own
    /// (`Op.sharedRead`), never evaluated inside a neighbouring step. The others read only the
    /// thread's locals, the static world, or what only the thread's own steps change (which
    /// locks it holds), so they commute with every other thread's step; a test checks this
    /// rule for every case by perturbing the state as other threads can.
    public var readsSharedState: Bool {
        switch self {
        case .walk, .index, .hugepageBase, .largestSize, .vmaOf, .hgmEnabled, .uffdMinor, .uffdMissing, .exactAddress,
             .isShared, .vmaStart, .vmaEnd, .vmaPgoff, .vmaMapsIndex, .indexAddr:
            return true
        case .ptl, .vmaLock, .pageLock, .iMmap, .mmapLock, .pageTableLock, .isNone, .isNoneMostly, .isMarker, .isPresent,
             .isLeaf, .isPresentLeaf, .isTable, .isMigration, .isHwpoisonEntry, .entryPage, .size, .shift, .level, .isErr,
             .isNull, .min, .max, .alignDown, .withDefaultPtl, .hpageSize, .held, .heldWrite, .nrVmas, .filePages:
            return false
        case .mapcount, .refcount, .cached, .iSize, .varValue:
            return true
        }
    }
    public static let byName: [String: PureFn] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.signature.name, $0) })
}

public enum ExprOp: Sendable {
    case const(Word)
    case local(Int32)
    /// Index into a hashed lock table: the lock word for bucket `value % buckets`.
    case lockTable(base: Int32, buckets: Int32)
    case unary(UInt8)
    case binary(UInt8)
    case fn(PureFn)
}

/// Unary and binary operator codes.
enum UOp: UInt8 { case not = 0, neg, bnot }
enum BOp: UInt8 { case add = 0, sub, mul, div, mod, band, bor, bxor, shl, shr, eq, ne, lt, le, gt, ge, land, lor }

public enum Op: Sendable {
    case eval(dst: Int32, expr: Int32)
    case jump(Int32)
    case branchFalse(expr: Int32, target: Int32)
    case resetLocal(Int32)
    case loopCheck(slot: Int32, bound: Int32)
    case assert(expr: Int32, message: Int32)
    case clearLocals(from: Int32, to: Int32)
    /// Starts an atomic block: an interleaving point of its own; the block then runs as one
    /// step, for as long as control stays inside its body (`Model.inAtomic`): a return,
    /// break, continue or goto out of the body ends the step there.
    case atomicBegin
    /// A no-op after an atomic body (outside it).
    case atomicEnd
    /// A step: evaluates an expression that reads shared state (a call whose
    /// `PureFn.readsSharedState`) into a local.
    case sharedRead(dst: Int32, expr: Int32)
    /// A step: a primitive with its argument expressions `args ..< args+argc` in `argList`.
    case prim(Prim, dst: Int32, args: Int32, argc: Int32)
    /// A nondeterministic choice: branch targets `first ..< first+count` in `targets`.
    case either(first: Int32, count: Int32)
    /// The thread has returned.
    case end

    var isLocal: Bool {
        switch self {
        case .prim, .either, .end, .atomicBegin, .sharedRead: false
        default: true
        }
    }
}

/// Where an operation comes from, for traces.
public struct OpInfo: Sendable {
    public var location: SourceLocation
    public var procedure: String
    public var statement: String
    /// The inlined call this operation belongs to: an index into `Model.frames`
    /// (-1: none, e.g. a model built by hand).
    public var frame: Int32 = -1
    /// What a `branchFalse` decides, for traces (`.plain` for every other operation).
    public var role: OpRole = .plain
}

/// What a conditional jump stands for in the source, so a trace can say which branch ran.
public enum OpRole: Sendable, Equatable {
    case plain
    /// The condition of an `if`; `hasElse` when the statement has an `else` branch.
    case condition(hasElse: Bool)
    /// The condition of a `while` loop.
    case loopCondition
    /// The left side of `&&`/`||` deciding whether the right side's steps run.
    case shortCircuit
}

/// One inlined procedure call (the compiler inlines every call, so each call site of each
/// thread is a frame of its own): the callee, the call's source, and the frame it was
/// called from. A thread's procedure is a frame whose `parent` is -1.
public struct CallFrame: Sendable {
    public var procedure: String
    /// The calling statement's text and location (the thread declaration for a thread's procedure).
    public var callText: String
    public var callSite: SourceLocation
    public var parent: Int32
    /// 0 for a thread's procedure, 1 for what it calls, and so on.
    public var depth: Int
    /// The callee's return-value local (slot), and whether the caller uses the value.
    public var returnSlot: Int32
    public var returnsValue: Bool
}

public struct LockSlot: Sendable {
    public var name: String
    public var kind: World.LockKind
    /// Lock class for the declared order (`vma_lock`, `ptl`, `fault_mutex`...).
    public var lockClass: String
    /// First state word: owner (mutex/spin) or writer, readers mask, writers-waiting mask (rwsem).
    public var offset: Int
}

public struct ThreadInfo: Sendable {
    public var name: String
    public var procedure: String
    public var entry: Int
    public var base: Int
    public var locals: Int
    /// Every allocation of a local slot: (slot, variable name, first op index of its scope).
    /// The variable in slot s at op p is the latest allocation of s at or before p.
    public var slotNames: [(slot: Int, name: String, from: Int)]
    public var location: SourceLocation

    public func localName(slot: Int, at pc: Int) -> String {
        var best = "local\(slot)"
        for a in slotNames where a.slot == slot && a.from <= pc { best = a.name }
        return best
    }
}

/// A user invariant, compiled to an expression over the state.
public struct UserInvariant: Sendable {
    public var name: String
    public var expr: Int32
    public var location: SourceLocation
}
