import AuditreeParser

/// A field's value as the Sigma matchers see it: its bytes, and the same with ASCII letters
/// folded to lower case (Sigma compares case-insensitively by default, as SQLite's LIKE and
/// NOCASE do: ASCII only).
public struct SigmaFieldValue: Sendable {
    public let bytes: [UInt8]
    public let folded: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        folded = SigmaFieldValue.fold(bytes)
    }

    public init(_ text: String) { self.init(bytes: Array(text.utf8)) }

    /// Sysmon's CommandLine: the arguments joined by single spaces, copied once into a buffer
    /// of the final size.
    init(joining arguments: [LogString]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(arguments.reduce(arguments.count) { $0 + $1.count })
        for (index, argument) in arguments.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: " ")) }
            argument.append(to: &bytes)
        }
        self.init(bytes: bytes)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// The bytes themselves (no copy) when they hold no upper-case ASCII letter, as most do.
    static func fold(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: { $0 &- 65 < 26 }) else { return bytes }
        return bytes.map { $0 &- 65 < 26 ? $0 | 0x20 : $0 }
    }
}
