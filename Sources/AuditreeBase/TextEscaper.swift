/// Makes log bytes safe to show on a terminal or in a one-line report.
///
/// Printable ASCII and printable Unicode pass through. Control bytes, DEL,
/// C1 controls, bidirectional-override characters and invalid UTF-8 become
/// visible escapes (`\n`, `\x1b`, `\u{202e}`), and a backslash is doubled, so
/// escaped text can never move the cursor, recolor, forge a line, or be
/// mistaken for an escape that was in the log.
public enum TextEscaper {
    public static func escape(_ bytes: [UInt8]) -> String { escape(bytes.span) }

    public static func escape(_ string: String) -> String { escape(string.utf8.span) }

    /// Text that passes through is copied a run at a time into one byte array (appending to a
    /// String a scalar at a time cost some 450 instructions per character).
    public static func escape(_ bytes: Span<UInt8>) -> String {
        var output: [UInt8] = []
        // An escape is at most 4 bytes per byte: `\xNN` for one, `\u{61c}` for two, `\u{202e}` for three.
        output.append(addingCapacity: 4 * bytes.count) { out in
            var runStart = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                var length = 1
                var unsafeScalar: Unicode.Scalar?
                if byte >= 0x80, let (scalar, scalarLength) = UTF8Decoding.decodeScalar(bytes, at: index) {
                    length = scalarLength
                    guard isUnsafeScalar(scalar) else {
                        index += length
                        continue
                    }
                    unsafeScalar = scalar
                }
                for offset in runStart..<index { out.append(bytes[offset]) }
                if let unsafeScalar {
                    for byte in "\\u{\(String(unsafeScalar.value, radix: 16))}".utf8 { out.append(byte) }
                } else {
                    appendEscape(byte, to: &out)
                }
                index += length
                runStart = index
            }
            for offset in runStart..<index { out.append(bytes[offset]) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The escape of an ASCII byte that does not pass, or of a byte that is not valid UTF-8.
    private static func appendEscape(_ byte: UInt8, to out: inout OutputSpan<UInt8>) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            out.append(UInt8(ascii: "x"))
            out.append(hexDigit(byte >> 4))
            out.append(hexDigit(byte & 0xF))
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Text from a rule file (a regex, a list entry), escaped like log bytes except that a
    /// backslash stays single: `org\.apache` reads as it was written. Control characters still
    /// become escapes, so the text cannot move the cursor.
    public static func escapeRuleText(_ string: String) -> String {
        string.split(separator: "\\", omittingEmptySubsequences: false).map { escape(String($0)) }.joined(
            separator: "\\")
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
