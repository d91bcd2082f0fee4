import Foundation
import TestSupport
import Testing

@testable import AuditreeBase
@testable import AuditreeEvents
@testable import AuditreeParser
@testable import AuditreeReport

@Suite("Escaping")
struct EscapingTests {
    @Test(
        "text escaping keeps printable text and shows everything else",
        arguments: [
            ([UInt8]("plain /usr/bin/ls -la".utf8), "plain /usr/bin/ls -la"),
            ([0x1B, 0x5B, 0x33, 0x31, 0x6D], "\\x1b[31m"),
            ([0x61, 0x0A, 0x62, 0x0D, 0x09], "a\\nb\\r\\t"),
            ([0x5C], "\\\\"),
            ([0xFF, 0xFE, 0x41], "\\xff\\xfeA"),
            ([UInt8]("caf\u{E9}".utf8), "caf\u{E9}"),
            ([UInt8]("a\u{202E}b".utf8), "a\\u{202e}b"),
            ([0xC2, 0x9B], "\\u{9b}"),
            ([0xED, 0xA0, 0x80], "\\xed\\xa0\\x80"),
            ([0x00, 0x7F], "\\x00\\x7f"),
        ])
    func text(_ bytes: [UInt8], _ expected: String) {
        #expect(TextEscaper.escape(bytes) == expected)
    }

    @Test(
        "JSON strings are valid for any bytes",
        arguments: [
            [UInt8]("</script><!--".utf8), [0xFF, 0x00, 0x22, 0x5C], [UInt8]("\u{2028}x".utf8), [0xE2, 0x82],
            Array(0...255).map(UInt8.init),
        ])
    func json(_ bytes: [UInt8]) throws {
        let quoted = JSONWriter.quoted(bytes)
        let decoded = try JSONSerialization.jsonObject(with: Data(quoted.utf8), options: [.fragmentsAllowed]) as? String
        #expect(decoded != nil)
        #expect(!quoted.contains("<") && !quoted.contains(">"))
        if let valid = String(validating: bytes, as: UTF8.self) { #expect(decoded == valid) }
        #expect(Hex.lowercase(bytes).count == bytes.count * 2)
    }

    @Test("command lines quote what a shell would need")
    func commandLine() {
        let argv = ArgumentVector(arguments: ["sh", "-c", "echo 'hi' there", "x\u{1B}y"], isComplete: true)
        #expect(CommandLineText.render(argv) == #"sh -c 'echo '\''hi'\'' there' 'x\x1by'"#)
        #expect(
            CommandLineText.render(ArgumentVector(arguments: ["a"], isComplete: false))
                == "a [command line incomplete in the log]")
    }

