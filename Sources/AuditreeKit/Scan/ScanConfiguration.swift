/// Everything one scan needs; the command line builds it, the library runs it.
public struct ScanConfiguration: Sendable {
    /// Log files to read in this order; `-` is standard input.
    public var inputs: [String]
    /// Rule files to use instead of the built-in pack (for tests and, later, `--rules`).
    public var ruleSet: RuleSet?
    /// Stop at the first line that cannot be parsed.
    public var strict: Bool
    /// Lines longer than this are rejected (see `LineReader`).
    public var maxLineLength: Int
    /// At most this many rejected-line warnings are printed per file; all are counted.
    public var maxWarningsPerFile: Int
    /// Descendants listed per finding.
    public var descendantLimit: Int

    public static let defaultInput = "/var/log/audit/audit.log"

    public init(inputs: [String] = [ScanConfiguration.defaultInput], ruleSet: RuleSet? = nil, strict: Bool = false,
                maxLineLength: Int = LineReader.defaultMaxLineLength, maxWarningsPerFile: Int = 20, descendantLimit: Int = 200) {
        self.inputs = inputs
        self.ruleSet = ruleSet
        self.strict = strict
        self.maxLineLength = maxLineLength
        self.maxWarningsPerFile = maxWarningsPerFile
        self.descendantLimit = descendantLimit
    }
}
