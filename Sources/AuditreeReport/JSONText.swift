import AuditreeBase
import AuditreeParser
import AuditreeSystem

/// The bytes of JSON values, written into a growing byte array: strings quoted and escaped,
/// integers in decimal, event stamps as the log writes them. Each value takes one reservation
/// of the array (`append(addingCapacity:)`: one uniqueness and capacity check) and is filled
/// through its `OutputSpan`; an append per byte would check both for every byte.
enum JSONText {
    /// Extra room each reservation for a string gets beyond its length: escapes grow the text,
    /// and a string that needs more than this much more is written in several reservations.
    private static let escapeRoom = 64

    /// The bytes as a JSON string, quotes included: valid UTF-8 as is (escaped where JSON or
    /// HTML needs it), each other byte as U+FFFD. Returns whether they were all valid UTF-8
    /// (the writers add a `*_hex` companion when not), so that takes no second pass.
    @discardableResult
    static func appendQuoted(_ bytes: Span<UInt8>, to result: inout [UInt8]) -> Bool {
        let count = bytes.count
        var index = 0
        var valid = true
        result.append(addingCapacity: count + 2 + escapeRoom) { out in
            out.append(UInt8(ascii: "\""))
            index = writeEscaped(bytes, from: 0, keeping: 1, into: &out, valid: &valid)
            if index == count { out.append(UInt8(ascii: "\"")) }
        }
        while index < count {
            result.append(addingCapacity: count - index + 1 + escapeRoom) { out in
                index = writeEscaped(bytes, from: index, keeping: 1, into: &out, valid: &valid)
                if index == count { out.append(UInt8(ascii: "\"")) }
            }
        }
        return valid
    }

    /// The most bytes `count` bytes can take once escaped (`\u00XX` for one byte).
    static func escapedCapacity(_ count: Int) -> Int { count * 6 }

    /// Writes `bytes[start...]` escaped into `out` while its free capacity surely holds the
    /// rest with `reserve` bytes to spare, and returns the index of the first byte not
    /// written (`bytes.count` when all are). Bytes written as they are (printable ASCII but
    /// `"\<>&`, well-formed UTF-8 but U+2028 and U+2029) are copied a run at a time. `valid`
    /// is set to false when a byte is not valid UTF-8.
    static func writeEscaped(
        _ bytes: Span<UInt8>, from start: Int, keeping reserve: Int, into out: inout OutputSpan<UInt8>,
        valid: inout Bool
    ) -> Int {
        let count = bytes.count
        var runStart = start
        var index = start
        while index < count {
            let byte = bytes[index]
            if isPlainASCII(byte) {
                index += 1
                continue
            }
            var length = 1
            if byte >= 0x80, let scalarLength = UTF8Decoding.scalarLength(bytes, at: index) {
                length = scalarLength
                // U+2028 and U+2029 (E2 80 A8/A9) end a line in JavaScript; other sequences pass.
                if !(length == 3 && byte == 0xE2 && bytes[index + 1] == 0x80 && bytes[index + 2] & 0xFE == 0xA8) {
                    index += length
                    continue
                }
            }
            // The run so far, this escape (6 bytes at most) and the rest at one byte each.
            guard (index - runStart) + 6 + (count - index - length) + reserve <= out.freeCapacity else { break }
            if runStart < index { out.append(copying: bytes.extracting(runStart..<index)) }
            if byte >= 0x80 && length == 1 { valid = false }
            writeEscape(bytes, at: index, length: length, into: &out)
            index += length
            runStart = index
        }
        if runStart < index { out.append(copying: bytes.extracting(runStart..<index)) }
        return index
    }

    /// ASCII written as it is: printable, and none of `"`, `\`, `<`, `>`, `&` (one bit per byte
    /// value in two words, so the test is a shift and a mask).
    @inline(__always)
    static func isPlainASCII(_ byte: UInt8) -> Bool {
        let mask: UInt64 = byte < 0x40 ? 0xAFFF_FFBB_0000_0000 : 0x7FFF_FFFF_EFFF_FFFF
        return byte < 0x80 && (mask >> UInt64(byte & 0x3F)) & 1 != 0
    }

