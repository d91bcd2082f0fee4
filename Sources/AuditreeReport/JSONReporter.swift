import AuditreeBase
import AuditreeParser
import AuditreeRules
import AuditreeScan

/// The machine-readable report: one JSON document, schema in docs/json-output.md.
public struct JSONReporter {
    public static let schemaVersion = 1

    public init() {}

    public func render(_ report: ScanReport) -> String {
        String(decoding: render(report, baseline: nil), as: UTF8.self)
    }

    /// With a baseline, the report gains a top-level `baseline` object, after the others.
    public func render(_ gate: GateResult) -> String { String(decoding: renderBytes(gate), as: UTF8.self) }

    /// `render(_ gate:)` as the UTF-8 bytes the writer made.
    public func renderBytes(_ gate: GateResult) -> [UInt8] {
        render(gate.report, baseline: gate.baseline == nil ? nil : gate)
    }

    private func render(_ report: ScanReport, baseline gate: GateResult?) -> [UInt8] {
        let long = LongValues()
        var json = JSONWriter()
        json.beginObject()
        json.number("version", Self.schemaVersion)
        writeSummary(report.summary, &json)
        json.beginArray("findings")
        for finding in report.findings { writeFinding(finding, long, &json) }
        json.endArray()
        json.beginArray("suppressed")
        for finding in report.summary.suppressedFindings { writeFinding(finding, long, &json) }
        json.endArray()
        json.beginArray("diagnostics")
        for diagnostic in report.diagnostics {
            json.beginObject()
            json.string("level", diagnostic.level.rawValue)
            json.string("file", diagnostic.file)
            json.number("line", diagnostic.line)
            json.number("column", diagnostic.column)
            json.string("message", diagnostic.message)
            json.endObject()
        }
        json.endArray()
        Self.writeLongValues(long, &json)
        if let gate { BaselineJSON.write(gate, &json) }
        json.endObject()
        return json.takeLine()
    }

    /// `long_values`: each long value once, in full (docs/json-output.md, "Long values").
    static func writeLongValues(_ long: LongValues, _ json: inout JSONWriter) {
        json.beginArray("long_values")
        for entry in long.entries {
            json.beginObject()
            writeLongValue(entry, &json)
            json.endObject()
        }
        json.endArray()
    }

    /// One entry's fields: `kind`, `bytes`, and `value` (+ `value_hex`) or `argv` (+ `argv_hex`, `argv_complete`).
    static func writeLongValue(_ entry: LongValues.Entry, _ json: inout JSONWriter) {
        switch entry {
        case .string(let value):
            json.string("kind", "string")
            json.number("bytes", value.count)
            if !json.string("value", value) { json.string("value_hex", Hex.lowercase(value.bytes)) }
        case .argv(let argv):
            json.string("kind", "argv")
            json.number("bytes", entry.byteCount)
            writeArguments(argv.arguments, &json)
            json.bool("argv_complete", argv.isComplete)
        }
    }

    /// `argv`, and `argv_hex` when an argument is not valid UTF-8.
    static func writeArguments(_ arguments: [LogString], _ json: inout JSONWriter) {
        json.beginArray("argv")
        var allValid = true
        for argument in arguments {
            if !json.string(nil, argument) { allValid = false }
        }
        json.endArray()
        if !allValid {
            json.beginArray("argv_hex")
            for argument in arguments {
                if argument.isValidUTF8 { json.null(nil) } else { json.string(nil, Hex.lowercase(argument.bytes)) }
            }
            json.endArray()
        }
    }

    /// A value from the log: in full, with `KEY_hex` when it is not valid UTF-8; a long one as
    /// its preview and `KEY_ref`, the number of its `long_values` entry.
    static func writeText(_ key: String, _ value: LogString?, _ long: LongValues, _ json: inout JSONWriter) {
        if let value, LongValues.isLong(value) {
            json.string(key, LongValues.preview(value))
            json.number("\(key)_ref", long.number(value).number)
            return
        }
        guard let value else { return json.null(key) }
        if !json.string(key, value) { json.string("\(key)_hex", Hex.lowercase(value.bytes)) }
    }

