import AuditreeBase

/// Turns one line of an audit log into a `Record`, reading bytes in place.
///
/// Grammar: `[node=NAME ]type=TYPE msg=audit(SECONDS.MILLIS:SERIAL):[ fields]`
/// where TYPE is a name or `UNKNOWN[n]`. Only SYSCALL, EXECVE, CWD, PATH and
/// PROCTITLE have their fields read; other types are validated up to the stamp
/// and counted. Strings are created only for values the engine keeps.
public struct RecordParser {
    /// How much of a record to read.
    public enum Detail: Sendable, CaseIterable {
        /// Every field the engine knows (reference comparisons, dumps).
        case full
        /// Only what the scan uses: PATH bodies are skipped.
        case scan
        /// The scan's fields and the executed file's identity: PATH item 0 only (inode, device,
        /// mode, nametype), for rules that judge a program by where it lives. Other PATH records
        /// cost one field read.
        case scanWithExecutable
    }

    private var syscalls = SyscallCache()
    private var lastNode: (bytes: [UInt8], name: String)?
    private let keys = Keys()
    package let detail: Detail

    public init(detail: Detail = .full) { self.detail = detail }

    /// The parse of a line as `LineReader` delivers it: one it cut at `limit` bytes is rejected
    /// as too long without parsing its first part (the scan's one and two-thread paths both use this).
    package mutating func parse(_ line: Span<UInt8>, lineNumber: Int, truncated: Bool, limit: Int) -> Result<
        Record, Rejection
    >? {
        truncated
            ? .failure(Rejection(.lineTooLong(limit: limit), column: limit + 1)) : parse(line, lineNumber: lineNumber)
    }

    /// The parse of one line: a record, a rejection, or nil for a blank line.
    public mutating func parse(_ line: Span<UInt8>, lineNumber: Int) -> Result<Record, Rejection>? {
        if isBlank(line) { return nil }
        var position = 0
        var node: String?
        if Bytes.hasPrefix(line, at: 0, "node=") {
            let start = 5
            position = start
            while position < line.count, line[position] != FieldScanner.space { position += 1 }
            node = internNode(line, start..<position)
            while position < line.count, line[position] == FieldScanner.space { position += 1 }
        }
        guard Bytes.hasPrefix(line, at: position, "type=") else {
            return .failure(Rejection(.notAnAuditRecord, column: position + 1))
        }
        position += 5
        let typeStart = position
        while position < line.count, line[position] != FieldScanner.space { position += 1 }
        let (kind, typeNumber, isDaemon) = resolveType(line, typeStart..<position)
        while position < line.count, line[position] == FieldScanner.space { position += 1 }
        let stamp: EventStamp
        switch parseStamp(line, &position) {
        case .success(let value): stamp = value
        case .failure(let rejection): return .failure(rejection)
        }
        // The body first, then the record built once: a filled-in `var record` is copied (docs/performance.md).
        let body: RecordBody
        switch kind {
        case .syscall:
            switch parseSyscall(line, from: position) {
            case .success(let value): body = .syscall(value)
            case .failure(let rejection): return .failure(rejection)
            }
        case .execve:
            switch parseExecve(line, from: position) {
            case .success(let value): body = .execve(value)
            case .failure(let rejection): return .failure(rejection)
            }
        case .cwd: body = .cwd(firstUntrusted(line, from: position, key: keys.cwd))
        case .path:
            switch detail {
            case .full: body = .path(parsePath(line, from: position))
            case .scan: body = .none
            case .scanWithExecutable: body = parseExecutablePath(line, from: position).map(RecordBody.path) ?? .none
            }
        case .proctitle: body = parseProctitle(line, from: position).map(RecordBody.proctitle) ?? .none
        case .eoe, .other: body = .none
        }
        return .success(
            Record(
                kind: kind, typeNumber: typeNumber, node: node, stamp: stamp, isDaemon: isDaemon, line: lineNumber,
                body: body))
    }

    private func isBlank(_ line: Span<UInt8>) -> Bool {
        for i in 0..<line.count {
            let b = line[i]
            if b != 0x20 && b != 0x09 && b != 0x0D { return false }
        }
        return true
    }

