import AuditreeBase

/// One parsed line of an audit log.
///
/// No initializer is written out: an explicit one copies the whole record per line (docs/performance.md).
public struct Record: Sendable {
    public var kind: RecordKind
    /// The kernel type number (from the name through libaudit, or from `UNKNOWN[n]`); nil for names we do not resolve.
    public var typeNumber: Int32?
    /// The `node=` prefix, when the log has one.
    public var node: String?
    public var stamp: EventStamp
    /// Records of auditd itself (`DAEMON_*`) number their stamps with their own counter.
    public var isDaemon: Bool
    public var line: Int
    public var body: RecordBody
    /// The record-level rules (Sigma `service: auditd`) some search of which holds for this
    /// record: set by the scan, not the parser, and only when such rules are loaded.
    public var ruleHits: RecordRuleHits? = nil
    /// The numbers of the exec rules' literals (Sigma process_creation) found in the fields this
    /// record gives an exec (`exe`, the arguments, the directory): set by the scan on the
    /// parsing threads, not the parser; `FieldLiterals()` when not looked for.
    public var fieldLiterals = FieldLiterals()

    /// A record holding nothing, for `RecordParser.parse(_:lineNumber:truncated:limit:into:)` to fill.
    package static var empty: Record {
        Record(
            kind: .other, typeNumber: nil, node: nil, stamp: EventStamp(seconds: 0, milliseconds: 0, serial: 0),
            isDaemon: false, line: 0, body: .none)
    }
}

/// The record-level rules some search of which holds for a record (their numbers in the scan's
/// list of them, with the searches as a bit mask each), and the record's `pid=`. A class: one
/// word in every record, allocated only for a record that a search held for.
public final class RecordRuleHits: Sendable {
    public let rules: [Int32]
    public let searches: [UInt64]
    public let pid: Int?

    public init(rules: [Int32], searches: [UInt64], pid: Int?) {
        self.rules = rules
        self.searches = searches
        self.pid = pid
    }
}

/// The fields the engine keeps from the record types it reads.
public enum RecordBody: Sendable {
    // Not `indirect`: a box is allocated on one thread and freed on the other (docs/performance.md).
    case syscall(SyscallRecord)
    case execve(ExecveRecord)
    case cwd(LogString?)
    case path(PathRecord)
    case proctitle(Proctitle)
    case none

    /// The body, moved out, `.none` left in its place: one copy of its bytes, where a swap
    /// makes three and a read and reset retains every string it holds. Inlinable: called across
    /// modules, the body goes through a return slot and a local before it reaches its place.
    @inlinable
    package mutating func take() -> RecordBody {
        let taken = consume self
        self = .none
        return taken
    }
}

public struct SyscallRecord: Sendable {
    public var arch: UInt32 = 0
    public var number: Int = -1
    public var syscall: SyscallKind = .other
    public var success: Bool?
    public var exit: Int64?
    public var a0: UInt64?
    public var pid: Int = -1
    public var ppid: Int?
    public var uid: UInt32?
    public var euid: UInt32?
    public var auid: UInt32?
    public var ses: UInt32?
    public var tty: LogString?
    public var comm: LogString?
    public var exe: LogString?
    public var key: LogString?
    /// ENRICHED logs name the users as they were on the recording host.
    public var userName: String?
    public var loginUserName: String?

    public init() {}
}

/// One EXECVE record; a long command line spans several of them.
public struct ExecveRecord: Sendable {
    public var argc: Int?
    public var arguments: [ExecveArgument] = []
    /// `aN_len=` declarations of split arguments: index and total length.
    public var splitLengths: [(index: Int, length: Int)] = []

    public init() {}
}

/// `aN=value` (chunk nil) or one piece `aN[chunk]=value` of a split argument.
public struct ExecveArgument: Sendable {
    public var index: Int
    public var chunk: Int?
    public var value: LogString
}

/// A PATH record. Only `item` is read when the line is parsed: the other fields are shown in a
/// finding's report and nowhere else, so the record keeps its field text as logged (up to the
/// ENRICHED part) and reads a field when it is asked for, instead of decoding five per exec.
public struct PathRecord: Sendable {
    public var item: Int?
    /// The field part of the line, from after the stamp up to the ENRICHED part or to the line's
    /// end (`PathFields` stops where the ENRICHED part starts).
    let fields: LogString

    public var name: LogString? { decoded.name }
    public var nametype: String? { decoded.nametype }
    public var inode: UInt64? { decoded.inode }
    /// `major:minor` in hex, as logged.
    public var device: String? { decoded.device }
    /// The file's mode in octal, as logged (`0100755`: a regular file, rwxr-xr-x).
    public var mode: String? { decoded.mode }

    private var decoded: PathFields { fields.withSpan { PathFields($0) } }
}

/// The fields of a PATH record the engine shows, read from its field text.
struct PathFields {
    var name: LogString?
    var nametype: String?
    var inode: UInt64?
    var device: String?
    var mode: String?

    init(_ line: Span<UInt8>) {
        var scanner = FieldScanner(from: 0)
        while let field = scanner.next(in: line), !field.enriched {
            switch field.packedKey {
            case PackedKey.name: name = Bytes.untrusted(line, field)
            case PackedKey.nametype: nametype = Bytes.logString(line, field.value).lossyString
            case PackedKey.inode: inode = Bytes.decimal(line, field.value)
            case PackedKey.dev: device = Bytes.logString(line, field.value).lossyString
            case PackedKey.mode: mode = Bytes.logString(line, field.value).lossyString
            default: break
            }
        }
    }
}

/// A PROCTITLE value, kept as logged. The kernel caches it per task at the
/// task's first audited event, so equal values mean the same task (see
/// docs/process-tree.md); the arguments are only decoded when needed.
public struct Proctitle: Sendable, Equatable {
    /// The value as it stands in the log: hex digits, or the text inside quotes.
    public let raw: LogString
    /// Written unquoted, so hex when its digits decode (else shown as logged).
    public let isHex: Bool

    public init(raw: LogString, isHex: Bool) {
        self.raw = raw
        self.isHex = isHex
    }

    /// The command line, split at NUL bytes.
    public var arguments: [LogString] {
        bytes.split(separator: 0, omittingEmptySubsequences: false).map { LogString(bytes: Array($0)) }
    }

    /// The command line as one run of bytes, NUL between the arguments (as the kernel wrote it).
    public var bytes: [UInt8] { isHex ? (Hex.decode(raw.bytes) ?? raw.bytes) : raw.bytes }
}
