import AuditreeParser

/// The values of one raw audit record in the order `SigmaAuditdRecord` lists them, found in the
/// line's bytes without copying: `node`, `type`, then every `key=value` of the body (a
/// user-space record's `msg='...'` and the fields inside it). `SigmaAuditdRecord` is what a rule
/// sees; this walk gives the same values as ranges of the line, each with how it reads
/// (as logged, or hex to decode, with PROCTITLE's NULs as spaces), so that the per-record
/// matching of `SigmaAuditdRules` builds nothing. The names `SYSCALL` and `ARCH` that a RAW
/// SYSCALL record gets last are left to the caller (`synthesizesSyscallName`, `arch`, `syscall`).
struct SigmaAuditdLine {
    /// One value: its key and value as ranges of the line.
    struct Value {
        var key: Range<Int>
        /// The key as `Bytes.pack` packs it (0 when longer than eight bytes).
        var packedKey: UInt64
        var value: Range<Int>
        /// Written as hex digits that decode to the value (`Bytes.hexDecodedString`).
        var isHex: Bool
        /// A `proctitle` value: NUL bytes read as spaces.
        var isProctitle: Bool
        /// `node`, `type` or a body field (the key range names it in every case).
        var kind: Kind
        /// The value is as logged and has no NUL byte to read as a space: its bytes are the line's.
        var isPlain: Bool { !isHex && !isProctitle }
    }

    enum Kind { case node, type, field }

    let node: Range<Int>?
    let type: Range<Int>
    private let bodyStart: Int
    let isExecve: Bool
    let isSyscallType: Bool

    private var stage = 0
    private var scanner: FieldScanner
    /// Inside a user-space `msg='...'`: its value's range, scanned by `inner`.
    private var innerRange: Range<Int>?
    private var inner = FieldScanner(from: 0)
    /// The body's `arch=` and `syscall=` (the last of each, as `SigmaAuditdRecord` reads them) and
    /// whether the line has its own `SYSCALL=` (ENRICHED).
    private(set) var arch: UInt32?
    private(set) var syscall: Int?
    private(set) var hasEnrichedSyscall = false
    /// The first `pid=` (body or msg), as `SigmaAuditdRecord.pid` reads it.
    private(set) var pid: Int?

    /// nil when the line is not an audit record (`SigmaAuditdRecord.init` gives nil for it too).
    init?(_ line: Span<UInt8>) {
        var position = 0
        var node: Range<Int>?
        if Bytes.hasPrefix(line, at: 0, "node=") {
            var scanner = FieldScanner(from: 0)
            guard let field = scanner.next(in: line) else { return nil }
            node = field.value
            position = scanner.position
        }
        while position < line.count, line[position] == FieldScanner.space { position += 1 }
        guard Bytes.hasPrefix(line, at: position, "type=") else { return nil }
        var typeEnd = position + 5
        while typeEnd < line.count, line[typeEnd] != FieldScanner.space { typeEnd += 1 }
        var bodyStart = typeEnd
        while bodyStart < line.count, line[bodyStart] != UInt8(ascii: ")") { bodyStart += 1 }
        bodyStart += 2
        guard bodyStart <= line.count else { return nil }
        self.node = node
        type = (position + 5)..<typeEnd
        self.bodyStart = bodyStart
        isExecve = Self.equals(line, type, "EXECVE")
        isSyscallType = Self.equals(line, type, "SYSCALL")
        scanner = FieldScanner(from: bodyStart)
        if node == nil { stage = 1 }
    }