    private mutating func internNode(_ line: Span<UInt8>, _ range: Range<Int>) -> String {
        if let last = lastNode, Bytes.equals(line, range, last.bytes) { return last.name }
        let bytes = Bytes.copy(line, range)
        let name = Self.nodeName(bytes)
        lastNode = (bytes, name)
        return name
    }

    /// A node name as a String that keeps distinct byte strings distinct: valid UTF-8 without a
    /// backslash as is; otherwise `\\` for a backslash and `\xNN` for each byte of an invalid
    /// sequence, so two hosts differing only in invalid bytes never merge.
    static func nodeName(_ bytes: [UInt8]) -> String {
        if !bytes.contains(UInt8(ascii: "\\")), let name = String(validating: bytes, as: UTF8.self) { return name }
        var result = ""
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\\") {
                result += "\\\\"
                position += 1
            } else if byte < 0x80 {
                result.unicodeScalars.append(Unicode.Scalar(byte))
                position += 1
            } else if let (scalar, length) = UTF8Decoding.decodeScalar(bytes, at: position) {
                result.unicodeScalars.append(scalar)
                position += length
            } else {
                result += TextEscaper.hexEscape(byte)
                position += 1
            }
        }
        return result
    }

    private func resolveType(_ line: Span<UInt8>, _ range: Range<Int>) -> (RecordKind, Int32?, Bool) {
        for (name, kind) in RecordKind.namedKinds where Bytes.equals(line, range, name) {
            return (kind, kind.typeNumber, false)
        }
        // UNKNOWN[1327]: a type the writer's libaudit did not name.
        if Bytes.hasPrefix(line, at: range.lowerBound, "UNKNOWN["), range.count > 9,
            line[range.upperBound - 1] == UInt8(ascii: "]"),
            let number = Bytes.decimal(line, (range.lowerBound + 8)..<(range.upperBound - 1)),
            number <= UInt64(Int32.max)
        {
            let type = Int32(number)
            return (RecordKind(typeNumber: type), type, (1200...1299).contains(type))
        }
        return (.other, nil, Bytes.hasPrefix(line, at: range.lowerBound, "DAEMON_"))
    }

    /// Reads `msg=audit(SECONDS.MILLIS:SERIAL):` in the kernel's own form: seconds
    /// and serial without leading zeros, exactly three millisecond digits. Refusing
    /// any other form keeps `EventStamp.description` byte-exact.
    private func parseStamp(_ line: Span<UInt8>, _ position: inout Int) -> Result<EventStamp, Rejection> {
        guard Bytes.hasPrefix(line, at: position, "msg=audit(") else {
            return .failure(Rejection(.missingTimestamp, column: position + 1))
        }
        let column = position + 1
        position += 10
        // One pass per number (digits and value together): this runs for every line.
        guard let seconds = number(line, &position, until: UInt8(ascii: ".")), !seconds.leadingZero,
            seconds.value <= UInt64(Int64.max) / 2000,
            let millis = number(line, &position, until: UInt8(ascii: ":")), millis.digits == 3,
            let serial = number(line, &position, until: UInt8(ascii: ")")), !serial.leadingZero
        else { return .failure(Rejection(.malformedTimestamp, column: column)) }
        if position < line.count, line[position] == UInt8(ascii: ":") { position += 1 }
        return .success(
            EventStamp(seconds: Int64(seconds.value), milliseconds: Int32(millis.value), serial: serial.value))
    }

    /// A non-empty run of decimal digits ending at `terminator`, its value (nil on overflow);
    /// moves past the terminator.
    private func number(_ line: Span<UInt8>, _ position: inout Int, until terminator: UInt8) -> (
        value: UInt64, digits: Int, leadingZero: Bool
    )? {
        let start = position
        var end = start
        var value: UInt64 = 0
        // Wrapping: up to 19 digits cannot overflow; a longer run is read again, checked.
        while end < line.count {
            let digit = line[end] &- 0x30
            guard digit < 10 else { break }
            value = value &* 10 &+ UInt64(digit)
            end += 1
        }
        let digits = end - start
        guard digits > 0, end < line.count, line[end] == terminator else { return nil }
        if digits > 19 {
            guard let exact = Bytes.decimal(line, start..<end) else { return nil }
            value = exact
        }
        position = end + 1
        return (value, digits, digits > 1 && line[start] == 0x30)
    }

    // MARK: - Record bodies

    private mutating func parseSyscall(_ line: Span<UInt8>, from position: Int) -> Result<SyscallRecord, Rejection> {
        var record = SyscallRecord()
        var seenArch = false
        var seenSyscall = false
        var seenPid = false
        var seenUIDName = false
        var seenAUIDName = false
        var scanner = FieldScanner(from: position)
        func bad(_ name: String, _ field: Field) -> Result<SyscallRecord, Rejection> {
            .failure(Rejection(.malformedField(name), column: field.value.lowerBound + 1))
        }
        while let field = scanner.next(in: line) {
            let key = Bytes.pack(line, field.key)
            if field.enriched {
                if key == PackedKey.enrichedUID {
                    record.userName = Bytes.untrusted(line, field)?.lossyString
                    seenUIDName = true
                } else if key == PackedKey.enrichedAUID {
                    record.loginUserName = Bytes.untrusted(line, field)?.lossyString
                    seenAUIDName = true
                }
                // The rest of the ENRICHED part (GID, EUID, ...) is not used: stop reading.
                if seenUIDName && seenAUIDName { break }
                continue
            }
            switch key {
            case PackedKey.arch:
                guard let value = Bytes.hexNumber(line, field.value), value <= UInt64(UInt32.max) else {
                    return bad("arch", field)
                }
                record.arch = UInt32(value)
                seenArch = true
            case PackedKey.syscall:
                guard let value = Bytes.decimal(line, field.value), value <= 1 << 20 else {
                    return bad("syscall", field)
                }
                record.number = Int(value)
                seenSyscall = true
            case PackedKey.success:
                if Bytes.equals(line, field.value, keys.yes) {
                    record.success = true
                } else if Bytes.equals(line, field.value, keys.no) {
                    record.success = false
                } else {
                    return bad("success", field)
                }
            case PackedKey.exit:
                guard let value = Bytes.signedDecimal(line, field.value) else { return bad("exit", field) }
                record.exit = value
            case PackedKey.a0:
                guard let value = Bytes.hexNumber(line, field.value) else { return bad("a0", field) }
                record.a0 = value
            case PackedKey.pid:
                guard let value = Bytes.decimal(line, field.value), value <= UInt64(Int32.max) else {
                    return bad("pid", field)
                }
                record.pid = Int(value)
                seenPid = true
            case PackedKey.ppid:
                guard let value = Bytes.decimal(line, field.value), value <= UInt64(Int32.max) else {
                    return bad("ppid", field)
                }
                record.ppid = Int(value)
            // Ids are shown, not used to build the tree: a malformed one is unknown, the record stays.
            case PackedKey.uid: record.uid = id(line, field)
            case PackedKey.euid: record.euid = id(line, field)
            case PackedKey.auid: record.auid = id(line, field)
            case PackedKey.ses: record.ses = id(line, field)
            case PackedKey.tty: record.tty = Bytes.logString(line, field.value)
            case PackedKey.comm: record.comm = Bytes.untrusted(line, field)
            case PackedKey.exe: record.exe = Bytes.untrusted(line, field)
            case PackedKey.key: record.key = Bytes.untrusted(line, field)
            default: break
            }
        }
        let end = line.count + 1
        if !seenArch { return .failure(Rejection(.missingField("arch"), column: end)) }
        if !seenSyscall { return .failure(Rejection(.missingField("syscall"), column: end)) }
        if !seenPid { return .failure(Rejection(.missingField("pid"), column: end)) }
        record.syscall = syscalls.kind(arch: record.arch, number: record.number)
        return .success(record)
    }

    /// uid-like fields are 32-bit; 4294967295 means "unset".
    private func id(_ line: Span<UInt8>, _ field: Field) -> UInt32? {
        guard let value = Bytes.decimal(line, field.value), value <= UInt64(UInt32.max) else { return nil }
        return UInt32(value)
    }

    private func parseExecve(_ line: Span<UInt8>, from position: Int) -> Result<ExecveRecord, Rejection> {
        var record = ExecveRecord()
        var scanner = FieldScanner(from: position)
        while let field = scanner.next(in: line), !field.enriched {
            if Bytes.pack(line, field.key) == PackedKey.argc {
                guard let value = Bytes.decimal(line, field.value), value <= UInt64(Int32.max) else {
                    return .failure(Rejection(.malformedField("argc"), column: field.value.lowerBound + 1))
                }
                record.argc = Int(value)
                // argc comes first: one allocation instead of regrowing per argument (hostile counts capped).
                record.arguments.reserveCapacity(min(Int(value), 64))
                continue
            }
            guard let key = ArgumentKey(line, field.key) else { continue }
            // Made only when needed: the name is interpolated.
            func bad() -> Result<ExecveRecord, Rejection> {
                .failure(Rejection(.malformedField("a\(key.index)"), column: field.value.lowerBound + 1))
            }
            switch key.form {
            case .length:
                guard let length = Bytes.decimal(line, field.value), length <= UInt64(Int32.max) else { return bad() }
                record.splitLengths.append((key.index, Int(length)))
            case .whole, .chunk:
                // The kernel hex-encodes in pairs of upper-case digits: an odd run of them is
                // an argument cut or damaged, not text (`a1=-c` from `ausearch -i` stays text).
                if field.quote == 0, field.value.count % 2 == 1, Bytes.isUpperHex(line, field.value) { return bad() }
                guard let value = Bytes.untrusted(line, field) else { return bad() }
                record.arguments.append(ExecveArgument(index: key.index, chunk: key.chunk, value: value))
            }
        }
        return .success(record)
    }

    private func parsePath(_ line: Span<UInt8>, from position: Int) -> PathRecord {
        var record = PathRecord()
        var scanner = FieldScanner(from: position)
        while let field = scanner.next(in: line), !field.enriched {
            switch Bytes.pack(line, field.key) {
            case PackedKey.item:
                record.item = Bytes.decimal(line, field.value).flatMap { $0 <= UInt64(Int32.max) ? Int($0) : nil }
            case PackedKey.name: record.name = Bytes.untrusted(line, field)
            case PackedKey.nametype: record.nametype = Bytes.logString(line, field.value).lossyString
            case PackedKey.inode: record.inode = Bytes.decimal(line, field.value)
            case PackedKey.dev: record.device = Bytes.logString(line, field.value).lossyString
            case PackedKey.mode: record.mode = Bytes.logString(line, field.value).lossyString
            default: break
            }
        }
        return record
    }

    /// PATH item 0 (the file an exec ran), nil for any other item: the kernel writes `item` first.
    private func parseExecutablePath(_ line: Span<UInt8>, from position: Int) -> PathRecord? {
        var scanner = FieldScanner(from: position)
        guard let first = scanner.next(in: line), !first.enriched, Bytes.pack(line, first.key) == PackedKey.item,
            Bytes.decimal(line, first.value) == 0
        else { return nil }
        return parsePath(line, from: position)
    }

    /// PROCTITLE holds the command line with NUL between arguments (hex when it has any).
    /// It is kept as logged; decoding waits until the arguments are needed.
    private func parseProctitle(_ line: Span<UInt8>, from position: Int) -> Proctitle? {
        var scanner = FieldScanner(from: position)
        while let field = scanner.next(in: line), !field.enriched {
            guard Bytes.equals(line, field.key, keys.proctitle) else { continue }
            if field.quote == 0 && Bytes.equals(line, field.value, Bytes.nullLiteral) { return nil }
            // Unquoted means hex to the kernel; whether the digits really are hex is checked only
            // when the arguments are decoded (`Proctitle.arguments` falls back to the raw bytes).
            return Proctitle(raw: Bytes.logString(line, field.value), isHex: field.quote == 0)
        }
        return nil
    }

    private func firstUntrusted(_ line: Span<UInt8>, from position: Int, key: [UInt8]) -> LogString? {
        var scanner = FieldScanner(from: position)
        while let field = scanner.next(in: line), !field.enriched {
            if Bytes.equals(line, field.key, key) { return Bytes.untrusted(line, field) }
        }
        return nil
    }
}

