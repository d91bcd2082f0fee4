/// A process of the reconstructed tree, as the rules and reports see it.
public struct ProcessReference {
    let node: ProcessNode

    init(_ node: ProcessNode) { self.node = node }

    /// Unique per process instance within one scan.
    public var id: Int { node.id }
    public var pid: Int { node.pid }
    public var ppid: Int? { node.ppid }
    public var host: String? { node.host }
    public var images: [ProcessImage] { node.images }

    /// Everything above one image of this process, nearest first: the images its
    /// pid ran before (same-pid execs), then the parent's image that created it
    /// and the parent's earlier images, then the grandparent's, and so on up to
    /// the oldest process the log describes, ending with an unknown entry when a
    /// ppid was never described.
    public func lineage(of imageIndex: Int) -> [LineageEntry] {
        var entries: [LineageEntry] = []
        // An inherited image is the parent's program: it shows up as the parent, not as a replaced image.
        for index in stride(from: imageIndex - 1, through: 0, by: -1) where node.images[index].origin != .inherited {
            entries.append(LineageEntry(node, image: node.images[index], relation: .replacedImage, generation: 0))
        }
        var child = node
        var generation = 1
        while let parent = child.parent, generation <= ProcessTree.maxDepth {
            // A parent first known only as a ppid may have shown itself afterwards.
            let current = child.parentImageCount > 0 ? child.parentImageCount : min(1, parent.images.count)
            if current == 0 {
                // Never seen itself: a fork of a known process still runs that process's image.
                entries.append(LineageEntry(parent, image: Self.inheritedImage(of: parent), relation: generation == 1 ? .parent : .ancestor, generation: generation))
            }
            for index in stride(from: current - 1, through: 0, by: -1) {
                let relation: SpawnerRelation = index < current - 1 ? .replacedImage : (generation == 1 ? .parent : .ancestor)
                entries.append(LineageEntry(parent, image: parent.images[index], relation: relation, generation: generation))
            }
            child = parent
            generation += 1
        }
        return entries
    }

    /// The image a process that made no record of its own got from the fork that created it.
    static func inheritedImage(of node: ProcessNode) -> ProcessImage? {
        guard node.forkLinked, let parent = node.parent, node.parentImageCount > 0 else { return nil }
        var image = parent.images[node.parentImageCount - 1]
        image.origin = .inherited
        return image
    }

    /// What ran below one image of this process, depth first in creation order:
    /// the pid's own later execs, then every exec of every process created
    /// while that image or a later one was current. At most `limit` entries.
    public func descendants(of imageIndex: Int, limit: Int) -> (entries: [DescendantEntry], omitted: Int) {
        var entries: [DescendantEntry] = []
        var omitted = 0
        func add(_ node: ProcessNode, image: ProcessImage, depth: Int) {
            if entries.count < limit {
                entries.append(DescendantEntry(processID: node.id, pid: node.pid, ppid: node.ppid, depth: depth, image: image))
            } else {
                omitted += 1
            }
        }
        for index in (imageIndex + 1)..<node.images.count where node.images[index].origin == .exec {
            add(node, image: node.images[index], depth: 0)
        }
        var stack: [(ProcessNode, Int)] = node.children.reversed()
            .filter { $0.parentImageCount > imageIndex }
            .map { ($0, 1) }
        while let (child, depth) = stack.popLast() {
            for image in child.images where image.origin == .exec { add(child, image: image, depth: depth) }
            if depth < ProcessTree.maxDepth {
                stack.append(contentsOf: child.children.reversed().map { ($0, depth + 1) })
            }
        }
        return (entries, omitted)
    }
}

/// One image above a process in its lineage.
public struct LineageEntry: Sendable {
    public var processID: Int
    public var pid: Int
    public var ppid: Int?
    public var host: String?
    /// Nil when the log never described this process (only its pid is known).
    public var image: ProcessImage?
    public var relation: SpawnerRelation
    /// 0 for the process itself, 1 for its parent, 2 for the grandparent, ...
    public var generation: Int

    init(_ node: ProcessNode, image: ProcessImage?, relation: SpawnerRelation, generation: Int) {
        processID = node.id
        pid = node.pid
        ppid = node.ppid
        host = node.host
        self.image = image
        self.relation = relation
        self.generation = generation
    }
}

/// One exec below a finding's shell.
public struct DescendantEntry: Sendable {
    public var processID: Int
    public var pid: Int
    public var ppid: Int?
    /// 0 for later execs of the shell's own pid, 1 for its children, ...
    public var depth: Int
    public var image: ProcessImage
}
