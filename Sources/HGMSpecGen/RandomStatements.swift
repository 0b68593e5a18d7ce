/// Free random statements: shared variables, lock pairs and trylocks, page references,
/// either, bounded loops, atomic blocks, helper calls with return values and unlocked reads.
/// Each statement is well-formed on its own (locals are assigned before they are read).
extension SpecBuilder {
    mutating func randomStatements(_ e: Env, count: Int) {
        for _ in 0..<count { randomStatement(e, nesting: 0) }
    }

    mutating func randomStatement(_ e: Env, nesting: Int) {
        let v = rng.pick(["flag", "c"])
        let k = rng.inRange(0, 2)
        switch rng.below(nesting > 0 ? 9 : 14) {
        case 0: emit("store(\(v), \(k))")
        case 1: emit("x = load(\(v))"); emit("assert x \(rng.pick(["==", "<=", "!="])) \(k)")
        case 2:
            let l = rng.pick(lockPool(e))
            let w = rng.chance(50)
            emit(acquire(l, write: w)); emit(release(l, write: w))
        case 3:
            let l = rng.pick(lockPool(e))
            let w = rng.chance(50)
            emit("ok = \(tryAcquire(l, write: w))")
            emit("if ok { \(release(l, write: w)) }")
        case 4:
            if pageCount > 0 || hugepages > 0 {
                emit("p = find_get_page(\(rng.below(hugepages)))")
                emit("if !is_null(p) { put_page(p) }")
            }
        case 5: emit("n = i_size_read()"); emit("assert n == \(hugepages)")
        case 6: emit("wake_range(\(e.addr), 1)")
        case 7: emit("h = walk(\(e.addr))"); emit("y = read(h)")
        case 8: emit("if load(\(v)) == \(k) { store(c, \(k + 1)) } else { store(flag, 1) }")
        case 9:
            open("either")
            randomStatement(e, nesting: nesting + 1)
            orElse("or")
            if rng.chance(40) { emit("return -ENOMEM") } else { randomStatement(e, nesting: nesting + 1) }
            close()
        case 10:
            emit("j = 0")
            block("while j < \(rng.inRange(1, 2)) bound 2") { b in
                b.randomStatement(e, nesting: nesting + 1)
                b.emit("j = j + 1")
            }
        case 11:
            block("atomic") { b in
                b.emit("x = load(\(v))")
                b.emit("store(\(v), x + 1)")
            }
        case 12:
            let h = freshHelper()
            let vv = v
            proc(h, ["a"]) { b in
                b.emit("x = load(\(vv))")
                b.emit("if x == a { return 1 }")
                b.emit("store(\(vv), a)")
                b.emit("return 0")
            }
            emit("r = \(h)(\(k))")
            emit("if r { store(flag, 1) }")
        default:
            emit("x = load(\(v))")
            block("if x == \(k)") { b in b.randomStatement(e, nesting: nesting + 1) }
        }
    }
}
