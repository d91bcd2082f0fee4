import AuditreeParser

/// One successful exec as the tree resolved it, for `auditree events` and `auditree tree`.
public struct ExecRecord: Sendable {
    /// The process instance (unique per scan), and the one that created it.
    public var processID: Int
    public var parentID: Int?
    public var pid: Int
    public var ppid: Int?
    public var host: String?
    public var image: ProcessImage
    /// Nearest first, as the rules saw it (see `ProcessReference.lineage`). In a kept record
    /// (`ScanReport.execs`) it ends at the first ancestor that exec'd: that ancestor's own
    /// record goes on from there (`chain(from:)`), so a deep tree costs a constant per exec.
    public var lineage: [LineageEntry]
    /// The ids of the rules that fired on this exec, when the scan hands records on as it goes.
    public var firedRules: [String] = []

    package init(_ ready: ProcessTree.ExecReady) {
        let node = ready.process.node
        processID = node.id
        parentID = node.parent?.id
        pid = node.pid
        ppid = node.ppid
        host = node.host
        image = node.image(ready.imageNumber)!
        lineage = ready.process.lineage(of: ready.imageNumber)
    }

    /// The lineage up to and including the nearest ancestor (not an earlier image of the same
    /// process) whose image is an exec: everything above it is in that exec's record.
    package func compacted() -> ExecRecord {
        var copy = self
        if let end = lineage.firstIndex(where: {
            $0.generation >= 1 && $0.relation != .replacedImage && $0.image?.origin == .exec
        }) {
            copy.lineage = Array(lineage[...end])
        }
        return copy
    }
}

extension [ExecRecord] {
    /// The whole lineage of `record`, as far as the rules saw it (at most `ProcessReference.maxEntries`
    /// entries), put back together from kept records' compacted lineages.
    public func chain(from record: ExecRecord) -> [LineageEntry] {
        var byImage: [ImageKey: Int] = [:]
        for (index, kept) in enumerated() {
            byImage[ImageKey(process: kept.processID, stamp: kept.image.stamp)] = index
        }
        return chain(from: record, byImage: byImage)
    }

    /// A record's key among the kept ones: its process and its image's stamp.
    public struct ImageKey: Hashable, Sendable {
        public var process: Int
        public var stamp: EventStamp

        public init(process: Int, stamp: EventStamp) {
            self.process = process
            self.stamp = stamp
        }
    }

    public func chain(from record: ExecRecord, byImage: [ImageKey: Int]) -> [LineageEntry] {
        var entries = record.lineage
        var generationOffset = 0
        while entries.count < ProcessReference.maxEntries, let last = entries.last, last.generation >= 1,
            last.relation != .replacedImage, let image = last.image, image.origin == .exec,
            let index = byImage[ImageKey(process: last.processID, stamp: image.stamp)]
        {
            generationOffset = last.generation
            // The ancestor's own lineage, one generation further up per step: its earlier images first.
            let above = self[index].lineage.map { entry -> LineageEntry in
                var shifted = entry
                shifted.generation += generationOffset
                if entry.generation >= 1 { shifted.relation = .ancestor }
                return shifted
            }
            guard !above.isEmpty else { break }
            entries += above
        }
        return [LineageEntry](entries.prefix(ProcessReference.maxEntries))
    }
}
