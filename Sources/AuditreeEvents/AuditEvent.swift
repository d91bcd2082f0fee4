import AuditreeParser

/// Where a record sits in the input, for reports and diagnostics.
public struct LogLocation: Hashable, Sendable, Comparable {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public static func < (lhs: LogLocation, rhs: LogLocation) -> Bool { (lhs.file, lhs.line) < (rhs.file, rhs.line) }
}

/// The records of one audit event: those sharing a node and a `msg=audit(...)` stamp.
///
/// Built with the memberwise initializer: an explicit one copies the whole event (docs/performance.md).
public struct AuditEvent: Sendable {
    public var node: String?
    public var stamp: EventStamp
    public var isDaemon: Bool
    public var syscall: SyscallRecord?
    /// Location of the SYSCALL record, or of the first record when there is none.
    public var location: LogLocation
    public var execve: [ExecveRecord] = []
    public var cwd: LogString?
    public var paths: [PathRecord] = []
    public var proctitle: Proctitle?
    public var recordCount = 0
    /// What record-level rules (Sigma `service: auditd`) found in the event's records, per record.
    public var ruleHits: [RecordRuleHits] = []
    /// One bit per kind of record the event holds (other types hashed onto the high bits):
    /// tells the late rest of an event (disjoint kinds) from its repeat (the same kinds).
    var kinds: UInt64 = 0

    /// Whether a SYSCALL record was added (without reading the optional: that copies the event).
    var hasSyscall: Bool { kinds & Self.syscallBit != 0 }

    /// The kind bit of a SYSCALL record.
    static var syscallBit: UInt64 { 1 << UInt64(RecordKind.syscall.index) }

    /// The kind's own bit (`RecordKind.index`); `other` records by type number above those.
    static func kindBit(_ record: Record) -> UInt64 {
        guard record.kind == .other else { return 1 << UInt64(record.kind.index) }
        let kinds = UInt64(RecordKind.other.index)
        return 1 << (kinds + UInt64(UInt32(bitPattern: record.typeNumber ?? 0)) % (64 - kinds))
    }

    /// Whether `record` can belong to this event. An event has one SYSCALL, CWD
    /// and PROCTITLE; a second one is a repeat of the stamp (a file read twice,
    /// overlapping rotations) and starts a new event.
    func accepts(_ record: Record) -> Bool {
        switch record.body {
        case .syscall: !hasSyscall
        case .cwd: cwd == nil
        case .proctitle: proctitle == nil
        case .execve, .path, .none: true
        }
    }

    /// Adds a record, its body moved into the event (`record.body` is `.none` after): a copy
    /// would retain every string it holds, and the record's would be released at the next line.
    mutating func add(_ record: inout Record, file: String) {
        recordCount += 1
        kinds |= Self.kindBit(record)
        if let hits = record.ruleHits { ruleHits.append(hits) }
        switch record.takeBody() {
        case .syscall(let body):
            if syscall == nil {
                syscall = body
                location = LogLocation(file: file, line: record.line)
            }
        case .execve(let body): execve.append(body)
        case .cwd(let value): if cwd == nil { cwd = value }
        case .path(let body): paths.append(body)
        case .proctitle(let value): if proctitle == nil { proctitle = value }
        case .none: break
        }
    }

    /// A digest of the SYSCALL record's numbers (pid, parent, syscall, return value, and a0, a
    /// user-space address that ASLR makes differ), nil without one: equal for an event read
    /// twice, different for another process's event under the same stamp (a reboot whose clock
    /// lands on a stamp already logged, another host's log without node=).
    /// A multiply-xorshift mix, not `Hasher`: computed for every event, compared only within
    /// one stamp (kernel-assigned), so it needs no seed. Read in place: binding the optional
    /// record would copy it (retaining its strings).
    var syscallDigest: Int? {
        guard hasSyscall, let pid = syscall?.pid, let number = syscall?.number else { return nil }
        return Self.digest(pid: pid, ppid: syscall?.ppid, number: number, exit: syscall?.exit, a0: syscall?.a0)
    }

    /// `syscallDigest` of a SYSCALL record with these numbers.
    static func digest(pid: Int, ppid: Int?, number: Int, exit: Int64?, a0: UInt64?) -> Int {
        let present: UInt64 = (ppid == nil ? 0 : 1) | (exit == nil ? 0 : 2) | (a0 == nil ? 0 : 4)
        var digest = Self.mix(0x243F_6A88_85A3_08D3, UInt64(bitPattern: Int64(pid)))
        digest = Self.mix(digest, UInt64(bitPattern: Int64(ppid ?? 0)))
        digest = Self.mix(digest, UInt64(bitPattern: Int64(number)))
        digest = Self.mix(digest, UInt64(bitPattern: exit ?? 0))
        digest = Self.mix(digest, a0 ?? 0)
        return Int(bitPattern: UInt(Self.mix(digest, present)))
    }

