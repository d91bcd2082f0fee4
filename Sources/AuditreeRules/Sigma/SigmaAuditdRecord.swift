import AuditreeParser

/// One raw audit record as a `service: auditd` Sigma rule sees it: `type`, then every
/// `key=value` of the line in order, with values as `ausearch -i` shows the ones rules test.
///
/// - Quotes are taken off (`exe="/usr/bin/nc"` is `/usr/bin/nc`, `key="susp_activity"` is
///   `susp_activity`).
/// - Values the kernel hex-encodes when they hold spaces, quotes or control bytes are decoded:
///   EXECVE's `a0`, `a1`, ... (and split `a1[0]` pieces), and `name`, `comm`, `exe`, `cwd`,
///   `proctitle` (its NUL separators as spaces), `key`, `data`, `cmd`, `acct`, `path` in any record. Other unquoted values (a SYSCALL
///   record's `a0`..`a3`, which are hex numbers, `syscall=59`) stay as logged, which is what
///   the rules that test them expect (`a0: 40000` for personality's ADDR_NO_RANDOMIZE).
/// - The fields inside a user-space record's `msg='...'` (`unit=`, `exe=`, `acct=`, ...) are
///   fields of the record too.
/// - ENRICHED logs carry `SYSCALL=`, `ARCH=`, `UID=`, ... after 0x1d; on a RAW log a SYSCALL
///   record gets `SYSCALL` (the name, from libaudit's tables) and `ARCH` as ENRICHED would give them.
struct SigmaAuditdRecord {
    var fields: [(name: String, value: SigmaFieldValue)] = []
    /// The record's `pid=`, for the process a finding is about when its event has no SYSCALL record.
    var pid: Int?

    /// nil when the line is not an audit record (the parser has rejected it already).
    init?(_ line: Span<UInt8>) {
        var position = 0
        if Bytes.hasPrefix(line, at: 0, "node=") {
            var scanner = FieldScanner(from: 0)
            guard let node = scanner.next(in: line) else { return nil }
            fields.append(("node", Self.value(line, node.value)))
            position = scanner.position
        }
        while position < line.count, line[position] == FieldScanner.space { position += 1 }
        guard Bytes.hasPrefix(line, at: position, "type=") else { return nil }
        var typeEnd = position + 5
        while typeEnd < line.count, line[typeEnd] != FieldScanner.space { typeEnd += 1 }
        let type = Self.value(line, (position + 5)..<typeEnd)
        fields.append(("type", type))
        // The body starts after `msg=audit(...):`.
        var bodyStart = typeEnd
        while bodyStart < line.count, line[bodyStart] != UInt8(ascii: ")") { bodyStart += 1 }
        bodyStart += 2
        guard bodyStart <= line.count else { return nil }
        let isExecve = type.bytes == Array("EXECVE".utf8)
        var syscall: (arch: UInt32?, number: Int?) = (nil, nil)
        var hasEnrichedSyscall = false
        var scanner = FieldScanner(from: bodyStart)
        while let field = scanner.next(in: line) {
            let name = String(decoding: Self.copy(line, field.key), as: UTF8.self)
            if name == "msg", field.quote == UInt8(ascii: "'") {
                // A user-space record: its fields are inside msg='...'.
                fields.append((name, Self.value(line, field.value)))
                let inner = line.extracting(field.value)
                var innerScanner = FieldScanner(from: 0)
                while let innerField = innerScanner.next(in: inner) { append(innerField, in: inner, execve: false) }
                continue
            }
            append(field, in: line, execve: isExecve)
            switch name {
            case "arch": syscall.arch = Bytes.hexNumber(line, field.value).flatMap { UInt32(exactly: $0) }
            case "syscall": syscall.number = Bytes.decimal(line, field.value).flatMap { Int(exactly: $0) }
            case "SYSCALL": hasEnrichedSyscall = true
            default: break
            }
        }
        if type.bytes == Array("SYSCALL".utf8), !hasEnrichedSyscall, let arch = syscall.arch,
            let number = syscall.number
        {
            if let name = SyscallKind.name(arch: arch, number: number) {
                fields.append(("SYSCALL", SigmaFieldValue(name)))
            }
            if let machine = SyscallKind.machineName(arch: arch) { fields.append(("ARCH", SigmaFieldValue(machine))) }
        }
    }

    private mutating func append(_ field: Field, in line: Span<UInt8>, execve: Bool) {
        let key = Self.copy(line, field.key)
        let name = String(decoding: key, as: UTF8.self)
        var value = Self.copy(line, field.value)
        if field.quote == 0, Self.isEncoded(key, execve: execve), !value.isEmpty, Bytes.isUpperHex(line, field.value),
            let decoded = Bytes.hexDecodedString(line, field.value)
        {
            value = decoded.bytes
        }
        // ausearch -i shows PROCTITLE's arguments (NUL-separated) with spaces between.
        if name == "proctitle" { value = value.map { $0 == 0 ? UInt8(ascii: " ") : $0 } }
        if name == "pid", pid == nil { pid = Bytes.decimal(line, field.value).flatMap { Int(exactly: $0) } }
        fields.append((name, SigmaFieldValue(bytes: value)))
    }

    /// Keys whose unquoted values the kernel (or auditd, for user-space records) hex-encodes.
    static let encodedKeys: Set<[UInt8]> = Set(
        ["name", "comm", "exe", "cwd", "proctitle", "key", "data", "cmd", "acct", "path"].map { Array($0.utf8) })

    private static func isEncoded(_ key: [UInt8], execve: Bool) -> Bool {
        if encodedKeys.contains(key) { return true }
        // EXECVE's a0, a1, ... and a1[0], a1[1], ... (not a1_len).
        guard execve, key.first == UInt8(ascii: "a"), key.count > 1 else { return false }
        let rest = key.dropFirst()
        let digits = rest.prefix { $0 &- 0x30 < 10 }
        guard !digits.isEmpty else { return false }
        let tail = rest.dropFirst(digits.count)
        return tail.isEmpty || (tail.first == UInt8(ascii: "[") && tail.last == UInt8(ascii: "]"))
    }

    private static func copy(_ line: Span<UInt8>, _ range: Range<Int>) -> [UInt8] { Bytes.copy(line, range) }

    private static func value(_ line: Span<UInt8>, _ range: Range<Int>) -> SigmaFieldValue {
        SigmaFieldValue(bytes: copy(line, range))
    }

    /// The first value of a field, nil when the record has none.
    subscript(name: String) -> SigmaFieldValue? {
        for field in fields where field.name == name { return field.value }
        return nil
    }
}
