#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What `stat(2)` says of a path (following symbolic links).
public struct FileStatus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case directory
        case regular
        case fifo
        case socket
        case other
    }

    public var kind: Kind
    public var device: UInt64
    public var inode: UInt64
    public var size: Int

    public init(kind: Kind, device: UInt64, inode: UInt64, size: Int) {
        self.kind = kind
        self.device = device
        self.inode = inode
        self.size = size
    }

    /// The status of an open file descriptor (`fstat(2)`), or nil when it is not open.
    public static func of(descriptor: Int32) -> FileStatus? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    /// The status of the file at `path`, or nil when there is none (or it cannot be looked at).
    public static func of(_ path: String) -> FileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    private init(_ info: stat) {
        let kind: Kind
        switch info.st_mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFREG: kind = .regular
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        default: kind = .other
        }
        self.init(kind: kind, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int(info.st_size))
    }
}

/// Whether `path` exists (`F_OK`) or is writable by this process (`W_OK`), as `access(2)` says.
public enum FileAccess {
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
    public static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }
}

/// The process's working directory.
public enum WorkingDirectory {
    /// Its path (`getcwd(3)`), "/" when it cannot be read.
    public static func path() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The text of an `errno` value, as `strerror(3)` gives it.
public func systemErrorText(_ code: Int32) -> String { String(cString: strerror(code)) }
