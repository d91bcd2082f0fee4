import Foundation

/// What a scan leaves for the next one (`--checkpoint FILE`), so a nightly run
/// starts after the last event the previous run completed and reports each
/// finding exactly once, also across log rotation.
///
/// - `lastEvents`: per host, the stamp of the last event handed to the tree.
///   Records at or before it are skipped, whichever file they are found in
///   (a rotated or gzipped copy included). This is what makes runs exactly-once.
/// - `files`: where each file was left, known by device, inode and a hash of
///   its first bytes (as ausearch's checkpoint does), so a file found again,
///   under its own or a rotated name, is read from that offset, not from the start.
/// - `processes`: the live process table, bounded, so parents resolve across runs.
public struct Checkpoint: Codable, Sendable, Equatable {
    public static let currentVersion = 1
    public var version = Checkpoint.currentVersion
    public var files: [FilePosition] = []
    public var lastEvents: [String: SavedStamp] = [:]
    public var processes: [SavedProcess] = []

    public init() {}

    public struct FilePosition: Codable, Sendable, Equatable {
        public var path: String
        public var device: UInt64
        public var inode: UInt64
        public var headLength: Int
        public var headHash: String
        /// Bytes through the last complete line read.
        public var offset: Int
        /// Lines before `offset`, so line numbers stay those of the file.
        public var lines: Int
    }

    public struct SavedStamp: Codable, Sendable, Equatable {
        public var seconds: Int64
        public var milliseconds: Int32
        public var serial: UInt64

        init(_ stamp: EventStamp) {
            seconds = stamp.seconds
            milliseconds = stamp.milliseconds
            serial = stamp.serial
        }

        var stamp: EventStamp { EventStamp(seconds: seconds, milliseconds: milliseconds, serial: serial) }
    }

    /// Host key for `lastEvents`: the node name, or "" for logs without node=.
    static func hostKey(_ node: String?) -> String { node.map { "node:" + $0 } ?? "" }

    // MARK: Reading and writing

    public static func load(path: String) throws -> Checkpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let checkpoint = try JSONDecoder().decode(Checkpoint.self, from: data)
        guard checkpoint.version == currentVersion else {
            throw CheckpointError.unsupportedVersion(checkpoint.version)
        }
        return checkpoint
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}

public enum CheckpointError: Error, CustomStringConvertible {
    case unsupportedVersion(Int)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version): "checkpoint version \(version) is not one this auditree reads (\(Checkpoint.currentVersion))"
        }
    }
}

/// Identity of a file on disk, as a checkpoint remembers it.
enum FileIdentity {
    static let headLength = 4096

    /// Device, inode, size, and the FNV-1a hash of the first `length` bytes (nil for what is not a regular file).
    static func of(path: String, headLength length: Int = headLength) -> (device: UInt64, inode: UInt64, size: Int, head: Int, hash: String)? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let head = FileByteSource.head(path: path, count: min(length, Int(info.st_size)))
        return (UInt64(info.st_dev), UInt64(info.st_ino), Int(info.st_size), head.count, hash(head))
    }

    static func hash(_ bytes: [UInt8]) -> String {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
        return String(value, radix: 16)
    }

    /// The saved position that is this file, if any: same device and inode, and the same first bytes.
    static func position(for path: String, in checkpoint: Checkpoint) -> Checkpoint.FilePosition? {
        guard let current = of(path: path) else { return nil }
        return checkpoint.files.first { saved in
            saved.device == current.device && saved.inode == current.inode && current.size >= saved.offset
                && of(path: path, headLength: saved.headLength).map { $0.head == saved.headLength && $0.hash == saved.headHash } == true
        }
    }
}
