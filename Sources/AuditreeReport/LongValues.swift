import AuditreeEvents
import AuditreeParser

/// Long values a report writes in full once, so its size follows the log's, not the
/// number of places a value appears in (docs/formats.md, "Long values").
///
/// An attacker's interpreter with a 1 MiB command line that starts N shells appears in every
/// one of the N findings (as the spawner, in the ancestry, in the tree): written in each
/// place, the report would be N MiB from a 2 MiB log. A value longer than `stringLimit`
/// bytes, and a command line longer than `argvLimit` bytes or `argumentLimit` arguments,
/// is entered here once, numbered from 0 in the order first met; each place shows a short
/// preview and the number. Machine formats (JSON, NDJSON, HTML) list the entries in a table;
/// text formats print a value in full where it first appears.
///
/// A class, so one report's writers share it (a JUnit report renders each finding's text).
public final class LongValues {
    /// Strings (exe, cwd, a matched name, ...) longer than this are long.
    public static let stringLimit = 256
    /// A command line is long when its arguments' bytes and separators pass this, or it has
    /// more than `argumentLimit` arguments.
    public static let argvLimit = 1024
    public static let argumentLimit = 32
    /// What a preview keeps: the first bytes of a string (cut before a UTF-8 character, then
    /// `…`), and the first arguments of a command line, each previewed.
    public static let previewBytes = 64
    public static let previewArguments = 4

    public enum Entry: Sendable, Equatable {
        case string(LogString)
        case argv(ArgumentVector)

        /// The bytes the entry holds (arguments plus one separator each).
        public var byteCount: Int {
            switch self {
            case .string(let value): value.count
            case .argv(let argv): LongValues.size(of: argv)
            }
        }
    }

    /// In the order first met; an entry's number is `firstNumber` plus its index.
    public private(set) var entries: [Entry] = []
    /// The number of `entries[0]`: 0 unless a streaming writer dropped what it wrote (`dropEntries`).
    public private(set) var firstNumber = 0
    private var stringNumbers: [LogString: Int] = [:]
    private var argvNumbers: [[LogString]: Int] = [:]
    /// For a streaming writer: how many bytes of values the table remembers before it starts over.
    private let heldLimit: Int?
    private var heldBytes = 0

    /// A report's table: every long value, kept until the report is written.
    public init() { heldLimit = nil }

    /// A streaming writer's table (`auditree events`): it remembers at most about `limit` bytes
    /// of values, then forgets them all and goes on numbering, so memory stays flat whatever the
    /// log; a value met again after that is entered again under a new number. Output stays
    /// bounded by the log: between two entries of one value come `limit` bytes of other long
    /// values, each from the log.
    public init(holding limit: Int) { heldLimit = limit }

    /// Forgets the entries (not which values have numbers): a streaming writer has written them.
    public func dropEntries() {
        firstNumber += entries.count
        entries.removeAll(keepingCapacity: true)
    }

    /// Makes room for a value of `bytes` bytes in a streaming table.
    private func hold(_ bytes: Int) {
        guard let heldLimit else { return }
        if heldBytes + bytes > heldLimit {
            stringNumbers.removeAll()
            argvNumbers.removeAll()
            heldBytes = 0
        }
        heldBytes += bytes
    }

    private func enter(_ entry: Entry) -> Int {
        entries.append(entry)
        return firstNumber + entries.count - 1
    }

    public static func isLong(_ value: LogString) -> Bool { value.count > stringLimit }

    public static func isLong(_ argv: ArgumentVector) -> Bool {
        argv.arguments.count > argumentLimit || size(of: argv) > argvLimit
    }

    static func size(of argv: ArgumentVector) -> Int { argv.arguments.reduce(0) { $0 + $1.count + 1 } }

    /// The number of a long value, and whether this call entered it (its first appearance).
    public func number(_ value: LogString) -> (number: Int, first: Bool) {
        if let known = stringNumbers[value] { return (known, false) }
        hold(value.count)
        let number = enter(.string(value))
        stringNumbers[value] = number
        return (number, true)
    }

    /// Command lines are one entry (whole, completeness included): a long one is usually many
    /// arguments or one huge one, and its place shows a preview of the first few.
    public func number(_ argv: ArgumentVector) -> (number: Int, first: Bool) {
        // Equal arguments with different completeness are rare; they share the entry of the first.
        if let known = argvNumbers[argv.arguments] { return (known, false) }
        hold(Self.size(of: argv))
        let number = enter(.argv(argv))
        argvNumbers[argv.arguments] = number
        return (number, true)
    }

    /// The first `previewBytes` bytes (never cutting a UTF-8 character) and `…`.
    public static func preview(_ value: LogString) -> LogString {
        guard value.count > previewBytes else { return value }
        let bytes = value.bytes
        var end = previewBytes
        // Back up over continuation bytes, so a valid value stays valid; at most 3.
        while end > previewBytes - 3, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return LogString(bytes: Array(bytes[..<end]) + Array("…".utf8))
    }

    /// The first `previewArguments` arguments, each previewed; completeness is the command line's.
    public static func preview(_ argv: ArgumentVector) -> ArgumentVector {
        ArgumentVector(arguments: argv.arguments.prefix(previewArguments).map(preview), isComplete: argv.isComplete)
    }
}
