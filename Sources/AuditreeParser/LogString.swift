import AuditreeBase

/// A value taken from the log, kept as its exact bytes.
///
/// Everything in an audit log may come from an attacker, including invalid
/// UTF-8 and control bytes, so values stay bytes until a writer escapes them
/// for its own format.
///
/// Up to 16 bytes are kept in the value itself, with no heap object: most values
/// (tty, comm, key, short arguments) are that short. Records are parsed on one thread
/// and consumed on another, and each heap object costs a `malloc` on the first and a
/// release and a cross-thread `free` on the second (docs/performance.md).
public struct LogString: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// Inline bytes are zero past `count`, so two inline values are equal exactly when their
    /// words are. A value of more than 16 bytes is always on the heap: one form per value.
    /// Visible to inlined code, so that the byte accessors below are inlined into the stages
    /// that read values on every exec (a generic call costs more than reading a name's bytes).
    @usableFromInline enum Storage: Sendable {
        case inline(UInt64, UInt64, count: UInt8)
        case heap([UInt8])
    }

    @usableFromInline let storage: Storage

    /// Values up to this many bytes are kept without a heap object.
    public static let inlineCapacity = 16

    public init(bytes: [UInt8]) {
        if bytes.count <= Self.inlineCapacity {
            storage = bytes.withUnsafeBytes { Self.packed($0) }
        } else {
            storage = .heap(bytes)
        }
    }

    /// A copy of `buffer`'s bytes.
    public init(copying buffer: UnsafeRawBufferPointer) {
        storage = buffer.count <= Self.inlineCapacity ? Self.packed(buffer) : .heap(Array(buffer))
    }

    /// Builds a value of `count` bytes in place: `fill` writes them into a zeroed buffer of
    /// exactly `count` bytes and returns false to give up (then the result is nil).
    static func building(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Bool) -> LogString? {
        if count <= inlineCapacity { return inline(count: count, fill).map(LogString.init(storage:)) }
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = bytes.withUnsafeMutableBytes { fill($0) }
        return filled ? LogString(storage: .heap(bytes)) : nil
    }

    private init(storage: Storage) { self.storage = storage }

    private static func packed(_ source: UnsafeRawBufferPointer) -> Storage {
        inline(count: source.count) {
            $0.copyMemory(from: source)
            return true
        }!
    }

    /// The one place inline words are written: `fill` gets exactly `count` zeroed bytes of them.
    @inline(__always)
    private static func inline(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Bool) -> Storage? {
        // Raw buffer bounds are checked in debug builds only: these are two words on the stack.
        precondition(count >= 0 && count <= inlineCapacity)
        var words: (UInt64, UInt64) = (0, 0)
        let filled = withUnsafeMutableBytes(of: &words) { fill(UnsafeMutableRawBufferPointer(rebasing: $0[..<count])) }
        return filled ? .inline(words.0, words.1, count: UInt8(count)) : nil
    }

    /// Calls `body` with the bytes, without copying them.
    @inlinable @inline(__always)
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch storage {
        case .inline(let first, let second, let count):
            var words = (first, second)
            return try Swift.withUnsafeBytes(of: &words) {
                try body(UnsafeRawBufferPointer(rebasing: $0[..<Int(count)]))
            }
        case .heap(let bytes):
            return try bytes.withUnsafeBytes(body)
        }
    }

    /// Calls `body` with the bytes as a bounds-checked span, without copying them: how code in
    /// the targets built with strict memory safety reads a value. An inline value's bytes live in
    /// memory bound to `UInt64` words, so they are rebound to `UInt8` for the span: read through
    /// a pointer merely assumed to be `UInt8`, the optimizer may order the loads before the
    /// words are stored (type-based aliasing) and see zeros.
    @inlinable @inline(__always)
    public func withSpan<Result>(_ body: (Span<UInt8>) throws -> Result) rethrows -> Result {
        try withUnsafeBytes { raw in try raw.withMemoryRebound(to: UInt8.self) { try body($0.span) } }
    }

    /// Appends the bytes to `array`, without an intermediate copy.
    public func append(to array: inout [UInt8]) {
        withUnsafeBytes { array.append(contentsOf: $0) }
    }

    /// The bytes as an array (a new one for an inline value): for code off the hot path.
    public var bytes: [UInt8] {
        switch storage {
        case .inline: withUnsafeBytes { Array($0) }
        case .heap(let bytes): bytes
        }
    }

    @inlinable
    public var count: Int {
        switch storage {
        case .inline(_, _, let count): Int(count)
        case .heap(let bytes): bytes.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    // The bytes in one call, not one `combine` per byte (Array's default): values are hashed
    // on every exec (the rule evaluator's name cache).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func == (lhs: LogString, rhs: LogString) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.inline(let a0, let a1, let aCount), .inline(let b0, let b1, let bCount)):
            a0 == b0 && a1 == b1 && aCount == bCount
        case (.heap(let left), .heap(let right)): Bytes.equal(left, right)
        default: false  // one form per length
        }
    }

    public init(_ string: String) { self.init(bytes: Array(string.utf8)) }
    public init(stringLiteral value: String) { self.init(value) }

    /// The value as text, invalid UTF-8 replaced by U+FFFD. Never print it raw: use a writer's escaping.
    public var lossyString: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    public var isValidUTF8: Bool { withUnsafeBytes { String(validating: $0, as: UTF8.self) != nil } }

    /// The part after the last `/`, as `basename(1)` would print it.
    public var basename: LogString {
        withUnsafeBytes { bytes in
            guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return self }
            return LogString(copying: UnsafeRawBufferPointer(rebasing: bytes[(slash + 1)...]))
        }
    }

    public func hasPrefix(_ prefix: LogString) -> Bool {
        withUnsafeBytes { bytes in prefix.withUnsafeBytes { bytes.starts(with: $0) } }
    }

    public static func < (lhs: LogString, rhs: LogString) -> Bool {
        lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { left.lexicographicallyPrecedes($0) } }
    }

    /// Escaped for a terminal: see `TextEscaper`.
    public var description: String { TextEscaper.escape(bytes) }
}
