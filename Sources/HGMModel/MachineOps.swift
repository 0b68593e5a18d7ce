/// A small public API over two pieces of the engine that the reference semantics
/// (`HGMReference`) reuses: the effect of ONE primitive, and the evaluation of ONE
/// expression. Nothing here runs local code, merges steps, decides enabledness, handles
/// atomic blocks or checks states: the reference does all of that itself, so that a bug in
/// the engine's control flow, scheduling or checks shows up as a disagreement.
extension Machine {
    /// Applies the primitive at `pc` (a `.prim` op) for thread `thread` to `s` in place:
    /// its effect, its result in the destination local and its preconditions. Does not move
    /// the thread's pc. Returns every violation it raised (bit = violation id) and whether
    /// the operation completed (`false` only for a `write_lock` that queued its writer).
    public func applyPrimitive(_ s: UnsafeMutablePointer<Word>, thread t: Int, pc: Int) -> (raised: ViolationSet, advanced: Bool) {
        guard case .prim(let p, let dst, let args, let argc) = ops[pc] else {
            preconditionFailure("applyPrimitive: op \(pc) is not a primitive")
        }
        raised = 0
        evalError = false
        curPC = pc
        var advance = true
        _ = prim(s, t, p, dst, args, argc, &advance)
        evalError = false
        return (ViolationSet(bits: raised), advance)
    }

    /// Evaluates expression `expr` for thread `thread` (-1 in user invariants) over `s`.
    /// `error` is set on a type error (the caller reports `model-error`); `raised` holds
    /// violations raised by the evaluation itself (a read of a freed VMA's field is a
    /// use-after-free).
    public func evaluate(expr: Int32, _ s: UnsafeMutablePointer<Word>, thread t: Int) -> (value: Word, error: Bool, raised: ViolationSet) {
        raised = 0
        evalError = false
        let x = eval(expr, s, t)
        let e = evalError
        evalError = false
        return (x, e, ViolationSet(bits: raised))
    }
}

/// The state layout facts the reference semantics needs to read states on its own (they
/// are internal to the engine otherwise).
extension Model {
    /// The state word of VMA `v` (bits in `vmaStateBits`).
    public func vmaStateWord(_ v: Int) -> Int { vmaStateBase + v }
    /// The page-cache word of file index `i`: page id + 1, or 0.
    public func cacheWord(_ i: Int) -> Int { cacheBase + i }
    /// i_size in hugepages.
    public var isizeStateWord: Int { isizeWord }
    /// Bitmask of model addresses (below 32) a wake_range covered.
    public var wokenStateWord: Int { wokenWord }
    /// The lock slot of VMA `v`'s vma_lock.
    public func vmaLockSlotIndex(_ v: Int) -> Int { vmaLockSlot[v] }
    /// Field numbers of a page's words (`pageWord(p, field)`).
    public static let pageFieldMapcount = PageField.mapcount, pageFieldRefcount = PageField.refcount
    public static let pageFieldFlags = PageField.flags, pageFieldIndex = PageField.index
    /// Page flag bits.
    public static let pageFlagAllocated = PageFlag.allocated, pageFlagCached = PageFlag.cached
    /// VMA state bits: vm_private_data (the vma_lock) exists.
    public static let vmaStatePrivate = VMAState.priv
}
