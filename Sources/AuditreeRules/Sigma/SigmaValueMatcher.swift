import AuditreeSystem
import Foundation

/// One value of a Sigma map entry, after its modifiers: a wildcard pattern, a regex, a network,
/// or null (the field is absent).
public enum SigmaValueMatcher: Sendable {
    case pattern(SigmaPattern)
    case regex(SigmaRegex)
    case cidr(SigmaNetwork)
    /// `field: null`: the field is not there.
    case null

    public func matches(_ value: SigmaFieldValue?) -> Bool {
        switch self {
        case .null: return value == nil
        case .pattern(let pattern): return value.map(pattern.matches) ?? false
        case .regex(let regex): return value.map(regex.matches) ?? false
        case .cidr(let network): return value.map { network.contains($0.string) } ?? false
        }
    }

    /// Literals one of which every matching value contains: a pattern's longest literal run, a
    /// regex's required literals; nil when there are none (a network, null). `cased`: they occur
    /// as written (a `|cased` pattern, a regex without `(?i)`); else with ASCII letters folded to
    /// lower case.
    var requiredLiterals: (alternatives: [[UInt8]], cased: Bool)? {
        switch self {
        case .pattern(let pattern):
            // A pattern's parts are folded already unless it is cased.
            pattern.longestLiteral.map { ([$0], pattern.cased) }
        case .regex(let regex): regex.literals.map { ($0.alternatives, $0.cased) }
        case .cidr, .null: nil
        }
    }
}

/// A Sigma string value: literal bytes with `*` (any run) and `?` (any one byte) wildcards,
/// matched against the whole field value; case-insensitively (ASCII) unless `cased`.
/// A class: rules hold thousands of values, and evaluation reads them in place.
public final class SigmaPattern: Sendable {
    /// The value split at `*`: the first part is anchored at the start, the last at the end.
    /// Each byte is a literal, or nil for `?`.
    let parts: [[UInt8?]]
    public let cased: Bool
    /// The value as written in the rule, for `rules show`.
    public let source: String

    public enum Shape: Sendable, Equatable { case exact, prefix, suffix, contains, general }
    /// The literal bytes of a pattern without `?` whose shape is not general.
    let literal: [UInt8]
    public let shape: Shape

    /// Parses Sigma escapes: `\*`, `\?` and `\\` are literals; any other backslash is itself.
    public convenience init(_ text: String, cased: Bool = false) {
        self.init(parts: Self.parts(of: text, cased: cased), cased: cased, source: text)
    }

