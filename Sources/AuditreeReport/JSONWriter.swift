import AuditreeBase
import AuditreeParser

/// Writes JSON with a fixed key order and layout, so the same input gives the same bytes.
///
/// Strings from the log may hold any bytes: valid UTF-8 is written as is (control
/// characters and the HTML-significant `<`, `>`, `&` as `\u00XX`), and each byte
/// that is not valid UTF-8 becomes U+FFFD. Callers that need the exact bytes
/// write a `*_hex` companion (see docs/json-output.md).
public struct JSONWriter {
    /// The document so far, as UTF-8: every piece written is valid UTF-8, and appending bytes
    /// costs a copy where appending to a String re-checked each scalar (a report of many
    /// findings spent most of its time there).
    private var bytes: [UInt8] = []
    public var output: String { String(decoding: bytes, as: UTF8.self) }
    private var needsComma: [Bool] = [false]
    private let pretty: Bool
    /// The depth of the outermost open compact object, if any: no line breaks inside it.
    private var compactFrom: Int?
    private var depth: Int { needsComma.count - 1 }
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
        Self.appendQuoted(value.utf8.span, to: &bytes)
    }
    public mutating func string(_ key: String?, _ value: LogString) {
        element(key)
        value.withSpan { Self.appendQuoted($0, to: &bytes) }
    }
    public mutating func number(_ key: String?, _ value: some BinaryInteger) {
        element(key)
        bytes.append(contentsOf: String(value).utf8)
    }
    public mutating func bool(_ key: String?, _ value: Bool) {
        element(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }
    public mutating func null(_ key: String?) {
        element(key)
        bytes.append(contentsOf: "null".utf8)
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
        needsComma.append(false)
    }

    private mutating func close(_ bracket: UInt8) {
        let breaks = breaksLines
        if let from = compactFrom, depth == from { compactFrom = nil }
        let hadElements = needsComma.removeLast()
        if breaks && hadElements { newline() }
        bytes.append(bracket)
    }

    private mutating func element(_ key: String?) {
        if needsComma[depth] {
            bytes.append(UInt8(ascii: ","))
            if pretty && !breaksLines { bytes.append(UInt8(ascii: " ")) }
        }
        needsComma[depth] = true
        if breaksLines && depth > 0 { newline() }
        if let key {
            Self.appendQuoted(key.utf8.span, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            if pretty { bytes.append(UInt8(ascii: " ")) }
        }
    }

    private mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<depth {
            bytes.append(UInt8(ascii: " "))
            bytes.append(UInt8(ascii: " "))
        }
    }

    public static func quoted(_ bytes: [UInt8]) -> String {
        var result: [UInt8] = []
        appendQuoted(bytes.span, to: &result)
        return String(decoding: result, as: UTF8.self)
    }

    /// The bytes as a JSON string, quotes included: valid UTF-8 as is (escaped where JSON or
    /// HTML needs it), each other byte as U+FFFD.
    static func appendQuoted(_ bytes: Span<UInt8>, to result: inout [UInt8]) {
        result.reserveCapacity(result.count + bytes.count + 2)
        result.append(UInt8(ascii: "\""))
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    result.append(UInt8(ascii: "\\"))
                    result.append(byte)
                case 0x0A: appendASCII("\\n", to: &result)
                case 0x0D: appendASCII("\\r", to: &result)
                case 0x09: appendASCII("\\t", to: &result)
                case 0x00..<0x20, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                    appendASCII("\\u00", to: &result)
                    result.append(hexDigit(byte >> 4))
                    result.append(hexDigit(byte & 0xF))
                default: result.append(byte)
                }
                index += 1
            } else if let length = UTF8Decoding.scalarLength(bytes, at: index) {
                // U+2028 and U+2029 (E2 80 A8/A9) end a line in JavaScript.
                if length == 3, byte == 0xE2, bytes[index + 1] == 0x80, bytes[index + 2] & 0xFE == 0xA8 {
                    appendASCII(bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029", to: &result)
                } else {
                    for offset in 0..<length { result.append(bytes[index + offset]) }
                }
                index += length
            } else {
                result.append(0xEF)
                result.append(0xBF)
                result.append(0xBD)
                index += 1
            }
        }
        result.append(UInt8(ascii: "\""))
    }

    private static func appendASCII(_ text: String, to result: inout [UInt8]) {
        result.append(contentsOf: text.utf8)
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
