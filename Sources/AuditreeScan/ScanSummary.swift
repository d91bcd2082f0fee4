import AuditreeParser
import AuditreeRules

/// Counts that account for every line read: `lines == records + rejected`.
public struct ScanSummary: Sendable, Equatable {
    public var files: [String] = []
    /// Non-blank lines read.
    public var lines = 0
    public var records = 0
    public var rejected = 0
    public var rejectedByReason: [RejectReason.Kind: Int] = [:]
    public var recordsByKind: [RecordKind: Int] = [:]
    public var events = 0
    public var execs = 0
    /// Events seen a second time (same node and stamp) and ignored.
    public var duplicateEvents = 0
    /// Shells whose spawner the log never described (see docs/process-tree.md).
    public var shellsWithUnknownParent = 0
    public var findings = 0
    public var findingsBySeverity: [Severity: Int] = [:]
    public var findingsByRule: [String: Int] = [:]
    /// Matches that exceptions suppressed, in all and per exception id.
    public var suppressed = 0
    public var suppressedByException: [String: Int] = [:]
    /// The suppressed matches themselves, only with `--show-suppressed` (each names its exception).
    public var suppressedFindings: [Finding] = []
    /// Findings folded into an identical earlier one (see `ScanConfiguration.groupFindings`).
    public var groupedFindings = 0
    /// Findings whose spawner was inferred from context.
    public var inferredFindings = 0
    /// Errors that stopped a file from being read (missing, unreadable, a directory).
    public var inputErrors = 0

    public init() {}
}
