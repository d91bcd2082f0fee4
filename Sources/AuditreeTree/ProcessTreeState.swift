import AuditreeBase
import AuditreeEvents
import AuditreeParser

/// A process as a checkpoint keeps it: enough to be a parent and an ancestor in the next run.
public struct SavedProcess: Codable, Sendable, Equatable {
    public var id: Int
    public var host: String?
    public var pid: Int
    public var ppid: Int?
    /// `id` of the parent when the parent is saved too.
    public var parentID: Int?
    public var images: [SavedImage]
    public var taskTitle: String?
    public var taskTitleIsHex: Bool
    public var forkLinked: Bool
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Inside a finding reported by an earlier run: what it runs next is that finding's story.
    public var insideFinding: Bool
}

/// One image of a saved process; byte strings as lower-case hex, so any bytes survive JSON.
public struct SavedImage: Codable, Sendable, Equatable {
    public var origin: String
    public var exe: String?
    public var comm: String?
    public var argv: [String]
    public var argvComplete: Bool
    public var cwd: String?
    public var uid: UInt32?
    public var euid: UInt32?
    public var auid: UInt32?
    public var ses: UInt32?
    public var tty: String?
    public var key: String?
    public var userName: String?
    public var loginUserName: String?
    public var seconds: Int64
    public var milliseconds: Int32
    public var serial: UInt64
    public var file: String
    public var line: Int

    init(_ image: ProcessImage) {
        origin = image.origin.rawValue
        exe = image.exe.map(Self.hex)
        comm = image.comm.map(Self.hex)
        argv = image.argv.arguments.map(Self.hex)
        argvComplete = image.argv.isComplete
        cwd = image.cwd.map(Self.hex)
        uid = image.uid
        euid = image.euid
        auid = image.auid
        ses = image.ses
        tty = image.tty.map(Self.hex)
        key = image.key.map(Self.hex)
        userName = image.userName
        loginUserName = image.loginUserName
        seconds = image.stamp.seconds
        milliseconds = image.stamp.milliseconds
        serial = image.stamp.serial
        file = image.location.file
        line = image.location.line
    }

    func image(node: String?) -> ProcessImage {
        ProcessImage(
            origin: ProcessImage.Origin(rawValue: origin) ?? .observed, exe: exe.flatMap(Self.bytes),
            comm: comm.flatMap(Self.bytes),
            argv: ArgumentVector(arguments: argv.compactMap(Self.bytes), isComplete: argvComplete),
            cwd: cwd.flatMap(Self.bytes),
            uid: uid, euid: euid, auid: auid, ses: ses, tty: tty.flatMap(Self.bytes), key: key.flatMap(Self.bytes),
            userName: userName, loginUserName: loginUserName, node: node,
            stamp: EventStamp(seconds: seconds, milliseconds: milliseconds, serial: serial),
            location: LogLocation(file: file, line: line))
    }

    static func hex(_ value: LogString) -> String { Hex.lowercase(value.bytes) }

    static func bytes(_ hex: String) -> LogString? { Hex.decode(Array(hex.utf8)).map { LogString(bytes: $0) } }
}

extension ProcessTree {
    /// Hosts a checkpoint keeps: those seen most recently (by the newest log time of their processes).
    /// A host that stopped sending logs ages out as others come, so the checkpoint stays bounded.
    public static let maxSavedHosts = 64

    /// The processes a next run may need: the `limit` seen last on each of the `hosts` hosts seen
    /// last, with their ancestors.
    public func savedState(limit: Int = 4096, hosts: Int = ProcessTree.maxSavedHosts) -> [SavedProcess] {
        var chosen: [Int: ProcessNode] = [:]
        let tables = tablesForSaving().filter { !$0.1.isEmpty }
            .map { (newest: $0.1.values.lazy.map(\.lastSeen).max() ?? .min, name: $0.0, table: $0.1) }
            .sorted { ($0.newest, $0.name ?? "") > ($1.newest, $1.name ?? "") }
            .prefix(hosts)
        for (_, _, table) in tables {
            let recent = table.values.sorted { ($0.lastSeen, $0.id) > ($1.lastSeen, $1.id) }.prefix(limit)
            for node in recent {
                var cursor: ProcessNode? = node
                var depth = 0
                while let current = cursor, chosen[current.id] == nil, depth < ProcessTree.maxDepth {
                    chosen[current.id] = current
                    cursor = current.parent
                    depth += 1
                }
            }
        }
        return chosen.values.sorted { $0.id < $1.id }.map { node in
            SavedProcess(
                id: node.id, host: node.host, pid: node.pid, ppid: node.ppid,
                parentID: node.parent.flatMap { chosen[$0.id] == nil ? nil : $0.id },
                images: node.keptImages.suffix(2).map(SavedImage.init),
                taskTitle: node.taskTitle.map { $0.raw.lossyString }, taskTitleIsHex: node.taskTitle?.isHex ?? false,
                forkLinked: node.forkLinked, firstSeen: node.firstSeen, lastSeen: node.lastSeen,
                insideFinding: node.collector != nil)
        }
    }

    /// Puts saved processes back, before the next run reads anything.
    public func restore(_ saved: [SavedProcess]) {
        var nodes: [Int: ProcessNode] = [:]
        for process in saved.sorted(by: { $0.id < $1.id }) {
            let node = adopt(host: process.host, pid: process.pid, ppid: process.ppid, time: process.firstSeen)
            node.lastSeen = process.lastSeen
            node.forkLinked = process.forkLinked
            node.setTaskTitle(raw: process.taskTitle.map { LogString($0) }, isHex: process.taskTitleIsHex)
            if let parentID = process.parentID, let parent = nodes[parentID] {
                node.link(to: parent, time: process.firstSeen)
            }
            for image in process.images { node.append(image.image(node: process.host)) }
            if process.insideFinding {
                // Its finding was reported by an earlier run; what follows below it belongs to that finding.
                node.collector = DescendantCollector(shellID: -1, limit: 0)
                node.collectorFromImage = 0
            }
            nodes[process.id] = node
        }
    }
}
