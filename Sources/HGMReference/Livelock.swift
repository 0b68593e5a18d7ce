import HGMModel

/// Livelock over the whole explored graph (docs/spec-language.md "Livelock"): a state lies
/// on a cycle of states from which no ending state is reachable. Ending states: every thread
/// returned or asleep on a userfault, a state that stops its path, a state with a step that
/// stops its path or runs a bounded loop past its bound (`Exploration.ends`).
extension Exploration {
    func hasLivelock() -> Bool {
        let n = states.count
        // 1. Which states can reach an ending state (backwards from the ending ones).
        var pred = [[Int32]](repeating: [], count: n)
        for v in 0..<n { for w in succ[v] { pred[Int(w)].append(Int32(v)) } }
        var canEnd = ends
        var queue = (0..<n).filter { ends[$0] }
        var head = 0
        while head < queue.count {
            let w = queue[head]; head += 1
            for v in pred[w] where !canEnd[Int(v)] { canEnd[Int(v)] = true; queue.append(Int(v)) }
        }
        // 2. A cycle among the others: a strongly connected component with two states or a
        //    self-loop (Tarjan, iterative).
        var order = [Int](repeating: -1, count: n), low = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var stack: [Int] = [], counter = 0
        for root in 0..<n where !canEnd[root] && order[root] < 0 {
            var calls: [(Int, Int)] = [(root, 0)]
            order[root] = counter; low[root] = counter; counter += 1; stack.append(root); onStack[root] = true
            while let (v, e) = calls.last {
                if e < succ[v].count {
                    calls[calls.count - 1].1 += 1
                    let w = Int(succ[v][e])
                    if canEnd[w] { continue }
                    if w == v { return true }
                    if order[w] < 0 {
                        order[w] = counter; low[w] = counter; counter += 1; stack.append(w); onStack[w] = true
                        calls.append((w, 0))
                    } else if onStack[w] { low[v] = min(low[v], order[w]) }
                    continue
                }
                calls.removeLast()
                if let (p, _) = calls.last { low[p] = min(low[p], low[v]) }
                if low[v] == order[v] {
                    var members = 0
                    while true { let w = stack.removeLast(); onStack[w] = false; members += 1; if w == v { break } }
                    if members > 1 { return true }
                }
            }
        }
        return false
    }
}
