import AuditreeBase
import AuditreeParser
import AuditreeRules
import AuditreeScan
import AuditreeSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// SARIF 2.1.0 (one run): every rule in `tool.driver.rules`, one result per finding
/// pointing at the shell's SYSCALL record in the log. Fields in docs/formats.md.
public struct SARIFReporter {
    public static let schemaURI =
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// Absolute log paths under this directory become relative URIs; nil: the current directory.
    public var baseDirectory: String?

    public init(baseDirectory: String? = nil) { self.baseDirectory = baseDirectory }

    public func render(_ report: ScanReport) -> String { render(GateResult(report: report)) }

    public static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: "error"
        case .medium: "warning"
        case .low, .info: "note"
        }
    }

    /// GitHub code scanning reads `security-severity` (0.0-10.0) to rank security results.
    static func securitySeverity(_ severity: Severity) -> String {
        switch severity {
        case .critical: "9.5"
        case .high: "8.0"
        case .medium: "5.5"
        case .low: "3.0"
        case .info: "0.0"
        }
    }

    public func render(_ gate: GateResult) -> String { String(decoding: renderBytes(gate), as: UTF8.self) }

    /// `render(_ gate:)` as the UTF-8 bytes the writer made.
    public func renderBytes(_ gate: GateResult) -> [UInt8] {
        let base = baseDirectory ?? Self.currentDirectory()
        var json = JSONWriter()
        json.beginObject()
        json.string("$schema", Self.schemaURI)
        json.string("version", "2.1.0")
        json.beginArray("runs")
        json.beginObject()

        json.beginObject("tool")
        json.beginObject("driver")
        json.string("name", "auditree")
        json.beginArray("rules")
        for rule in gate.rules { writeRule(rule, &json) }
        json.endArray()
        json.endObject()
        json.endObject()

        json.beginArray("invocations")
        json.beginObject()
        json.bool("executionSuccessful", gate.report.summary.inputErrors == 0 && !gate.report.stoppedEarly)
        let notifications = gate.report.diagnostics.filter { $0.level == .error }
        if !notifications.isEmpty {
            json.beginArray("toolExecutionNotifications")
            for diagnostic in notifications {
                json.beginObject()
                json.string("level", "error")
                json.beginObject("message")
                json.string("text", TextEscaper.escape(diagnostic.description))
                json.endObject()
                json.endObject()
            }
            json.endArray()
        }
        json.endObject()
        json.endArray()

        json.beginArray("results")
        for (index, finding) in gate.report.findings.enumerated() {
            writeResult(finding, index: index, gate: gate, base: base, &json)
        }
        json.endArray()

        json.beginObject("properties")
        json.beginObject("auditree")
        json.number("findings", gate.report.summary.findings)
        if let baseline = gate.baseline {
            json.string("baselineFile", gate.baselineFile ?? "")
            json.number("baselineEntries", baseline.entries.count)
            json.number("baselined", gate.baselinedCount)
            json.number("new", gate.newCount)
            json.beginArray("staleBaselineEntries")
            for entry in gate.stale {
                json.beginObject()
                json.string("fingerprint", entry.fingerprint)
                json.string("rule", entry.rule)
                json.string("example", entry.example)
                json.endObject()
            }
            json.endArray()
        }
        json.endObject()
        json.endObject()

        json.endObject()
        json.endArray()
        json.endObject()
        return json.takeLine()
    }

    private func writeRule(_ rule: FindingRule, _ json: inout JSONWriter) {
        json.beginObject()
        json.string("id", rule.id)
        json.string("name", rule.name)
        json.beginObject("shortDescription")
        json.string("text", rule.name)
        json.endObject()
        json.beginObject("fullDescription")
        json.string("text", rule.description)
        json.endObject()
        json.beginObject("help")
        json.string(
            "text",
            rule.description + (rule.mitre.isEmpty ? "" : " MITRE ATT&CK: " + rule.mitre.joined(separator: ", ") + ".")
                + (rule.author.isEmpty ? "" : " Author: \(rule.author).") + rule.references.map { " \($0)" }.joined())
        json.endObject()
        json.beginObject("defaultConfiguration")
        json.string("level", Self.level(rule.severity))
        json.endObject()
        json.beginObject("properties")
        json.beginArray("tags")
        json.string(nil, "security")
        json.string(nil, rule.category)
        for technique in rule.mitre { json.string(nil, "external/mitre/attack/" + technique) }
        json.endArray()
        json.string("security-severity", Self.securitySeverity(rule.severity))
        rule.writeTraits(&json)
        json.endObject()
        json.endObject()
    }

    private func writeResult(_ finding: Finding, index: Int, gate: GateResult, base: String, _ json: inout JSONWriter) {
        json.beginObject()
        json.string("ruleId", finding.rule.id)
        if let ruleIndex = gate.rules.firstIndex(where: { $0.id == finding.rule.id }) {
            json.number("ruleIndex", ruleIndex)
        }
        json.string("level", Self.level(finding.rule.severity))
        json.beginObject("message")
        json.string("text", Self.message(finding))
        json.endObject()
        json.beginArray("locations")
        json.beginObject()
        json.beginObject("physicalLocation")
        json.beginObject("artifactLocation")
        json.string("uri", Self.uri(finding.location.file, base: base))
        json.endObject()
        json.beginObject("region")
        json.number("startLine", max(1, finding.location.line))
        json.endObject()
        json.endObject()
        json.endObject()
        json.endArray()
        writeOccurrences(finding, base: base, &json)
        json.beginObject("partialFingerprints")
        json.string(Fingerprint.sarifKey, gate.fingerprints[index])
        json.endObject()
        if gate.baseline != nil {
            let accepted = gate.accepted[index]
            json.string("baselineState", accepted == nil ? "new" : "unchanged")
            if let accepted {
                json.beginArray("suppressions")
                json.beginObject()
                json.string("kind", "external")
                json.string("status", "accepted")
                json.string("justification", accepted.reason ?? "in the baseline \(gate.baselineFile ?? "")")
                json.endObject()
                json.endArray()
            }
        }
        json.beginObject("properties")
        if let number = finding.number { json.number("number", number) }
        json.string("severity", finding.rule.severity.rawValue)
        if let host = finding.host { json.string("host", host) }
        json.string("event", finding.process.image?.stamp.description ?? "")
        if let image = finding.process.image { json.time("time", image.stamp) }
        json.number("pid", finding.process.pid)
        json.number("spawnerPid", finding.spawner.pid)
        json.beginObject("match")
        Self.writeEvidence("shell", finding.childMatch, file: finding.process.image?.file, &json)
        if let evidence = finding.spawnerEvidence {
            Self.writeEvidence("spawner", evidence, file: finding.spawner.image?.file, &json)
        }
        json.endObject()
        json.endObject()
        json.endObject()
    }

    /// The list evidence as in the JSON report; for a match by location the executed file's
    /// identity from the exec's PATH item 0. SARIF has no long-value lines: a name is whole
    /// (the kernel bounds it by PATH_MAX), with its exact bytes in `nameHex` when not UTF-8.
    static func writeEvidence(_ key: String, _ evidence: MatchEvidence, file: PathRecord?, _ json: inout JSONWriter) {
        json.beginObject(key)
        json.string("field", evidence.field.rawValue)
        json.string("value", evidence.value)
        json.string("list", evidence.list)
        json.string("entry", evidence.entry)
        if evidence.byLocation, let file {
            json.beginObject("file")
            json.optionalString("name", file.name)
            if let name = file.name, !name.isValidUTF8 { json.string("nameHex", Hex.lowercase(name.bytes)) }
            json.optionalNumber("inode", file.inode)
            if let device = file.device { json.string("dev", device) }
            if let mode = file.mode { json.string("mode", mode) }
            if let nametype = file.nametype { json.string("nametype", nametype) }
            json.endObject()
        }
        json.endObject()
    }

    /// `occurrenceCount` and one related location per exec behind the finding (each grouped
    /// repeat, the finding's own first), numbered from 1 in log order.
    private func writeOccurrences(_ finding: Finding, base: String, _ json: inout JSONWriter) {
        let occurrences = finding.everyOccurrence
        var uri = (file: finding.location.file, uri: Self.uri(finding.location.file, base: base))
        json.number("occurrenceCount", occurrences.count)
        json.beginArray("relatedLocations")
        for (index, occurrence) in occurrences.enumerated() {
            // One line each: a group can hold as many occurrences as the log has execs.
            json.beginCompactObject()
            json.number("id", index + 1)
            json.beginObject("physicalLocation")
            json.beginObject("artifactLocation")
            if occurrence.location.file != uri.file {
                uri = (occurrence.location.file, Self.uri(occurrence.location.file, base: base))
            }
            json.string("uri", uri.uri)
            json.endObject()
            json.beginObject("region")
            json.number("startLine", max(1, occurrence.location.line))
            json.endObject()
            json.endObject()
            json.beginObject("message")
            json.string("text", Self.occurrenceMessage(occurrence, index: index, of: occurrences.count))
            json.endObject()
            json.beginObject("properties")
            if let number = occurrence.number { json.number("number", number) }
            json.stamp("event", occurrence.stamp)
            json.time("time", occurrence.stamp)
            json.number("pid", occurrence.pid)
            json.number("spawnerPid", occurrence.spawnerPid)
            json.endObject()
            json.endObject()
        }
        json.endArray()
    }

    /// "occurrence 2 of 6 (finding #13)": the event, time and pids are in the location's properties,
    /// so an occurrence costs about as much as the log lines it came from.
    static func occurrenceMessage(_ occurrence: Occurrence, index: Int, of count: Int) -> String {
        "occurrence \(index + 1) of \(count)\(occurrence.number.map { " (finding #\($0))" } ?? "")"
    }

    /// "<rule name>: <spawner exe> (pid N) started <shell exe> (pid M): <escaped command line>".
    static func message(_ finding: Finding) -> String {
        let spawner = finding.spawner.image?.exe?.description ?? finding.spawner.image?.comm?.description ?? "?"
        let shell = finding.process.image?.exe?.description ?? "?"
        let command = finding.process.image.map { CommandLineText.render($0.argv) } ?? "?"
        let author = finding.rule.author.isEmpty ? "" : " [Sigma rule by \(finding.rule.author)]"
        return
            "\(finding.rule.name)\(author): \(spawner) (pid \(finding.spawner.pid)) started \(shell) (pid \(finding.process.pid)): \(command)"
    }

    /// A URI reference for a log path: relative paths stay relative (percent-encoded);
    /// absolute paths below `base` become relative to it, others `file://` URIs.
    static func uri(_ path: String, base: String) -> String {
        var path = path
        if path.hasPrefix("/") {
            let prefix = base.hasSuffix("/") ? base : base + "/"
            if base != "/" && path.hasPrefix(prefix) {
                path.removeFirst(prefix.count)
            } else {
                return "file://" + percentEncode(path)
            }
        }
        return percentEncode(path)
    }

    static func percentEncode(_ path: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.append(byte)
            case _ where Array("-._~/!$&'()*+,;=:@".utf8).contains(byte):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func currentDirectory() -> String { WorkingDirectory.path() }
}