/// The key of an EXECVE argument field: `a3`, `a3_len` or `a3[2]`.
private struct ArgumentKey {
    enum Form { case whole, length, chunk }
    var index: Int
    var chunk: Int?
    var form: Form

    /// Index limit: the kernel caps a command line far below this; larger is hostile.
    static let maxIndex = 1 << 20

    init?(_ line: Span<UInt8>, _ key: Range<Int>) {
        guard key.count >= 2, line[key.lowerBound] == UInt8(ascii: "a") else { return nil }
        var position = key.lowerBound + 1
        let digitsStart = position
        while position < key.upperBound, line[position] &- 0x30 < 10 { position += 1 }
        guard position > digitsStart, let index = Bytes.decimal(line, digitsStart..<position),
            index <= UInt64(Self.maxIndex)
        else { return nil }
        self.index = Int(index)
        if position == key.upperBound {
            form = .whole
        } else if Bytes.equals(line, position..<key.upperBound, Array("_len".utf8)) {
            form = .length
        } else if line[position] == UInt8(ascii: "["), line[key.upperBound - 1] == UInt8(ascii: "]"),
            let chunk = Bytes.decimal(line, (position + 1)..<(key.upperBound - 1)), chunk <= UInt64(Self.maxIndex)
        {
            form = .chunk
            self.chunk = Int(chunk)
        } else {
            return nil
        }
    }
}

