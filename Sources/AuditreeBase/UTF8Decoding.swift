/// Decoding UTF-8 from log bytes, which may hold anything: the escapers and writers decode
/// one sequence at a time and treat every other byte themselves.
package enum UTF8Decoding {
    /// Decodes one well-formed multi-byte UTF-8 sequence starting at `index`, or nil.
    package static func decodeScalar(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        decodeScalar(bytes.span, at: index)
    }

    /// The length of the well-formed multi-byte UTF-8 sequence starting at `index`, or nil: for
    /// writers that copy such a sequence as it is.
    package static func scalarLength(_ bytes: Span<UInt8>, at index: Int) -> Int? {
        decodeScalar(bytes, at: index)?.1
    }

    package static func decodeScalar(_ bytes: Span<UInt8>, at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        let length: Int
        let minimum: UInt32
        var value: UInt32
        switch lead {
        case 0xC2...0xDF:
            length = 2
            minimum = 0x80
            value = UInt32(lead & 0x1F)
        case 0xE0...0xEF:
            length = 3
            minimum = 0x800
            value = UInt32(lead & 0x0F)
        case 0xF0...0xF4:
            length = 4
            minimum = 0x10000
            value = UInt32(lead & 0x07)
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for offset in 1..<length {
            let continuation = bytes[index + offset]
            guard continuation & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(continuation & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
