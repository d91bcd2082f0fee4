import AuditreeEvents
import AuditreeParser
import AuditreeRules
import AuditreeTree
import Synchronization

/// `auditree events --format ndjson`: one JSON object per exec, with its resolved ancestry,
/// in Elastic Common Schema names where they exist (auditree's own under `auditree.`).
///
/// Long values (`LongValues`: strings over 256 bytes, command lines over 1 KiB or 32 arguments)
/// are written as the scan reports write them: in full once, on a `long_value` line of their own
/// just before the first exec line that refers to them, and as a preview with a `*_ref` number
/// everywhere else, so a parent's 1 MiB command line is not repeated in each child's line.
/// The table is a streaming one: it remembers a bounded number of bytes (`heldBytes`), so the
/// writer's memory stays flat however long the log.
public final class ExecEventsWriter: Sendable {
    /// How many bytes of long values the writer remembers before it starts over.
    public static let heldBytes = 16 << 20

    private let long: Mutex<LongValues>

    public init(heldBytes: Int = ExecEventsWriter.heldBytes) { long = Mutex(LongValues(holding: heldBytes)) }

    /// One exec's line, newline included, after the `long_value` lines of the long values it is
    /// the first to refer to. Needs the record's whole lineage, as the scan hands it on
    /// (`ScanConfiguration.onExecRecord`), not a kept record's compacted one. Its `rules` are the
    /// record's `firedRules` (rule ids, Sigma ones included), which the scan fills in as it goes.
    public func line(_ record: ExecRecord) -> String {
        long.withLock { long in
            let text = Self.line(record, long)
            var out = ""
            for (index, entry) in long.entries.enumerated() {
                out += NDJSONReporter.longValueLine(entry, number: long.firstNumber + index) + "\n"
            }
            long.dropEntries()
            return out + text
        }
    }

    private static func line(_ record: ExecRecord, _ long: LongValues) -> String {
        var processRefs: [(String, Int)] = []
        var parentRefs: [(String, Int)] = []
        do {
            var json = JSONWriter(pretty: false)
            json.beginObject()
            json.time("@timestamp", record.image.stamp)
            json.beginObject("event")
            json.string("kind", "event")
            json.string("category", "process")
            json.string("type", "start")
            json.stamp("id", record.image.stamp)
            json.endObject()
            json.beginObject("host")
            if let host = record.host { json.string("name", host) } else { json.null("name") }
            json.endObject()
            json.beginObject("process")
            json.number("pid", record.pid)
            text("executable", record.image.exe, long, &json, refs: &processRefs)
            text("name", record.image.comm, long, &json, refs: &processRefs)
            let argv = record.image.argv
            if LongValues.isLong(argv) {
                json.beginArray("args")
                for argument in LongValues.preview(argv).arguments { json.string(nil, argument) }
                json.endArray()
                json.number("args_count", argv.arguments.count)
                processRefs.append(("args_ref", long.number(argv).number))
            } else {
                json.beginArray("args")
                for argument in argv.arguments { json.string(nil, argument) }
                json.endArray()
            }
            text("working_directory", record.image.cwd, long, &json, refs: &processRefs)
            json.beginObject("parent")
            json.optionalNumber("pid", record.ppid)
            if let parent = record.lineage.first(where: { $0.generation == 1 }), let image = parent.image {
                text("executable", image.exe, long, &json, refs: &parentRefs)
                text("name", image.comm, long, &json, refs: &parentRefs)
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
            // The `*_ref` numbers of the ECS fields above that hold previews (ECS has no field for them).
            if !processRefs.isEmpty {
                json.beginObject("process")
                for (key, number) in processRefs { json.number(key, number) }
                json.endObject()
            }
            if !parentRefs.isEmpty {
                json.beginObject("parent")
                for (key, number) in parentRefs { json.number(key, number) }
                json.endObject()
            }
            json.optionalNumber("auid", record.image.auid)
            var ownRefs: [(String, Int)] = []
            text("key", record.image.key, long, &json, refs: &ownRefs)
            for (key, number) in ownRefs { json.number(key, number) }
            json.bool("argv_complete", record.image.argv.isComplete)
            json.beginObject("record")
            json.string("file", record.image.location.file)
            json.number("line", record.image.location.line)
            json.endObject()
            // Sysmon for Linux's process_creation fields, as Sigma rules see this exec (docs/sigma.md).
            json.beginObject("sigma")
            let parent = record.lineage.first(where: { $0.generation == 1 })?.image
            let fields = SigmaProcessCreation(image: record.image, pid: record.pid, ppid: record.ppid, parent: parent)
            for field in SigmaProcessCreation.Field.allCases {
                guard let value = fields[field] else {
                    json.null(field.name)
                    continue
                }
                guard let entry = Self.longSigmaValue(field, value, record.image, parent) else {
                    json.string(field.name, value.string)
                    continue
                }
                json.string(field.name, LongValues.preview(LogString(bytes: value.bytes)))
                switch entry {
                case .argv(let argv): json.number("\(field.name)_ref", long.number(argv).number)
                case .string(let string): json.number("\(field.name)_ref", long.number(string).number)
                }
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
                    var refs: [(String, Int)] = []
                    text("executable", image.exe, long, &json, refs: &refs)
                    text("name", image.comm, long, &json, refs: &refs)
                    for (key, number) in refs { json.number(key, number) }
                }
                json.endObject()
            }
            json.endArray()
            json.endObject()
            json.endObject()
            return json.output + "\n"
        }
    }

    /// A value of the log: in full when short; else its preview, and its number in `refs` (as `KEY_ref`).
    private static func text(
        _ key: String, _ value: LogString?, _ long: LongValues, _ json: inout JSONWriter, refs: inout [(String, Int)]
    ) {
        guard let value else { return json.null(key) }
        guard LongValues.isLong(value) else {
            json.string(key, value)
            return
        }
        json.string(key, LongValues.preview(value))
        refs.append(("\(key)_ref", long.number(value).number))
    }

    /// The long value a Sigma field shows, nil when it is short: a command line is long as
    /// `process.args` is, and shares its entry; a path as `process.executable` and
    /// `process.working_directory` are.
    private static func longSigmaValue(
        _ field: SigmaProcessCreation.Field, _ value: SigmaFieldValue, _ image: ProcessImage,
        _ parent: ProcessImage?
    ) -> LongValues.Entry? {
        func string(_ text: LogString?) -> LongValues.Entry? {
            text.flatMap { LongValues.isLong($0) ? .string($0) : nil }
        }
        switch field {
        case .commandLine: return LongValues.isLong(image.argv) ? .argv(image.argv) : nil
        case .parentCommandLine: return parent.flatMap { LongValues.isLong($0.argv) ? .argv($0.argv) : nil }
        case .image: return string(image.exe)
        case .parentImage: return string(parent?.exe)
        case .currentDirectory: return string(image.cwd)
        case .user, .logonId, .processId, .parentProcessId: return string(LogString(bytes: value.bytes))
        }
    }
}
