#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a path names, following symbolic links as `stat(2)` does.
public enum FileKind: Sendable, Equatable {
    case directory
    case regular
    case other

    /// The kind of file at `path`, or nil when there is none (or it cannot be looked at).
    public static func of(_ path: String) -> FileKind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        default: return .other
        }
    }
}
