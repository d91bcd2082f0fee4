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
    private var userNames = UserNameCache()
    private var loginUserNames = UserNameCache()
    private var recentComm = RecentValue()
    private var recentIDs = SyscallIDs()
    private var lastStamp = StampCache()
    private var lastNode: (bytes: [UInt8], name: String)?
    private let keys = Keys()
    package let detail: Detail
    /// The host of records without `node=` (`--host`): set here, a record needs no copy to get it.
    package var defaultNode: String?

    public init(detail: Detail = .full) { self.detail = detail }

    /// What `parse(_:lineNumber:truncated:limit:into:)` found on a line.
    package enum LineOutcome {
        /// The line is a record, now in the `into` record.
        case record
        case rejected(Rejection)
        /// Nothing but blanks: no record.
        case blank
    }

    /// The parse of a line as `LineReader` delivers it: one it cut at `limit` bytes is rejected
    /// as too long without parsing its first part (the scan's one and two-thread paths both use this).
    package mutating func parse(_ line: Span<UInt8>, lineNumber: Int, truncated: Bool, limit: Int) -> Result<
        Record, Rejection
    >? {
        var record = Record.empty
        switch parse(line, lineNumber: lineNumber, truncated: truncated, limit: limit, into: &record) {
        case .record: return .success(record)
        case .rejected(let rejection): return .failure(rejection)
        case .blank: return nil
        }
    }

    /// The parse of one line: a record, a rejection, or nil for a blank line.
    public mutating func parse(_ line: Span<UInt8>, lineNumber: Int) -> Result<Record, Rejection>? {
        parse(line, lineNumber: lineNumber, truncated: false, limit: 0)
    }

    /// The parse of a line into a record the caller keeps from line to line, so that the record is
    /// read where it lies: a `Record` is about 300 bytes, and returned inside a `Result` it was
    /// copied some ten times per line on its way to the assembler (docs/performance.md). `record`
    /// is changed only when the outcome is `.record`; it then holds nothing of the line before.
    package mutating func parse(
        _ line: Span<UInt8>, lineNumber: Int, truncated: Bool, limit: Int, into record: inout Record
    ) -> LineOutcome {
        if truncated { return .rejected(Rejection(.lineTooLong(limit: limit), column: limit + 1)) }
        if isBlank(line) { return .blank }
        var position = 0
        // The node is interned once the line is known to be a record: only then is it stored.
        var nodeName: Range<Int>?
        if Self.has(line, KernelKey.node, 5, at: 0) {
            let start = 5
            position = start
            while position < line.count, line[position] != FieldScanner.space { position += 1 }
            nodeName = start..<position
            while position < line.count, line[position] == FieldScanner.space { position += 1 }
        }
        guard Self.has(line, KernelKey.type, 5, at: position) else {
            return .rejected(Rejection(.notAnAuditRecord, column: position + 1))
        }
        position += 5
        let kind: RecordKind
        let typeNumber: Int32?
        let isDaemon: Bool
        let stamp: EventStamp
        if let head = Self.kernelHead(line, &position, &lastStamp) {
            kind = head.kind
            typeNumber = head.kind.typeNumber
            isDaemon = false
            stamp = head.stamp
        } else {
            let typeStart = position
            position = ByteSearch.first(FieldScanner.space, line, from: position)
            (kind, typeNumber, isDaemon) = resolveType(line, typeStart..<position)
            while position < line.count, line[position] == FieldScanner.space { position += 1 }
            if let value = Self.kernelMessage(line, &position, &lastStamp) {
                stamp = value
            } else {
                switch parseStamp(line, &position) {
                case .success(let value): stamp = value
                case .failure(let rejection): return .rejected(rejection)
                }
            }
        }
        switch kind {
        case .syscall:
            // Filled where it lies and moved into the body once: a `SyscallRecord` returned
            // through an Optional and a Result was copied (its strings retained) and destroyed.
            var syscall = SyscallRecord()
            if let rejection = parseSyscall(line, from: position, into: &syscall) { return .rejected(rejection) }
            record.body = .syscall(syscall)
        case .execve:
            switch parseExecve(line, from: position) {
            case .success(let value): record.body = .execve(value)
            case .failure(let rejection): return .rejected(rejection)
            }
        case .cwd: record.body = .cwd(parseCwd(line, from: position))
        case .path:
            switch detail {
            case .full: record.body = .path(parsePath(line, from: position))
            case .scan: Self.clear(&record.body)
            case .scanWithExecutable:
                if let path = parseExecutablePath(line, from: position) {
                    record.body = .path(path)
                } else {
                    Self.clear(&record.body)
                }
            }
        case .proctitle:
            if let title = parseProctitle(line, from: position) {
                record.body = .proctitle(title)
            } else {
                Self.clear(&record.body)
            }
        case .eoe, .other: Self.clear(&record.body)
        }
        record.kind = kind
        record.typeNumber = typeNumber
        // A log without nodes (and no `--host`) leaves the reused record's nil as it is: no
        // retain and release per line.
        if let nodeName {
            record.node = internNode(line, nodeName)
        } else if defaultNode != nil || record.node != nil {
            record.node = defaultNode
        }
        record.stamp = stamp
        record.isDaemon = isDaemon
        record.line = lineNumber
        if record.ruleHits != nil { record.ruleHits = nil }
        if record.fieldLiterals.wasLookedFor { record.fieldLiterals = FieldLiterals() }
        return .record
    }

    /// The type of a record whose fields are read, one space and the stamp, as the kernel writes
    /// them (`SYSCALL msg=audit(1750000000.000:1001):`), from just after `type=`: the kind and
    /// the stamp, `position` moved past the stamp as `parseStamp` moves it; nil (`position`
    /// unchanged) for anything else, which the type search, `resolveType` and `parseStamp` then
    /// read (they give what this gives for the lines it takes).
    @inline(__always)
    private static func kernelHead(_ line: Span<UInt8>, _ position: inout Int, _ cache: inout StampCache) -> (
        kind: RecordKind, stamp: EventStamp
    )? {
        typealias K = KernelKey
        let start = position
        guard start &+ 8 <= line.count else { return nil }
        let name = ByteSearch.word(line, at: start)
        let kind: RecordKind
        let length: Int
        if name == K.syscallType {
            (kind, length) = (.syscall, 8)
        } else if name & ByteSearch.lowBytes(5) == K.pathType {
            (kind, length) = (.path, 5)
        } else if name & ByteSearch.lowBytes(7) == K.execveType {
            (kind, length) = (.execve, 7)
        } else if name & ByteSearch.lowBytes(4) == K.cwdType {
            (kind, length) = (.cwd, 4)
        } else if name == K.proctitleType {
            guard Self.has(line, K.proctitleTypeEnd, 2, at: start &+ 8) else { return nil }
            (kind, length) = (.proctitle, 10)
        } else if name & ByteSearch.lowBytes(4) == K.eoeType {
            (kind, length) = (.eoe, 4)
        } else {
            return nil
        }
        var message = start &+ length
        guard let stamp = kernelMessage(line, &message, &cache) else { return nil }
        position = message
        return (kind, stamp)
    }

    /// `msg=audit(` and the stamp as the kernel writes it (`kernelStamp`), at `position`: the
    /// stamp, `position` moved past it as `parseStamp` moves it; nil (`position` unchanged) for
    /// anything else.
    @inline(__always)
    private static func kernelMessage(_ line: Span<UInt8>, _ position: inout Int, _ cache: inout StampCache)
        -> EventStamp?
    {
        let message = position
        guard message >= 0, message &+ 16 <= line.count else { return nil }
        let (first, second) = ByteSearch.twoWords(line, at: message)
        guard first == KernelKey.message, second & ByteSearch.lowBytes(2) == KernelKey.messageEnd else { return nil }
        var stampStart = message &+ 10
        guard let stamp = kernelStamp(line, &stampStart, &cache) else { return nil }
        position = stampStart
        return stamp
    }

    /// Sets `body` to `.none`, without destroying it when it is that already (the assembler
    /// leaves `.none` in the record it takes a body from): a test of its case costs less than
    /// the destroy of a value of any case.
    @inline(__always)
    private static func clear(_ body: inout RecordBody) {
        if case .none = body { return }
        body = .none
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
        // `readKind` knows every name of `RecordKind.namedKinds` (`RecordParserTests`).
        if let kind = Self.readKind(line, range) { return (kind, kind.typeNumber, false) }
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

    /// SYSCALL, EXECVE, CWD, PATH, PROCTITLE and EOE by their names packed (one compare for the
    /// types of most lines; `RecordParserTests` checks them against libaudit's); nil for any other.
    @inline(__always)
    static func readKind(_ line: Span<UInt8>, _ range: Range<Int>) -> RecordKind? {
        let length = range.count
        if length == 9 {
            // PROCTITLE: eight bytes packed, then the ninth.
            return ByteSearch.pack(line, range.lowerBound..<(range.lowerBound + 8)) == 0x4C54_4954_434F_5250
                && line[range.upperBound - 1] == UInt8(ascii: "E") ? .proctitle : nil
        }
        guard length >= 3 && length <= 7 else { return nil }
        let packed = ByteSearch.pack(line, range)
        switch (packed, length) {
        case (0x4C_4C41_4353_5953, 7): return .syscall
        case (0x4556_4345_5845, 6): return .execve
        case (0x44_5743, 3): return .cwd
        case (0x4854_4150, 4): return .path
        case (0x454F45, 3): return .eoe
        default: return nil
        }
    }

    /// Reads `msg=audit(SECONDS.MILLIS:SERIAL):` in the kernel's own form: seconds
    /// and serial without leading zeros, exactly three millisecond digits. Refusing
    /// any other form keeps `EventStamp.description` byte-exact.
    private mutating func parseStamp(_ line: Span<UInt8>, _ position: inout Int) -> Result<EventStamp, Rejection> {
        // "msg=audi" as one word, then "t(".
        let prefixed =
            position + 10 <= line.count
            ? ByteSearch.word(line, at: position) == 0x6964_7561_3D67_736D && line[position + 8] == UInt8(ascii: "t")
                && line[position + 9] == UInt8(ascii: "(")
            : Bytes.hasPrefix(line, at: position, "msg=audit(")
        guard prefixed else {
            return .failure(Rejection(.missingTimestamp, column: position + 1))
        }
        let column = position + 1
        position += 10
        if let stamp = Self.kernelStamp(line, &position, &lastStamp) { return .success(stamp) }
        // One pass per number (digits and value together): the stamps `kernelStamp` leaves.
        guard let seconds = number(line, &position, until: UInt8(ascii: ".")), !seconds.leadingZero,
            seconds.value <= UInt64(Int64.max) / 2000,
            let millis = number(line, &position, until: UInt8(ascii: ":")), millis.digits == 3,
            let serial = number(line, &position, until: UInt8(ascii: ")")), !serial.leadingZero
        else { return .failure(Rejection(.malformedTimestamp, column: column)) }
        if position < line.count, line[position] == UInt8(ascii: ":") { position += 1 }
        return .success(
            EventStamp(seconds: Int64(seconds.value), milliseconds: Int32(millis.value), serial: serial.value))
    }

    /// The stamp after `msg=audit(` as the kernel writes it today, in three loads: ten digits of
    /// seconds, `.`, three of milliseconds, `:`, a serial of up to seven digits and `)`. Nil (and
    /// `position` unchanged) for any other form, which the digit-by-digit reading then judges:
    /// the forms accepted here are a subset of its, read to the same values. The lines of an
    /// event share its stamp: one whose bytes are those `cache` last took gives its value
    /// without the digits being checked and converted again.
    @inline(__always)
    private static func kernelStamp(_ line: Span<UInt8>, _ position: inout Int, _ cache: inout StampCache)
        -> EventStamp?
    {
        let start = position
        guard start >= 0, start &+ 23 <= line.count else { return nil }
        let (high, middle, serialWord) = ByteSearch.stampWords(line, at: start)
        if let stamp = cache.stamp, high == cache.high, middle == cache.middle,
            serialWord & cache.serialMask == cache.serial
        {
            position = start &+ 15 &+ cache.serialDigits &+ 1
            if position < line.count, line[position] == UInt8(ascii: ":") { position += 1 }
            return stamp
        }
        // Seconds: eight digits, the first not a zero.
        guard ByteSearch.areDigits(high, ~0), high & 0xFF != 0x30 else { return nil }
        // The last two digits of the seconds, `.`, the three of the milliseconds, `:`.
        let digits: UInt64 = 0x0000_FFFF_FF00_FFFF
        guard middle & 0x00FF_0000_00FF_0000 == 0x003A_0000_002E_0000, ByteSearch.areDigits(middle, digits) else {
            return nil
        }
        // The serial: one to seven digits up to `)`, no leading zero.
        let serialDigits = ByteSearch.firstIndex(of: UInt8(ascii: ")"), in: serialWord)
        guard serialDigits >= 1, serialDigits <= 7,
            ByteSearch.areDigits(serialWord, ByteSearch.lowBytes(serialDigits)),
            serialDigits == 1 || serialWord & 0xFF != 0x30
        else { return nil }
        let serial = ByteSearch.digitsValue(ByteSearch.padded(serialWord, count: serialDigits))
        let byte = { (index: UInt64) in (middle >> (index &* 8)) & 0xFF &- 0x30 }
        let seconds = ByteSearch.digitsValue(high) &* 100 &+ byte(0) &* 10 &+ byte(1)
        let millis = byte(3) &* 100 &+ byte(4) &* 10 &+ byte(5)
        let stamp = EventStamp(seconds: Int64(seconds), milliseconds: Int32(millis), serial: serial)
        // The serial's digits and its `)`: the bytes after them differ from record to record.
        let serialMask = ByteSearch.lowBytes(serialDigits &+ 1)
        cache = StampCache(
            high: high, middle: middle, serial: serialWord & serialMask, serialMask: serialMask,
            serialDigits: serialDigits, stamp: stamp)
        position = start &+ 15 &+ serialDigits &+ 1
        if position < line.count, line[position] == UInt8(ascii: ":") { position += 1 }
        return stamp
    }

    /// The last stamp `kernelStamp` read and its bytes: the seconds' first eight, the word of
    /// the seconds' last two, the milliseconds and their separators, and the serial with its
    /// `)` (`serialMask` selects them in the word at the serial). Empty (`stamp` nil) at first.
    private struct StampCache {
        var high: UInt64 = 0
        var middle: UInt64 = 0
        var serial: UInt64 = 0
        var serialMask: UInt64 = 0
        var serialDigits = 0
        var stamp: EventStamp?
    }

    /// A non-empty run of decimal digits ending at `terminator`, its value (nil on overflow);
    /// moves past the terminator.
    @inline(__always)
    private func number(_ line: Span<UInt8>, _ position: inout Int, until terminator: UInt8) -> (
        value: UInt64, digits: Int, leadingZero: Bool
    )? {
        let start = position
        var end = start
        var value: UInt64 = 0
        // Seconds have ten digits: eight of them at once.
        if end + 8 <= line.count, let eight = ByteSearch.eightDigits(line, at: end) {
            value = eight
            end += 8
        }
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

    private mutating func parseSyscall(_ line: Span<UInt8>, from position: Int, into record: inout SyscallRecord)
        -> Rejection?
    {
        if !syscallInKernelOrder(line, from: position, into: &record) {
            record = SyscallRecord()
            if let rejection = parseSyscallFields(line, from: position, into: &record) { return rejection }
        }
        record.syscall = syscalls.kind(arch: record.arch, number: record.number)
        return nil
    }

    /// A SYSCALL record whose fields stand as the kernel writes them (`audit_log_exit`: arch,
    /// syscall, success, exit, a0-a3, items, ppid, pid, the ids, tty, ses, comm, exe, subj when
    /// present, key, then the ENRICHED part): each key is checked where the kernel puts it,
    /// with the space before it, in one load; a value's end is found in the word of its first
    /// eight bytes, and a number that fits in that word is read from it; values the engine
    /// does not keep are not decoded. The ids from auid to ses are nearly always those of the
    /// record before, byte for byte: then they read as those did (`SyscallIDs`), eleven fields
    /// in one compare. Any other shape (a field missing, added or moved, a number quoted or
    /// malformed, doubled spaces) gives false (`record` partly filled) and `parseSyscallFields`
    /// reads the line token by token, so both give the same record or rejection.
    private mutating func syscallInKernelOrder(_ line: Span<UInt8>, from start: Int, into record: inout SyscallRecord)
        -> Bool
    {
        typealias K = KernelKey
        var position = start
        guard let arch = Self.value(line, &position, K.arch, 5), let archValue = Self.hexNumber(line, arch),
            archValue <= UInt64(UInt32.max),
            let number = Self.value(line, &position, K.syscall, 8),
            let numberValue = Self.decimal(line, number), numberValue <= 1 << 20
        else { return false }
        record.arch = UInt32(archValue)
        record.number = Int(numberValue)
        if let success = Self.value(line, &position, K.success, 8) {
            // "yes" and "no" packed.
            if success.count == 3 && success.word & 0xFF_FFFF == 0x73_6579 {
                record.success = true
            } else if success.count == 2 && success.word & 0xFFFF == 0x6F6E {
                record.success = false
            } else {
                return false
            }
            guard let exit = Self.value(line, &position, K.exit, 5), let exitValue = Self.signedDecimal(line, exit)
            else { return false }
            record.exit = exitValue
        }
        guard let a0 = Self.value(line, &position, K.a0, 3), let a0Value = Self.hexNumber(line, a0),
            Self.skip(line, &position, K.a1, 3), Self.skip(line, &position, K.a2, 3),
            Self.skip(line, &position, K.a3, 3), Self.skip(line, &position, K.items, 6),
            let ppid = Self.value(line, &position, K.ppid, 5), let ppidValue = Self.decimal(line, ppid),
            ppidValue <= UInt64(Int32.max),
            let pid = Self.value(line, &position, K.pid, 4), let pidValue = Self.decimal(line, pid),
            pidValue <= UInt64(Int32.max)
        else { return false }
        record.a0 = a0Value
        record.ppid = Int(ppidValue)
        record.pid = Int(pidValue)
        if let length = recentIDs.length(line, at: position) {
            position &+= length
            recentIDs.read(into: &record)
        } else {
            let idsStart = position
            guard let auid = Self.value(line, &position, K.auid, 5),
                let uid = Self.value(line, &position, K.uid, 4),
                Self.skip(line, &position, K.gid, 4),
                let euid = Self.value(line, &position, K.euid, 5),
                Self.skip(line, &position, K.suid, 5), Self.skip(line, &position, K.fsuid, 6),
                Self.skip(line, &position, K.egid, 5), Self.skip(line, &position, K.sgid, 5),
                Self.skip(line, &position, K.fsgid, 6),
                let tty = Self.value(line, &position, K.tty, 4),
                let ses = Self.value(line, &position, K.ses, 4)
            else { return false }
            // Ids are shown, not used to build the tree: a malformed one is unknown, the record stays.
            record.auid = Self.id(line, auid)
            record.uid = Self.id(line, uid)
            record.euid = Self.id(line, euid)
            record.ses = Self.id(line, ses)
            record.tty = Bytes.logString(line, tty.range)
            recentIDs.remember(line, idsStart..<position, from: record)
        }
        guard let comm = Self.text(line, &position, K.comm, 5),
            let exe = Self.text(line, &position, K.exe, 4)
        else { return false }
        _ = Self.skip(line, &position, K.subj, 5)
        guard let key = Self.text(line, &position, K.key, 4),
            position == line.count || line[position] == FieldScanner.groupSeparator
        else { return false }
        record.comm = recentComm.value(line, comm, untrusted: true)
        record.exe = Bytes.untrusted(line, exe)
        record.key = Bytes.untrusted(line, key)
        if position < line.count { readEnrichedNames(line, from: position, into: &record) }
        return true
    }

    /// An unquoted value of the kernel-order reading: its range, and its first eight bytes as a
    /// word (first byte lowest; bytes past the value are the line's).
    private struct KernelValue {
        var range: Range<Int>
        var word: UInt64

        /// `range.count`, without the generic call the optimizer leaves in this long function.
        var count: Int { range.upperBound &- range.lowerBound }
    }

    /// At `position`: one space (or `separator`), the packed `key` with its `=` (`length` bytes,
    /// at most 8), and an unquoted value up to a space, 0x1d or the end. Its
    /// range, and `position` moved past it; nil (and `position` unchanged) for anything else,
    /// and for a key within eight bytes of the line's end (the token loop reads such a line).
    @inline(__always)
    private static func plain(
        _ line: Span<UInt8>, _ position: inout Int, _ key: UInt64, _ length: Int,
        after separator: UInt8 = FieldScanner.space
    ) -> Range<Int>? {
        let keyStart = position &+ 1
        guard keyStart &+ 8 <= line.count, line[position] == separator else { return nil }
        let word = ByteSearch.word(line, at: keyStart)
        let valueStart = keyStart &+ length
        if length < 8 {
            // The key, the value's first byte (not a quote) and, for most values, their end in one word.
            guard word & ByteSearch.lowBytes(length) == key else { return nil }
            let first = UInt8(truncatingIfNeeded: word &>> UInt64(length &* 8))
            guard first != FieldScanner.doubleQuote, first != FieldScanner.singleQuote else { return nil }
            if let end = ByteSearch.stop(in: word, from: length) {
                position = keyStart &+ end
                return valueStart..<position
            }
            position = ByteSearch.stop(line, from: keyStart &+ 8)
            return valueStart..<position
        }
        guard word == key, valueStart < line.count else { return nil }
        let first = line[valueStart]
        guard first != FieldScanner.doubleQuote, first != FieldScanner.singleQuote else { return nil }
        position = ByteSearch.stop(line, from: valueStart)
        return valueStart..<position
    }

    /// At `position`: `separator`, the packed `key` with its `=` (`length` bytes, at most 8)
    /// and an unquoted value up to a space, 0x1d or the end, all within sixteen bytes of the
    /// line's end at least, and the value's first eight bytes in the line (the kernel ends a
    /// SYSCALL line with `key=`, so only a damaged one has less, and the token loop reads it).
    /// The value, `position` moved past it (to the
    /// byte that ends it: a byte below 0x21 that is neither a space nor 0x1d stops the value
    /// too, and then the next field's check fails); nil (`position` unchanged) for anything else.
    /// Forced inline: with `key` and `length` constant, the separator and key are one masked
    /// compare of one load, and a call per field cost more than the field.
    @inline(always)
    private static func value(
        _ line: Span<UInt8>, _ position: inout Int, _ key: UInt64, _ length: Int,
        after separator: UInt8 = FieldScanner.space
    ) -> KernelValue? {
        let valueStart = position &+ 1 &+ length
        // The value's word is read too: for a key of eight bytes, it ends seventeen bytes on.
        guard position >= 0, position &+ 16 <= line.count, valueStart &+ 8 <= line.count else { return nil }
        if length < 8 {
            let field = ByteSearch.word(line, at: position)
            guard field & ByteSearch.lowBytes(length &+ 1) == key &<< 8 | UInt64(separator) else { return nil }
        } else {
            guard ByteSearch.word(line, at: position) & 0xFF == UInt64(separator),
                ByteSearch.word(line, at: position &+ 1) == key
            else { return nil }
        }
        let word = ByteSearch.word(line, at: valueStart)
        let first = UInt8(truncatingIfNeeded: word)
        guard first != FieldScanner.doubleQuote, first != FieldScanner.singleQuote else { return nil }
        // Per byte, a high bit where it is below 0x21 (exact: each byte's high bit is set before
        // the subtraction, so no borrow crosses bytes, and the byte's own high bit is then cleared).
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below = ~((word | highs) &- 0x2121_2121_2121_2121) & ~word & highs
        if below != 0 {
            position = valueStart &+ below.trailingZeroBitCount &>> 3
        } else {
            position = ByteSearch.stop(line, from: valueStart &+ 8)
        }
        return KernelValue(range: valueStart..<position, word: word)
    }

    /// `value` for a field whose value is not kept (`length` at most 6): the separator, the
    /// key and the value's first bytes are one load, and most such values end within it.
    @inline(always)
    private static func skip(
        _ line: Span<UInt8>, _ position: inout Int, _ key: UInt64, _ length: Int,
        after separator: UInt8 = FieldScanner.space
    ) -> Bool {
        guard position >= 0, position &+ 16 <= line.count else { return false }
        let field = ByteSearch.word(line, at: position)
        let keyBytes = length &+ 1
        guard field & ByteSearch.lowBytes(keyBytes) == key &<< 8 | UInt64(separator) else { return false }
        let first = UInt8(truncatingIfNeeded: field &>> UInt64(keyBytes &* 8))
        guard first != FieldScanner.doubleQuote, first != FieldScanner.singleQuote else { return false }
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below = ~((field | highs) &- 0x2121_2121_2121_2121) & ~field & highs & ~ByteSearch.lowBytes(keyBytes)
        if below != 0 {
            position &+= below.trailingZeroBitCount &>> 3
        } else {
            position = ByteSearch.stop(line, from: position &+ 8)
        }
        return true
    }

    /// `Bytes.decimal` of a value: up to eight digits read from its word.
    @inline(always)
    private static func decimal(_ line: Span<UInt8>, _ value: KernelValue) -> UInt64? {
        let count = value.count
        guard count >= 1 && count <= 8 else { return longDecimal(line, value) }
        guard ByteSearch.areDigits(value.word, ByteSearch.lowBytes(count)) else { return nil }
        return ByteSearch.digitsValue(count == 8 ? value.word : ByteSearch.padded(value.word, count: count))
    }

    /// `Bytes.decimal` of a value longer than eight bytes: up to sixteen digits from its word and
    /// the eight bytes ending it (`4294967295`, the unset id, has ten).
    private static func longDecimal(_ line: Span<UInt8>, _ value: KernelValue) -> UInt64? {
        let count = value.count
        guard count > 8 && count <= 16 else { return Bytes.decimal(line, value.range) }
        let high = count &- 8
        let low = ByteSearch.word(line, at: value.range.upperBound &- 8)
        guard ByteSearch.areDigits(value.word, ByteSearch.lowBytes(high)), ByteSearch.areDigits(low, ~0) else {
            return nil
        }
        let highValue = ByteSearch.digitsValue(high == 8 ? value.word : ByteSearch.padded(value.word, count: high))
        return highValue &* 100_000_000 &+ ByteSearch.digitsValue(low)
    }

    /// `Bytes.signedDecimal` of a value.
    @inline(always)
    private static func signedDecimal(_ line: Span<UInt8>, _ value: KernelValue) -> Int64? {
        // A negative exit is an error number.
        guard value.word & 0xFF != UInt64(UInt8(ascii: "-")) else { return Bytes.signedDecimal(line, value.range) }
        guard let magnitude = decimal(line, value), magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// `Bytes.hexNumber` of a value: up to eight digits read from its word, up to sixteen (a
    /// pointer in a0) from its word and the eight bytes ending it.
    @inline(always)
    private static func hexNumber(_ line: Span<UInt8>, _ value: KernelValue) -> UInt64? {
        let count = value.count
        guard count > 8 else {
            guard count >= 1 else { return nil }
            return ByteSearch.hexNumber(value.word, count: count)
        }
        guard count <= 16,
            let high = ByteSearch.hexNumber(value.word, count: count &- 8),
            let low = ByteSearch.hexNumber(ByteSearch.word(line, at: value.range.upperBound &- 8), count: 8)
        else { return nil }
        return high << 32 | low
    }

    /// uid-like fields are 32-bit; 4294967295 means "unset".
    @inline(always)
    private static func id(_ line: Span<UInt8>, _ value: KernelValue) -> UInt32? {
        guard let number = decimal(line, value), number <= UInt64(UInt32.max) else { return nil }
        return UInt32(number)
    }

    /// Whether the `length` bytes at `start` are the packed `key`.
    @inline(__always)
    private static func has(_ line: Span<UInt8>, _ key: UInt64, _ length: Int, at start: Int) -> Bool {
        if start &+ 8 <= line.count { return ByteSearch.word(line, at: start) & ByteSearch.lowBytes(length) == key }
        return start &+ length <= line.count && Bytes.pack(line, start..<(start &+ length)) == key
    }

    /// At `position`: a space, the packed `key` with its `=` (`length` bytes, at most 6) and a
    /// value the kernel writes "untrusted" (quoted, hex or `(null)`), read as the field scanner
    /// reads it, all within eight bytes of the line's end at least: the field, `position` moved
    /// past it; nil (`position` unchanged) for anything else, and for a quote left open (the
    /// token loop then decides). The space, the key and the value's first byte are one load.
    @inline(always)
    private static func text(_ line: Span<UInt8>, _ position: inout Int, _ key: UInt64, _ length: Int) -> Field? {
        guard position >= 0, position &+ 8 <= line.count else { return nil }
        let field = ByteSearch.word(line, at: position)
        let keyBytes = length &+ 1
        guard field & ByteSearch.lowBytes(keyBytes) == key &<< 8 | UInt64(FieldScanner.space) else { return nil }
        let start = position &+ keyBytes
        let keyRange = (position &+ 1)..<(start &- 1)
        let first = UInt8(truncatingIfNeeded: field &>> UInt64(keyBytes &* 8))
        if first == FieldScanner.doubleQuote || first == FieldScanner.singleQuote {
            let end = ByteSearch.first(first, line, from: start &+ 1)
            guard end < line.count else { return nil }
            position = end &+ 1
            return Field(key: keyRange, value: (start &+ 1)..<end, quote: first, enriched: false, packedKey: 0)
        }
        position = ByteSearch.stop(line, from: start)
        return Field(key: keyRange, value: start..<position, quote: 0, enriched: false, packedKey: 0)
    }

    /// At `position`: a space, the packed `key` (`length` bytes with its `=`) and the value
    /// `cache` holds, as written (quotes and all): the cached name, `position` moved past the
    /// value; nil (`position` unchanged) for anything else (or within sixteen bytes of the line's
    /// end), which `text` then reads.
    @inline(always)
    private static func cachedName(
        _ line: Span<UInt8>, _ position: inout Int, _ key: UInt64, _ length: Int, _ cache: UserNameCache
    ) -> String?? {
        let keyStart = position &+ 1
        let valueStart = keyStart &+ length
        guard position >= 0, valueStart &+ 16 <= line.count,
            ByteSearch.word(line, at: position) & ByteSearch.lowBytes(length &+ 1)
                == key &<< 8 | UInt64(FieldScanner.space),
            let end = cache.token(
                in: (ByteSearch.word(line, at: valueStart), ByteSearch.word(line, at: valueStart &+ 8)))
        else { return nil }
        position = valueStart &+ end
        return .some(cache.lastName)
    }

    /// The user names of the ENRICHED part (from its 0x1d on); the rest of it is not used.
    private mutating func readEnrichedNames(
        _ line: Span<UInt8>, from start: Int, into record: inout SyscallRecord
    ) {
        // As auditd writes it, ARCH, SYSCALL, AUID and UID come first; any other shape goes token by token.
        var position = start
        if Self.skip(line, &position, KernelKey.enrichedArch, 5, after: FieldScanner.groupSeparator),
            Self.value(line, &position, KernelKey.enrichedSyscall, 8) != nil
        {
            // The names of the last record again (nearly every record): key and value in two loads.
            let names = position
            if let loginUserName = Self.cachedName(line, &position, KernelKey.enrichedAUID, 5, loginUserNames),
                let userName = Self.cachedName(line, &position, KernelKey.enrichedUID, 4, userNames)
            {
                record.loginUserName = loginUserName
                record.userName = userName
                return
            }
            position = names
            if let auid = Self.text(line, &position, KernelKey.enrichedAUID, 5),
                let uid = Self.text(line, &position, KernelKey.enrichedUID, 4)
            {
                record.loginUserName = loginUserNames.name(line, auid)
                record.userName = userNames.name(line, uid)
                return
            }
        }
        position = start
        var seenUIDName = false
        var seenAUIDName = false
        var scanner = FieldScanner(from: position)
        while let field = scanner.next(in: line) {
            if field.packedKey == PackedKey.enrichedUID {
                record.userName = userNames.name(line, field)
                seenUIDName = true
            } else if field.packedKey == PackedKey.enrichedAUID {
                record.loginUserName = loginUserNames.name(line, field)
                seenAUIDName = true
            }
            if seenUIDName && seenAUIDName { break }
        }
    }

    /// Every SYSCALL record the kernel-order reading does not take, token by token.
    private mutating func parseSyscallFields(_ line: Span<UInt8>, from position: Int, into record: inout SyscallRecord)
        -> Rejection?
    {
        var seenArch = false
        var seenSyscall = false
        var seenPid = false
        var seenUIDName = false
        var seenAUIDName = false
        var scanner = FieldScanner(from: position)
        func bad(_ name: String, _ field: Field) -> Rejection {
            Rejection(.malformedField(name), column: field.value.lowerBound + 1)
        }
        while let field = scanner.next(in: line) {
            let key = field.packedKey
            if field.enriched {
                if key == PackedKey.enrichedUID {
                    record.userName = userNames.name(line, field)
                    seenUIDName = true
                } else if key == PackedKey.enrichedAUID {
                    record.loginUserName = loginUserNames.name(line, field)
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
        if !seenArch { return Rejection(.missingField("arch"), column: end) }
        if !seenSyscall { return Rejection(.missingField("syscall"), column: end) }
        if !seenPid { return Rejection(.missingField("pid"), column: end) }
        return nil
    }

    /// uid-like fields are 32-bit; 4294967295 means "unset".
    private func id(_ line: Span<UInt8>, _ field: Field) -> UInt32? { id(line, field.value) }

    private func id(_ line: Span<UInt8>, _ value: Range<Int>) -> UInt32? {
        guard let value = Bytes.decimal(line, value), value <= UInt64(UInt32.max) else { return nil }
        return UInt32(value)
    }

    private func parseExecve(_ line: Span<UInt8>, from position: Int) -> Result<ExecveRecord, Rejection> {
        if let record = Self.execveInKernelOrder(line, from: position) { return .success(record) }
        var record = ExecveRecord()
        var scanner = FieldScanner(from: position)
        while let field = scanner.next(in: line), !field.enriched {
            if field.packedKey == PackedKey.argc {
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

    /// An EXECVE record as the kernel writes it (`audit_log_execve_info`): ` argc=N`, then
    /// ` aI=VALUE` for I from 0 on, each value quoted or hex, to the line's end. Nil for any
    /// other shape (a split argument's `aI_len=` and `aI[J]=`, an ENRICHED part, a value the
    /// token loop rejects, a key out of order, doubled spaces), which the token loop of
    /// `parseExecve` then reads: for the lines taken here, both give the same record.
    private static func execveInKernelOrder(_ line: Span<UInt8>, from start: Int) -> ExecveRecord? {
        var position = start
        guard let argc = plain(line, &position, KernelKey.argc, 5), let count = Bytes.decimal(line, argc),
            count <= UInt64(Int32.max)
        else { return nil }
        var record = ExecveRecord()
        record.argc = Int(count)
        record.arguments.reserveCapacity(min(Int(count), 64))
        var index = 0
        while position < line.count {
            // ` aI=`: the key packed with its `=`, up to eight bytes (I below a million).
            guard line[position] == FieldScanner.space, let (key, length) = argumentKey(index) else { return nil }
            let keyStart = position &+ 1
            guard has(line, key, length, at: keyStart) else { return nil }
            let valueStart = keyStart &+ length
            let field: Field
            if valueStart < line.count,
                line[valueStart] == FieldScanner.doubleQuote || line[valueStart] == FieldScanner.singleQuote
            {
                let quote = line[valueStart]
                let end = ByteSearch.first(quote, line, from: valueStart &+ 1)
                guard end < line.count else { return nil }  // unterminated: the token loop decides
                position = end &+ 1
                field = Field(
                    key: keyStart..<(valueStart &- 1), value: (valueStart &+ 1)..<end, quote: quote, enriched: false,
                    packedKey: 0)
            } else {
                position = ByteSearch.stop(line, from: valueStart)
                field = Field(
                    key: keyStart..<(valueStart &- 1), value: valueStart..<position, quote: 0, enriched: false,
                    packedKey: 0)
                // What the token loop rejects (an odd run of upper-case hex digits), it judges.
                if field.value.count % 2 == 1, Bytes.isUpperHex(line, field.value) { return nil }
            }
            guard let value = Bytes.untrusted(line, field) else { return nil }
            record.arguments.append(ExecveArgument(index: index, chunk: nil, value: value))
            index &+= 1
        }
        return record
    }

    /// `aI=` packed (first byte lowest) with its length, for I below a million (at most eight bytes).
    @inline(__always)
    private static func argumentKey(_ index: Int) -> (key: UInt64, length: Int)? {
        guard index < 1_000_000 else { return nil }
        var digits: UInt64 = 0
        var length = 0
        var rest = index
        repeat {
            digits = digits << 8 | UInt64(0x30 &+ rest % 10)
            rest /= 10
            length &+= 1
        } while rest > 0
        return (0x61 | digits << 8 | 0x3D << UInt64((length &+ 1) &* 8), length &+ 2)
    }

    /// A CWD record's `cwd`: read where the kernel writes it, first after the stamp, or else by
    /// the token loop (`firstUntrusted`), which gives the same value for the lines read here.
    private func parseCwd(_ line: Span<UInt8>, from position: Int) -> LogString? {
        var end = position
        if let field = Self.text(line, &end, KernelKey.cwd, 4) { return Bytes.untrusted(line, field) }
        return firstUntrusted(line, from: position, key: PackedKey.cwd, length: 3)
    }

    /// A PATH record: `item` read (the last one, should a damaged line hold two), the other
    /// fields kept as logged up to the ENRICHED part (`PathRecord` reads them when asked).
    private func parsePath(_ line: Span<UInt8>, from position: Int) -> PathRecord {
        var scanner = FieldScanner(from: position)
        var item: Int?
        var end = position
        while let field = scanner.next(in: line), !field.enriched {
            if field.packedKey == PackedKey.item {
                item = Bytes.decimal(line, field.value).flatMap { $0 <= UInt64(Int32.max) ? Int($0) : nil }
            }
            end = scanner.position
        }
        return PathRecord(item: item, fields: Bytes.logString(line, position..<end))
    }

    /// PATH item 0 (the file an exec ran), nil for any other item: the kernel writes `item` first.
    private func parseExecutablePath(_ line: Span<UInt8>, from position: Int) -> PathRecord? {
        // ` item=N` as the kernel writes it is the first field the token loop would read.
        var itemEnd = position
        if let item = Self.plain(line, &itemEnd, KernelKey.item, 5) {
            guard Bytes.decimal(line, item) == 0 else { return nil }
        } else {
            var scanner = FieldScanner(from: position)
            guard let first = scanner.next(in: line), !first.enriched, first.packedKey == PackedKey.item,
                Bytes.decimal(line, first.value) == 0
            else { return nil }
            itemEnd = scanner.position
        }
        // With no other `item=` in the line (as the kernel writes it), `parsePath` would find the
        // item read here: its token loop is only needed to find which of two items counts. The
        // field text then runs to the line's end: `PathFields` stops at the ENRICHED part as the
        // token loop does, so it reads the same fields from it.
        guard ByteSearch.hasKey(PackedKey.item, length: 4, in: line, from: itemEnd) else {
            return PathRecord(item: 0, fields: Bytes.logString(line, position..<line.count))
        }
        return parsePath(line, from: position)
    }

    /// PROCTITLE holds the command line with NUL between arguments (hex when it has any).
    /// It is kept as logged; decoding waits until the arguments are needed.
    private func parseProctitle(_ line: Span<UInt8>, from position: Int) -> Proctitle? {
        if let field = Self.firstProctitle(line, at: position) { return Self.proctitle(line, field) }
        var scanner = FieldScanner(from: position)
        while let field = scanner.next(in: line), !field.enriched {
            // Nine bytes: eight packed, then the ninth (`packedKey` holds keys of up to eight).
            guard field.key.count == 9,
                ByteSearch.pack(line, field.key.lowerBound..<(field.key.upperBound - 1))
                    == PackedKey.proctitl, line[field.key.upperBound - 1] == UInt8(ascii: "e")
            else { continue }
            return Self.proctitle(line, field)
        }
        return nil
    }

    /// The value of a `proctitle` field: nil for `(null)`. Unquoted means hex to the kernel;
    /// whether the digits really are hex is checked only when the arguments are decoded
    /// (`Proctitle.arguments` falls back to the raw bytes).
    @inline(__always)
    private static func proctitle(_ line: Span<UInt8>, _ field: Field) -> Proctitle? {
        if field.quote == 0 && Bytes.isNull(line, field.value) { return nil }
        return Proctitle(raw: Bytes.logString(line, field.value), isHex: field.quote == 0)
    }

    /// ` proctitle=VALUE` right after the stamp, as the kernel writes it: the field the token
    /// loop of `parseProctitle` finds first there; nil for any other shape (that loop reads it).
    @inline(__always)
    private static func firstProctitle(_ line: Span<UInt8>, at position: Int) -> Field? {
        let keyStart = position &+ 1
        let valueStart = keyStart &+ 10
        guard valueStart < line.count, line[position] == FieldScanner.space,
            ByteSearch.word(line, at: keyStart) == PackedKey.proctitl,
            has(line, KernelKey.proctitleEnd, 2, at: keyStart &+ 8)
        else { return nil }
        let key = keyStart..<(valueStart &- 1)
        let first = line[valueStart]
        if first == FieldScanner.doubleQuote || first == FieldScanner.singleQuote {
            let end = ByteSearch.first(first, line, from: valueStart &+ 1)
            guard end < line.count else { return nil }  // unterminated: the token loop decides
            return Field(key: key, value: (valueStart &+ 1)..<end, quote: first, enriched: false, packedKey: 0)
        }
        return Field(
            key: key, value: valueStart..<ByteSearch.stop(line, from: valueStart), quote: 0, enriched: false,
            packedKey: 0)
    }

    /// The first field whose key is `key` (packed, `length` bytes: a NUL byte packs as nothing).
    private func firstUntrusted(_ line: Span<UInt8>, from position: Int, key: UInt64, length: Int) -> LogString? {
        var scanner = FieldScanner(from: position)
        while let field = scanner.next(in: line), !field.enriched {
            if field.packedKey == key && field.key.count == length { return Bytes.untrusted(line, field) }
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
    static let cwd: UInt64 = 0x64_7763
    /// The first eight bytes of `proctitle`.
    static let proctitl: UInt64 = 0x6C74_6974_636F_7270

    /// Every key with its name, for the test.
    static let all: [(String, UInt64)] = [
        ("arch", arch), ("syscall", syscall), ("success", success), ("exit", exit), ("a0", a0), ("pid", pid),
        ("ppid", ppid), ("uid", uid), ("euid", euid), ("auid", auid), ("ses", ses), ("tty", tty), ("comm", comm),
        ("exe", exe), ("key", key), ("UID", enrichedUID), ("AUID", enrichedAUID), ("argc", argc), ("item", item),
        ("name", name), ("nametype", nametype), ("inode", inode), ("dev", dev), ("mode", mode), ("cwd", cwd),
        ("proctitl", proctitl),
    ]
}

/// SYSCALL keys with their `=`, packed as `Bytes.pack` packs them, for `syscallInKernelOrder`;
/// `RecordParserTests` checks each against its text.
enum KernelKey {
    static let arch: UInt64 = 0x3D_6863_7261, syscall: UInt64 = 0x3D6C_6C61_6373_7973
    static let success: UInt64 = 0x3D73_7365_6363_7573, exit: UInt64 = 0x3D_7469_7865
    static let a0: UInt64 = 0x3D_3061, a1: UInt64 = 0x3D_3161, a2: UInt64 = 0x3D_3261, a3: UInt64 = 0x3D_3361
    static let items: UInt64 = 0x3D73_6D65_7469, ppid: UInt64 = 0x3D_6469_7070, pid: UInt64 = 0x3D64_6970
    static let auid: UInt64 = 0x3D_6469_7561, uid: UInt64 = 0x3D64_6975, gid: UInt64 = 0x3D64_6967
    static let euid: UInt64 = 0x3D_6469_7565, suid: UInt64 = 0x3D_6469_7573, fsuid: UInt64 = 0x3D64_6975_7366
    static let egid: UInt64 = 0x3D_6469_6765, sgid: UInt64 = 0x3D_6469_6773, fsgid: UInt64 = 0x3D64_6967_7366
    static let tty: UInt64 = 0x3D79_7474, ses: UInt64 = 0x3D73_6573, comm: UInt64 = 0x3D_6D6D_6F63
    static let exe: UInt64 = 0x3D65_7865, subj: UInt64 = 0x3D_6A62_7573, key: UInt64 = 0x3D79_656B
    static let enrichedArch: UInt64 = 0x3D_4843_5241, enrichedSyscall: UInt64 = 0x3D4C_4C41_4353_5953
    static let enrichedAUID: UInt64 = 0x3D_4449_5541, enrichedUID: UInt64 = 0x3D44_4955
    /// Not SYSCALL keys: the prefixes of every line, and what `kernelHead` reads after `type=`.
    static let node: UInt64 = 0x3D_6564_6F6E, type: UInt64 = 0x3D_6570_7974
    static let syscallType: UInt64 = 0x204C_4C41_4353_5953, execveType: UInt64 = 0x20_4556_4345_5845
    static let pathType: UInt64 = 0x20_4854_4150, cwdType: UInt64 = 0x2044_5743, eoeType: UInt64 = 0x2045_4F45
    static let proctitleType: UInt64 = 0x4C54_4954_434F_5250, proctitleTypeEnd: UInt64 = 0x2045
    static let message: UInt64 = 0x6964_7561_3D67_736D, messageEnd: UInt64 = 0x2874
    /// Not SYSCALL keys either: the fields of other records read where the kernel writes them.
    static let argc: UInt64 = 0x3D_6367_7261, cwd: UInt64 = 0x3D64_7763, item: UInt64 = 0x3D_6D65_7469
    static let proctitleEnd: UInt64 = 0x3D65, null: UInt64 = 0x296C_6C75_6E28

    static let all: [(String, UInt64)] = [
        ("arch=", arch), ("syscall=", syscall), ("success=", success), ("exit=", exit), ("a0=", a0), ("a1=", a1),
        ("a2=", a2), ("a3=", a3), ("items=", items), ("ppid=", ppid), ("pid=", pid), ("auid=", auid), ("uid=", uid),
        ("gid=", gid), ("euid=", euid), ("suid=", suid), ("fsuid=", fsuid), ("egid=", egid), ("sgid=", sgid),
        ("fsgid=", fsgid), ("tty=", tty), ("ses=", ses), ("comm=", comm), ("exe=", exe), ("subj=", subj),
        ("key=", key), ("ARCH=", enrichedArch), ("SYSCALL=", enrichedSyscall), ("AUID=", enrichedAUID),
        ("UID=", enrichedUID), ("node=", node), ("type=", type), ("SYSCALL ", syscallType), ("EXECVE ", execveType),
        ("PATH ", pathType), ("CWD ", cwdType), ("EOE ", eoeType), ("PROCTITL", proctitleType),
        ("E ", proctitleTypeEnd), ("msg=audi", message), ("t(", messageEnd), ("argc=", argc), ("cwd=", cwd),
        ("item=", item), ("e=", proctitleEnd), ("(null)", null),
    ]
}

/// The last short value (at most sixteen bytes) of one SYSCALL field and what it read as: `tty`
/// and `comm` repeat from record to record, and comparing two words costs less than a copy.
private struct RecentValue {
    private var words: (UInt64, UInt64) = (0, 0)
    private var count = -1
    private var quote: UInt8 = 0
    private var read: LogString? = nil

    /// `Bytes.untrusted(line, field)` (`untrusted`) or `Bytes.logString(line, field.value)`:
    /// one instance always reads one way.
    @inline(always)
    mutating func value(_ line: Span<UInt8>, _ field: Field, untrusted: Bool) -> LogString? {
        let start = field.value.lowerBound
        let count = field.value.upperBound &- start
        guard count <= 16, start &+ 16 <= line.count else {
            return untrusted ? Bytes.untrusted(line, field) : Bytes.logString(line, field.value)
        }
        let words = (
            ByteSearch.word(line, at: start) & ByteSearch.lowBytes(count),
            ByteSearch.word(line, at: start &+ 8) & ByteSearch.lowBytes(max(count &- 8, 0))
        )
        if count == self.count && field.quote == quote && words == self.words { return read }
        let read = untrusted ? Bytes.untrusted(line, field) : Bytes.logString(line, field.value)
        self.words = words
        self.count = count
        self.quote = field.quote
        self.read = read
        return read
    }
}

/// The ids of the last SYSCALL record whose ids the kernel-order reading read, from the space
/// before `auid=` to the end of `ses=`'s value (auid, uid, gid, euid, suid, fsuid, egid, sgid,
/// fsgid, tty, ses) as written, and what they read as. A user's processes log the same ids
/// record after record: one compare of their hundred bytes costs less than reading eleven fields.
/// Equal bytes read as the last ones did: the reading of these fields depends on nothing but
/// their bytes and the byte after them, which the reading of `comm=` checks is a space.
private struct SyscallIDs {
    /// The ids as written; empty when none are kept.
    private var bytes: [UInt8] = []
    private var auid: UInt32?
    private var uid: UInt32?
    private var euid: UInt32?
    private var ses: UInt32?
    private var tty: LogString?

    /// The length of the ids kept when the line holds them at `start`, byte for byte.
    @inline(__always)
    func length(_ line: Span<UInt8>, at start: Int) -> Int? {
        guard !bytes.isEmpty, ByteSearch.hasBytes(line, at: start, bytes) else { return nil }
        return bytes.count
    }

    /// The values of the ids kept, into `record`.
    @inline(__always)
    func read(into record: inout SyscallRecord) {
        record.auid = auid
        record.uid = uid
        record.euid = euid
        record.ses = ses
        record.tty = tty
    }

    /// Keeps the ids of `range` and the values `record` got from them; ids of more than 256
    /// bytes (only a hostile line has them) are not kept.
    mutating func remember(_ line: Span<UInt8>, _ range: Range<Int>, from record: SyscallRecord) {
        guard range.count <= 256 else {
            bytes.removeAll(keepingCapacity: true)
            return
        }
        Bytes.copy(line, range, into: &bytes)
        auid = record.auid
        uid = record.uid
        euid = record.euid
        ses = record.ses
        tty = record.tty
    }
}

/// Byte strings compared whole, made once per parser.
private struct Keys {
    let yes = Array("yes".utf8), no = Array("no".utf8)
}