/// Field keys packed as `Bytes.pack` packs them (first byte lowest), written as literals so
/// a `switch` over them compiles to constant compares; `RecordParserTests` checks each
/// against `Bytes.pack` of its name.
enum PackedKey {
    static let arch: UInt64 = 0x6863_7261, syscall: UInt64 = 0x6C_6C61_6373_7973, success: UInt64 = 0x73_7365_6363_7573
    static let exit: UInt64 = 0x7469_7865, a0: UInt64 = 0x3061, pid: UInt64 = 0x64_6970, ppid: UInt64 = 0x6469_7070
    static let uid: UInt64 = 0x64_6975, euid: UInt64 = 0x6469_7565, auid: UInt64 = 0x6469_7561, ses: UInt64 = 0x73_6573
    static let tty: UInt64 = 0x79_7474, comm: UInt64 = 0x6D6D_6F63, exe: UInt64 = 0x65_7865, key: UInt64 = 0x79_656B
    static let enrichedUID: UInt64 = 0x44_4955, enrichedAUID: UInt64 = 0x4449_5541
    static let argc: UInt64 = 0x6367_7261, item: UInt64 = 0x6D65_7469, name: UInt64 = 0x656D_616E
    static let nametype: UInt64 = 0x6570_7974_656D_616E
    static let inode: UInt64 = 0x65_646F_6E69, dev: UInt64 = 0x76_6564, mode: UInt64 = 0x6564_6F6D

    /// Every key with its name, for the test.
    static let all: [(String, UInt64)] = [
        ("arch", arch), ("syscall", syscall), ("success", success), ("exit", exit), ("a0", a0), ("pid", pid),
        ("ppid", ppid), ("uid", uid), ("euid", euid), ("auid", auid), ("ses", ses), ("tty", tty), ("comm", comm),
        ("exe", exe), ("key", key), ("UID", enrichedUID), ("AUID", enrichedAUID), ("argc", argc), ("item", item),
        ("name", name), ("nametype", nametype), ("inode", inode), ("dev", dev), ("mode", mode),
    ]
}

/// Byte strings compared whole, made once per parser.
private struct Keys {
    let cwd = Array("cwd".utf8), proctitle = Array("proctitle".utf8)
    let yes = Array("yes".utf8), no = Array("no".utf8)
}
