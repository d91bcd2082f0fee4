import AuditreeKit

#if canImport(Glibc)
import Glibc
#endif

/// The inputs of a command given no file: the system's audit log, unless standard input
/// carries something, which is then refused in one line (see docs/cli.md, "Standard input").
///
/// Reading a piped standard input unasked would be wrong as often as right: cron and ssh
/// give a command an empty pipe, so `auditree scan` there would read nothing and exit 0.
/// Ignoring it would scan the system's log while the user believes the pipe was read.
enum DefaultInput {
    static func inputs(for files: [String]) throws -> [String] {
        guard files.isEmpty else { return files }
        if let kind = redirectedStandardInput() {
            throw CommandFailure(
                "standard input is \(kind) but no file was named: pass '-' to read it "
                    + "(... | auditree scan -), or name the log (auditree scan \(ScanConfiguration.defaultInput))")
        }
        return [ScanConfiguration.defaultInput]
    }

    /// What standard input is when it is a pipe, a file or a socket; nil for a terminal,
    /// /dev/null (any character device) or a closed descriptor.
    static func redirectedStandardInput() -> String? {
        switch FileStatus.of(descriptor: STDIN_FILENO)?.kind {
        case .fifo?: return "a pipe"
        case .regular?: return "a file"
        case .socket?: return "a socket"
        case .directory?, .other?, nil: return nil
        }
    }
}

/// An error found while running a command (not while parsing its arguments): printed as
/// `auditree: error: message`, without the usage text, exit status 2.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { "auditree: error: \(message)" }
}