    /// The escape for what starts at `index`: an ASCII byte that needs one, U+2028/U+2029
    /// (`length` 3), or a byte that is not valid UTF-8 (U+FFFD).
    private static func writeEscape(_ bytes: Span<UInt8>, at index: Int, length: Int, into out: inout OutputSpan<UInt8>)
    {
        let byte = bytes[index]
        if length == 3 {
            writeUnicodeEscape(bytes[index + 2] == 0xA8 ? 0x2028 : 0x2029, into: &out)
            return
        }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            out.append(UInt8(ascii: "\\"))
            out.append(byte)
        case 0x0A:
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "n"))
        case 0x0D:
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "r"))
        case 0x09:
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "t"))
        case 0x00..<0x20, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
            writeUnicodeEscape(UInt16(byte), into: &out)
        default:
            out.append(0xEF)
            out.append(0xBF)
            out.append(0xBD)
        }
    }

    /// `\uXXXX`, lowercase hex.
    private static func writeUnicodeEscape(_ value: UInt16, into out: inout OutputSpan<UInt8>) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        out.append(hexDigit(value >> 12))
        out.append(hexDigit(value >> 8))
        out.append(hexDigit(value >> 4))
        out.append(hexDigit(value))
    }

    private static func hexDigit(_ value: UInt16) -> UInt8 {
        let digit = UInt8(truncatingIfNeeded: value & 0xF)
        return digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
    }

    /// The most bytes `writeDecimal` writes: a sign and the 19 digits of `Int64.min`, or the 20
    /// of `UInt64.max`.
    static let decimalCapacity = 20

    /// `value` in decimal, as `String(value)` writes it.
    static func writeDecimal(_ value: Int64, into out: inout OutputSpan<UInt8>) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        writeDecimal(value.magnitude, into: &out)
    }

    static func writeDecimal(_ value: UInt64, into out: inout OutputSpan<UInt8>) {
        if value >= 100_000_000 {
            writeDecimal(value / 100_000_000, into: &out)
            writeDigits(value % 100_000_000, count: 8, into: &out)
            return
        }
        var digits = 0
        var rest = value
        repeat {
            digits += 1
            rest /= 10
        } while rest != 0
        writeDigits(value, count: digits, into: &out)
    }

    /// The last `count` (at most 8) decimal digits of `value`, zeros first: gathered in a word,
    /// the first digit in its lowest byte, so they come out in order with no buffer to reverse.
    @inline(__always)
    private static func writeDigits(_ value: UInt64, count: Int, into out: inout OutputSpan<UInt8>) {
        var word: UInt64 = 0
        var rest = value
        for _ in 0..<count {
            word = word << 8 | rest % 10
            rest /= 10
        }
        for _ in 0..<count {
            out.append(UInt8(truncatingIfNeeded: word) | UInt8(ascii: "0"))
            word >>= 8
        }
    }

    /// The most bytes `writeStamp` writes, quotes included.
    static let stampCapacity = 2 + decimalCapacity + 5 + decimalCapacity

    /// `"SECONDS.MILLIS:SERIAL"`, as `EventStamp.description` writes it, for milliseconds in 0...999.
    static func writeStamp(_ stamp: EventStamp, into out: inout OutputSpan<UInt8>) {
        let milliseconds = Int(stamp.milliseconds)
        out.append(UInt8(ascii: "\""))
        writeDecimal(stamp.seconds, into: &out)
        out.append(UInt8(ascii: "."))
        out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: milliseconds / 100))
        out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: milliseconds / 10 % 10))
        out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: milliseconds % 10))
        out.append(UInt8(ascii: ":"))
        writeDecimal(stamp.serial, into: &out)
        out.append(UInt8(ascii: "\""))
    }
}
