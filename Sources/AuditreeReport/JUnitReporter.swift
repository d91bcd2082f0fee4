import AuditreeBase
import AuditreeScan

/// JUnit XML (the Ant schema CI systems read): one `<testsuite>`, a passing test
/// case for each rule without findings, a test case per finding with a `<failure>`
/// (the schema allows one failure per test case), `<skipped>` for baselined
/// findings, and an `input` test case that errors when a log could not be read.
/// Layout and escaping in docs/formats.md.
public struct JUnitReporter {
    public init() {}

    public func render(_ report: ScanReport) -> String { render(GateResult(report: report)) }

    struct Case {
        var name: String
        var classname: String
        /// nil: passed; else (element, message, type, body).
        var outcome: (element: String, message: String, type: String?, body: String)?
    }

    public func render(_ gate: GateResult) -> String {
        let report = gate.report
        var cases: [Case] = []
        let inputFailed = report.inputFailed
        var inputCase = Case(name: "logs read", classname: "auditree.input")
        if inputFailed {
            let errors = report.diagnostics.filter { $0.level == .error }.map(\.description)
            let message =
                report.stoppedEarly
                ? "--strict stopped the scan at a bad line" : "\(report.summary.inputErrors) input error(s)"
            inputCase.outcome = ("error", message, "input-error", errors.joined(separator: "\n"))
        }
        cases.append(inputCase)

        let text = TextReporter()
        for rule in gate.rules {
            let indices = report.findings.indices.filter { report.findings[$0].rule.id == rule.id }
            if indices.isEmpty {
                cases.append(Case(name: "\(rule.id): \(rule.name)", classname: "auditree.\(rule.id)"))
                continue
            }
            var seen: [String: Int] = [:]
            for index in indices {
                let finding = report.findings[index]
                let fingerprint = gate.fingerprints[index]
                seen[fingerprint, default: 0] += 1
                let repeatSuffix = seen[fingerprint]! > 1 ? " #\(seen[fingerprint]!)" : ""
                let spawner =
                    finding.spawner.image?.exe?.basename.description ?? finding.spawner.image?.comm?.description ?? "?"
                let shell = finding.process.image?.exe?.basename.description ?? "?"
                var pattern = Fingerprint.pattern(finding)
                if pattern.count > 80 { pattern = String(pattern.prefix(77)) + "..." }
                let name = "\(rule.id): \(spawner) -> \(shell) \(pattern) [\(fingerprint.prefix(12))]\(repeatSuffix)"
                let body = "fingerprint \(fingerprint)\n" + text.renderFinding(finding)
                let severity = "[\(finding.rule.severity.rawValue.uppercased())] "
                if let accepted = gate.accepted[index] {
                    let message =
                        "baselined" + (accepted.reason.map { ": " + $0 } ?? "") + " - " + severity
                        + SARIFReporter.message(finding)
                    cases.append(
                        Case(name: name, classname: "auditree.\(rule.id)", outcome: ("skipped", message, nil, body)))
                } else {
                    cases.append(
                        Case(
                            name: name, classname: "auditree.\(rule.id)",
                            outcome: (
                                "failure", severity + SARIFReporter.message(finding), finding.rule.severity.rawValue,
                                body
                            )))
                }
            }
        }

        let failures = cases.count { $0.outcome?.element == "failure" }
        let errors = cases.count { $0.outcome?.element == "error" }
        let skipped = cases.count { $0.outcome?.element == "skipped" }
        var xml = XMLWriter()
        xml.begin(
            "testsuite",
            [
                ("name", "auditree"), ("timestamp", Self.timestamp(report)), ("hostname", Self.hostname(report)),
                ("tests", String(cases.count)), ("failures", String(failures)), ("errors", String(errors)),
                ("skipped", String(skipped)), ("time", "0"),
            ])
        xml.begin("properties")
        var properties: [(String, String)] = [
            ("files", report.summary.files.map(TextEscaper.escape).joined(separator: " ")),
            ("lines", String(report.summary.lines)), ("records", String(report.summary.records)),
            ("rejected", String(report.summary.rejected)), ("events", String(report.summary.events)),
            ("execs", String(report.summary.execs)), ("findings", String(report.summary.findings)),
            ("input_errors", String(report.summary.inputErrors)),
        ]
        if let baseline = gate.baseline {
            properties += [
                ("baseline", TextEscaper.escape(gate.baselineFile ?? "")),
                ("baseline_entries", String(baseline.entries.count)),
                ("baselined", String(gate.baselinedCount)), ("new", String(gate.newCount)),
                ("stale_baseline_entries", String(gate.stale.count)),
            ]
        }
        for (name, value) in properties { xml.element("property", [("name", name), ("value", value)]) }
        xml.end()
        for testCase in cases {
            xml.begin("testcase", [("name", testCase.name), ("classname", testCase.classname), ("time", "0")])
            if let outcome = testCase.outcome {
                var attributes = [("message", outcome.message)]
                if let type = outcome.type { attributes.append(("type", type)) }
                xml.element(outcome.element, attributes, text: outcome.body)
            }
            xml.end()
        }
        var out = [text.summaryLine(report.summary)]
        if gate.baseline != nil {
            out.append(
                "baseline \(TextEscaper.escape(gate.baselineFile ?? "")): \(gate.baselinedCount) finding(s) baselined, \(gate.newCount) new, \(gate.stale.count) stale entr\(gate.stale.count == 1 ? "y" : "ies")"
            )
            out += gate.staleNotes
        }
        xml.element("system-out", text: out.joined(separator: "\n") + "\n")
        xml.element("system-err", text: report.diagnostics.map(\.description).joined(separator: "\n"))
        xml.end()
        return xml.output
    }

    /// The newest finding's log time (the schema wants no fraction and no zone; it is UTC),
    /// so the same logs give the same bytes; 1970-01-01T00:00:00 without findings.
    static func timestamp(_ report: ScanReport) -> String {
        guard let stamp = report.findings.compactMap({ $0.process.image?.stamp }).max() else {
            return "1970-01-01T00:00:00"
        }
        return String(TimeFormat.iso8601(stamp).prefix(19))
    }

    /// The findings' hosts, sorted and comma-separated; "unknown" when no finding names one.
    static func hostname(_ report: ScanReport) -> String {
        let hosts = Set(report.findings.compactMap(\.host)).sorted().map(TextEscaper.escape)
        return hosts.isEmpty ? "unknown" : hosts.joined(separator: ",")
    }
}
