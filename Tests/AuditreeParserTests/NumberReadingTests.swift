import AuditreeBase
import Testing

@testable import AuditreeParser

/// The parser reads stamps, decimal and hex numbers several bytes per load where it can and
/// byte by byte where it cannot (near a line's end, unusual forms). These tests hold both
/// readings to a plain reference written here, on values placed so that each path is taken.
@Suite("Number reading")
struct NumberReadingTests {
    // MARK: - References

    /// The stamp grammar of `RecordParser`: no leading zeros in seconds and serial, three
    /// millisecond digits, seconds at most Int64.max / 2000, serial a UInt64.
    static func referenceStamp(_ text: [UInt8]) -> EventStamp? {
        let prefix = Array("msg=audit(".utf8)
        guard text.starts(with: prefix) else { return nil }
        var rest = text[prefix.count...]
        func digits(until terminator: UInt8) -> [UInt8]? {
            guard let end = rest.firstIndex(where: { !(0x30...0x39).contains($0) }), text[end] == terminator,
                end > rest.startIndex
            else { return nil }
            let run = Array(rest[..<end])
            rest = text[(end + 1)...]
            return run
        }
        guard let seconds = digits(until: UInt8(ascii: ".")), let millis = digits(until: UInt8(ascii: ":")),
            let serial = digits(until: UInt8(ascii: ")")), millis.count == 3,
            seconds.count == 1 || seconds[0] != 0x30, serial.count == 1 || serial[0] != 0x30,
            let secondsValue = UInt64(String(decoding: seconds, as: UTF8.self)),
            secondsValue <= UInt64(Int64.max) / 2000,
            let serialValue = UInt64(String(decoding: serial, as: UTF8.self))
        else { return nil }
        return EventStamp(
            seconds: Int64(secondsValue), milliseconds: Int32(String(decoding: millis, as: UTF8.self))!,
            serial: serialValue)
    }

    static func referenceDecimal(_ text: [UInt8]) -> UInt64? {
        guard !text.isEmpty, text.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return UInt64(String(decoding: text, as: UTF8.self))
    }

    static func referenceHex(_ text: [UInt8]) -> UInt64? {
        guard !text.isEmpty, text.count <= 16, text.allSatisfy({ Hex.digit($0) != nil }) else { return nil }
        return UInt64(String(decoding: text, as: UTF8.self), radix: 16)
    }

    // MARK: - Stamps

    static let stamps: [String] = [
        "1750000000.000:1001)", "1750000000.123:1)", "1750000000.999:0)", "1750000000.000:9999999)",
        "1750000000.000:12345678)", "1750000000.000:123456789)", "1750000000.000:01)", "1750000000.000:00)",
        "0750000000.000:1)", "175000000.000:1)", "17500000000.000:1)", "1.000:1)", "0.000:0)", "01.000:1)",
        "1750000000.00:1)", "1750000000.0000:1)", "1750000000,000:1)", "1750000000.000;1)", "1750000000.000:1]",
        "175000000a.000:1)", "1750000000.0a0:1)", "1750000000.000:1a)", "1750000000.000:)", "1750000000.000:1",
        "1750000000/000:1)", "1750000000.000:1:)", "17500000:0.000:1)", "1750000000.00\u{7F}:1)",
        "4611686018427387.000:1)", "4611686018427388.000:1)", "1750000000.000:18446744073709551615)",
        "1750000000.000:18446744073709551616)",
    ]

    @Test("a stamp reads as the reference grammar says, followed by anything or nothing", arguments: stamps)
    func readsStamp(_ stamp: String) {
        // Every tail length, so that the loads near the line's end and the byte-by-byte reading both run.
        for tail in ["", "):", "): ", "): arch=c000003e syscall=59 pid=2", "):" + String(repeating: " ", count: 9)] {
            let text = Array(("msg=audit(" + stamp + tail).utf8)
            let line = Array("type=EOE ".utf8) + text
            var parser = RecordParser()
            let result = parser.parse(line.span, lineNumber: 1)
            switch (result, Self.referenceStamp(text)) {
            case (.success(let record), let expected?):
                #expect(record.stamp == expected, "\(stamp) + \(tail)")
                // The stamp prints as it was written.
                #expect(text.starts(with: Array("msg=audit(\(record.stamp))".utf8)), "\(stamp) + \(tail)")
            case (.failure(let rejection), nil):
                #expect(rejection.reason == .malformedTimestamp, "\(stamp) + \(tail)")
            default:
                Issue.record(
                    "\(stamp) + \(tail): \(String(describing: result)), reference \(String(describing: Self.referenceStamp(text)))"
                )
            }
        }
    }

    // MARK: - Decimal and hex

    static let numbers: [String] = [
        "0", "7", "42", "123", "4294967295", "12345678", "123456789", "00000001", "1234567", "18446744073709551615",
        "18446744073709551616", "99999999999999999999", "", "-1", "12a4", "1 2", "/", ":", "1234567/", "c000003e",
        "C000003E", "7fff610f19a0", "ffffffffffffffff", "10000000000000000", "g", "G", "@", "`", "abcdef", "ABCDEF",
        "0x10", "12345678:", "\u{80}1", "1\u{FF}", "fF", "000000000000000a",
    ]

    @Test("decimal and hex numbers read as the references, wherever they stand", arguments: numbers)
    func readsNumber(_ number: String) {
        let value = Array(number.utf8)
        // Padding after the value from none to more than a word: the loads and the byte loop.
        for padding in 0...9 {
            let line = Array("x=".utf8) + value + Array(repeating: UInt8(ascii: " "), count: padding)
            let range = 2..<(2 + value.count)
            #expect(Bytes.decimal(line.span, range) == Self.referenceDecimal(value), "\(number) + \(padding)")
            #expect(Bytes.hexNumber(line.span, range) == Self.referenceHex(value), "\(number) + \(padding)")
        }
    }
}
