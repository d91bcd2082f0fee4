import Foundation
import Testing

@testable import AuditreeEvents
@testable import AuditreeParser
@testable import AuditreeReport
@testable import AuditreeRules

/// The writer's byte-level paths (quoting by runs, digits without String, cached dates and
/// file names) against the plain forms they replace: the same bytes for every input.
@Suite("JSONWriter bytes")
struct JSONWriterBytesTests {
    /// JSON quoting a byte at a time, as docs/json-output.md describes it: the reference.
    static func referenceQuoted(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = [UInt8(ascii: "\"")]
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): result += [UInt8(ascii: "\\"), byte]
                case 0x0A: result += Array("\\n".utf8)
                case 0x0D: result += Array("\\r".utf8)
                case 0x09: result += Array("\\t".utf8)
                case 0x00..<0x20, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                    result += Array(String(format: "\\u%04x", Int(byte)).utf8)
                default: result.append(byte)
                }
                index += 1
            } else {
                // Swift's own decoder: a well-formed sequence as is, else one U+FFFD for the byte.
                var iterator = bytes[index...].makeIterator()
                var parser = Unicode.UTF8.ForwardParser()
                switch parser.parseScalar(from: &iterator) {
                case .valid(let encoded):
                    let scalar = Unicode.UTF8.decode(encoded)
                    if scalar.value == 0x2028 || scalar.value == 0x2029 {
                        result += Array(String(format: "\\u%04x", Int(scalar.value)).utf8)
                    } else {
                        result += encoded
                    }
                    index += encoded.count
                case .error, .emptyInput:
                    result += [0xEF, 0xBF, 0xBD]
                    index += 1
                }
            }
        }
        result.append(UInt8(ascii: "\""))
        return result
    }

    @Test(
        "quoting by runs writes what quoting byte by byte writes",
        arguments: [
            [UInt8](), Array("plain".utf8), Array("/usr/bin/python3 -c 'import os; os.system(\"sh\")'".utf8),
            Array("a<b>&c\"d\\e".utf8), [0x00, 0x1F, 0x20, 0x7E, 0x7F], Array("caf\u{E9} \u{2028}\u{2029}x".utf8),
            [0xE2, 0x80], [0xE2, 0x80, 0xA8], [0xE2, 0x80, 0xAA, 0x41], [0xF0, 0x9F, 0x98, 0x80, 0x0A],
            [0xC0, 0x80, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80], [0xFF, 0x41, 0xFE],
            Array(0...255).map(UInt8.init), Array((0...255).reversed()).map(UInt8.init),
            // Escapes that outgrow one reservation of the output (JSONText.escapeRoom).
            [UInt8](repeating: UInt8(ascii: "<"), count: 1000),
            Array(repeating: Array("ab\u{1}".utf8), count: 300).flatMap { $0 },
            Array(repeating: [0xE2, 0x80, 0xA9, 0xFF, 0x41], count: 200).flatMap { $0 },
        ] as [[UInt8]])
    func quoted(_ bytes: [UInt8]) {
        #expect(Array(JSONWriter.quoted(bytes).utf8) == Self.referenceQuoted(bytes))
    }

    @Test("quoting by runs, on every byte pair after plain text and before it; validity told on the way")
    func quotedPairs() {
        for first in 0...255 {
            for second in stride(from: 0, through: 255, by: 3) {
                for third in [0x41, 0x80, 0xBF] {
                    let bytes: [UInt8] =
                        Array("ab".utf8) + [UInt8(first), UInt8(second), UInt8(third)] + Array("cd".utf8)
                    #expect(Array(JSONWriter.quoted(bytes).utf8) == Self.referenceQuoted(bytes))
                    var json = JSONWriter(pretty: false)
                    let valid = json.string(nil, LogString(bytes: bytes))
                    #expect(valid == (String(validating: bytes, as: UTF8.self) != nil))
                    #expect(json.output == JSONWriter.quoted(bytes))
                }
            }
        }
    }

    @Test(
        "numbers as String(value) writes them",
        arguments: [0, 1, 9, 10, 11, 99, 100, 12345, -1, -10, -99999, Int.max, Int.min])
    func numbers(_ value: Int) {
        var json = JSONWriter(pretty: false)
        json.beginArray()
        json.number(nil, value)
        json.number(nil, UInt64(value.magnitude))
        json.number(nil, Int32(truncatingIfNeeded: value))
        json.endArray()
        #expect(
            json.output
                == "[\(value),\(UInt64(value.magnitude)),\(Int32(truncatingIfNeeded: value))]")
    }

    @Test("UInt64.max and the 128-bit integers past it")
    func wideNumbers() {
        var json = JSONWriter(pretty: false)
        json.beginArray()
        json.number(nil, UInt64.max)
        json.number(nil, UInt128(UInt64.max) * 10 + 7)
        json.number(nil, Int128(Int64.min) * 3)
        json.endArray()
        #expect(json.output == "[\(UInt64.max),\(UInt128(UInt64.max) * 10 + 7),\(Int128(Int64.min) * 3)]")
    }

    /// The log's stamp text and its ISO 8601 time, formatted field by field with Foundation.
    static func referenceTime(_ stamp: EventStamp) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: TimeInterval(stamp.seconds))
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year!, parts.month!, parts.day!, parts.hour!,
            parts.minute!, parts.second!, Int(stamp.milliseconds))
    }

    @Test(
        "stamps and times, one after another in one writer (the date of the last day is kept)",
        arguments: [
            [(0, 0, 0), (1, 1, 1), (86_399, 999, 2), (86_400, 0, 3), (86_399, 5, 4)],
            [(1_700_000_000, 123, 45), (1_700_000_001, 7, 46), (1_700_086_400, 70, 47), (1_700_000_000, 999, 48)],
            [(951_782_400, 0, 1), (951_868_799, 999, 2), (4_102_444_800, 1, UInt64.max), (253_402_300_799, 999, 9)],
        ] as [[(Int64, Int32, UInt64)]])
    func stampsAndTimes(_ stamps: [(Int64, Int32, UInt64)]) {
        var json = JSONWriter(pretty: false)
        var expected: [String] = []
        json.beginArray()
        for (seconds, milliseconds, serial) in stamps {
            let stamp = EventStamp(seconds: seconds, milliseconds: milliseconds, serial: serial)
            json.stamp(nil, stamp)
            json.time(nil, stamp)
            #expect(TimeFormat.iso8601(stamp) == Self.referenceTime(stamp))
            expected += ["\"\(stamp.description)\"", "\"\(Self.referenceTime(stamp))\""]
        }
        json.endArray()
        #expect(json.output == "[" + expected.joined(separator: ",") + "]")
    }

    @Test(
        "times outside 1970...9999 and forged milliseconds are written as before: fields padded as text",
        arguments: [
            (-1, 0, "1969-12-31T23:59:59.000Z"), (-86_401, 5, "1969-12-30T23:59:59.005Z"),
            (253_402_300_800, 0, "10000-01-01T00:00:00.000Z"), (0, 1000, "1970-01-01T00:00:00.1000Z"),
            (0, -5, "1970-01-01T00:00:00.0-5Z"), (Int64.max, 0, "\(Int64.max)"),
        ] as [(Int64, Int32, String)])
    func unusualTimes(_ seconds: Int64, _ milliseconds: Int32, _ expected: String) {
        let stamp = EventStamp(seconds: seconds, milliseconds: milliseconds, serial: 1)
        #expect(TimeFormat.iso8601(stamp) == expected)
        var json = JSONWriter(pretty: false)
        json.time(nil, stamp)
        #expect(json.output == "\"\(expected)\"")
    }

    @Test("a repeated string is written again in full when it changes")
    func repeatedString() {
        var json = JSONWriter(pretty: false)
        json.beginArray()
        for file in ["/var/log/audit/audit.log", "/var/log/audit/audit.log", "a<b", "/var/log/audit/audit.log", ""] {
            json.repeatedString(nil, file)
        }
        json.endArray()
        #expect(
            json.output
                == #"["/var/log/audit/audit.log","/var/log/audit/audit.log","a\u003cb","/var/log/audit/audit.log",""]"#)
    }

    @Test("a repeated string is compared by its bytes: names differing only in Unicode normalization are both written")
    func repeatedStringBytes() {
        // Two files of one folder: "café" precomposed, and "cafe" with a combining accent.
        let names = ["caf\u{E9}.log", "cafe\u{301}.log", "cafe\u{301}.log", "caf\u{E9}.log"]
        var json = JSONWriter(pretty: false)
        json.beginArray()
        for name in names { json.repeatedString(nil, name) }
        json.endArray()
        let expected = "[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        // Bytes, not Strings: String's `==` would call the two names equal.
        #expect(Array(json.output.utf8) == Array(expected.utf8))
    }

    @Test(
        "occurrences written a record at a time are what writing them member by member gives", arguments: [true, false])
    func occurrences(pretty: Bool) {
        let stamps: [(Int64, Int32)] = [
            (1_700_000_000, 5), (1_700_000_000, 999), (1_700_090_000, 0), (-5, 10), (12, -3),
            (253_402_300_800, 1), (1_700_000_001, 7),
        ]
        let files = ["/var/log/audit/audit.log", "/var/log/audit/audit.log", "a\"<b>", "/var/log/audit/audit.log"]
        let occurrences = stamps.enumerated().map { index, stamp in
            Occurrence(
                number: index % 3 == 0 ? nil : index * 1000,
                stamp: EventStamp(seconds: stamp.0, milliseconds: stamp.1, serial: UInt64(index) * 77),
                pid: index == 2 ? Int.max : index + 100, spawnerPid: -index,
                location: LogLocation(file: files[index % files.count], line: index * 12345))
        }
        var json = JSONWriter(pretty: pretty)
        json.beginObject()
        json.occurrences("seen", occurrences)
        json.endObject()
        // The same, each member through the general path.
        var reference = JSONWriter(pretty: pretty)
        reference.beginObject()
        reference.beginArray("seen")
        for occurrence in occurrences {
            reference.beginCompactObject()
            reference.optionalNumber("number", occurrence.number)
            reference.string("event", occurrence.stamp.description)
            reference.string("time", TimeFormat.iso8601(occurrence.stamp))
            reference.number("pid", occurrence.pid)
            reference.number("spawner_pid", occurrence.spawnerPid)
            reference.string("file", occurrence.location.file)
            reference.number("line", occurrence.location.line)
            reference.endObject()
        }
        reference.endArray()
        reference.endObject()
        #expect(json.output == reference.output)
    }

    @Test(
        "occurrences of two files whose names differ only in Unicode normalization each name their own file",
        arguments: [true, false])
    func occurrenceFilesByBytes(pretty: Bool) {
        // "café" precomposed, and "cafe" with a combining accent: String's `==` calls them equal.
        let files = ["caf\u{E9}.log", "cafe\u{301}.log", "cafe\u{301}.log", "caf\u{E9}.log"]
        let occurrences = files.enumerated().map { index, file in
            Occurrence(
                number: index, stamp: EventStamp(seconds: 1_700_000_000, milliseconds: 5, serial: UInt64(index)),
                pid: 100 + index, spawnerPid: 99, location: LogLocation(file: file, line: index + 1))
        }
        var json = JSONWriter(pretty: pretty)
        json.beginObject()
        json.occurrences("seen", occurrences)
        json.endObject()
        let written = Array(json.output.utf8)
        for (index, file) in files.enumerated() {
            let member = Array("\"file\"\(pretty ? ": " : ":")\"\(file)\"".utf8)
            // The occurrence numbered `index` names its own file, byte for byte.
            let numbered = Array("\"number\"\(pretty ? ": " : ":")\(index),".utf8)
            let record = written.split(separator: UInt8(ascii: "}")).first { Self.contains($0, numbered) }
            #expect(record.map { Self.contains($0, member) } == true, "occurrence \(index)")
        }
    }

    private static func contains(_ bytes: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard bytes.count >= needle.count else { return false }
        var start = bytes.startIndex
        while start + needle.count <= bytes.endIndex {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
            start += 1
        }
        return false
    }
}
