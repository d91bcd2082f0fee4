import AuditreeBase

/// A problem in a rule file, located by file, line, column and the path of the key.
public struct RuleFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// Where in the document: `rules[1].spawner.relation`.
    public var path: String
    public var message: String

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        let at = path.isEmpty ? "" : "\(path): "
        return "\(place): error: \(at)\(message)"
    }

    /// `file:line:column`, or the file alone for a problem with the whole file (it cannot be opened).
    var place: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

extension RuleFileError {
    /// As a diagnostic of the scan (for warnings: unknown keys).
    public var diagnostic: Diagnostic {
        let at = path.isEmpty ? "" : "\(path): "
        return Diagnostic(.warning, file: file, line: line, column: column, message: at + message)
    }

    /// `file:line:column: warning: path: message`.
    public var warningDescription: String {
        let at = path.isEmpty ? "" : "\(path): "
        return "\(place): warning: \(at)\(message)"
    }
}

extension RuleFileError {
    /// The key path of the one warning that says how many Sigma rules are not run.
    public static let sigmaSummaryPath = "sigma"
    public var isSigmaSummary: Bool { path == Self.sigmaSummaryPath && line == 0 }
}
