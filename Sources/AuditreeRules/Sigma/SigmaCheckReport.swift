import AuditreeBase

/// `rules check --sigma`: what runs, and each rule file that does not with its reason.
public enum SigmaCheckReport {
    public static func text(_ set: RuleSet) -> String {
        let sigma = set.allRules.compactMap(\.sigma)
        let byTarget = Dictionary(grouping: sigma, by: \.target)
        let skipped = set.sigmaSkipped
        var out = "Sigma: \(sigma.count + skipped.count) rule file(s): \(sigma.count) loaded"
        out +=
            " ("
            + SigmaRule.Target.allCases.map { "\(byTarget[$0]?.count ?? 0) \($0.rawValue)" }.joined(separator: ", ")
            + ")"
        out += ", \(skipped.count) not run\n"
        let reasons = Dictionary(grouping: skipped, by: { summaryReason($0.reason) })
        for reason in reasons.keys.sorted(by: {
            reasons[$0]!.count > reasons[$1]!.count || (reasons[$0]!.count == reasons[$1]!.count && $0 < $1)
        }) {
            out += "  \(reasons[reason]!.count) x \(TextEscaper.escapeRuleText(reason))\n"
        }
        if !skipped.isEmpty { out += "Not run:\n" }
        for item in skipped {
            let kind = item.isError ? "error" : "not run"
            let id = item.id.map { " \($0)" } ?? ""
            let title = item.title.map { " (\($0))" } ?? ""
            out +=
                "  \(TextEscaper.escapeRuleText(item.file)): \(kind):\(TextEscaper.escapeRuleText(id + title)): \(TextEscaper.escapeRuleText(item.reason))\n"
        }
        return out
    }

    /// The reason without the rule's own names, to count alike reasons together.
    static func summaryReason(_ reason: String) -> String {
        if reason.hasPrefix("logsource") { return reason }
        if let range = reason.range(of: ": ") {
            return String(reason[range.upperBound...]).replacingOccurrences(
                of: #"'[^']*'"#, with: "'...'", options: .regularExpression)
        }
        return reason
    }
}
