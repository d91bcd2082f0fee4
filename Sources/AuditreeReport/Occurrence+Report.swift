import AuditreeRules
import AuditreeSystem

extension Occurrence {
    /// The shell's exec time, ISO 8601 UTC.
    public var time: String { TimeFormat.iso8601(stamp) }
}

extension JSONWriter {
    /// `[{"number", "event", "time", "pid", "spawner_pid", "file", "line"}, ...]`, one line each
    /// (docs/json-output.md); the JSON, NDJSON and HTML reports share it.
    mutating func occurrences(_ key: String, _ occurrences: [Occurrence]) {
        beginArray(key)
        var members = OccurrenceMembers()
        for index in occurrences.indices {
            beginCompactObject()
            if !members.write(occurrences[index], into: &self) {
                optionalNumber("number", occurrences[index].number)
                stamp("event", occurrences[index].stamp)
                time("time", occurrences[index].stamp)
                number("pid", occurrences[index].pid)
                number("spawner_pid", occurrences[index].spawnerPid)
                repeatedString("file", occurrences[index].location.file)
                number("line", occurrences[index].location.line)
            }
            endObject()
        }
        endArray()
    }
}

/// An occurrence's members in one reservation of the output (`JSONWriter.writeMembers`): a Sigma
/// rule's report is mostly occurrences, hundreds per finding. The key text is made once per
/// layout, the log file's name quoted once while it repeats, the date once per day.
struct OccurrenceMembers {
    private static let names = ["number", "event", "time", "pid", "spawner_pid", "file", "line"]
    /// `"number": `, `, "event": `, ...: what comes before each value, in each layout.
    private static let prettyKeys = keys(pretty: true)
    private static let compactKeys = keys(pretty: false)
    /// The most bytes the keys take, in either layout.
    private static let keysCapacity = prettyKeys.reduce(0) { $0 + $1.count }

    private var times = ISO8601Writer()
    private var file: (name: String, quoted: [UInt8])?

    private static func keys(pretty: Bool) -> [[UInt8]] {
        names.enumerated().map { index, name in
            var text: [UInt8] = index == 0 ? [] : Array((pretty ? ", " : ",").utf8)
            JSONText.appendQuoted(name.utf8.span, to: &text)
            text.append(contentsOf: (pretty ? ": " : ":").utf8)
            return text
        }
    }

    private static func writeKey(_ keys: [[UInt8]], _ index: Int, into out: inout OutputSpan<UInt8>) {
        let text = keys[index]
        out.append(copying: text.span)
    }

    /// Writes the members, or nothing and false when the stamp needs the general path
    /// (milliseconds outside 0...999, a time before 1970 or after 9999).
    mutating func write(_ occurrence: Occurrence, into json: inout JSONWriter) -> Bool {
        let stamp = occurrence.stamp
        guard stamp.milliseconds >= 0, stamp.milliseconds < 1000 else { return false }
        // Compared by bytes: `!=` on String is canonical equivalence, and two names that differ
        // only in their Unicode normalization (two files of one folder) are different names.
        if !(file?.name.utf8.elementsEqual(occurrence.location.file.utf8) ?? false) {
            var quoted: [UInt8] = []
            JSONText.appendQuoted(occurrence.location.file.utf8.span, to: &quoted)
            file = (occurrence.location.file, quoted)
        }
        let quotedFile = file?.quoted ?? []
        let number = occurrence.number
        let pid = Int64(occurrence.pid)
        let spawnerPid = Int64(occurrence.spawnerPid)
        let line = Int64(occurrence.location.line)
        let capacity =
            Self.keysCapacity + 4 * JSONText.decimalCapacity + JSONText.stampCapacity + ISO8601Writer.capacity
            + quotedFile.count
        return json.writeMembers(capacity: capacity) { out, pretty in
            let keys = pretty ? Self.prettyKeys : Self.compactKeys
            Self.writeKey(keys, 0, into: &out)
            if let number {
                JSONText.writeDecimal(Int64(number), into: &out)
            } else {
                for byte in "null".utf8 { out.append(byte) }
            }
            Self.writeKey(keys, 1, into: &out)
            JSONText.writeStamp(stamp, into: &out)
            Self.writeKey(keys, 2, into: &out)
            guard times.write(stamp, quoted: true, into: &out) else { return false }
            Self.writeKey(keys, 3, into: &out)
            JSONText.writeDecimal(pid, into: &out)
            Self.writeKey(keys, 4, into: &out)
            JSONText.writeDecimal(spawnerPid, into: &out)
            Self.writeKey(keys, 5, into: &out)
            out.append(copying: quotedFile.span)
            Self.writeKey(keys, 6, into: &out)
            JSONText.writeDecimal(line, into: &out)
            return true
        }
    }
}
