import AuditreeBase
import AuditreeParser
import AuditreeRules
import AuditreeScan

/// One JSON object per finding per line, with Elastic Common Schema field names
/// (nested objects: `process.parent.pid` is `{"process": {"parent": {"pid": ...}}}`);
/// what ECS has no field for is under `auditree`. Fields in docs/formats.md.
public struct NDJSONReporter {
    public init() {}

    public func render(_ report: ScanReport) -> String { render(GateResult(report: report)) }

    public func render(_ gate: GateResult) -> String { String(decoding: renderBytes(gate), as: UTF8.self) }

    /// `render(_ gate:)` as the UTF-8 bytes the writers made.
    public func renderBytes(_ gate: GateResult) -> [UInt8] {
        var out: [UInt8] = []
        let long = LongValues()
        for (index, finding) in gate.report.findings.enumerated() {
            let known = long.entries.count
            var json = JSONWriter(pretty: false)
            write(
                finding, fingerprint: gate.fingerprints[index], accepted: gate.accepted[index],
                hasBaseline: gate.baseline != nil, long: long, &json)
            // Each long value once, on a line of its own just before the first finding that refers to it.
            for number in known..<long.entries.count {
                var line = JSONWriter(pretty: false)
                Self.writeLongValue(long.entries[number], number: number, &line)
                out.append(contentsOf: line.takeLine())
            }
            out.append(contentsOf: json.takeLine())
        }
        return out
    }

    /// `{"event": {"kind": "state", "dataset": "auditree.long_value"}, "auditree": {"long_value": {...}}}`.
    static func longValueLine(_ entry: LongValues.Entry, number: Int) -> String {
        var json = JSONWriter(pretty: false)
        writeLongValue(entry, number: number, &json)
        return json.output
    }

    static func writeLongValue(_ entry: LongValues.Entry, number: Int, _ json: inout JSONWriter) {
        json.beginObject()
        json.beginObject("event")
        json.string("kind", "state")
        json.string("dataset", "auditree.long_value")
        json.endObject()
        json.beginObject("auditree")
        json.number("version", 1)
        json.beginObject("long_value")
        json.number("ref", number)
        JSONReporter.writeLongValue(entry, &json)
        json.endObject()
        json.endObject()
        json.endObject()
    }

    /// ECS `event.severity` is a number: Elastic's risk scores for its severities.
    public static func ecsSeverity(_ severity: Severity) -> Int {
        switch severity {
        case .info: 0
        case .low: 21
        case .medium: 47
        case .high: 73
        case .critical: 99
        }
    }

    /// The finding's line, without its line feed.
    func write(
        _ finding: Finding, fingerprint: String, accepted: Baseline.Entry?, hasBaseline: Bool, long: LongValues,
        _ json: inout JSONWriter
    ) {
        let shell = finding.process.image
        let time = shell.map { TimeFormat.iso8601($0.stamp) }
        json.beginObject()
        if let time { json.string("@timestamp", time) }
        json.beginObject("ecs")
        json.string("version", "8.11.0")
        json.endObject()

        json.beginObject("event")
        json.string("kind", "alert")
        json.beginArray("category")
        json.string(nil, "process")
        json.endArray()
        json.beginArray("type")
        json.string(nil, "start")
        json.endArray()
        if let time { json.string("created", time) }
        if let shell { json.stamp("id", shell.stamp) }
        json.number("severity", Self.ecsSeverity(finding.rule.severity))
        json.string("module", "auditd")
        json.string("dataset", "auditree.finding")
        json.endObject()

        json.beginObject("process")
        writeProcess(finding.process, long, &json)
        json.beginObject("parent")
        writeProcess(finding.spawner, long, &json)
        json.endObject()
        json.endObject()

        if let uid = shell?.uid {
            json.beginObject("user")
            json.string("id", String(uid))
            if let name = shell?.userName { json.string("name", name) }
            json.endObject()
        }
        if let host = finding.host {
            json.beginObject("host")
            json.string("name", host)
            json.endObject()
        }
        json.beginObject("rule")
        json.string("id", finding.rule.id)
        json.string("name", finding.rule.name)
        json.string("description", finding.rule.description)
        json.string("category", finding.rule.category)
        json.string("ruleset", finding.rule.isSigma ? "sigma" : "auditree")
        if !finding.rule.author.isEmpty {
            json.beginArray("author")
            json.string(nil, finding.rule.author)
            json.endArray()
            if let reference = finding.rule.references.first { json.string("reference", reference) }
        }
        json.endObject()
        if !finding.rule.mitre.isEmpty {
            json.beginObject("threat")
            json.string("framework", "MITRE ATT&CK")
            json.beginObject("technique")
            json.beginArray("id")
            for technique in Self.techniques(finding.rule.mitre) { json.string(nil, technique) }
            json.endArray()
            let subtechniques = finding.rule.mitre.filter { $0.contains(".") }
            if !subtechniques.isEmpty {
                json.beginObject("subtechnique")
                json.beginArray("id")
                for technique in subtechniques { json.string(nil, technique) }
                json.endArray()
                json.endObject()
            }
            json.endObject()
            json.endObject()
        }
        json.beginObject("log")
        json.beginObject("file")
        json.string("path", finding.location.file)
        json.endObject()
        json.endObject()

        json.beginObject("auditree")
        json.number("version", 1)
        json.optionalNumber("number", finding.number)
        json.string("severity", finding.rule.severity.rawValue)
        json.string("fingerprint", fingerprint)
        if hasBaseline {
            json.string("baseline", accepted == nil ? "new" : "baselined")
            if let reason = accepted?.reason { json.string("baseline_reason", reason) }
        }
        json.beginArray("mitre")
        for technique in finding.rule.mitre { json.string(nil, technique) }
        json.endArray()
        json.string("relation", finding.spawnerRelation.rawValue)
        json.number("launchers_skipped", finding.launchersSkipped)
        json.beginObject("match")
        for (key, evidence, image) in [
            ("shell", finding.childMatch, finding.process.image),
            ("spawner", finding.spawnerMatch, finding.spawner.image),
        ] {
            json.beginObject(key)
            json.string("field", evidence.field.rawValue)
            JSONReporter.writeText("value", LogString(bytes: Array(evidence.value.utf8)), long, &json)
            json.string("list", evidence.list)
            json.string("entry", evidence.entry)
            if evidence.byLocation, let file = image?.file { JSONReporter.writeFile(file, long, &json) }
            json.endObject()
        }
        json.endObject()
        json.beginObject("process")
        writeExtra(finding.process, long, &json)
        json.endObject()
        json.beginObject("parent")
        writeExtra(finding.spawner, long, &json)
        json.endObject()
        json.number("occurrences", finding.occurrences)
        json.occurrences("seen", finding.everyOccurrence)
        json.number("ancestors", finding.ancestry.count)
        json.number("descendants", finding.descendants.count + finding.descendantsOmitted)
        json.beginObject("location")
        json.string("file", finding.location.file)
        json.number("line", finding.location.line)
        json.endObject()
        json.endObject()
        json.endObject()
    }

