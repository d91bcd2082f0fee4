import AuditreeBase
import AuditreeInput

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

/// Writes a report or checkpoint file without harming what the path names (auditree runs as root).
///
/// - A regular file (or a new one) is replaced atomically: a temporary file in the same
///   directory, written, fsync'd, renamed over the target, the directory fsync'd. Readers see
///   the old content or the new, never a part. An existing file keeps its mode (set-id bits
///   dropped) and, where the system lets us, its owner and group; a new file gets 0600,
///   whatever the umask: reports and checkpoints hold command lines from the root-only log.
/// - A FIFO, a character or block device, or a descriptor's name (`/dev/stdout`, `/dev/fd/1`,
///   anything under `/proc/`) is opened and written to, appending, never renamed over. A Unix
///   socket is connected to and written to.
/// - A symbolic link is followed to its target, which is then treated as above (so
///   `report.json -> /srv/reports/today.json` replaces `today.json` and keeps the link),
///   except a link in a sticky world-writable directory (`/tmp`) owned by neither us nor the
///   directory's owner: that is refused, as the kernel's `protected_symlinks` does for `open`.
/// - A directory is an error.
public enum AtomicFile {
    /// The mode of a file that did not exist.
    public static let newFileMode: mode_t = 0o600

    public static func write(_ text: String, to path: String) throws(OutputError) {
        try write(Array(text.utf8), to: path)
    }

    /// `write(_:to:)` of bytes: a report as its writer made them.
    public static func write(_ bytes: [UInt8], to path: String) throws(OutputError) {
        func failure(_ what: String, _ code: Int32 = errno) -> OutputError {
            OutputError(path: path, message: "\(what): \(String(cString: strerror(code)))")
        }
        guard !path.isEmpty, !path.hasSuffix("/") else { throw OutputError(path: path, message: "is a directory") }
        var linkStatus = stat()
        var target = path
        if lstat(path, &linkStatus) == 0, linkStatus.st_mode & S_IFMT == S_IFLNK {
            if let refusal = untrustedLink(path, linkStatus) { throw OutputError(path: path, message: refusal) }
            if !inPlace(path) {
                // Follow the link to a file that exists; a dangling link names the file to create.
                if let destination = readLink(path), inPlace(destination) {
                    target = destination  // a link to /dev/stdout: the descriptor, not what it names now
                } else if let resolved = realpath(path, nil) {
                    target = String(cString: resolved)
                    free(resolved)
                } else if let dangling = danglingTarget(path) {
                    target = dangling
                } else {
                    throw failure("cannot resolve the symbolic link")
                }
            }
        }
        var status = stat()
        let exists = stat(target, &status) == 0
        if exists {
            switch status.st_mode & S_IFMT {
            case S_IFDIR: throw OutputError(path: path, message: "is a directory")
            case S_IFREG where !inPlace(path) && !inPlace(target): break
            case S_IFSOCK: return try writeToSocket(bytes, target, failure)
            default: return try writeInPlace(bytes, target, failure)
            }
        } else if inPlace(path) || inPlace(target) {
            throw failure("cannot open")
        }
        try replace(target, with: bytes, keeping: exists ? status : nil, failure)
    }

    /// Names of open descriptors (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`, anything under
    /// `/proc/`): written, never replaced, even when the descriptor is a regular file (`> out`).
    /// A regular file elsewhere under `/dev/` (`/dev/shm/report.json`) is replaced as any other.
    static func inPlace(_ path: String) -> Bool {
        path.hasPrefix("/proc/") || path.hasPrefix("/dev/fd/")
            || ["/dev/stdout", "/dev/stderr", "/dev/stdin"].contains(path)
    }

    /// A link an attacker could have planted for us in a shared directory.
    private static func untrustedLink(_ path: String, _ link: stat) -> String? {
        var directory = stat()
        guard stat(directoryOf(path), &directory) == 0 else { return nil }
        let sharedSticky = directory.st_mode & S_ISVTX != 0 && directory.st_mode & S_IWOTH != 0
        guard sharedSticky, link.st_uid != geteuid(), link.st_uid != directory.st_uid else { return nil }
        return "is a symbolic link in a shared sticky directory, owned by another user: not followed"
    }

    /// The path a link that names a missing file points to (relative to the link's directory).
    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func danglingTarget(_ path: String) -> String? {
        guard let destination = readLink(path) else { return nil }
        var linkStatus = stat()
        // One level only: a chain of dangling links is refused rather than walked.
        if lstat(destination.hasPrefix("/") ? destination : directoryOf(path) + "/" + destination, &linkStatus) == 0 {
            return nil
        }
        return destination.hasPrefix("/") ? destination : directoryOf(path) + "/" + destination
    }

