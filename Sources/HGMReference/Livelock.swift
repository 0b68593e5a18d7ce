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
        // 2. A cycle among the others.
        return nodesOnCycles(count: n, include: { !canEnd[$0] }, successors: { succ[$0].map(Int.init) }).contains(true)
    }
}
