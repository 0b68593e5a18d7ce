import HGMModel

/// Which steps a thread can take in a state, written from the lock encoding (not from the
/// engine's `choices`/`primEnabled`):
/// - a returned thread takes none; `either` gives one step per branch; everything else one,
///   except the blocking primitives:
/// - `lock` (mutex/spinlock, words [owner]): enabled while nobody owns it;
/// - `read_lock` (rwsem, words [writer, readers mask, writers-waiting mask]): enabled while
///   no writer holds it and none is queued (writer preference);
/// - `write_lock`: enabled while the lock is free, or while this thread has not queued yet
///   (its first attempt on a busy lock queues it: a step that does not advance);
/// - `uffd_sleep`: enabled once the thread's wait word is clear (woken, or never enqueued);
/// - a lock operation on the vma_lock of a VMA without vm_private_data does nothing and is
///   always enabled; a malformed lock operation is enabled (its step reports the model error).
extension Interpreter {
    func choices(_ s: [Word], _ t: Int) -> Int {
        let p = pc(s, t)
        switch ops[p] {
        case .end: return 0
        case .either(_, let count): return Int(count)
        case .prim(let prim, _, let args, _):
            return primitiveEnabled(s, t, prim, args) ? 1 : 0
        default: return 1
        }
    }

    func primitiveEnabled(_ s: [Word], _ t: Int, _ prim: Prim, _ args: Int32) -> Bool {
        switch prim {
        case .uffdSleep:
            return s[waitMsgW[t]] == 0
        case .lock, .readLock, .writeLock:
            // Evaluation only reads the state (UnsafeMutablePointer is the evaluator's signature).
            let (lw, err, _) = s.withUnsafeBufferPointer {
                machine.evaluate(expr: argList[Int(args)], UnsafeMutablePointer(mutating: $0.baseAddress!), thread: t)
            }
            guard !err, tagOf(lw) == .lock else { return true }
            let slot = Int(lw >> 4) & 0xFFFFF
            guard slot < lockOffset.count else { return true }
            if vmaOfSlot[slot] >= 0 && s[vmaStateW[vmaOfSlot[slot]]] & Model.vmaStatePrivate == 0 {
                return true        // vm_private_data == NULL: the vma_lock operations do nothing
            }
            let o = lockOffset[slot]
            let rw = lockRW[slot]
            switch prim {
            case .lock:
                return rw || s[o] == 0
            case .readLock:
                return !rw || (s[o] == 0 && s[o + 2] == 0)
            default:
                if !rw { return true }
                let free = s[o] == 0 && s[o + 1] == 0
                let queued = s[o + 2] & (Word(1) << Word(t)) != 0
                return free || !queued
            }
        default:
            return true
        }
    }
}
