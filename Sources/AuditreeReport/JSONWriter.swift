import AuditreeBase
import AuditreeParser

/// Writes JSON with a fixed key order and layout, so the same input gives the same bytes.
///
/// Strings from the log may hold any bytes: valid UTF-8 is written as is (control
/// characters and the HTML-significant `<`, `>`, `&` as `\u00XX`), and each byte
/// that is not valid UTF-8 becomes U+FFFD. Callers that need the exact bytes
/// write a `*_hex` companion (see docs/json-output.md).
public struct JSONWriter {
    public private(set) var output = ""
    private var needsComma: [Bool] = [false]
    private let pretty: Bool
    /// The depth of the outermost open compact object, if any: no line breaks inside it.
    private var compactFrom: Int?
    private var depth: Int { needsComma.count - 1 }
    private var breaksLines: Bool { pretty && compactFrom.map { depth < $0 } ?? true }

    public init(pretty: Bool = true) { self.pretty = pretty }

    public mutating func beginObject(_ key: String? = nil) { open(key, "{") }
    /// An object written on one line even in a pretty document: for long lists of small
    /// records (a finding's occurrences), where a line per field would multiply the size.
    public mutating func beginCompactObject(_ key: String? = nil) {
        open(key, "{")
        if compactFrom == nil { compactFrom = depth }
    }
    public mutating func endObject() { close("}") }
    public mutating func beginArray(_ key: String? = nil) { open(key, "[") }
    public mutating func endArray() { close("]") }

    public mutating func string(_ key: String?, _ value: String) {
        element(key)
        output += Self.quoted(Array(value.utf8))
    }
    public mutating func string(_ key: String?, _ value: LogString) {
        element(key)
        output += Self.quoted(value.bytes)
    }
    public mutating func number(_ key: String?, _ value: some BinaryInteger) {
        element(key)
        output += String(value)
    }
    public mutating func bool(_ key: String?, _ value: Bool) {
        element(key)
        output += value ? "true" : "false"
    }
    public mutating func null(_ key: String?) {
        element(key)
        output += "null"
    }

    public mutating func optionalString(_ key: String, _ value: LogString?) {
        if let value { string(key, value) } else { null(key) }
    }

    public mutating func optionalNumber(_ key: String, _ value: (some BinaryInteger)?) {
        if let value { number(key, value) } else { null(key) }
    }

    private mutating func open(_ key: String?, _ bracket: String) {
        element(key)
        output += bracket
        needsComma.append(false)
    }

    private mutating func close(_ bracket: String) {
        let breaks = breaksLines
        if let from = compactFrom, depth == from { compactFrom = nil }
        let hadElements = needsComma.removeLast()
        if breaks && hadElements { newline() }
        output += bracket
    }

    private mutating func element(_ key: String?) {
        if needsComma[depth] { output += pretty && !breaksLines ? ", " : "," }
        needsComma[depth] = true
        if breaksLines && depth > 0 { newline() }
        if let key { output += Self.quoted(Array(key.utf8)) + (pretty ? ": " : ":") }
    }

    private mutating func newline() {
        output += "\n"
        output += String(repeating: "  ", count: depth)
    }

    public static func quoted(_ bytes: [UInt8]) -> String {
        var result = "\""
        result.reserveCapacity(bytes.count + 2)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                switch byte {
                case UInt8(ascii: "\""): result += "\\\""
                case UInt8(ascii: "\\"): result += "\\\\"
                case 0x0A: result += "\\n"
                case 0x0D: result += "\\r"
                case 0x09: result += "\\t"
                case 0x00..<0x20, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                    result += "\\u00" + String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
                default: result.unicodeScalars.append(Unicode.Scalar(byte))
                }
                index += 1
            } else if let (scalar, length) = UTF8Decoding.decodeScalar(bytes, at: index) {
                if scalar.value == 0x2028 || scalar.value == 0x2029 {
                    result += "\\u" + String(scalar.value, radix: 16)
                } else {
                    result.unicodeScalars.append(scalar)
                }
                index += length
            } else {
                result += "\u{FFFD}"
                index += 1
            }
        }
        return result + "\""
    }
}
