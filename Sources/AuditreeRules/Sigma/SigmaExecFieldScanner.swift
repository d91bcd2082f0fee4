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
/// A class: a scan reads it for every record, on every parsing thread, and a copy of the
/// index's arrays would be retained each time.
package final class SigmaExecFieldScanner: Sendable {
    private let index: SigmaLiteralIndex
    /// Per Sysmon field, whether a literal is on it.
    private let scanned: [Bool]

    init(_ index: SigmaLiteralIndex) {
        self.index = index
        var scanned = [Bool](repeating: false, count: SigmaProcessCreation.Field.allCases.count)
        for field in index.scannedFields { scanned[field] = true }
        self.scanned = scanned
    }

    /// The fields this scanner covers: the others are scanned per exec.
    static let ownFields: [SigmaProcessCreation.Field] = [.image, .commandLine, .user, .logonId, .currentDirectory]

    /// Sets `record.fieldLiterals`: the literals in the fields the record gives an exec; nil for
    /// a record that gives none, and for an EXECVE record whose arguments are not the whole
    /// command line in order. In place: passing the record by value copies all of it.
    package func findLiterals(in record: inout Record) {
        // Read, then written: `record.fieldLiterals = literals(of: record)` copies the record.
        let found = literals(of: record)
        record.fieldLiterals = found
    }

    private func literals(of record: borrowing Record) -> [Int32]? {
        // The kind first: reading the body's payload copies it, and most records give nothing.
        switch record.kind {
        case .syscall, .execve, .cwd: break
        case .path, .proctitle, .eoe, .other: return nil
        }
        var found = SigmaFoundLiterals()
        switch record.body {
        case .syscall(let syscall):
            guard syscall.syscall.isExec else { return nil }
            scanIdentity(exe: syscall.exe, userName: syscall.userName, uid: syscall.uid, into: &found)
        case .execve(let execve):
            guard let arguments = Self.wholeInOrder(execve) else { return nil }
            scanCommandLine(arguments, into: &found)
        case .cwd(let cwd):
            scanDirectory(cwd, into: &found)
        case .path, .proctitle, .none:
            return nil
        }
        return found.found
    }

    /// The arguments of an EXECVE record that holds the whole command line by itself, as
    /// `ArgumentVector` takes them (whole, logged a0, a1, ...); nil otherwise.
    private static func wholeInOrder(_ record: ExecveRecord) -> [LogString]? {
        guard record.splitLengths.isEmpty else { return nil }
        var arguments: [LogString] = []
        arguments.reserveCapacity(record.arguments.count)
        for (position, argument) in record.arguments.enumerated() {
            guard argument.chunk == nil, argument.index == position else { return nil }
            arguments.append(argument.value)
        }
        return arguments
    }

    /// Image, User and LogonId.
    func scanIdentity<Sink: SigmaLiteralSink>(
        exe: LogString?, userName: String?, uid: UInt32?, into found: inout Sink
    ) {
        if scanned[SigmaProcessCreation.Field.image.rawValue], let exe {
            exe.withSpan { scan(.image, $0, into: &found) }
        }
        if scanned[SigmaProcessCreation.Field.user.rawValue], let user = userName ?? uid.map({ String($0) }) {
            scan(.user, user.utf8.span, into: &found)
        }
        if scanned[SigmaProcessCreation.Field.logonId.rawValue], let uid {
            scan(.logonId, String(uid).utf8.span, into: &found)
        }
    }

    /// CommandLine: the arguments joined by single spaces.
    func scanCommandLine<Sink: SigmaLiteralSink>(_ arguments: [LogString], into found: inout Sink) {
        guard scanned[SigmaProcessCreation.Field.commandLine.rawValue] else { return }
        if arguments.count == 1 {
            arguments[0].withSpan { scan(.commandLine, $0, into: &found) }
            return
        }
        var joined: [UInt8] = []
        joined.reserveCapacity(arguments.reduce(arguments.count) { $0 + $1.count })
        for (index, argument) in arguments.enumerated() {
            if index > 0 { joined.append(UInt8(ascii: " ")) }
            argument.append(to: &joined)
        }
        scan(.commandLine, joined.span, into: &found)
    }

    /// CurrentDirectory.
    func scanDirectory<Sink: SigmaLiteralSink>(_ cwd: LogString?, into found: inout Sink) {
        guard scanned[SigmaProcessCreation.Field.currentDirectory.rawValue], let cwd else { return }
        cwd.withSpan { scan(.currentDirectory, $0, into: &found) }
    }

    /// One value, folded as `SigmaFieldValue` folds it (a copy only when it holds an upper-case
    /// ASCII letter).
    private func scan<Sink: SigmaLiteralSink>(
        _ field: SigmaProcessCreation.Field, _ bytes: Span<UInt8>, into found: inout Sink
    ) {
        var upper = false
        for position in 0..<bytes.count where bytes[position] &- 65 < 26 {
            upper = true
            break
        }
        guard upper else {
            index.scan(field.rawValue, folded: bytes, raw: bytes, into: &found)
            return
        }
        var folded = [UInt8](repeating: 0, count: bytes.count)
        for position in 0..<bytes.count {
            let byte = bytes[position]
            folded[position] = byte &- 65 < 26 ? byte | 0x20 : byte
        }
        index.scan(field.rawValue, folded: folded.span, raw: bytes, into: &found)
    }
}
