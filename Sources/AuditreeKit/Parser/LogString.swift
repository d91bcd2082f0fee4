/// A value taken from the log, kept as its exact bytes.
///
/// Everything in an audit log may come from an attacker, including invalid
/// UTF-8 and control bytes, so values stay bytes until a writer escapes them
/// for its own format.
public struct LogString: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    // The bytes in one call, not one `combine` per byte (Array's default): values are hashed
    // on every exec (the rule evaluator's name cache).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func == (lhs: LogString, rhs: LogString) -> Bool { Bytes.equal(lhs.bytes, rhs.bytes) }
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    public init(stringLiteral value: String) { self.init(value) }

    /// The value as text, invalid UTF-8 replaced by U+FFFD. Never print it raw: use a writer's escaping.
    public var lossyString: String { String(decoding: bytes, as: UTF8.self) }

    public var isValidUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

    public var isEmpty: Bool { bytes.isEmpty }

    /// The part after the last `/`, as `basename(1)` would print it.
    public var basename: LogString {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return self }
        return LogString(bytes: Array(bytes[(slash + 1)...]))
    }

    public func hasPrefix(_ prefix: LogString) -> Bool { bytes.starts(with: prefix.bytes) }

    public static func < (lhs: LogString, rhs: LogString) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    /// Escaped for a terminal: see `TextEscaper`.
    public var description: String { TextEscaper.escape(bytes) }
}

extension LogString {
    /// Decodes one well-formed multi-byte UTF-8 sequence starting at `index`, or nil.
    static func decodeScalar(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        let length: Int
        let minimum: UInt32
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; minimum = 0x800; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; minimum = 0x10000; value = UInt32(lead & 0x07)
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
