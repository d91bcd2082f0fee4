import AuditreeBase
import AuditreeEvents
import AuditreeParser

/// Shows a command line on one line, each argument quoted as a shell would need
/// and escaped with `TextEscaper`, so hostile arguments stay visible and inert.
public enum CommandLineText {
    public static func render(_ argv: ArgumentVector) -> String {
        var text = argv.arguments.map(quote).joined(separator: " ")
        if !argv.isComplete { text += " [command line incomplete in the log]" }
        return text
    }

    static func quote(_ argument: LogString) -> String {
        let escaped = TextEscaper.escape(argument.bytes)
        let plain =
            !argument.isEmpty
            && argument.bytes.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default: Array("_./:=@%+,-".utf8).contains(byte)
                }
            }
        if plain { return escaped }
        // On Unicode scalars, not Characters: a quote followed by a combining mark (`'\u{301}`)
        // is one Character in Swift, and a Character comparison would not see the quote.
        var quoted = "'"
        var afterQuote = true
        for scalar in escaped.unicodeScalars {
            if scalar == "'" {
                quoted += "'\\''"
                afterQuote = true
                continue
            }
            // A mark right after a quote would draw on the quote: show it as an escape instead.
            if afterQuote && isCombining(scalar) {
                quoted += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                quoted.unicodeScalars.append(scalar)
            }
            afterQuote = false
        }
        return quoted + "'"
    }

    /// Marks and joiners that attach to the scalar before them.
    static func isCombining(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return false }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return scalar.properties.isGraphemeExtend || scalar.value == 0x200D
        }
    }
}
