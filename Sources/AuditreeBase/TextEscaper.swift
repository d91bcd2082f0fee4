/// Makes log bytes safe to show on a terminal or in a one-line report.
///
/// Printable ASCII and printable Unicode pass through. Control bytes, DEL,
/// C1 controls, bidirectional-override characters and invalid UTF-8 become
/// visible escapes (`\n`, `\x1b`, `\u{202e}`), and a backslash is doubled, so
/// escaped text can never move the cursor, recolor, forge a line, or be
/// mistaken for an escape that was in the log.
public enum TextEscaper {
    public static func escape(_ bytes: [UInt8]) -> String {
        var output = ""
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                appendASCII(byte, to: &output)
                index += 1
                continue
            }
            if let (scalar, length) = UTF8Decoding.decodeScalar(bytes, at: index) {
                if isUnsafeScalar(scalar) {
                    output += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
                index += length
            } else {
                output += hexEscape(byte)
                index += 1
            }
        }
        return output
    }

    public static func escape(_ string: String) -> String { escape(Array(string.utf8)) }

    /// Text from a rule file (a regex, a list entry), escaped like log bytes except that a
    /// backslash stays single: `org\.apache` reads as it was written. Control characters still
    /// become escapes, so the text cannot move the cursor.
    public static func escapeRuleText(_ string: String) -> String {
        string.split(separator: "\\", omittingEmptySubsequences: false).map { escape(String($0)) }.joined(
            separator: "\\")
    }

    private static func appendASCII(_ byte: UInt8, to output: inout String) {
        switch byte {
        case UInt8(ascii: "\\"): output += "\\\\"
        case 0x0A: output += "\\n"
        case 0x0D: output += "\\r"
        case 0x09: output += "\\t"
        case 0x20..<0x7F: output.unicodeScalars.append(Unicode.Scalar(byte))
        default: output += hexEscape(byte)
        }
    }

    package static func hexEscape(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(
            decoding: [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]],
            as: UTF8.self)
    }

    /// C1 controls, line/paragraph separators and the characters that reorder text on screen.
    static func isUnsafeScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x80...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }
}
