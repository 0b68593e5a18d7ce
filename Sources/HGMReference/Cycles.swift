/// Which nodes of a directed graph lie on a cycle: members of a strongly connected
/// component with two nodes or more, or with an edge to themselves (Tarjan's algorithm,
/// iterative). Nodes `include` rejects are left out of the graph, with their edges.
func nodesOnCycles(count n: Int, include: (Int) -> Bool = { _ in true }, successors: (Int) -> [Int]) -> [Bool] {
    var index = [Int](repeating: -1, count: n), low = [Int](repeating: 0, count: n)
    var onStack = [Bool](repeating: false, count: n), cyclic = [Bool](repeating: false, count: n)
    var stack: [Int] = [], counter = 0
    for root in 0..<n where include(root) && index[root] < 0 {
        var calls: [(node: Int, succ: [Int], next: Int)] = [(root, successors(root).filter(include), 0)]
        index[root] = counter; low[root] = counter; counter += 1; stack.append(root); onStack[root] = true
        while let (v, ss, e) = calls.last {
            if e < ss.count {
                calls[calls.count - 1].next += 1
                let w = ss[e]
                if index[w] < 0 {
                    index[w] = counter; low[w] = counter; counter += 1; stack.append(w); onStack[w] = true
                    calls.append((w, successors(w).filter(include), 0))
                } else if onStack[w] { low[v] = min(low[v], index[w]) }
                continue
            }
            calls.removeLast()
            if let p = calls.last { low[p.node] = min(low[p.node], low[v]) }
            if low[v] == index[v] {
                var members: [Int] = []
                while true { let w = stack.removeLast(); onStack[w] = false; members.append(w); if w == v { break } }
                if members.count > 1 || ss.contains(v) { for w in members { cyclic[w] = true } }
            }
        }
    }
    return cyclic
}