    /// The value split at `*` (`?` as nil, Sigma escapes read, folded unless `cased`), with an
    /// empty part before and/or after for a `*` added there (contains, startswith, endswith).
    static func parts(of text: String, cased: Bool, before: Bool = false, after: Bool = false) -> [[UInt8?]] {
        var parts: [[UInt8?]] = []
        parts.reserveCapacity(3)
        if before { parts.append([]) }
        // Most values hold no wildcard or escape: one part, mapped in one pass.
        var special = false
        let whole = text.utf8.map { byte -> UInt8? in
            if byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "\\") { special = true }
            return cased ? byte : Self.fold(byte)
        }
        if !special {
            parts.append(whole)
            if after { parts.append([]) }
            return parts
        }
        var part: [UInt8?] = []
        part.reserveCapacity(text.utf8.count)
        var escaped = false
        for byte in text.utf8 {
            if escaped {
                escaped = false
                if byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "\\") {
                    part.append(cased ? byte : Self.fold(byte))
                    continue
                }
                part.append(UInt8(ascii: "\\"))
            }
            switch byte {
            case UInt8(ascii: "\\"): escaped = true
            case UInt8(ascii: "*"):
                parts.append(part)
                part = []
            case UInt8(ascii: "?"): part.append(nil)
            default: part.append(cased ? byte : Self.fold(byte))
            }
        }
        if escaped { part.append(UInt8(ascii: "\\")) }
        parts.append(part)
        if after { parts.append([]) }
        return parts
    }

    /// The pattern of a value (`parts(of:cased:before:after:)`): for a value without a wildcard
    /// or an escape (most), its bytes are the literal, read in one pass.
    static func of(_ text: String, cased: Bool, before: Bool, after: Bool, source: String) -> SigmaPattern {
        var literal = Array(text.utf8)
        if literal.contains(where: { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "\\") }) {
            return SigmaPattern(
                parts: parts(of: text, cased: cased, before: before, after: after), cased: cased, source: source)
        }
        if !cased {
            var bytes = literal.mutableSpan
            for index in bytes.indices { bytes[index] = fold(bytes[index]) }
        }
        let whole = literal.map { Optional($0) }
        // As `init(parts:cased:source:)` places the `*`s when no part holds a `?`.
        let parts: [[UInt8?]]
        let shape: Shape
        switch (before, after) {
        case (false, false): (parts, shape) = ([whole], .exact)
        case (false, true): (parts, shape) = ([whole, []], .prefix)
        case (true, false): (parts, shape) = ([[], whole], whole.isEmpty ? .prefix : .suffix)
        case (true, true): (parts, shape) = ([[], whole, []], .contains)
        }
        return SigmaPattern(parts: parts, cased: cased, source: source, shape: shape, literal: literal)
    }

    private init(parts: [[UInt8?]], cased: Bool, source: String, shape: Shape, literal: [UInt8]) {
        self.parts = parts
        self.cased = cased
        self.source = source
        self.shape = shape
        self.literal = literal
    }

    /// A pattern of these parts (`parts(of:cased:before:after:)`, or literal bytes: an encoded value).
    init(parts: [[UInt8?]], cased: Bool, source: String) {
        self.parts = parts
        self.cased = cased
        self.source = source
        let literalInside = parts.allSatisfy { !$0.contains(nil) }  // no `?`: the cases below place the `*`s
        switch parts.count {
        case 1: shape = parts[0].contains(nil) ? .general : .exact
        case 2 where literalInside && parts[1].isEmpty: shape = .prefix
        case 2 where literalInside && parts[0].isEmpty: shape = .suffix
        case 3 where literalInside && parts[0].isEmpty && parts[2].isEmpty: shape = .contains
        default: shape = .general
        }
        switch shape {
        case .exact, .prefix: literal = parts[0].map { $0 ?? 0 }
        case .suffix, .contains: literal = parts[1].map { $0 ?? 0 }
        case .general: literal = []
        }
    }

    @inline(__always) static func fold(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte | 0x20 : byte }

    /// The longest run of literal bytes (the first of equal length), which every matching value contains.
    var longestLiteral: [UInt8]? {
        // Without `?`, and with `*` at most at the ends: the one literal part, kept already.
        if shape != .general { return literal.isEmpty ? nil : literal }
        var best: (part: Int, range: Range<Int>)?
        for (number, part) in parts.enumerated() {
            var start = 0
            for index in 0...part.count where index == part.count || part[index] == nil {
                if index - start > (best?.range.count ?? 0) { best = (number, start..<index) }
                start = index + 1
            }
        }
        guard let best else { return nil }
        return parts[best.part][best.range].map { $0 ?? 0 }
    }

    public func matches(_ value: SigmaFieldValue) -> Bool {
        let text = cased ? value.bytes : value.folded
        switch shape {
        case .exact: return text == literal
        case .prefix: return text.count >= literal.count && text.prefix(literal.count).elementsEqual(literal)
        case .suffix: return text.count >= literal.count && text.suffix(literal.count).elementsEqual(literal)
        case .contains: return Self.contains(literal, in: text)
        case .general: return matchesGeneral(text)
        }
    }

    /// First part at the start, last part at the end, the middle ones leftmost in between:
    /// leftmost placement never loses a match when every gap is a `*`.
    private func matchesGeneral(_ text: [UInt8]) -> Bool {
        let first = parts[0]
        guard text.count >= first.count, Self.equal(first, text, at: 0) else { return false }
        if parts.count == 1 { return text.count == first.count }
        var position = first.count
        for part in parts.dropFirst().dropLast() {
            guard let found = Self.find(part, in: text, from: position) else { return false }
            position = found + part.count
        }
        let last = parts[parts.count - 1]
        return text.count - position >= last.count && Self.equal(last, text, at: text.count - last.count)
    }

    /// Whether `needle` occurs in `text` (first byte scanned for, then compared).
    static func contains(_ needle: [UInt8], in text: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard needle.count <= text.count else { return false }
        // Spans, not buffer pointers: the subscripts stay bounds-checked (this target is built
        // with strict memory safety; docs/hostile-input.md).
        let haystack = text.span
        let needle = needle.span
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < needle.count && haystack[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            index += 1
        }
        return false
    }

    private static func equal(_ part: [UInt8?], _ text: [UInt8], at start: Int) -> Bool {
        for (offset, byte) in part.enumerated() where byte != nil && text[start + offset] != byte! { return false }
        return true
    }

    private static func find(_ part: [UInt8?], in text: [UInt8], from start: Int) -> Int? {
        guard part.count <= text.count - start else { return nil }
        if part.isEmpty { return start }
        var index = start
        while index + part.count <= text.count {
            if equal(part, text, at: index) { return index }
            index += 1
        }
        return nil
    }
}

