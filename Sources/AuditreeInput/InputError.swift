/// Input that could not be read at all (as opposed to lines that could not be parsed).
public enum InputError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case isDirectory(path: String)
    case readFailed(path: String, reason: String)

    public var path: String {
        switch self {
        case .cannotOpen(let path, _), .isDirectory(let path), .readFailed(let path, _): path
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(_, let reason): "cannot open: \(reason)"
        case .isDirectory: "is a directory, not an audit log"
        case .readFailed(_, let reason): "read failed: \(reason)"
        }
    }
}
