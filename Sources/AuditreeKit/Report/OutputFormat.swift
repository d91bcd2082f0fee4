/// The report formats `auditree scan` can write.
public enum OutputFormat: String, CaseIterable, Sendable {
    case text, json

    /// Renders a report in this format.
    public func render(_ report: ScanReport, color: Bool = false) -> String {
        switch self {
        case .text: TextReporter(color: color).render(report)
        case .json: JSONReporter().render(report)
        }
    }
}