    // Swift's String joins a quote and a following combining mark into one Character; quoting
    // works on scalars, so every quote is closed and reopened, and a mark right after a quote
    // the report writes is shown escaped (it would otherwise draw on the quote).
    @Test(
        "shell quoting with combining marks after quotes",
        arguments: [
            ("it'\u{301}s", #"'it'\''\u{301}s'"#),
            ("'\u{301}", #"''\''\u{301}'"#),
            ("\u{301}x", #"'\u{301}x'"#),
            ("a'\u{20DD}'b", #"'a'\''\u{20dd}'\''b'"#),
            ("e\u{301}'", "'e\u{301}'\\'''"),
            ("x'\u{200D}y", #"'x'\''\u{200d}y'"#),
            ("''", #"''\'''\'''"#),
            ("caf\u{E9} 'ok'", "'caf\u{E9} '\\''ok'\\'''"),
        ])
    func quotingCombiningMarks(_ argument: String, _ expected: String) {
        let argv = ArgumentVector(arguments: [LogString(argument)], isComplete: true)
        let rendered = CommandLineText.render(argv)
        #expect(rendered == expected)
        // Read back as a POSIX shell reads quotes, scalar by scalar, the rendering is one word
        // whose quotes all close.
        var inQuotes = false
        var escaped = false
        for scalar in rendered.unicodeScalars {
            if escaped {
                escaped = false
            } else if scalar == "'" {
                inQuotes.toggle()
            } else if scalar == "\\" && !inQuotes {
                escaped = true
            } else {
                #expect(inQuotes || scalar != " ", "\(rendered)")
            }
        }
        #expect(!inQuotes && !escaped, "\(rendered)")
    }

    @Test("times are UTC ISO 8601 with milliseconds")
    func time() {
        #expect(
            TimeFormat.iso8601(EventStamp(seconds: 1_700_000_000, milliseconds: 61, serial: 1))
                == "2023-11-14T22:13:20.061Z")
    }

    /// Each field is zero-padded to its width, and a field wider than that (a year past 9999, a
    /// forged millisecond count) is written whole rather than cut.
    @Test(
        "times pad each field to its width and never cut one",
        arguments: [
            (Int64(0), Int32(0), "1970-01-01T00:00:00.000Z"),
            (Int64(-1), Int32(5), "1969-12-31T23:59:59.005Z"),
            (Int64(-62_167_219_200), Int32(9), "0000-01-01T00:00:00.009Z"),
            (Int64(253_402_300_800), Int32(999), "10000-01-01T00:00:00.999Z"),
            (Int64(1_750_000_000), Int32(1234), "2025-06-15T15:06:40.1234Z"),
            (Int64(1_750_000_000), Int32(-7), "2025-06-15T15:06:40.0-7Z"),
        ])
    func timeFields(seconds: Int64, milliseconds: Int32, expected: String) {
        #expect(TimeFormat.iso8601(EventStamp(seconds: seconds, milliseconds: milliseconds, serial: 1)) == expected)
    }

    /// Text escaping a scalar at a time into a String, as docs/formats.md describes it: the
    /// reference the byte writer is held to.
    static func referenceText(_ bytes: [UInt8]) -> String {
        var output = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                switch byte {
                case UInt8(ascii: "\\"): output += "\\\\"
                case 0x0A: output += "\\n"
                case 0x0D: output += "\\r"
                case 0x09: output += "\\t"
                case 0x20..<0x7F: output.unicodeScalars.append(Unicode.Scalar(byte))
                default: output += String(format: "\\x%02x", Int(byte))
                }
                index += 1
                continue
            }
            var iterator = bytes[index...].makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            if case .valid(let encoded) = parser.parseScalar(from: &iterator) {
                let scalar = Unicode.UTF8.decode(encoded)
                if TextEscaper.isUnsafeScalar(scalar) {
                    output += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
                index += encoded.count
            } else {
                output += String(format: "\\x%02x", Int(byte))
                index += 1
            }
        }
        return output
    }

    /// XML escaping a scalar at a time, as docs/formats.md describes it.
    static func referenceXML(_ value: String, attribute: Bool) -> String {
        var result = ""
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
                switch scalar.value {
                case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: result.unicodeScalars.append(scalar)
                case 0..<0x80: result += String(format: "\\x%02x", Int(scalar.value))
                default: result += "\\u{\(String(scalar.value, radix: 16))}"
                }
            }
        }
        return result
    }

    @Test("text and XML escaping, on every byte pair between plain text, and unsafe or unusual scalars")
    func escapingAgainstReference() {
        var samples: [[UInt8]] = []
        for first in 0...255 {
            for second in stride(from: 0, through: 255, by: 5) {
                samples.append(Array("ab".utf8) + [UInt8(first), UInt8(second), 0x80] + Array("c\\d".utf8))
            }
        }
        for scalar in [
            "\u{85}", "\u{9F}", "\u{A0}", "\u{61C}", "\u{200E}", "\u{2028}", "\u{202E}", "\u{2066}", "\u{FEFF}",
            "\u{FFFD}", "\u{FFFE}", "\u{FFFF}", "\u{10FFFF}", "\u{1F600}", "é", "\u{301}",
        ] {
            samples.append(Array("x\(scalar)y\(scalar)".utf8))
        }
        for bytes in samples {
            #expect(TextEscaper.escape(bytes) == Self.referenceText(bytes), "\(bytes)")
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(XMLWriter.escapeText(text) == Self.referenceXML(text, attribute: false), "\(bytes)")
            #expect(XMLWriter.escapeAttribute(text) == Self.referenceXML(text, attribute: true), "\(bytes)")
        }
    }
}
