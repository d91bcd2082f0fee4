import AuditreeParser

/// Finds the literals of the Sigma process_creation rules (`SigmaLiteralIndex`) in the fields
/// an exec's own records give: Image (the SYSCALL record's `exe`), User and LogonId (its user),
/// CommandLine (the EXECVE record's arguments joined by spaces) and CurrentDirectory (the CWD
/// record). These need no process tree, so a scan finds them on its parsing threads as each
/// record is parsed (`Record.fieldLiterals`), and the scan's thread, which assembles events and
/// keeps the tree, only adds the parent's literals and tests the candidates.
///
/// The values are those `SigmaProcessCreation` builds from the exec's image, byte for byte: an
/// exec whose image takes a field from elsewhere (its command line from several EXECVE records,
/// from split arguments or from PROCTITLE) gets no literals from its records
/// (`AuditEvent.execFieldLiterals`), and `SigmaExecRules` scans its image instead.
/// The literals are found by `SigmaLiteralSearch`, on the values as logged (no folded copy, no
/// joined copy on the heap for a usual command line).
/// A class: a scan reads it for every record, on every parsing thread, and a copy of the
/// search's arrays would be retained each time.
package final class SigmaExecFieldScanner: Sendable {
    private let search: SigmaLiteralSearch

    init(_ index: SigmaLiteralIndex) {
        let scanned = Set(index.scannedFields)
        search = SigmaLiteralSearch(
            index.literals, fields: Self.ownFields.map(\.rawValue).filter(scanned.contains),
            fieldCount: SigmaProcessCreation.Field.allCases.count)
    }

    /// The fields this scanner covers: the others are scanned per exec.
    static let ownFields: [SigmaProcessCreation.Field] = [.image, .commandLine, .user, .logonId, .currentDirectory]

    /// Sets `record.fieldLiterals`: the literals in the fields the record gives an exec; not looked
    /// for in a record that gives none, and in an EXECVE record whose arguments are not the whole
    /// command line in order. `memo`: the thread's, for values it has scanned before. In place:
    /// passing the record by value copies all of it.
    package func findLiterals(in record: inout Record, memo: inout SigmaExecFieldMemo) {
        // The kind first: reading the body's payload copies it, and most records give nothing
        // (the parser leaves their literals not looked for).
        switch record.kind {
        case .syscall, .execve, .cwd: break
        case .path, .proctitle, .eoe, .other: return
        }
        // Read, then written: `record.fieldLiterals = literals(of: record)` copies the record.
        let found = literals(of: record, memo: &memo)
        record.fieldLiterals = found
    }

    private func literals(of record: borrowing Record, memo: inout SigmaExecFieldMemo) -> FieldLiterals {
        switch record.body {
        case .syscall(let syscall):
            guard syscall.syscall.isExec else { return FieldLiterals() }
            return identityLiterals(exe: syscall.exe, userName: syscall.userName, uid: syscall.uid, memo: &memo)
        case .execve(let execve):
            guard Self.isWholeInOrder(execve) else { return FieldLiterals() }
            let field = SigmaProcessCreation.Field.commandLine.rawValue
            guard search.searches(field) else { return .none }
            return withCommandLine(execve.arguments.lazy.map(\.value)) { line in
                memo.literals(.commandLine, key: line) { searched(field, line) }
            }
        case .cwd(let cwd):
            let field = SigmaProcessCreation.Field.currentDirectory.rawValue
            guard let cwd, search.searches(field) else { return .none }
            return cwd.withSpan { directory in memo.literals(.directory, key: directory) { searched(field, directory) }
            }
        case .path, .proctitle, .none:
            return FieldLiterals()
        }
    }

    private func searched(_ field: Int, _ value: Span<UInt8>) -> FieldLiterals {
        var found = FieldLiterals.none
        search.scan(field, value, into: &found)
        return found
    }

    /// Image, User and LogonId, through `memo`: keyed by which of the three values there are,
    /// the uid, the length of `exe`, `exe` and the user name.
    func identityLiterals(
        exe: LogString?, userName: String?, uid: UInt32?, memo: inout SigmaExecFieldMemo
    ) -> FieldLiterals {
        guard
            search.searches(SigmaProcessCreation.Field.image.rawValue)
                || search.searches(SigmaProcessCreation.Field.user.rawValue)
                || search.searches(SigmaProcessCreation.Field.logonId.rawValue)
        else { return .none }
        let exeCount = exe?.count ?? 0
        let length = 7 + exeCount + (userName?.utf8.count ?? 0)
        guard length <= SigmaExecFieldMemo.keyLimit else {
            var found = FieldLiterals.none
            scanIdentity(exe: exe, userName: userName, uid: uid, into: &found)
            return found
        }
        var key = InlineArray<512, UInt8>(repeating: 0)
        key[0] = (exe == nil ? 0 : 1) | (userName == nil ? 0 : 2) | (uid == nil ? 0 : 4)
        let number = uid ?? 0
        for byte in 0..<4 { key[1 + byte] = UInt8(truncatingIfNeeded: number >> (8 * UInt32(byte))) }
        key[5] = UInt8(truncatingIfNeeded: exeCount)
        key[6] = UInt8(truncatingIfNeeded: exeCount >> 8)
        var end = 7
        exe?.withSpan { bytes in
            for offset in 0..<bytes.count { key[end + offset] = bytes[offset] }
        }
        end += exeCount
        for byte in userName?.utf8 ?? "".utf8 {
            key[end] = byte
            end += 1
        }
        return memo.literals(.identity, key: key.span.extracting(0..<end)) {
            var found = FieldLiterals.none
            scanIdentity(exe: exe, userName: userName, uid: uid, into: &found)
            return found
        }
    }

    /// Whether an EXECVE record holds the whole command line by itself, as `ArgumentVector`
    /// takes it (whole, logged a0, a1, ...).
    private static func isWholeInOrder(_ record: borrowing ExecveRecord) -> Bool {
        guard record.splitLengths.isEmpty else { return false }
        for position in record.arguments.indices {
            guard record.arguments[position].chunk == nil, record.arguments[position].index == position else {
                return false
            }
        }
        return true
    }

    /// Image, User and LogonId.
    func scanIdentity<Sink: SigmaLiteralSink>(
        exe: LogString?, userName: String?, uid: UInt32?, into found: inout Sink
    ) {
        if let exe, search.searches(SigmaProcessCreation.Field.image.rawValue) {
            exe.withSpan { search.scan(SigmaProcessCreation.Field.image.rawValue, $0, into: &found) }
        }
        let user = SigmaProcessCreation.Field.user.rawValue
        let logonId = SigmaProcessCreation.Field.logonId.rawValue
        if let userName, search.searches(user) {
            search.scan(user, userName.utf8.span, into: &found)
        }
        guard let uid, search.searches(logonId) || (userName == nil && search.searches(user)) else { return }
        // The uid in decimal, as `String(uid)` writes it, without building the string.
        var digits = InlineArray<10, UInt8>(repeating: 0)
        var start = 10
        var rest = uid
        repeat {
            start -= 1
            digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest != 0
        let text = digits.span.extracting(start..<10)
        if userName == nil { search.scan(user, text, into: &found) }
        search.scan(logonId, text, into: &found)
    }

    /// CommandLine: the arguments joined by single spaces.
    func scanCommandLine<Sink: SigmaLiteralSink>(
        _ arguments: some RandomAccessCollection<LogString>, into found: inout Sink
    ) {
        let field = SigmaProcessCreation.Field.commandLine.rawValue
        guard search.searches(field) else { return }
        withCommandLine(arguments) { search.scan(field, $0, into: &found) }
    }

    /// Calls `body` with the arguments joined by single spaces: one argument as it is, several
    /// joined in a buffer on the stack unless long.
    private func withCommandLine<Result>(
        _ arguments: some RandomAccessCollection<LogString>, _ body: (Span<UInt8>) -> Result
    ) -> Result {
        guard let first = arguments.first else { return body([UInt8]().span) }
        if arguments.count == 1 { return first.withSpan(body) }
        let length = arguments.reduce(arguments.count - 1) { $0 + $1.count }
        guard length <= Self.stackLength else {
            var joined: [UInt8] = []
            joined.reserveCapacity(length)
            for argument in arguments {
                if !joined.isEmpty { joined.append(UInt8(ascii: " ")) }
                argument.append(to: &joined)
            }
            return body(joined.span)
        }
        var joined = InlineArray<512, UInt8>(repeating: UInt8(ascii: " "))
        var end = 0
        for argument in arguments {
            argument.withSpan { bytes in
                for offset in 0..<bytes.count { joined[end + offset] = bytes[offset] }
            }
            end += argument.count + 1  // the space after it is already there
        }
        return body(joined.span.extracting(0..<length))
    }

    /// How long a joined command line is kept on the stack.
    private static let stackLength = 512

    /// CurrentDirectory.
    func scanDirectory<Sink: SigmaLiteralSink>(_ cwd: LogString?, into found: inout Sink) {
        let field = SigmaProcessCreation.Field.currentDirectory.rawValue
        guard let cwd, search.searches(field) else { return }
        cwd.withSpan { search.scan(field, $0, into: &found) }
    }
}

/// `FieldLiterals` as the scan's sink: a record's fields hold few literals, and each field's
/// literals are its own, so a short look for a repeat is all it takes.
extension FieldLiterals: SigmaLiteralSink {
    @inline(__always) func has(_ literal: Int) -> Bool { contains(Int32(literal)) }
    @inline(__always) mutating func add(_ literal: Int) { append(Int32(literal)) }
}
