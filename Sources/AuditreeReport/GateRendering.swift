import AuditreeBase

/// Renders a `GateResult` in any format. Without a baseline the text, JSON and HTML
/// reports are exactly `render(_ report:)`; with one, text marks each finding and
/// extends the summary, and JSON gains a top-level `baseline` object (docs/formats.md).
extension OutputFormat {
    public func render(_ gate: GateResult, color: Bool = false, quiet: Bool = false) -> String {
        switch self {
        case .ndjson: return NDJSONReporter().render(gate)
        case .sarif: return SARIFReporter().render(gate)
        case .junit: return JUnitReporter().render(gate)
        case .text:
            guard gate.baseline != nil else { return render(gate.report, color: color, quiet: quiet) }
            return BaselineText(color: color, quiet: quiet).render(gate)
        case .json: return JSONReporter().render(gate)
        case .html:
            return render(gate.report, color: color, quiet: quiet)
        }
    }

    /// `render(_ gate:color:quiet:)` as UTF-8 bytes, for writing out. The JSON formats hand
    /// over the bytes their writer made: a String of them would be validated again, byte by
    /// byte (a report of many occurrences spent a sixth of its time there).
    public func renderBytes(_ gate: GateResult, color: Bool = false, quiet: Bool = false) -> [UInt8] {
        switch self {
        case .json: JSONReporter().renderBytes(gate)
        case .ndjson: NDJSONReporter().renderBytes(gate)
        case .sarif: SARIFReporter().renderBytes(gate)
        case .text, .html, .junit: Array(render(gate, color: color, quiet: quiet).utf8)
        }
    }
}

/// The text report with each finding marked `new` or `baselined` and a baseline summary line.
struct BaselineText {
    var color: Bool
    var quiet: Bool

    func render(_ gate: GateResult) -> String {
        let reporter = TextReporter(color: color)
        var out = ""
        for (index, finding) in gate.report.findings.enumerated() {
            let accepted = gate.accepted[index]
            if quiet && accepted != nil { continue }
            var lines = reporter.renderFinding(finding).split(separator: "\n", omittingEmptySubsequences: false).map(
                String.init)
            let mark: String
            if let accepted {
                mark =
                    "  baseline accepted (not counted for --fail-on)"
                    + (accepted.reason.map { ": " + TextEscaper.escape($0) } ?? "")
            } else {
                mark = "  baseline NEW"
            }
            lines.insert(mark + "; fingerprint \(gate.fingerprints[index])", at: min(1, lines.count))
            out += lines.joined(separator: "\n") + "\n"
        }
        if !quiet {
            out += reporter.summaryLine(gate.report.summary) + "\n"
            out += summaryLine(gate) + "\n"
        }
        return out
    }

    func summaryLine(_ gate: GateResult) -> String {
        "auditree: baseline \(TextEscaper.escape(gate.baselineFile ?? "")): \(gate.baselinedCount) finding(s) baselined, "
            + "\(gate.newCount) new; \(gate.stale.count) stale entr\(gate.stale.count == 1 ? "y" : "ies") (in the baseline, not seen in this scan)"
    }
}

/// The JSON report's top-level `baseline` object, its last member (the rest of the document is
/// byte for byte the report without a baseline).
enum BaselineJSON {
    static func write(_ gate: GateResult, _ json: inout JSONWriter) {
        json.beginObject("baseline")
        json.string("file", gate.baselineFile ?? "")
        json.number("version", Baseline.formatVersion)
        json.number("entries", gate.baseline?.entries.count ?? 0)
        json.number("baselined", gate.baselinedCount)
        json.number("new", gate.newCount)
        json.beginArray("findings")
        for index in gate.report.findings.indices {
            json.beginObject()
            json.number("index", index)
            json.string("fingerprint", gate.fingerprints[index])
            json.string("status", gate.isBaselined(index) ? "baselined" : "new")
            if let reason = gate.accepted[index]?.reason { json.string("reason", reason) } else { json.null("reason") }
            json.endObject()
        }
        json.endArray()
        json.beginArray("stale")
        for entry in gate.stale {
            json.beginObject()
            entry.write(&json, executables: false)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}
