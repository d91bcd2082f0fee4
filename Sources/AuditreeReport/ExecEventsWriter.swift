import AuditreeEvents
import AuditreeTree
import AuditreeRules

/// `auditree events --format ndjson`: one JSON object per exec, with its resolved ancestry,
/// in Elastic Common Schema names where they exist (auditree's own under `auditree.`).
public struct ExecEventsWriter: Sendable {
    public init() {}

    /// One exec's line, newline included. Needs the record's whole lineage, as the scan hands it on
    /// (`ScanConfiguration.onExecRecord`), not a kept record's compacted one. Its `rules` are the
    /// record's `firedRules` (rule ids, Sigma ones included), which the scan fills in as it goes.
    public func line(_ record: ExecRecord) -> String {
        do {
            var json = JSONWriter(pretty: false)
            json.beginObject()
            json.string("@timestamp", TimeFormat.iso8601(record.image.stamp))
            json.beginObject("event")
            json.string("kind", "event")
            json.string("category", "process")
            json.string("type", "start")
            json.string("id", record.image.stamp.description)
            json.endObject()
            json.beginObject("host")
            if let host = record.host { json.string("name", host) } else { json.null("name") }
            json.endObject()
            json.beginObject("process")
            json.number("pid", record.pid)
            json.optionalString("executable", record.image.exe)
            json.optionalString("name", record.image.comm)
            json.beginArray("args")
            for argument in record.image.argv.arguments { json.string(nil, argument) }
            json.endArray()
            json.optionalString("working_directory", record.image.cwd)
            json.beginObject("parent")
            json.optionalNumber("pid", record.ppid)
            if let parent = record.lineage.first(where: { $0.generation == 1 }), let image = parent.image {
                json.optionalString("executable", image.exe)
                json.optionalString("name", image.comm)
            }
            json.endObject()
            json.endObject()
            json.beginObject("user")
            json.optionalNumber("id", record.image.uid)
            if let name = record.image.userName { json.string("name", name) }
            json.endObject()
            json.beginObject("auditree")
            json.number("process_id", record.processID)
            json.optionalNumber("parent_process_id", record.parentID)
            json.optionalNumber("auid", record.image.auid)
            json.optionalString("key", record.image.key)
            json.bool("argv_complete", record.image.argv.isComplete)
            json.beginObject("record")
            json.string("file", record.image.location.file)
            json.number("line", record.image.location.line)
            json.endObject()
            // Sysmon for Linux's process_creation fields, as Sigma rules see this exec (docs/sigma.md).
            json.beginObject("sigma")
            let parent = record.lineage.first(where: { $0.generation == 1 })?.image
            for (name, value) in SigmaProcessCreation(image: record.image, pid: record.pid, ppid: record.ppid, parent: parent).named {
                if let value { json.string(name, value) } else { json.null(name) }
            }
            json.endObject()
            json.beginArray("rules")
            for id in record.firedRules { json.string(nil, id) }
            json.endArray()
            json.beginArray("ancestry")
            for entry in record.lineage {
                json.beginObject()
                json.number("pid", entry.pid)
                json.string("relation", entry.relation.rawValue)
                json.number("generation", entry.generation)
                json.bool("known", entry.image != nil)
                if let image = entry.image {
                    json.optionalString("executable", image.exe)
                    json.optionalString("name", image.comm)
                }
                json.endObject()
            }
            json.endArray()
            json.endObject()
            json.endObject()
            return json.output + "\n"
        }
    }
}
