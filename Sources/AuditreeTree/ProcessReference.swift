/// A process of the reconstructed tree, as the rules see it during evaluation.
public struct ProcessReference {
    package let node: ProcessNode

    init(_ node: ProcessNode) { self.node = node }

    /// Unique per process instance within one scan.
    public var id: Int { node.id }
    public var pid: Int { node.pid }
    public var ppid: Int? { node.ppid }
    public var host: String? { node.host }

    /// An image by number, or nil if it was dropped (only the last few are kept).
    public func image(_ number: Int) -> ProcessImage? { node.image(number) }

    /// At most this many earlier images per process, and entries in all, are listed:
    /// a log (or an attacker) can make one pid exec thousands of times.
    static let maxEarlierImages = 4
    static let maxEntries = 64

    /// Everything above one image of this process, nearest first: the images its
    /// pid ran before (same-pid execs), then the parent's image that created it
    /// and the parent's earlier images, then the grandparent's, and so on up to
    /// the oldest process the log describes, ending with an unknown entry when a
    /// ppid was never described.
    public func lineage(of imageNumber: Int) -> [LineageEntry] {
        var entries: [LineageEntry] = []
        // An inherited image is the parent's program: it shows up as the parent, not as a replaced image.
        for number in earlier(node, before: imageNumber) where node.image(number)?.origin != .inherited {
            entries.append(LineageEntry(node, image: node.image(number), relation: .replacedImage, generation: 0))
        }
        var child = node
        var generation = 1
        while let parent = child.parent, generation <= ProcessTree.maxDepth, entries.count < Self.maxEntries {
            let relation: SpawnerRelation = generation == 1 ? .parent : .ancestor
            // A parent first known only as a ppid may have shown itself afterwards.
            let current = child.parentImageCount > 0 ? child.parentImageCount : min(1, parent.imageCount)
            if current == 0 {
                // Never seen itself: a fork of a known process still runs that process's image.
                entries.append(
                    LineageEntry(
                        parent, image: Self.inheritedImage(of: parent), relation: relation, generation: generation))
            } else {
                entries.append(
                    LineageEntry(parent, image: parent.image(current - 1), relation: relation, generation: generation))
                for number in earlier(parent, before: current - 1) {
                    entries.append(
                        LineageEntry(
                            parent, image: parent.image(number), relation: .replacedImage, generation: generation))
                }
            }
            child = parent
            generation += 1
        }
        return Array(entries.prefix(Self.maxEntries))
    }

    /// The parent's image as `lineage` gives it at generation 1 (what the parent ran when it
    /// created this process), without building the rest of the lineage; nil when unknown.
    public var parentImage: ProcessImage? {
        guard let parent = node.parent else { return nil }
        let current = node.parentImageCount > 0 ? node.parentImageCount : min(1, parent.imageCount)
        return current == 0 ? Self.inheritedImage(of: parent) : parent.image(current - 1)
    }

    /// Numbers of the images a process ran before `number`, newest first, that are still kept.
    private func earlier(_ node: ProcessNode, before number: Int) -> [Int] {
        let lowest = max(node.droppedImages, number - Self.maxEarlierImages)
        guard number - 1 >= lowest else { return [] }
        return Array(stride(from: number - 1, through: lowest, by: -1))
    }

    /// The image a process that made no record of its own got from the fork that created it.
    static func inheritedImage(of node: ProcessNode) -> ProcessImage? {
        guard node.forkLinked, let parent = node.parent, node.parentImageCount > 0,
            var image = parent.image(node.parentImageCount - 1)
        else { return nil }
        image.origin = .inherited
        return image
    }
}

/// One image above a process in its lineage.
public struct LineageEntry: Sendable {
    public var processID: Int
    public var pid: Int
    public var ppid: Int?
    public var host: String?
    /// Nil when the log never described this process (only its pid is known), or the image was dropped.
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