    /// The next value, nil after the last one of the line (the caller adds `SYSCALL` and `ARCH`).
    mutating func next(in line: Span<UInt8>) -> Value? {
        switch stage {
        case 0:
            stage = 1
            return Value(
                key: 0..<4, packedKey: Self.nodeKey, value: node!, isHex: false, isProctitle: false, kind: .node)
        case 1:
            stage = 2
            return Value(
                key: (type.lowerBound - 5)..<(type.lowerBound - 1), packedKey: Self.typeKey, value: type, isHex: false,
                isProctitle: false, kind: .type)
        default: break
        }
        if let range = innerRange {
            let text = line.extracting(range)
            if let field = inner.next(in: text) {
                return value(field, in: text, base: range.lowerBound, execve: false)
            }
            innerRange = nil
        }
        guard let field = scanner.next(in: line) else { return nil }
        let key = field.key
        if field.packedKey == Self.msgKey, key.count == 3, field.quote == UInt8(ascii: "'") {
            // A user-space record: its fields are inside msg='...', after the msg value itself.
            innerRange = field.value
            inner = FieldScanner(from: 0)
            return Value(
                key: key, packedKey: field.packedKey, value: field.value, isHex: false, isProctitle: false, kind: .field
            )
        }
        let value = value(field, in: line, base: 0, execve: isExecve)
        if key.count == 4, field.packedKey == Self.archKey {
            arch = Bytes.hexNumber(line, field.value).flatMap { UInt32(exactly: $0) }
        } else if key.count == 7, field.packedKey == Self.syscallKey {
            syscall = Bytes.decimal(line, field.value).flatMap { Int(exactly: $0) }
        } else if key.count == 7, field.packedKey == Self.enrichedSyscallKey {
            hasEnrichedSyscall = true
        }
        return value
    }

    /// Whether the record gets `SYSCALL` and `ARCH` names after its fields (a RAW SYSCALL record).
    var synthesizesSyscallName: Bool { isSyscallType && !hasEnrichedSyscall && arch != nil && syscall != nil }

    /// A body field's value (`text`: the line, or a msg='...' value that starts at `base` in it).
    private mutating func value(_ field: Field, in text: Span<UInt8>, base: Int, execve: Bool) -> Value {
        let key = field.key
        let isProctitle = key.count == 9 && Self.equals(text, key, "proctitle")
        if pid == nil, field.packedKey == Self.pidKey, key.count == 3 {
            pid = Bytes.decimal(text, field.value).flatMap { Int(exactly: $0) }
        }
        let isHex =
            field.quote == 0 && !field.value.isEmpty && field.value.count % 2 == 0
            && (isProctitle || Self.isEncoded(field.packedKey, key, in: text, execve: execve))
            && Bytes.isUpperHex(text, field.value)
        return Value(
            key: (key.lowerBound + base)..<(key.upperBound + base), packedKey: field.packedKey,
            value: (field.value.lowerBound + base)..<(field.value.upperBound + base), isHex: isHex,
            isProctitle: isProctitle, kind: .field)
    }

    /// `SigmaAuditdRecord.isEncoded` on a key in the line (`packed`: `Bytes.pack` of it).
    private static func isEncoded(_ packed: UInt64, _ key: Range<Int>, in line: Span<UInt8>, execve: Bool) -> Bool {
        if key.count <= 8, encodedKeys.contains(where: { $0.packed == packed && $0.count == key.count }) {
            return true
        }
        // EXECVE's a0, a1, ... and a1[0], a1[1], ... (not a1_len).
        guard execve, key.count > 1, line[key.lowerBound] == UInt8(ascii: "a") else { return false }
        var position = key.lowerBound + 1
        while position < key.upperBound, line[position] &- 0x30 < 10 { position += 1 }
        guard position > key.lowerBound + 1 else { return false }
        if position == key.upperBound { return true }
        return line[position] == UInt8(ascii: "[") && line[key.upperBound - 1] == UInt8(ascii: "]")
    }

    /// `SigmaAuditdRecord.encodedKeys` but `proctitle` (nine bytes, checked apart), packed.
    private static let encodedKeys: [(packed: UInt64, count: Int)] =
        ["name", "comm", "exe", "cwd", "key", "data", "cmd", "acct", "path"].map { (pack($0), $0.utf8.count) }

    static let nodeKey = pack("node")
    static let typeKey = pack("type")
    static let msgKey = pack("msg")
    static let archKey = pack("arch")
    static let syscallKey = pack("syscall")
    static let enrichedSyscallKey = pack("SYSCALL")
    static let pidKey = pack("pid")
    static let machineKey = pack("ARCH")

    /// `Bytes.pack` of a key given as text (up to eight bytes).
    static func pack(_ text: String) -> UInt64 {
        var value: UInt64 = 0
        for (index, byte) in text.utf8.enumerated() { value |= UInt64(byte) << UInt64(8 * index) }
        return value
    }

    private static func equals(_ line: Span<UInt8>, _ range: Range<Int>, _ text: StaticString) -> Bool {
        range.count == text.utf8CodeUnitCount && Bytes.hasPrefix(line, at: range.lowerBound, text)
    }
}
