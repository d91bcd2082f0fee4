import AuditreeBase
import AuditreeRules
import AuditreeScan

/// A scan report as a CI gate sees it: the rules that ran, each finding's fingerprint,
/// and, with a baseline, which findings are accepted and which entries went stale.
public struct GateResult: Sendable {
    public var report: ScanReport
    /// Every rule of the scan, in rule-pack order (a rule without findings is a passing check).
    public var rules: [FindingRule]
    public var baseline: Baseline?
    /// The baseline's file name as given, for reports.
    public var baselineFile: String?
    /// Parallel to `report.findings`.
    public private(set) var fingerprints: [String]
    /// Parallel to `report.findings`: the baseline entry that accepts the finding, or nil.
    public private(set) var accepted: [Baseline.Entry?]
    /// Baseline entries no finding of this scan matched, in baseline order.
    public private(set) var stale: [Baseline.Entry]

    /// `rules` defaults to the rules the scan ran (`report.rules`), else the built-in pack; rules
    /// seen only in findings are added after them.
    public init(report: ScanReport, rules: [Rule]? = nil, baseline: Baseline? = nil, baselineFile: String? = nil) {
        self.report = report
        self.baseline = baseline
        self.baselineFile = baselineFile
        var ruleList = (rules ?? report.rules ?? (try? RuleSet.builtIn().rules) ?? []).map(FindingRule.init)
        for finding in report.findings where !ruleList.contains(where: { $0.id == finding.rule.id }) {
            ruleList.append(finding.rule)
        }
        self.rules = ruleList
        fingerprints = report.findings.map(Fingerprint.of)
        var entries: [String: Baseline.Entry] = [:]
        for entry in baseline?.entries ?? [] where entries[entry.fingerprint] == nil {
            entries[entry.fingerprint] = entry
        }
        accepted = fingerprints.map { entries[$0] }
        let seen = Set(fingerprints)
        stale = (baseline?.entries ?? []).filter { !seen.contains($0.fingerprint) }
    }

    public func isBaselined(_ index: Int) -> Bool { accepted[index] != nil }
    public var baselinedCount: Int { accepted.count { $0 != nil } }
    public var newCount: Int { accepted.count { $0 == nil } }

    /// `ScanReport.exitCode(failOn:)`, where baselined findings never fail the gate.
    public func exitCode(failOn: Severity) -> Int32 { report.exitCode(failOn: failOn, accepted: isBaselined) }

    /// One line per stale entry, for standard error.
    public var staleNotes: [String] {
        stale.map { entry in
            "\(baselineFile ?? "baseline"): note: baseline entry \(entry.fingerprint) (\(entry.rule): \(TextEscaper.escape(entry.example))) matched no finding in this scan; remove it if the cause is gone"
        }
    }
}
