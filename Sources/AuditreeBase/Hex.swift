/// Hex digits to bytes and back: the parser's hex-encoded log values (EXECVE arguments,
/// PROCTITLE, untrusted strings), the `*_hex` companions of reports and the checkpoint's
/// byte strings all go through here.
package enum Hex {
    /// The value of one hex digit, either case; nil for any other byte.
    @inlinable @inline(__always)
    package static func digit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// Decodes `digits`, an even number of hex digits, into `output` (exactly half as many
    /// bytes); false, with `output` partly written, when `digits` is not that.
    @inlinable
    package static func decode(_ digits: Span<UInt8>, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard digits.count % 2 == 0, output.count == digits.count / 2 else { return false }
        var i = 0
        for o in 0..<output.count {
            guard let high = digit(digits[i]), let low = digit(digits[i + 1]) else { return false }
            output[o] = high << 4 | low
            i += 2
        }
        return true
    }

    /// The bytes of an even number of hex digits, or nil.
    package static func decode(_ digits: [UInt8]) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: digits.count / 2)
        let decoded = bytes.withUnsafeMutableBytes { decode(digits.span, into: $0) }
        return decoded ? bytes : nil
    }

    /// Lower-case hex of the bytes.
    package static func lowercase(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