    static func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func replace(
        _ path: String, with bytes: [UInt8], keeping existing: stat?,
        _ failure: (String, Int32) -> OutputError
    ) throws(OutputError) {
        let directory = directoryOf(path)
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        var directoryStatus = stat()
        guard stat(directory, &directoryStatus) == 0 else { throw failure("directory \(directory)", errno) }

        var template = Array("\(directory)/.\(name).XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure("cannot create a temporary file in \(directory)", errno) }
        let temporary = String(cString: template)
        var done = false
        defer {
            if !done { unlink(temporary) }
        }
        // mkstemp makes the file 0600; an existing file's mode and owner carry over.
        if let existing {
            // Owner first: chown clears set-id bits, and those are dropped anyway.
            _ = fchown(descriptor, existing.st_uid, existing.st_gid)
            guard fchmod(descriptor, existing.st_mode & 0o777) == 0 else {
                let code = errno
                close(descriptor)
                throw failure("chmod", code)
            }
        } else {
            guard fchmod(descriptor, newFileMode) == 0 else {
                let code = errno
                close(descriptor)
                throw failure("chmod", code)
            }
        }
        let written = DescriptorWriter.writeAll(bytes, to: descriptor)
        if written != 0 {
            close(descriptor)
            throw failure("write", written)
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            throw failure("fsync", code)
        }
        guard close(descriptor) == 0 else { throw failure("close", errno) }
        guard rename(temporary, path) == 0 else { throw failure("rename", errno) }
        done = true
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// A FIFO, a device, a descriptor under /proc: opened for writing (a FIFO waits for its
    /// reader, as `>` does) and written; fsync only where the file supports it.
    private static func writeInPlace(_ bytes: [UInt8], _ path: String, _ failure: (String, Int32) -> OutputError)
        throws(OutputError)
    {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open", errno) }
        let written = DescriptorWriter.writeAll(bytes, to: descriptor)
        if written != 0 {
            close(descriptor)
            throw failure("write", written)
        }
        if fsync(descriptor) != 0, errno != EINVAL, errno != EROFS, errno != ENOTSUP {
            let code = errno
            close(descriptor)
            throw failure("fsync", code)
        }
        guard close(descriptor) == 0 else { throw failure("close", errno) }
    }

    private static func writeToSocket(_ bytes: [UInt8], _ path: String, _ failure: (String, Int32) -> OutputError)
        throws(OutputError)
    {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw failure("socket", errno) }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw failure("connect", ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw failure("connect", errno) }
        let written = DescriptorWriter.writeAll(bytes, to: descriptor)
        if written != 0 { throw failure("write", written) }
    }

    // MARK: Outputs that are inputs

    /// The first output that is the same file (device and inode, through links and relative
    /// paths) as one of the inputs, as a usage error; nil when none is. Outputs that do not
    /// exist yet, and inputs that are not regular files (`-`, FIFOs, `/dev/null`) cannot collide.
    public static func collision(outputs: [String], inputs: [String]) -> String? {
        func identity(_ path: String) -> (dev_t, ino_t)? {
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
            return (status.st_dev, status.st_ino)
        }
        var seen: [String: String] = [:]
        for input in InputSet.expand(inputs).paths {
            if input == "-" {
                // Standard input redirected from a file (`< audit.log`) is that file.
                var status = stat()
                if fstat(STDIN_FILENO, &status) == 0, status.st_mode & S_IFMT == S_IFREG {
                    seen["\(status.st_dev):\(status.st_ino)"] = "standard input"
                }
            } else if let id = identity(input) {
                seen["\(id.0):\(id.1)"] = input
            }
        }
        var written: [String: String] = [:]
        for output in outputs where output != "-" && !inPlace(output) {
            // A file still to be made is known by its directory's real path and its name.
            let key: String
            if let id = identity(output) {
                key = "\(id.0):\(id.1)"
            } else if let directory = realpath(directoryOf(output), nil) {
                key = String(cString: directory) + "/" + (output.split(separator: "/").last.map(String.init) ?? output)
                free(directory)
            } else {
                continue
            }
            if let input = seen[key] {
                return
                    "\(output): is the input \(input): refusing to replace a log being scanned; choose another output file"
            }
            if let other = written[key], other != output {
                return "\(output): is the same file as \(other): name each output once"
            }
            written[key] = output
        }
        return nil
    }
}
