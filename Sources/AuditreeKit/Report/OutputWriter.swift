#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension OutputFormat {
    /// The format a file name asks for: `.json` json, `.ndjson`/`.jsonl` ndjson, `.sarif` sarif,
    /// `.xml` junit, `.txt` text, `.html`/`.htm` html (when that format exists); nil otherwise.
    /// Only the last extension counts (`report.sarif.json` is json), case-insensitively.
    public init?(fileName: String) {
        let base = fileName.split(separator: "/").last.map(String.init) ?? fileName
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return nil }
        switch base[base.index(after: dot)...].lowercased() {
        case "json": self = .json
        case "ndjson", "jsonl": self = .ndjson
        case "sarif": self = .sarif
        case "xml": self = .junit
        case "txt": self = .text
        case "html", "htm":
            guard let html = OutputFormat(rawValue: "html") else { return nil }
            self = html
        default: return nil
        }
    }
}

/// An error writing a report file, with the path and the system's reason.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String { "\(path): error: cannot write the report: \(message)" }
}

/// Writes a file so readers see the old content or the new, never a part: a temporary
/// file in the same directory, written, fsync'd, renamed over the target, and the
/// directory fsync'd. The new file gets mode 0666 less the umask, like `>` in a shell.
public enum AtomicFile {
    public static func write(_ text: String, to path: String) throws(OutputError) {
        func failure(_ what: String, _ code: Int32 = errno) -> OutputError {
            OutputError(path: path, message: "\(what): \(String(cString: strerror(code)))")
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw OutputError(path: path, message: "is a directory") }
        var directoryStatus = stat()
        guard stat(directory, &directoryStatus) == 0 else { throw failure("directory \(directory)") }
        var targetStatus = stat()
        if stat(path, &targetStatus) == 0, targetStatus.st_mode & S_IFMT == S_IFDIR {
            throw OutputError(path: path, message: "is a directory")
        }

        var template = Array("\(directory)/.\(name).XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        let temporary = String(cString: template)
        var done = false
        defer {
            if !done { unlink(temporary) }
        }
        let mask = umask(0)
        umask(mask)
        guard fchmod(descriptor, 0o666 & ~mask) == 0 else {
            let code = errno
            close(descriptor)
            throw failure("chmod", code)
        }
        var text = text
        let written: Int32 = text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += count
            }
            return 0
        }
        if written != 0 {
            close(descriptor)
            throw failure("write", written)
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            throw failure("fsync", code)
        }
        guard close(descriptor) == 0 else { throw failure("close") }
        guard rename(temporary, path) == 0 else { throw failure("rename") }
        done = true
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}
