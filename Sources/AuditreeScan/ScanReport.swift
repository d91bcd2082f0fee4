import AuditreeBase
import AuditreeTree
import AuditreeRules

/// The outcome of a scan: what was read, what was found, and what went wrong.
public struct ScanReport: Sendable {
    public var summary: ScanSummary
    public var findings: [Finding]
    public var diagnostics: [Diagnostic]
    /// Set when `--strict` stopped the scan at a bad line.
    public var stoppedEarly: Bool
    /// What the next run resumes from, when the scan was checkpointing; write it only after the report.
    public var checkpoint: Checkpoint?
    /// Every exec, in log order, when the configuration asked for them.
    public var execs: [ExecRecord] = []
    /// With a filter: the findings (grouped as `findings` are) before it was applied, so a filter
    /// that leaves nothing can say what it left out.
    public var unfilteredFindings = 0

    /// The process exit status: 2 for input or usage errors, 1 for findings at
    /// or above `failOn`, 0 otherwise.
    public func exitCode(failOn: Severity) -> Int32 {
        if summary.inputErrors > 0 || stoppedEarly { return 2 }
        return findings.contains { $0.rule.severity >= failOn } ? 1 : 0
    }
}
