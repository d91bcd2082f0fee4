/// One successful exec as the tree resolved it, for `auditree events` and `auditree tree`.
public struct ExecRecord: Sendable {
    /// The process instance (unique per scan), and the one that created it.
    public var processID: Int
    public var parentID: Int?
    public var pid: Int
    public var ppid: Int?
    public var host: String?
    public var image: ProcessImage
    /// Nearest first, as the rules saw it (see `ProcessReference.lineage`).
    public var lineage: [LineageEntry]

    init(_ ready: ProcessTree.ExecReady) {
        let node = ready.process.node
        processID = node.id
        parentID = node.parent?.id
        pid = node.pid
        ppid = node.ppid
        host = node.host
        image = node.image(ready.imageNumber)!
        lineage = ready.process.lineage(of: ready.imageNumber)
    }
}
