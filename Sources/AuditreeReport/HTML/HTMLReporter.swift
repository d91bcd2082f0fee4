import AuditreeBase
import AuditreeParser
import AuditreeRules
import AuditreeScan
import Foundation
import Mustache

/// The report for an incident ticket: one self-contained HTML file (docs/html-report.md).
///
/// The page is a Mustache template (auto-escaping every `{{value}}`) around raw
/// inserts that never hold markup from the log: our own stylesheet and script
/// (resources, pinned by hash in the Content-Security-Policy) and three JSON blocks
/// (the findings as the `--format json` document, the rules that fired, and the
/// process tree of `HTMLProcessTree`), whose writer turns every `<`, `>` and `&`
/// into `\u00XX`, so no value can close its element. The script builds the DOM
/// with `textContent` only.
public struct HTMLReporter {
    /// Findings the page renders at first and per "show more" (documented in docs/html-report.md).
    public static let findingsPerPage = 200
    /// Characters of one argument shown before a "show all" button.
    public static let argumentDisplayCap = 2000

    /// How much of the scan's process tree the page embeds (see `HTMLProcessTree`).
    var tree = HTMLProcessTree()

    public init() {}

    public func render(_ report: ScanReport) -> String {
        let assets = HTMLAssets.shared
        let context = context(for: report, assets: assets)
        return assets.template.render(context)
    }

    func context(for report: ScanReport, assets: HTMLAssets) -> [String: Any] {
        let summary = report.summary
        var context: [String: Any] = [:]
        context["csp"] =
            "default-src 'none'; script-src \(SHA256.cspSource(assets.script)); style-src \(SHA256.cspSource(assets.style)); "
            + "img-src 'none'; font-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; "
            + "worker-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none'"
        context["style"] = assets.style
        context["script"] = assets.script
        context["data"] = Self.embeddable(JSONReporter().render(report))
        // Suppressed matches are explained by their rule too.
        context["rules"] = Self.embeddable(rulesJSON(report.findings + summary.suppressedFindings))
        // The full process tree: only when the scan kept its execs (`auditree scan` does for an HTML output).
        if !report.execs.isEmpty { context["execs"] = Self.embeddable(tree.json(report)) }
        context["treeChildCap"] = Self.treeChildCap
        context["treeExecsPerHost"] = tree.perHost
        context["treeExecsInAll"] = tree.inAll
        context["treeCommandBytes"] = tree.commandBytes
        // Suppressed matches: always counted; listed only when the scan kept them (--show-suppressed),
        // and then each exception's reason is known too.
        context["suppressed"] = summary.suppressed
        if !summary.suppressedFindings.isEmpty { context["suppressedListed"] = summary.suppressedFindings.count }
        var reasons: [String: String] = [:]
        for finding in summary.suppressedFindings {
            if let suppression = finding.suppression, reasons[suppression.exceptionID] == nil {
                reasons[suppression.exceptionID] = suppression.reason
            }
        }
        context["suppressedByException"] = summary.suppressedByException.sorted { $0.key < $1.key }.map {
            id, count -> [String: Any] in
            var row: [String: Any] = ["id": TextEscaper.escape(id), "count": count]
            if let reason = reasons[id] { row["reason"] = TextEscaper.escape(reason) }
            return row
        }
        context["hasSuppressed"] = summary.suppressed > 0
        context["findingCount"] = summary.findings
        context["findingNoun"] = summary.findings == 1 ? "finding" : "findings"
        context["noFindings"] = report.findings.isEmpty

        // Severity counts, most severe first.
        context["severities"] = Severity.allCases.reversed().map { severity -> [String: Any] in
            ["name": severity.rawValue, "count": summary.findingsBySeverity[severity] ?? 0]
        }
        // Findings by rule, with the rule's explanation.
        var ruleInfo: [String: FindingRule] = [:]
        for finding in report.findings where ruleInfo[finding.rule.id] == nil {
            ruleInfo[finding.rule.id] = finding.rule
        }
        context["rulesTable"] = summary.findingsByRule.sorted { $0.key < $1.key }.map { id, count -> [String: Any] in
            let rule = ruleInfo[id]
            return [
                "id": TextEscaper.escape(id), "name": rule.map { TextEscaper.escape($0.name) } ?? "",
                "description": rule.map { TextEscaper.escape($0.description) } ?? "",
                "severity": rule?.severity.rawValue ?? "", "mitre": rule?.mitre.joined(separator: ", ") ?? "",
                "count": count,
            ]
        }
        context["hasRules"] = !summary.findingsByRule.isEmpty
        // Hosts as seen in the findings (the summary does not list hosts yet).
        var hosts: [String: Int] = [:]
        for finding in report.findings { hosts[finding.host ?? "", default: 0] += 1 }
        context["hosts"] = hosts.sorted { $0.key < $1.key }.map { host, count -> [String: Any] in
            [
                "name": host.isEmpty ? "(no node= in the log)" : TextEscaper.escape(host), "unnamed": host.isEmpty,
                "count": count,
            ]
        }
        context["hostCount"] = hosts.count
        // Time range of the findings.
        let stamps = report.findings.compactMap { $0.process.image?.stamp }
        if let first = stamps.min(), let last = stamps.max() {
            context["timeRange"] = ["first": TimeFormat.iso8601(first), "last": TimeFormat.iso8601(last)]
        }
        context["files"] = summary.files.map { TextEscaper.escape($0) }
        context["fileCount"] = summary.files.count
        context["counts"] =
            [
                ["label": "Lines read", "value": summary.lines],
                ["label": "Records", "value": summary.records],
                ["label": "Rejected lines", "value": summary.rejected],
                ["label": "Events", "value": summary.events],
                ["label": "Successful execs", "value": summary.execs],
                ["label": "Duplicate events ignored", "value": summary.duplicateEvents],
                ["label": "Shells with a parent the log never describes", "value": summary.shellsWithUnknownParent],
                ["label": "Input errors", "value": summary.inputErrors],
            ] as [[String: Any]]
        context["rejectedByReason"] = RejectReason.Kind.allCases.sorted().compactMap { kind -> [String: Any]? in
            guard let count = summary.rejectedByReason[kind], count > 0 else { return nil }
            return ["reason": kind.rawValue, "count": count]
        }
        context["diagnostics"] = report.diagnostics.prefix(Self.diagnosticsCap).map {
            ["text": TextEscaper.escape($0.description), "level": $0.level.rawValue]
        }
        context["diagnosticCount"] = report.diagnostics.count
        context["hasDiagnostics"] = !report.diagnostics.isEmpty
        if report.diagnostics.count > Self.diagnosticsCap {
            context["diagnosticsCut"] = report.diagnostics.count - Self.diagnosticsCap
        }
        context["stoppedEarly"] = report.stoppedEarly
        context["findingsPerPage"] = Self.findingsPerPage
        context["argumentDisplayCap"] = Self.argumentDisplayCap
        return context
    }

