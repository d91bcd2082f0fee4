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
        for index in occurrences.indices {
            beginCompactObject()
            optionalNumber("number", occurrences[index].number)
            stamp("event", occurrences[index].stamp)
            time("time", occurrences[index].stamp)
            number("pid", occurrences[index].pid)
            number("spawner_pid", occurrences[index].spawnerPid)
            repeatedString("file", occurrences[index].location.file)
            number("line", occurrences[index].location.line)
            endObject()
        }
        endArray()
    }
}
