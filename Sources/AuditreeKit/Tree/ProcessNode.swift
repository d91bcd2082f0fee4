/// One process instance (a pid between its creation and its reuse), with its exec history.
final class ProcessNode {
    /// Creation order across the whole scan; stable, so output is deterministic.
    let id: Int
    let host: String?
    let pid: Int
    var ppid: Int?
    private(set) var parent: ProcessNode?
    /// How many of the parent's images existed when this process was linked to it:
    /// the parent's image at index `parentImageCount - 1` is the one that forked us.
    private(set) var parentImageCount = 0
    var images: [ProcessImage] = []
    private(set) var children: [ProcessNode] = []
    let firstSeen: Int64
    var lastSeen: Int64
    /// Set once a fork/clone record names this process as its child.
    var forkLinked = false

    init(id: Int, host: String?, pid: Int, ppid: Int?, time: Int64) {
        self.id = id
        self.host = host
        self.pid = pid
        self.ppid = ppid
        self.firstSeen = time
        self.lastSeen = time
    }

    var isKnown: Bool { !images.isEmpty }

    /// Links to `parent` unless that would make a cycle (possible only in a forged log).
    func link(to newParent: ProcessNode) {
        guard newParent !== parent else { return }
        var cursor: ProcessNode? = newParent
        var steps = 0
        while let node = cursor, steps < ProcessTree.maxDepth {
            if node === self { return }
            cursor = node.parent
            steps += 1
        }
        if let old = parent { old.children.removeAll { $0 === self } }
        parent = newParent
        parentImageCount = newParent.images.count
        newParent.children.append(self)
    }
}
