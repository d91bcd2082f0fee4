import AuditreeBase
import AuditreeParser
import AuditreeSystem

/// Writes JSON with a fixed key order and layout, so the same input gives the same bytes.
///
/// Strings from the log may hold any bytes: valid UTF-8 is written as is (control
/// characters and the HTML-significant `<`, `>`, `&` as `\u00XX`), and each byte
/// that is not valid UTF-8 becomes U+FFFD. Callers that need the exact bytes
/// write a `*_hex` companion (see docs/json-output.md).
public struct JSONWriter {
    /// The document so far, as UTF-8: every piece written is valid UTF-8 (`JSONText`), and
    /// bytes are appended with no String in between.
    public private(set) var bytes: [UInt8] = []
    public var output: String { String(decoding: bytes, as: UTF8.self) }

    /// The document's bytes, with a line feed after them; the writer is left empty. A report
    /// is written from these bytes, not from a String: making one validates every byte again.
    public mutating func takeLine() -> [UInt8] {
        var line: [UInt8] = []
        swap(&line, &bytes)
        line.append(UInt8(ascii: "\n"))
        return line
    }
    /// Whether the innermost open container has an element yet.
    private var hasElements = false
    /// The same for each container around it, outermost first (its count is the depth).
    private var outerHasElements: [Bool] = []
    private var times = ISO8601Writer()
    /// The string `repeatedString` wrote last, and its quoted bytes.
    private var repeated: (value: String, quoted: [UInt8])?
    private let pretty: Bool
    /// The depth of the outermost open compact object, if any: no line breaks inside it.
    private var compactFrom: Int?
    private var depth: Int { outerHasElements.count }
    private var breaksLines: Bool { pretty && compactFrom.map { depth < $0 } ?? true }

    public init(pretty: Bool = true) { self.pretty = pretty }

