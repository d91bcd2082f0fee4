import AuditreeKit

#if canImport(Glibc)
import Glibc
#endif

/// Writes straight to a file descriptor (no shared C `FILE*` state, which Swift 6 rejects).
enum Console {
    /// Writes the report text to standard output; a failure (a full disk, a closed pipe with
    /// SIGPIPE ignored) comes back as an error, so the caller fails the run and keeps the checkpoint.
    static func out(_ text: String) throws(ConsoleError) {
        let code = DescriptorWriter.writeAll(text, to: STDOUT_FILENO)
        if code != 0 { throw ConsoleError(code: code) }
    }

    /// `out` of bytes: a report as its writer made them.
    static func out(_ bytes: [UInt8]) throws(ConsoleError) {
        let code = DescriptorWriter.writeAll(bytes, to: STDOUT_FILENO)
        if code != 0 { throw ConsoleError(code: code) }
    }

    /// Diagnostics: nothing is left to tell if stderr itself fails.
    static func error(_ text: String) { _ = DescriptorWriter.writeAll(text, to: STDERR_FILENO) }

    /// Makes what went to standard output durable where that can fail late: a regular file
    /// (a disk filled by someone else, a network file system) reports errors only at fsync.
    static func flushOut() throws(ConsoleError) {
        var info = stat()
        guard fstat(STDOUT_FILENO, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return }
        if fsync(STDOUT_FILENO) != 0, errno != EINVAL, errno != EROFS { throw ConsoleError(code: errno) }
    }

}

/// Standard output could not take the report.
struct ConsoleError: Error, CustomStringConvertible {
    var code: Int32

    var description: String {
        let reason = String(cString: strerror(code))
        return code == EPIPE
            ? "auditree: error: cannot write the report to standard output: \(reason) (the reader closed it); the report was not delivered"
            : "auditree: error: cannot write the report to standard output: \(reason); the report was not delivered"
    }
}
