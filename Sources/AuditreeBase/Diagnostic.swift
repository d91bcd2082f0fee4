/// A message about the input, printed compiler-style: `file:line:col: error: message`.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Level: String, Sendable, CaseIterable {
        case error, warning, note
    }

    public var level: Level
    public var file: String
    /// 0 when the message is about the whole file.
    public var line: Int
    public var column: Int
    public var message: String
    /// Printed even under `--quiet` (errors always are): a warning that the scan cannot see what it looks for.
    public var shownWhenQuiet = false

    public init(_ level: Level, file: String, line: Int = 0, column: Int = 0, message: String) {
        self.level = level
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.shownWhenQuiet = level == .error
    }

    public var description: String {
        let place = line > 0 ? "\(TextEscaper.escape(file)):\(line):\(column)" : TextEscaper.escape(file)
        return "\(place): \(level.rawValue): \(message)"
    }
}