    private static func mix(_ digest: UInt64, _ value: UInt64) -> UInt64 {
        var mixed = (digest ^ value) &* 0xFF51_AFD7_ED55_8CCD
        mixed ^= mixed >> 33
        return mixed &* 0xC4CE_B9FE_1A85_EC53 ^ (mixed >> 29)
    }

    /// The command line from the EXECVE records, joining split arguments.
    public var arguments: ArgumentVector { ArgumentVector(execve) }
}

extension Record {
    /// The body, moved out (`.none` is left in its place).
    mutating func takeBody() -> RecordBody {
        // Swapped, not read and reset: reading it out copies it (its strings retained).
        var body = RecordBody.none
        swap(&body, &self.body)
        return body
    }

    /// Whether this is a SYSCALL record of a call that is not an exec, read in place.
    var isNonExecSyscall: Bool {
        guard case .syscall(let body) = body else { return false }
        return !body.syscall.isExec
    }
}

/// A command line rebuilt from EXECVE records.
public struct ArgumentVector: Sendable, Equatable {
    public var arguments: [LogString]
    /// False when `argc` disagrees with the arguments logged, one is missing, or a split argument lost a piece.
    public var isComplete: Bool

    public init(arguments: [LogString], isComplete: Bool) {
        self.arguments = arguments
        self.isComplete = isComplete
    }

    /// The common case without dictionaries: one EXECVE record whose arguments are whole and
    /// logged in index order a0, a1, ...; nil for anything else.
    private static func inOrder(_ records: [ExecveRecord]) -> ArgumentVector? {
        guard records.count == 1, records[0].splitLengths.isEmpty else { return nil }
        let record = records[0]
        var result: [LogString] = []
        result.reserveCapacity(record.arguments.count)
        for (position, argument) in record.arguments.enumerated() {
            guard argument.chunk == nil, argument.index == position else { return nil }
            result.append(argument.value)
        }
        return ArgumentVector(arguments: result, isComplete: record.argc == result.count)
    }

    /// Missing argument indices filled with empty arguments at most; beyond, the gaps are dropped.
    static let maxGaps = 64

    init(_ records: [ExecveRecord]) {
        if let simple = Self.inOrder(records) {
            self = simple
            return
        }
        var whole: [Int: LogString] = [:]
        var chunks: [Int: [(chunk: Int, value: LogString)]] = [:]
        var declaredLengths: [Int: Int] = [:]
        var argc: Int?
        for record in records {
            if let count = record.argc, argc == nil { argc = count }
            for argument in record.arguments {
                if let chunk = argument.chunk {
                    chunks[argument.index, default: []].append((chunk, argument.value))
                } else if whole[argument.index] == nil {
                    whole[argument.index] = argument.value
                }
            }
            for (index, length) in record.splitLengths { declaredLengths[index] = length }
        }
        let logged = Set(whole.keys).union(chunks.keys).sorted()
        let length = (logged.last ?? -1) + 1
        // Keep every logged argument whatever argc says (an argc that disagrees only makes the
        // vector incomplete). Gaps are kept as empty arguments so positions stay right, unless
        // a hostile index (a1048576) would make a huge vector: then only the logged ones, in order.
        let gaps = length - logged.count
        let indices: [Int] = gaps <= Self.maxGaps ? Array(0..<length) : logged
        var complete = argc == length && gaps == 0
        var result: [LogString] = []
        result.reserveCapacity(indices.count)
        for index in indices {
            if let value = whole[index] {
                result.append(value)
            } else if let pieces = chunks[index] {
                let sorted = pieces.sorted { $0.chunk < $1.chunk }
                var bytes: [UInt8] = []
                for (position, piece) in sorted.enumerated() {
                    if piece.chunk != position { complete = false }
                    bytes += piece.value.bytes
                }
                // The declared length counts the logged (hex when encoded) form.
                if let declared = declaredLengths[index], declared != bytes.count, declared != bytes.count * 2 {
                    complete = false
                }
                result.append(LogString(bytes: bytes))
            } else {
                result.append(LogString(bytes: []))
            }
        }
        self.init(arguments: result, isComplete: complete)
    }
}
