import AuditreeBase
import AuditreeRules
import AuditreeTree

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
    /// The enabled rules the scan ran, in priority order (Sigma rules included); nil for a
    /// report a scan did not make. Gate formats list these as the checks that ran.
    public var rules: [Rule]?
    /// The most matches the rules held whole at once while the scan ran (`RuleEvaluator.peakHeldMatches`).
    package var peakHeldMatches = 0

    /// Some input could not be read, or `--strict` stopped at a bad line: the verdict is not
    /// "nothing is there" (exit status 2, no baseline written, the JUnit input case fails).
    public var inputFailed: Bool { summary.inputErrors > 0 || stoppedEarly }

    /// The process exit status: 2 for input or usage errors, 1 for findings at
    /// or above `failOn` that are not `accepted` (by a baseline, say), 0 otherwise.
    public func exitCode(failOn: Severity, accepted: (Int) -> Bool = { _ in false }) -> Int32 {
        if inputFailed { return 2 }
        return findings.indices.contains { !accepted($0) && findings[$0].rule.severity >= failOn } ? 1 : 0
    }
}
