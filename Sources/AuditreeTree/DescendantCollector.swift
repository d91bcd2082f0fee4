/// Gathers what an observed process (a finding's shell) ran, as the log goes on.
package final class DescendantCollector {
    let shellID: Int
    let limit: Int
    private(set) var entries: [DescendantEntry] = []
    package private(set) var omitted = 0
    /// Parent process id of each process seen under the shell, to print them as a tree.
    private var parents: [Int: Int] = [:]
    /// How many processes of the tree follow it (as their `collector` or one of their watches):
    /// with none left, nothing can be added any more.
    var followers = 0

    init(shellID: Int, limit: Int) {
        self.shellID = shellID
        self.limit = limit
    }

    func linked(_ node: ProcessNode) {
        if let parent = node.parent, parents.count < limit * 4 { parents[node.id] = parent.id }
    }

    func add(_ node: ProcessNode, image: ProcessImage, depth: Int) {
        guard image.origin == .exec else { return }
        guard entries.count < limit else {
            omitted += 1
            return
        }
        entries.append(DescendantEntry(processID: node.id, pid: node.pid, ppid: node.ppid, depth: depth, image: image))
    }

    /// Whether what it lists and the order it lists them in can no longer change: no process
    /// follows it any more, or it lists `limit` entries (later ones are only counted in `omitted`).
    package var isSettled: Bool { followers == 0 || entries.count >= limit }

    /// Whether some process below stopped being followed (`ProcessNode.join`): what it ran later is unknown.
    private var isCut = false

    /// Stops following some process below: the list is then incomplete, which counts as one
    /// more not shown (once: how much it would have listed is not known).
    func cut() {
        guard !isCut else { return }
        isCut = true
        omitted += 1
    }

    /// The entries depth first: each process's execs, then its children's, in log order.
    package func treeOrder() -> [DescendantEntry] {
        var byProcess: [Int: [DescendantEntry]] = [:]
        var childrenOf: [Int: [Int]] = [:]
        var order: [Int] = []
        for entry in entries {
            if byProcess[entry.processID] == nil {
                order.append(entry.processID)
                if entry.processID != shellID {
                    childrenOf[ancestorWithEntries(entry.processID, byProcess: byProcess), default: []].append(
                        entry.processID)
                }
            }
            byProcess[entry.processID, default: []].append(entry)
        }
        var result: [DescendantEntry] = byProcess[shellID] ?? []
        var stack: [Int] = (childrenOf[shellID] ?? []).reversed()
        var visited: Set<Int> = []
        while let id = stack.popLast() {
            guard visited.insert(id).inserted else { continue }
            result += byProcess[id] ?? []
            stack += (childrenOf[id] ?? []).reversed()
        }
        // Anything not reached (its parent chain left the map) keeps log order at the end.
        for id in order where !visited.contains(id) && id != shellID { result += byProcess[id] ?? [] }
        return result
    }

    /// The nearest ancestor that has entries (execs without one, such as plain forks, are skipped), else the shell.
    private func ancestorWithEntries(_ id: Int, byProcess: [Int: [DescendantEntry]]) -> Int {
        var cursor = parents[id]
        var steps = 0
        while let current = cursor, steps < ProcessTree.maxDepth {
            if current == shellID || byProcess[current] != nil { return current }
            cursor = parents[current]
            steps += 1
        }
        return shellID
    }
}