    /// Children of one process the full tree renders per expansion, then "show more".
    public static let treeChildCap = 500

    /// Diagnostics listed in the page; the rest are counted.
    public static let diagnosticsCap = 100

    /// `{rule id: {name, description, severity, category, mitre}}` for the rules that fired.
    func rulesJSON(_ findings: [Finding]) -> String {
        var seen: [String: FindingRule] = [:]
        for finding in findings where seen[finding.rule.id] == nil { seen[finding.rule.id] = finding.rule }
        var json = JSONWriter(pretty: false)
        json.beginObject()
        for (id, rule) in seen.sorted(by: { $0.key < $1.key }) {
            json.beginObject(id)
            json.string("name", rule.name)
            json.string("description", rule.description)
            rule.writeTraits(&json)
            json.endObject()
        }
        json.endObject()
        return json.output
    }

    /// JSON from `JSONWriter` made compact and safe inside `<script type="application/json">`.
    ///
    /// `JSONWriter` writes `<`, `>`, `&`, control characters and U+2028/9 as `\u` escapes, so a
    /// raw newline is always layout: dropping it with the indentation after it keeps the value
    /// and shrinks the page. Any `<` left (none expected) is escaped too, so `</script>` and
    /// `<!--` cannot appear whatever the writer does.
    ///
    /// The second `/` of any `//` is written `\/` (the same string to JSON; `/` only occurs
    /// inside strings): logged command lines hold URLs (`curl http://...`), and the file should
    /// not carry a literal URL that a mail gateway, ticket system or scanner takes for a link or
    /// a reference to load. The page shows the value unchanged, as text.
    static func embeddable(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count)
        var skippingIndent = false
        var previous: Unicode.Scalar = " "
        for scalar in json.unicodeScalars {
            if skippingIndent && scalar == " " { continue }
            skippingIndent = false
            switch scalar {
            case "\n": skippingIndent = true
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "/" where previous == "/": out += "\\/"
            default: out.unicodeScalars.append(scalar)
            }
            previous = scalar
        }
        return out
    }
}

/// The template, stylesheet and script, compiled into the binary (Report/HTML/Resources, embedded by SwiftPM).
struct HTMLAssets: Sendable {
    let template: MustacheTemplate
    let style: String
    let script: String

    static let shared: HTMLAssets = {
        do { return try HTMLAssets() } catch { fatalError("auditree: the HTML report resources are invalid: \(error)") }
    }()

    init() throws {
        func load(_ bytes: [UInt8], _ name: String) throws -> String {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CocoaError(
                    .fileReadInapplicableStringEncoding, userInfo: [NSFilePathErrorKey: "Resources/\(name)"])
            }
            return text
        }
        template = try MustacheTemplate(string: try load(PackageResources.report_mustache, "report.mustache"))
        // The hash in the CSP covers the exact text between the tags, so trailing newlines are kept out of both.
        style = try load(PackageResources.report_css, "report.css").trimmingCharacters(in: .whitespacesAndNewlines)
        script = try load(PackageResources.report_js, "report.js").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
