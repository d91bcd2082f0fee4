import AuditreeInput
import AuditreeSystem
import AuditreeTree
import Foundation

/// What a scan leaves for the next one (`--checkpoint FILE`), so a nightly run starts where
/// the last one stopped and reports each finding exactly once, also across log rotation.
///
/// The resume point is a position in the files, never an event time, so no clock step
/// (back after NTP or a board without RTC, ahead for a few records) can make a run skip events:
/// - `files`: per file, known by the hash of its first bytes (decompressed for gzip), where
///   to start next time (`offset`, `lines`) and how far this run read (`end`). A file found
///   again, under its own name, a rotated one, gzipped or copied, is read from `offset`.
/// - Events still open at the cut (their last records may not be written yet) are not
///   delivered: `offset` is left at the first record of the oldest of them, and the next run
///   reads them again, whole. An event already held back once (it starts before `end`) is
///   delivered at the end of the next run whatever follows, so the last events of a log that
///   stops growing are reported one run later, never lost.
/// - `processes`: the live process table, bounded, so parents resolve across runs.
public struct Checkpoint: Codable, Sendable, Equatable {
    /// 2: positions only. 1 (an event-time resume point as well) is read, its times ignored.
    public static let currentVersion = 2
    public var version = Checkpoint.currentVersion
    public var files: [FilePosition] = []
    public var processes: [SavedProcess] = []

    /// File positions kept for files a run did not read (an older rotation given only now and
    /// then); the most recently saved first, so the list stays bounded.
    public static let maxFiles = 256

    public init() {}

    public struct FilePosition: Codable, Sendable, Equatable {
        public var path: String
        public var device: UInt64
        public var inode: UInt64
        /// How many first bytes `headHash` covers (the content's, decompressed for gzip).
        public var headLength: Int
        public var headHash: String
        /// Where the next run starts: through the last complete line, or the first record of
        /// the oldest event still open at the cut.
        public var offset: Int
        /// Lines before `offset`, so line numbers stay those of the file.
        public var lines: Int
        /// Bytes this run read through (the last complete line); nil in version 1 (= `offset`).
        public var end: Int?

        var readThrough: Int { end ?? offset }
    }

    // MARK: Reading and writing

    /// Reads and checks a checkpoint; nil when there is none yet. Every number is range-checked,
    /// so a damaged or hostile file gives one clear error, never a trap later.
    public static func load(path: String) throws(CheckpointError) -> Checkpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(systemErrorText(errno))
        }
        let checkpoint: Checkpoint
        do { checkpoint = try JSONDecoder().decode(Checkpoint.self, from: data) } catch let error as DecodingError {
            throw .malformed(Self.describe(error))
        } catch {
            throw .malformed("not JSON")
        }
        guard checkpoint.version == 1 || checkpoint.version == currentVersion else {
            throw .unsupportedVersion(checkpoint.version)
        }
        try checkpoint.validate()
        return checkpoint
    }

    /// One line for a decoding failure: the key path and what was wrong, not Swift's dump.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: CodingKey? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : String(text.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context, key)) is missing"
        case .valueNotFound(_, let context): return "\(path(context)) is null"
        case .typeMismatch(let type, let context):
            let expected =
                type == String.self
                ? "a string"
                : type == Bool.self
                    ? "true or false" : type is any BinaryInteger.Type ? "an integer" : "of the right type"
            return "\(path(context)) is not \(expected)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)) is out of range or malformed"
        @unknown default: return "not a checkpoint"
        }
    }

    /// Every number within what a run can have written.
    func validate() throws(CheckpointError) {
        func check<T: BinaryInteger>(_ value: T, _ range: ClosedRange<T>, _ path: @autoclosure () -> String)
            throws(CheckpointError)
        {
            guard range.contains(value) else {
                throw .outOfRange(path: path(), value: "\(value)", range: "\(range.lowerBound)...\(range.upperBound)")
            }
        }
        let maxOffset = Int(Int64.max / 4)
        for (index, file) in files.enumerated() {
            try check(file.headLength, 0...FileIdentity.headLength, "files[\(index)].headLength")
            try check(file.offset, 0...maxOffset, "files[\(index)].offset")
            try check(file.readThrough, file.offset...maxOffset, "files[\(index)].end")
            // A line holds at least its newline.
            try check(file.lines, 0...file.offset, "files[\(index)].lines")
        }
        let maxSeconds = Int64.max / 2000  // as the parser accepts
        let maxTime = maxSeconds * 1000 + 999
        let maxPid = Int(Int32.max)
        for (index, process) in processes.enumerated() {
            let at = "processes[\(index)]"
            try check(process.id, 0...Int(Int32.max) * 1024, "\(at).id")
            try check(process.pid, 0...maxPid, "\(at).pid")
            if let ppid = process.ppid { try check(ppid, 0...maxPid, "\(at).ppid") }
            if let parentID = process.parentID { try check(parentID, 0...Int(Int32.max) * 1024, "\(at).parentID") }
            try check(process.firstSeen, 0...maxTime, "\(at).firstSeen")
            try check(process.lastSeen, 0...maxTime, "\(at).lastSeen")
            try check(process.images.count, 0...2, "\(at).images.count")
            for (number, image) in process.images.enumerated() {
                try check(image.seconds, 0...maxSeconds, "\(at).images[\(number)].seconds")
                try check(image.milliseconds, 0...999, "\(at).images[\(number)].milliseconds")
                try check(image.line, 0...Int(Int64.max / 4), "\(at).images[\(number)].line")
            }
        }
    }
}

