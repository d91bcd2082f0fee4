import AuditreeBase

/// Writes XML 1.0 that is well-formed for any input.
///
/// Values from the log go through `TextEscaper` first (control bytes become `\x1b`,
/// invalid UTF-8 `\xNN`, bidi controls `\u{202e}`, a backslash `\\`), then `& < > " '`
/// become entities. Any character XML 1.0 cannot hold at all (C0 controls other than
/// tab/newline/CR, U+FFFE, U+FFFF) that still reaches the writer is shown the same
/// visible way, so no input can make the document ill-formed.
public struct XMLWriter {
    public private(set) var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var stack: [String] = []
    /// Whether the innermost open element has children (then its end tag goes on its own line).
    private var hasChildren: [Bool] = []
    private var startTagOpen = false

    public init() {}

    /// Opens `<name attr="value" ...>`; attribute values are escaped here.
    public mutating func begin(_ name: String, _ attributes: [(String, String)] = []) {
        closeStartTag(childElement: true)
        output += indent + "<" + name
        for (key, value) in attributes { output += " \(key)=\"\(Self.escapeAttribute(value))\"" }
        stack.append(name)
        hasChildren.append(false)
        startTagOpen = true
    }

    /// Character data for the open element, escaped.
    public mutating func text(_ value: String) {
        closeStartTag(childElement: false)
        output += Self.escapeText(value)
    }

    public mutating func end() {
        let name = stack.removeLast()
        let children = hasChildren.removeLast()
        if startTagOpen {
            output += "/>\n"
            startTagOpen = false
            return
        }
        if children { output += indent }
        output += "</\(name)>\n"
    }

    /// An element with only attributes, or only text.
    public mutating func element(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil) {
        begin(name, attributes)
        if let text, !text.isEmpty { self.text(text) }
        end()
    }

    private var indent: String { String(repeating: "  ", count: stack.count) }

    private mutating func closeStartTag(childElement: Bool) {
        if startTagOpen {
            output += childElement ? ">\n" : ">"
            startTagOpen = false
            if childElement { hasChildren[hasChildren.count - 1] = true }
        } else if childElement, !hasChildren.isEmpty {
            hasChildren[hasChildren.count - 1] = true
        }
    }

    /// Text content: `& < > " '` as entities; CR as `&#13;` so it survives parsing.
    public static func escapeText(_ value: String) -> String { escape(value, attribute: false) }

    /// Attribute values: also tab and newline as character references, which attribute
    /// normalisation would otherwise turn into spaces.
    public static func escapeAttribute(_ value: String) -> String { escape(value, attribute: true) }

    /// A value from the log: `TextEscaper` first, then XML escaping.
    public static func logValue(_ bytes: [UInt8]) -> String { TextEscaper.escape(bytes) }

    /// Written a byte at a time into one byte array: the text is valid UTF-8 (a String), so only
    /// ASCII needs a look and U+FFFE/U+FFFF (`EF BF BE`/`EF BF BF`) are the only other scalars
    /// XML 1.0 cannot hold (appending to a String a scalar at a time cost some 450 instructions
    /// per character).
    private static func escape(_ value: String, attribute: Bool) -> String {
        let bytes = value.utf8.span
        var result: [UInt8] = []
        // `&quot;` is the longest escape of one byte; `\u{fffe}` takes 8 for 3.
        result.append(addingCapacity: 6 * bytes.count) { out in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "&"): append("&amp;", to: &out)
                case UInt8(ascii: "<"): append("&lt;", to: &out)
                case UInt8(ascii: ">"): append("&gt;", to: &out)
                case UInt8(ascii: "\""): append("&quot;", to: &out)
                case UInt8(ascii: "'"): append("&apos;", to: &out)
                case UInt8(ascii: "\r"): append("&#13;", to: &out)
                case UInt8(ascii: "\t") where attribute: append("&#9;", to: &out)
                case UInt8(ascii: "\n") where attribute: append("&#10;", to: &out)
                case UInt8(ascii: "\t"), UInt8(ascii: "\n"): out.append(byte)
                case 0x00..<0x20: append(TextEscaper.hexEscape(byte), to: &out)
                case 0xEF where index + 1 < bytes.count && bytes[index] == 0xBF && bytes[index + 1] & 0xFE == 0xBE:
                    append(bytes[index + 1] == 0xBE ? "\\u{fffe}" : "\\u{ffff}", to: &out)
                    index += 2
                default: out.append(byte)
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static func append(_ text: String, to out: inout OutputSpan<UInt8>) {
        for byte in text.utf8 { out.append(byte) }
    }
}