    public mutating func beginObject(_ key: String? = nil) { open(key, UInt8(ascii: "{")) }
    /// An object written on one line even in a pretty document: for long lists of small
    /// records (a finding's occurrences), where a line per field would multiply the size.
    public mutating func beginCompactObject(_ key: String? = nil) {
        open(key, UInt8(ascii: "{"))
        if compactFrom == nil { compactFrom = depth }
    }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray(_ key: String? = nil) { open(key, UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    public mutating func string(_ key: String?, _ value: String) {
        element(key)
        JSONText.appendQuoted(value.utf8.span, to: &bytes)
    }
    /// Returns whether the value is valid UTF-8 (false: some bytes were written as U+FFFD).
    @discardableResult
    public mutating func string(_ key: String?, _ value: LogString) -> Bool {
        element(key)
        return value.withSpan { JSONText.appendQuoted($0, to: &bytes) }
    }

    /// A value that is often the same as the one written before it by this method (the log
    /// file of every occurrence): written from the bytes kept from last time when it is.
    public mutating func repeatedString(_ key: String?, _ value: String) {
        element(key)
        // Compared by bytes: `==` on String is canonical equivalence, and two names that differ
        // only in their Unicode normalization (two files of one folder) are different names.
        if let repeated, repeated.value.utf8.elementsEqual(value.utf8) {
            bytes.append(contentsOf: repeated.quoted)
            return
        }
        var quoted: [UInt8] = []
        JSONText.appendQuoted(value.utf8.span, to: &quoted)
        bytes.append(contentsOf: quoted)
        repeated = (value, quoted)
    }

    /// The stamp's log time, ISO 8601 UTC (`TimeFormat.iso8601`).
    public mutating func time(_ key: String?, _ stamp: EventStamp) {
        element(key)
        times.appendQuoted(stamp, to: &bytes)
    }

    /// The stamp as the log writes it (`EventStamp.description`: `SECONDS.MILLIS:SERIAL`).
    public mutating func stamp(_ key: String?, _ stamp: EventStamp) {
        element(key)
        guard stamp.milliseconds >= 0, stamp.milliseconds < 1000 else {
            JSONText.appendQuoted(stamp.description.utf8.span, to: &bytes)
            return
        }
        bytes.append(addingCapacity: JSONText.stampCapacity) { JSONText.writeStamp(stamp, into: &$0) }
    }

    public mutating func number(_ key: String?, _ value: some BinaryInteger) {
        element(key)
        if let value = Int64(exactly: value) {
            bytes.append(addingCapacity: JSONText.decimalCapacity) { JSONText.writeDecimal(value, into: &$0) }
        } else if let value = UInt64(exactly: value) {
            bytes.append(addingCapacity: JSONText.decimalCapacity) { JSONText.writeDecimal(value, into: &$0) }
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }
    public mutating func bool(_ key: String?, _ value: Bool) {
        element(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }
    public mutating func null(_ key: String?) {
        element(key)
        bytes.append(contentsOf: "null".utf8)
    }

    /// Members of the object just opened, compact, written by `body` into one reservation of
    /// `capacity` bytes: for records written many times with the same keys (a finding's
    /// occurrences), whose key text is made once. `body` gets the layout (`pretty`: a space after
    /// each comma and colon) and returns false when a value needs the general path: then
    /// nothing is kept, and this returns false.
    mutating func writeMembers(capacity: Int, _ body: (inout OutputSpan<UInt8>, _ pretty: Bool) -> Bool) -> Bool {
        guard !hasElements, !breaksLines else { return false }
        let pretty = self.pretty
        var written = false
        bytes.append(addingCapacity: capacity) { out in
            written = body(&out, pretty)
            if !written { out.removeAll() }
        }
        if written { hasElements = true }
        return written
    }

    public mutating func optionalString(_ key: String, _ value: LogString?) {
        if let value { string(key, value) } else { null(key) }
    }

    public mutating func optionalNumber(_ key: String, _ value: (some BinaryInteger)?) {
        if let value { number(key, value) } else { null(key) }
    }

    private mutating func open(_ key: String?, _ bracket: UInt8) {
        element(key)
        bytes.append(bracket)
        outerHasElements.append(hasElements)
        hasElements = false
    }

    private mutating func close(_ bracket: UInt8) {
        let breaks = breaksLines
        if let from = compactFrom, depth == from { compactFrom = nil }
        let hadElements = hasElements
        hasElements = outerHasElements.removeLast()
        let depth = self.depth
        bytes.append(addingCapacity: 2 + 2 * depth) { out in
            if breaks && hadElements { Self.writeNewline(depth: depth, into: &out) }
            out.append(bracket)
        }
    }

    /// What comes before a value: the comma after the previous element, the line break and
    /// indent, the quoted key and its colon; in one reservation.
    private mutating func element(_ key: String?) {
        let comma = hasElements
        hasElements = true
        let breaks = breaksLines
        let depth = self.depth
        let pretty = self.pretty
        guard let key else {
            guard comma || (breaks && depth > 0) else { return }
            bytes.append(addingCapacity: 3 + 2 * depth) { out in
                Self.writeSeparator(comma: comma, pretty: pretty, breaks: breaks, depth: depth, into: &out)
            }
            return
        }
        let name = key.utf8.span
        bytes.append(addingCapacity: 3 + 2 * depth + JSONText.escapedCapacity(name.count) + 4) { out in
            Self.writeSeparator(comma: comma, pretty: pretty, breaks: breaks, depth: depth, into: &out)
            out.append(UInt8(ascii: "\""))
            // Keys are short and almost always plain: copied a byte at a time as they are checked.
            var index = 0
            while index < name.count, JSONText.isPlainASCII(name[index]) {
                out.append(name[index])
                index += 1
            }
            if index < name.count {
                var valid = true
                _ = JSONText.writeEscaped(name, from: index, keeping: 3, into: &out, valid: &valid)
            }
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
            if pretty { out.append(UInt8(ascii: " ")) }
        }
    }

    @inline(__always)
    private static func writeSeparator(
        comma: Bool, pretty: Bool, breaks: Bool, depth: Int, into out: inout OutputSpan<UInt8>
    ) {
        if comma {
            out.append(UInt8(ascii: ","))
            if pretty && !breaks { out.append(UInt8(ascii: " ")) }
        }
        if breaks && depth > 0 { writeNewline(depth: depth, into: &out) }
    }

    @inline(__always)
    private static func writeNewline(depth: Int, into out: inout OutputSpan<UInt8>) {
        out.append(UInt8(ascii: "\n"))
        out.append(repeating: UInt8(ascii: " "), count: 2 * depth)
    }

    public static func quoted(_ bytes: [UInt8]) -> String {
        var result: [UInt8] = []
        JSONText.appendQuoted(bytes.span, to: &result)
        return String(decoding: result, as: UTF8.self)
    }
}