    /// Technique ids for `threat.technique.id`: sub-techniques give their parent (T1059.004 -> T1059), once each.
    static func techniques(_ mitre: [String]) -> [String] {
        var result: [String] = []
        for id in mitre {
            let technique = String(id.split(separator: ".", maxSplits: 1).first ?? Substring(id))
            if !result.contains(technique) { result.append(technique) }
        }
        return result
    }

    /// ECS fields; a long value is its preview here, in full on its `long_value` line
    /// (the `*_ref` numbers are under `auditree.process` / `auditree.parent`).
    private func writeProcess(_ process: ProcessSnapshot, _ long: LongValues, _ json: inout JSONWriter) {
        json.number("pid", process.pid)
        guard let image = process.image else { return }
        if let exe = image.exe {
            json.string("executable", LongValues.preview(exe))
            json.string("name", LongValues.preview(exe.basename))
        } else if let comm = image.comm {
            json.string("name", LongValues.preview(comm))
        }
        if image.origin == .exec {
            let argv = LongValues.isLong(image.argv) ? LongValues.preview(image.argv) : image.argv
            json.beginArray("args")
            for argument in argv.arguments { json.string(nil, argument) }
            json.endArray()
            json.number("args_count", image.argv.arguments.count)
            json.string("command_line", CommandLineText.render(argv))
        }
        if let cwd = image.cwd { json.string("working_directory", LongValues.preview(cwd)) }
        json.time("start", image.stamp)
    }

    /// Non-ECS process data: audit ids, and exact bytes of values that are not valid UTF-8.
    private func writeExtra(_ process: ProcessSnapshot, _ long: LongValues, _ json: inout JSONWriter) {
        json.optionalNumber("ppid", process.ppid)
        guard let image = process.image else {
            json.bool("known", false)
            return
        }
        json.bool("known", true)
        json.string("origin", image.origin.rawValue)
        if let comm = image.comm { JSONReporter.writeText("comm", comm, long, &json) }
        json.optionalNumber("auid", image.auid)
        json.optionalNumber("euid", image.euid)
        json.optionalNumber("ses", image.ses)
        json.bool("argv_complete", image.argv.isComplete)
        json.stamp("event", image.stamp)
        if let exe = image.exe, LongValues.isLong(exe) {
            json.number("executable_ref", long.number(exe).number)
        } else if let exe = image.exe, !exe.isValidUTF8 {
            json.string("executable_hex", Hex.lowercase(exe.bytes))
        }
        if let cwd = image.cwd, LongValues.isLong(cwd) { json.number("working_directory_ref", long.number(cwd).number) }
        let longArgv = image.origin == .exec && LongValues.isLong(image.argv)
        if longArgv { json.number("args_ref", long.number(image.argv).number) }
        let shown = longArgv ? LongValues.preview(image.argv).arguments : image.argv.arguments
        if image.origin == .exec, shown.contains(where: { !$0.isValidUTF8 }) {
            json.beginArray("args_hex")
            for argument in shown {
                if argument.isValidUTF8 { json.null(nil) } else { json.string(nil, Hex.lowercase(argument.bytes)) }
            }
            json.endArray()
        }
    }
}