    private func writeSummary(_ summary: ScanSummary, _ json: inout JSONWriter) {
        json.beginObject("summary")
        json.beginArray("files")
        for file in summary.files { json.string(nil, file) }
        json.endArray()
        json.number("lines", summary.lines)
        json.number("records", summary.records)
        json.number("rejected", summary.rejected)
        json.beginObject("rejected_by_reason")
        for kind in RejectReason.Kind.allCases.sorted() {
            json.number(kind.rawValue, summary.rejectedByReason[kind] ?? 0)
        }
        json.endObject()
        json.beginObject("records_by_type")
        for kind in RecordKind.allCases { json.number(kind.typeName ?? "other", summary.recordsByKind[kind] ?? 0) }
        json.endObject()
        json.number("events", summary.events)
        json.number("execs", summary.execs)
        json.number("duplicate_events", summary.duplicateEvents)
        json.number("shells_with_unknown_parent", summary.shellsWithUnknownParent)
        json.number("inferred_spawners", summary.inferredFindings)
        json.number("grouped_repeats", summary.groupedFindings)
        json.number("suppressed", summary.suppressed)
        json.beginObject("suppressed_by_exception")
        for (id, count) in summary.suppressedByException.sorted(by: { $0.key < $1.key }) { json.number(id, count) }
        json.endObject()
        json.number("input_errors", summary.inputErrors)
        json.number("findings", summary.findings)
        json.beginObject("findings_by_severity")
        for severity in Severity.allCases.reversed() {
            json.number(severity.rawValue, summary.findingsBySeverity[severity] ?? 0)
        }
        json.endObject()
        json.beginObject("findings_by_rule")
        for (rule, count) in summary.findingsByRule.sorted(by: { $0.key < $1.key }) { json.number(rule, count) }
        json.endObject()
        json.endObject()
    }

    private func writeFinding(_ finding: Finding, _ long: LongValues, _ json: inout JSONWriter) {
        json.beginObject()
        json.optionalNumber("number", finding.number)
        json.string("rule", finding.rule.id)
        json.string("rule_name", finding.rule.name)
        json.string("severity", finding.rule.severity.rawValue)
        json.string("rule_severity", finding.rule.baseSeverity.rawValue)
        json.string("category", finding.rule.category)
        json.beginArray("mitre")
        for technique in finding.rule.mitre { json.string(nil, technique) }
        json.endArray()
        if !finding.rule.author.isEmpty {
            json.string("author", finding.rule.author)
            json.beginArray("references")
            for reference in finding.rule.references { json.string(nil, reference) }
            json.endArray()
        }
        if let host = finding.host { json.string("host", host) } else { json.null("host") }
        json.beginObject("process")
        writeProcess(finding.process, long, &json)
        json.endObject()
        json.beginObject("spawner")
        writeProcess(finding.spawner, long, &json)
        json.string("relation", finding.spawnerRelation.rawValue)
        json.number("launchers_skipped", finding.launchersSkipped)
        if !finding.launchers.isEmpty {
            // The launcher chain, nearest the shell first (sudo, env, timeout, ...).
            json.beginArray("launchers")
            for launcher in finding.launchers {
                json.beginObject(nil)
                writeProcess(launcher.process, long, &json)
                json.endObject()
            }
            json.endArray()
        }
        json.bool("inferred", finding.inference != nil)
        if let inference = finding.inference {
            json.string("list", inference.list)
            json.string("confidence", inference.confidence.rawValue)
            json.beginArray("evidence")
            for hit in inference.evidence { writeContext(hit, &json) }
            json.endArray()
        }
        json.endObject()
        json.beginObject("match")
        writeEvidence("shell", finding.childMatch, file: finding.process.image?.file, long, &json)
        if let evidence = finding.spawnerEvidence {
            writeEvidence("spawner", evidence, file: finding.spawner.image?.file, long, &json)
        } else {
            json.null("spawner")
        }
        json.endObject()
        json.beginArray("context")
        for hit in finding.context { writeContext(hit, &json) }
        json.endArray()
        json.number("occurrences", finding.occurrences)
        if let last = finding.lastStamp, let location = finding.lastLocation {
            json.beginObject("last")
            json.time("time", last)
            json.stamp("event", last)
            json.string("file", location.file)
            json.number("line", location.line)
            json.endObject()
        } else {
            json.null("last")
        }
        json.occurrences("seen", finding.everyOccurrence)
        if let suppression = finding.suppression {
            json.beginObject("suppressed_by")
            json.string("exception", suppression.exceptionID)
            json.string("scope", suppression.scope)
            json.string("reason", suppression.reason)
            json.string("file", suppression.origin.file)
            json.number("line", suppression.origin.line)
            json.endObject()
        }
        json.beginArray("exceptions_not_applied")
        for miss in finding.exceptionsNotApplied {
            json.beginObject()
            json.string("exception", miss.exceptionID)
            json.string("scope", miss.scope)
            json.string("failed", miss.failed.rawValue)
            if let detail = miss.detail {
                json.string("key", detail.key)
                json.string("condition", detail.condition)
                Self.writeText("tested", detail.value.map { LogString(bytes: Array($0.utf8)) }, long, &json)
            }
            json.endObject()
        }
        json.endArray()
        json.beginArray("ancestry")
        for ancestor in finding.ancestry {
            json.beginObject()
            writeProcess(ancestor.process, long, &json)
            json.string("relation", ancestor.relation.rawValue)
            json.number("generation", ancestor.generation)
            json.endObject()
        }
        json.endArray()
        json.beginArray("descendants")
        for descendant in finding.descendants {
            json.beginObject()
            writeProcess(descendant.process, long, &json)
            json.number("depth", descendant.depth)
            json.endObject()
        }
        json.endArray()
        json.number("descendants_omitted", finding.descendantsOmitted)
        json.beginObject("location")
        json.string("file", finding.location.file)
        json.number("line", finding.location.line)
        json.endObject()
        json.endObject()
    }

