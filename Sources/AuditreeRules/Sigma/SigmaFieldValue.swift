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

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    static func fold(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: { $0 >= 65 && $0 <= 90 }) else { return bytes }
        return bytes.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
    }
}
