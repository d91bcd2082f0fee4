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

    private static func escape(_ value: String, attribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\r": result += "&#13;"
            case "\t": result += attribute ? "&#9;" : "\t"
            case "\n": result += attribute ? "&#10;" : "\n"
            default:
                if isXMLChar(scalar) {
                    result.unicodeScalars.append(scalar)
                } else if scalar.value < 0x80 {
                    result += TextEscaper.hexEscape(UInt8(scalar.value))
                } else {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                }
            }
        }
        return result
    }

    /// XML 1.0 `Char`, less tab/newline/CR which are handled above.
    static func isXMLChar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