public enum CheckpointError: Error, CustomStringConvertible, Sendable {
    case unreadable(String)
    case malformed(String)
    case outOfRange(path: String, value: String, range: String)
    case unsupportedVersion(Int)

    public var description: String {
        switch self {
        case .unreadable(let reason): "cannot be read (\(reason))"
        case .malformed(let what): "is not one auditree wrote (\(what))"
        case .outOfRange(let path, let value, let range): "is damaged (\(path) is \(value), outside \(range))"
        case .unsupportedVersion(let version):
            "is version \(version), which this auditree does not read (1, \(Checkpoint.currentVersion))"
        }
    }
}

/// Identity of a file's content, as a checkpoint remembers it.
enum FileIdentity {
    static let headLength = 4096

    struct Content {
        var device: UInt64
        var inode: UInt64
        /// Bytes on disk for a plain file; nil for gzip (its content's length is not known before reading it).
        var size: Int?
        var compressed: Bool
        var head: [UInt8]
    }

    /// Device, inode, size and first bytes (decompressed for gzip); nil for what is not a regular file.
    static func of(path: String, compressed: Bool = false) -> Content? {
        guard let info = FileStatus.of(path), info.kind == .regular else { return nil }
        let head =
            compressed
            ? gzipHead(path: path, count: headLength)
            : FileByteSource.head(path: path, count: min(headLength, info.size))
        return Content(
            device: info.device, inode: info.inode, size: compressed ? nil : info.size, compressed: compressed,
            head: head)
    }

    static func gzipHead(path: String, count: Int) -> [UInt8] {
        guard let file = try? FileByteSource(path: path) else { return [] }
        guard var source = try? GzipByteSource(file: file) else { return [] }
        return source.readPrefix(count)
    }

    static func hash(_ bytes: some Collection<UInt8>) -> String {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
        return String(value, radix: 16)
    }

    /// The saved position that is this content, if any: the same first bytes, whatever the file's
    /// name, inode or compression (a rotated, gzipped or copied file is the file already read).
    /// An empty head says nothing and matches nothing; a plain file shorter than what was read
    /// is not the file that was read (truncated, or replaced).
    static func position(for content: Content, in checkpoint: Checkpoint) -> Checkpoint.FilePosition? {
        checkpoint.files.first { saved in
            saved.headLength > 0 && content.head.count >= saved.headLength
                && hash(content.head.prefix(saved.headLength)) == saved.headHash
                && (content.size.map { $0 >= saved.readThrough } ?? true)
        }
    }
}
