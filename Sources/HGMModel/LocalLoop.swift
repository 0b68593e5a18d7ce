/// Brent's cycle detection over a thread's local work within one step: a saved copy of the
/// whole state (and pc), renewed at powers of two, compared after every operation. Local
/// work is deterministic, so a repeat means it would loop forever without taking a step.
/// Costs a state comparison an operation, and is only used after `watchAfter` operations.
struct LocalLoop {
    /// Local operations in one step before the watch starts.
    static let watchAfter = 1 << 16
    var power = 1, lambda = 0
    var savedPC = -1

    /// Whether (s, pc) repeats the saved state; renews the saved state at powers of two.
    mutating func repeats(_ s: UnsafePointer<Word>, _ pc: Int, words: Int, scratch: UnsafeMutablePointer<Word>) -> Bool {
        if savedPC == pc && memcmpWords(s, scratch, words) { return true }
        lambda += 1
        if savedPC < 0 || lambda == power {
            scratch.update(from: s, count: words)
            savedPC = pc
            power *= 2
            lambda = 0
        }
        return false
    }

    @inline(__always) func memcmpWords(_ a: UnsafePointer<Word>, _ b: UnsafePointer<Word>, _ n: Int) -> Bool {
        for i in 0..<n where a[i] != b[i] { return false }
        return true
    }
}
