import AuditreeRules

extension Occurrence {
    /// The shell's exec time, ISO 8601 UTC.
    public var time: String { TimeFormat.iso8601(stamp) }
}

extension JSONWriter {
    /// `[{"number", "event", "time", "pid", "spawner_pid", "file", "line"}, ...]`, one line each
    /// (docs/json-output.md); the JSON, NDJSON and HTML reports share it.
    mutating func occurrences(_ key: String, _ occurrences: [Occurrence]) {
        beginArray(key)
        for occurrence in occurrences {
            beginCompactObject()
            optionalNumber("number", occurrence.number)
            string("event", occurrence.stamp.description)
            string("time", occurrence.time)
            number("pid", occurrence.pid)
            number("spawner_pid", occurrence.spawnerPid)
            string("file", occurrence.location.file)
            number("line", occurrence.location.line)
            endObject()
        }
        endArray()
    }
}