/// A Sigma `|re` value, searched anywhere in the field. One small type, so that the engine
/// behind it is chosen in one place: the rule pack's linear-time engine (`TextPattern`, a
/// Thompson NFA: no backtracking, so no rule or log can make a match take exponential time).
/// The sub-modifiers `i`, `m`, `s` become the engine's inline flags.
public struct SigmaRegex: Sendable {
    public let source: String
    private let pattern: TextPattern

    public init(_ source: String, ignoreCase: Bool = false, multiline: Bool = false, dotAll: Bool = false)
        throws(RegexSyntaxError)
    {
        self.source = source
        let flags = (ignoreCase ? "i" : "") + (multiline ? "m" : "") + (dotAll ? "s" : "")
        pattern = try TextPattern(flags.isEmpty ? source : "(?\(flags))" + source, casedPrefilter: true)
    }

    public func matches(_ text: String) -> Bool { pattern.matches(text) }

    /// A value too short for a match, or whose folded bytes hold none of the regex's literals
    /// (most values), is answered without making a String of it.
    public func matches(_ value: SigmaFieldValue) -> Bool {
        if value.bytes.count < pattern.minimumLength { return false }
        if let literals = pattern.prefilter, !literals.occurs(in: value.bytes.span) { return false }
        return pattern.matches(value.string)
    }

    /// The literals one of which every match holds (`RegexProgram.prefilter`).
    var literals: RegexLiterals? { pattern.prefilter }
}

/// A `|cidr` network, IPv4 or IPv6.
public struct SigmaNetwork: Sendable {
    let address: [UInt8]
    let prefixLength: Int
    public let source: String

    public init?(_ text: String) {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let address = Self.parse(String(pieces[0])) else { return nil }
        let length = pieces.count == 2 ? Int(pieces[1]) : address.count * 8
        guard let length, length >= 0, length <= address.count * 8 else { return nil }
        self.address = address
        prefixLength = length
        source = text
    }

    public func contains(_ text: String) -> Bool {
        guard let other = Self.parse(text), other.count == address.count else { return false }
        for bit in 0..<prefixLength
        where (other[bit / 8] >> (7 - bit % 8)) & 1 != (address[bit / 8] >> (7 - bit % 8)) & 1 { return false }
        return true
    }

    static func parse(_ text: String) -> [UInt8]? {
        InternetAddress.bytes(of: text)
    }
}
