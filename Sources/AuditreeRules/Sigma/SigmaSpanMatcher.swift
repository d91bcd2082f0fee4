/// One value of a field entry (`SigmaValueMatcher`) compiled to plain values for the per-record
/// pass of the auditd rules: matched on the value's bytes where they lie (in the line, or
/// decoded), folding ASCII letters on the fly, with no reference to follow or count for the
/// common shapes. `general`, `regex` and `cidr` keep the rule's matcher (`others`) and build the
/// value they need only when they run.
struct SigmaSpanMatcher: Sendable {
    enum Kind: UInt8, Sendable { case exact, prefix, suffix, contains, other, null }

    let kind: Kind
    let cased: Bool
    /// The pattern's literal (folded unless cased) in the program's literal storage.
    let literal: Range<Int>
    /// The matcher in `others` (`other` only).
    let other: Int

    /// `matcher`, its literal appended to `storage` and a general pattern, regex or network to `others`.
    init(_ matcher: SigmaValueMatcher, storage: inout [UInt8], others: inout [SigmaValueMatcher]) {
        var kind = Kind.other
        var cased = false
        var literal = storage.count..<storage.count
        if case .pattern(let pattern) = matcher {
            cased = pattern.cased
            if let (shape, bytes) = Self.shape(of: pattern) {
                kind = shape
                storage += bytes
                literal = literal.lowerBound..<storage.count
            }
        } else if case .null = matcher {
            kind = .null
        }
        self.kind = kind
        self.cased = cased
        self.literal = literal
        other = kind == .other ? others.count : -1
        if kind == .other { others.append(matcher) }
    }

    /// A pattern that is one literal with `*` at neither, one or both ends, and that literal;
    /// nil for any other.
    static func shape(of pattern: SigmaPattern) -> (Kind, [UInt8])? {
        switch pattern.shape {
        case .exact: return (.exact, pattern.literal)
        case .prefix: return (.prefix, pattern.literal)
        case .suffix: return (.suffix, pattern.literal)
        case .contains: return (.contains, pattern.literal)
        case .general: return nil
        }
    }

    /// `SigmaValueMatcher.matches` on a value that is there (`text`: its bytes).
    func matches(_ text: Span<UInt8>, storage: [UInt8], others: [SigmaValueMatcher]) -> Bool {
        let storage = storage.span
        let length = literal.count
        switch kind {
        case .null: return false
        case .exact: return text.count == length && equal(text, at: 0, storage)
        case .prefix: return text.count >= length && equal(text, at: 0, storage)
        case .suffix: return text.count >= length && equal(text, at: text.count - length, storage)
        case .contains:
            guard text.count >= length else { return false }
            for start in 0...(text.count - length) where equal(text, at: start, storage) { return true }
            return false
        case .other: return Self.matchesOther(others[other], text)
        }
    }

    /// Whether the literal is at `start` in `text` (folded unless cased).
    @inline(__always)
    private func equal(_ text: Span<UInt8>, at start: Int, _ storage: Span<UInt8>) -> Bool {
        var offset = 0
        let base = literal.lowerBound
        if cased {
            while offset < literal.count {
                guard text[start + offset] == storage[base + offset] else { return false }
                offset += 1
            }
        } else {
            while offset < literal.count {
                guard SigmaPattern.fold(text[start + offset]) == storage[base + offset] else { return false }
                offset += 1
            }
        }
        return true
    }

    /// A general pattern, regex or network: on the value built from the bytes (a regex whose
    /// literals are not in them, as most, without building it).
    private static func matchesOther(_ matcher: SigmaValueMatcher, _ text: Span<UInt8>) -> Bool {
        if case .regex(let regex) = matcher, let literals = regex.literals, !literals.occurs(in: text) { return false }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        for index in 0..<text.count { bytes.append(text[index]) }
        return matcher.matches(SigmaFieldValue(bytes: bytes))
    }
}
