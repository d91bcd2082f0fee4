import AuditreeScan

/// The report formats `auditree scan` can write.
public enum OutputFormat: String, CaseIterable, Sendable {
    case text, json, html, ndjson, sarif, junit

    /// Renders a report in this format. `quiet` leaves the text report's summary out
    /// (so a scan that finds nothing prints nothing); machine formats are always whole.
    public func render(_ report: ScanReport, color: Bool = false, quiet: Bool = false) -> String {
        switch self {
        case .text: TextReporter(color: color, summary: !quiet).render(report)
        case .json: JSONReporter().render(report)
        case .html: HTMLReporter().render(report)
        case .ndjson: NDJSONReporter().render(report)
        case .sarif: SARIFReporter().render(report)
        case .junit: JUnitReporter().render(report)
        }
    }
}
