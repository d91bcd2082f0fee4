/// A value taken from the log, kept as its exact bytes.
///
/// Everything in an audit log may come from an attacker, including invalid
/// UTF-8 and control bytes, so values stay bytes until a writer escapes them
/// for its own format.
public struct LogString: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
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