    private func writeContext(_ hit: ContextHit, _ json: inout JSONWriter) {
        json.beginObject()
        json.string("id", hit.id)
        json.string("description", hit.description)
        json.number("raise", hit.raise)
        json.string("on", hit.on.rawValue)
        json.number("pid", hit.pid)
        json.endObject()
    }

    private func writeEvidence(
        _ key: String, _ evidence: MatchEvidence, file: PathRecord?, _ long: LongValues, _ json: inout JSONWriter
    ) {
        json.beginObject(key)
        json.string("field", evidence.field.rawValue)
        Self.writeText("value", LogString(bytes: Array(evidence.value.utf8)), long, &json)
        json.string("list", evidence.list)
        json.string("entry", evidence.entry)
        if evidence.byLocation, let file { Self.writeFile(file, long, &json) }
        json.endObject()
    }

    /// A match by location: the executed file's identity, from the exec's PATH item 0
    /// (`file` of the JSON and NDJSON evidence).
    static func writeFile(_ file: PathRecord, _ long: LongValues, _ json: inout JSONWriter) {
        json.beginObject("file")
        writeText("name", file.name, long, &json)
        json.optionalNumber("inode", file.inode)
        if let device = file.device { json.string("dev", device) }
        if let mode = file.mode { json.string("mode", mode) }
        if let nametype = file.nametype { json.string("nametype", nametype) }
        json.endObject()
    }

    /// Process fields; values that are not valid UTF-8 get a `*_hex` companion with their exact bytes.
    private func writeProcess(_ process: ProcessSnapshot, _ long: LongValues, _ json: inout JSONWriter) {
        json.number("pid", process.pid)
        json.optionalNumber("ppid", process.ppid)
        guard let image = process.image else {
            json.bool("known", false)
            return
        }
        json.bool("known", true)
        json.string("origin", image.origin.rawValue)
        Self.writeText("exe", image.exe, long, &json)
        Self.writeText("comm", image.comm, long, &json)
        if LongValues.isLong(image.argv) {
            Self.writeArguments(LongValues.preview(image.argv).arguments, &json)
            json.number("argv_ref", long.number(image.argv).number)
        } else {
            Self.writeArguments(image.argv.arguments, &json)
        }
        json.bool("argv_complete", image.argv.isComplete)
        json.optionalNumber("uid", image.uid)
        json.optionalNumber("euid", image.euid)
        json.optionalNumber("auid", image.auid)
        if let name = image.userName { json.string("user", name) } else { json.null("user") }
        json.optionalNumber("ses", image.ses)
        Self.writeText("tty", image.tty, long, &json)
        Self.writeText("cwd", image.cwd, long, &json)
        Self.writeText("key", image.key, long, &json)
        json.time("time", image.stamp)
        json.stamp("event", image.stamp)
        json.beginObject("record")
        json.string("file", image.location.file)
        json.number("line", image.location.line)
        json.endObject()
    }
}
