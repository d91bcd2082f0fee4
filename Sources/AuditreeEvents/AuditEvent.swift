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
    /// The EXECVE records: the first in place (an exec mostly logs one), any later ones in an
    /// array, so the usual event allocates no array for them (nor frees one).
    var firstExecve: ExecveRecord?
    var laterExecve: [ExecveRecord] = []
    public var cwd: LogString?
    /// The PATH records, kept as the EXECVE records are (a scan keeps only an exec's item 0).
    var firstPath: PathRecord?
    var laterPaths: [PathRecord] = []
    public var proctitle: Proctitle?
    public var recordCount = 0
    /// What record-level rules (Sigma `service: auditd`) found in the event's records, per record.
    public var ruleHits: [RecordRuleHits] = []
    /// The exec rules' literals found in the records that make an exec's own fields (the SYSCALL
    /// record, the first EXECVE record and the CWD record the event keeps: `Record.fieldLiterals`),
    /// and which of those brought theirs (`fieldLiteralParts`). One value and a byte, not one
    /// per record: every event carries them, and the assembler moves events around.
    var fieldLiterals = FieldLiterals()
    var fieldLiteralParts: UInt8 = 0
    /// One bit per kind of record the event holds (other types hashed onto the high bits):
    /// tells the late rest of an event (disjoint kinds) from its repeat (the same kinds).
    var kinds: UInt64 = 0

    /// Whether a SYSCALL record was added (without reading the optional: that copies the event).
    var hasSyscall: Bool { kinds & Self.syscallBit != 0 }

    /// The kind bit of a SYSCALL record.
    @inline(__always)
    static var syscallBit: UInt64 { 1 << UInt64(RecordKind.syscall.index) }

    /// The kind's own bit (`RecordKind.index`); `other` records by type number above those.
    /// Given the two fields, not the record: a record passed by value is copied whole.
    @inline(__always)
    static func kindBit(_ kind: RecordKind, typeNumber: Int32?) -> UInt64 {
        guard kind == .other else { return 1 << UInt64(kind.index) }
        let kinds = UInt64(RecordKind.other.index)
        return 1 << (kinds + UInt64(UInt32(bitPattern: typeNumber ?? 0)) % (64 - kinds))
    }

    /// The EXECVE records, in the order they came.
    public var execve: [ExecveRecord] {
        guard let firstExecve else { return [] }
        return [firstExecve] + laterExecve
    }

    /// Whether the event holds an EXECVE record.
    public var hasExecve: Bool { firstExecve != nil }

    /// The PATH records, in the order they came.
    public var paths: [PathRecord] {
        guard let firstPath else { return [] }
        return [firstPath] + laterPaths
    }

    /// The first PATH record of item 0 (an exec's executable file), if any.
    public var executableFile: PathRecord? {
        if let firstPath, firstPath.item == 0 { return firstPath }
        guard firstPath != nil else { return nil }
        return laterPaths.first { $0.item == 0 }
    }

    /// Whether `record` can belong to this event. An event has one SYSCALL, CWD
    /// and PROCTITLE; a second one is a repeat of the stamp (a file read twice,
    /// overlapping rotations) and starts a new event.
    ///
    /// Static, given what it reads of the event, and the record in place: a method called on an
    /// event the assembler holds, or given a record, copies the whole of it first.
    static func accepts(_ record: inout Record, kinds: UInt64, hasCwd: Bool, hasTitle: Bool) -> Bool {
        switch record.body {
        case .syscall: kinds & syscallBit == 0
        case .cwd: !hasCwd
        case .proctitle: !hasTitle
        case .execve, .path, .none: true
        }
    }

    /// Adds a record, its body moved into the event (`record.body` is `.none` after): a copy
    /// would retain every string it holds, and the record's would be released at the next line.
    mutating func add(_ record: inout Record, file: String) {
        recordCount += 1
        kinds |= Self.kindBit(record.kind, typeNumber: record.typeNumber)
        if let hits = record.ruleHits { ruleHits.append(hits) }
        // Records of the other kinds, and the PATH records a scan skips, hold no body: testing
        // its case costs less than moving it out, which copies the bytes of its largest case
        // (a SYSCALL record's) whatever the case.
        if case .none = record.body { return }
        switch record.body.take() {
        case .syscall(let body):
            if syscall == nil {
                syscall = body
                // Mostly the file the event was opened in: comparing it costs less than replacing
                // it (a retain and a release).
                if location.file != file { location.file = file }
                location.line = record.line
                addFieldLiterals(record.fieldLiterals, part: Self.syscallPart)
            }
        case .execve(let body):
            if firstExecve == nil {
                firstExecve = body
                addFieldLiterals(record.fieldLiterals, part: Self.execvePart)
            } else {
                laterExecve.append(body)
            }
        case .cwd(let value):
            if cwd == nil {
                cwd = value
                addFieldLiterals(record.fieldLiterals, part: Self.cwdPart)
            }
        case .path(let body): if firstPath == nil { firstPath = body } else { laterPaths.append(body) }
        case .proctitle(let value): if proctitle == nil { proctitle = value }
        case .none: break
        }
    }

    static let syscallPart: UInt8 = 1
    static let execvePart: UInt8 = 2
    static let cwdPart: UInt8 = 4

    private mutating func addFieldLiterals(_ found: borrowing FieldLiterals, part: UInt8) {
        guard found.wasLookedFor else { return }
        fieldLiteralParts |= part
        if !fieldLiterals.wasLookedFor {
            fieldLiterals = copy found
        } else if !found.isEmpty {
            fieldLiterals.append(contentsOf: found)
        }
    }

    /// The literals in all of an exec's own fields, not looked for when some field was not scanned from the
    /// record the exec's image takes it from: no SYSCALL or EXECVE literals (not looked for;
    /// several EXECVE records, or arguments split or out of order), or a CWD record without them.
    /// An event without EXECVE record takes its command line from PROCTITLE, which is not scanned.
    public var execFieldLiterals: FieldLiterals {
        guard fieldLiteralParts & Self.syscallPart != 0, fieldLiteralParts & Self.execvePart != 0, laterExecve.isEmpty
        else { return FieldLiterals() }
        if cwd != nil && fieldLiteralParts & Self.cwdPart == 0 { return FieldLiterals() }
        return fieldLiterals
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

    /// `syscallDigest` of an event the caller may change: read through the address, where the
    /// getter copies the whole SYSCALL record aside first, with one test of the optional.
    static func syscallDigest(of event: inout AuditEvent) -> Int? {
        guard event.hasSyscall else { return nil }
        return event.syscall?.digest
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
    public var arguments: ArgumentVector {
        guard let firstExecve else { return ArgumentVector([]) }
        if laterExecve.isEmpty, let simple = ArgumentVector.inOrder(firstExecve) { return simple }
        return ArgumentVector(execve)
    }
}

extension SyscallRecord {
    /// `AuditEvent.syscallDigest` of an event with this SYSCALL record.
    var digest: Int { AuditEvent.digest(pid: pid, ppid: ppid, number: number, exit: exit, a0: a0) }
}

extension Record {
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
    static func inOrder(_ record: ExecveRecord) -> ArgumentVector? {
        guard record.splitLengths.isEmpty else { return nil }
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
        if records.count == 1, let simple = Self.inOrder(records[0]) {
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
