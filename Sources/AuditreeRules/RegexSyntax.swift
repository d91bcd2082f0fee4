/// The parsed form of a rule file's regular expression (see `RegexParser`).
///
/// Only what a machine without backtracking can run in time linear in the text:
/// no backreferences, lookaround, atomic groups or possessive quantifiers.
indirect enum RegexNode: Sendable {
    case empty
    /// One Unicode scalar from the set.
    case scalar(ScalarSet)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `max` nil: unbounded.
    case repetition(RegexNode, min: Int, max: Int?)
    case assertion(RegexAssertion)
}

/// Zero-width conditions on the position between two scalars.
enum RegexAssertion: Sendable, Equatable {
    /// `\A`, and `^` without `(?m)`.
    case textStart
    /// `\z`.
    case textEnd
    /// `\Z`, and `$` without `(?m)`: the end, or before a line terminator that ends the text (ICU's rule).
    case textEndOrFinalTerminator
    /// `^` under `(?m)`: the start, or after a line terminator.
    case lineStart
    /// `$` under `(?m)`: the end, or before a line terminator.
    case lineEnd
    case wordBoundary
    case notWordBoundary
}

/// Named classes of scalars, as ICU defines `\d`, `\w`, `\s` and `.`.
enum ScalarClass: Sendable, Equatable {
    /// `\d`: a decimal digit (`\p{Nd}`).
    case digit
    /// `\w`: letters, marks, decimal digits, connector punctuation, ZWJ and ZWNJ.
    case word
    /// `\s`: white space (`\p{White_Space}`).
    case space
    /// `.` without `(?s)`: anything but a line terminator.
    case notLineTerminator

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch self {
        case .digit:
            if value < 0x80 { return value >= 0x30 && value <= 0x39 }
            return scalar.properties.numericType == .decimal
        case .word:
            return Self.isWord(scalar)
        case .space:
            if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
            return scalar.properties.isWhitespace
        case .notLineTerminator:
            return !Self.isLineTerminator(scalar)
        }
    }

    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A)
                || (value >= 0x61 && value <= 0x7A) || value == 0x5F
        }
        if value == 0x200C || value == 0x200D { return true }
        let properties = scalar.properties
        if properties.isAlphabetic || properties.numericType == .decimal { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation: return true
        default: return false
        }
    }

    /// ICU's line terminators: `\n`, `\v`, `\f`, `\r`, U+0085, U+2028, U+2029.
    static func isLineTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }
}

/// A set of scalars: ranges and named classes, possibly negated, possibly without case.
struct ScalarSet: Sendable {
    var ranges: [ClosedRange<UInt32>] = []
    var classes: [(ScalarClass, negated: Bool)] = []
    var negated = false
    /// `(?i)`: a scalar is in the set when it or one of its case forms is, or a case form of
    /// those (ICU's case-insensitive match closes over simple case mappings: U+212A KELVIN SIGN
    /// matches `K` through `k`, U+017F LONG S matches `s` through `S`).
    var ignoresCase = false

    static func single(_ scalar: Unicode.Scalar, ignoresCase: Bool) -> ScalarSet {
        ScalarSet(ranges: [scalar.value...scalar.value], ignoresCase: ignoresCase)
    }

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        var found = containsExactly(scalar)
        if !found && ignoresCase {
            found = Self.otherCases(of: scalar).contains { other in
                containsExactly(other) || Self.otherCases(of: other).contains(where: containsExactly)
            }
        }
        return found != negated
    }

    private func containsExactly(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        for range in ranges where range.contains(value) { return true }
        for (named, negated) in classes where named.contains(scalar) != negated { return true }
        return false
    }

    /// The scalar's single-scalar lower, upper and title case forms other than itself.
    static func otherCases(of scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        let value = scalar.value
        if value < 0x80 {
            if value >= 0x41 && value <= 0x5A { return [Unicode.Scalar(value + 0x20)!] }
            if value >= 0x61 && value <= 0x7A { return [Unicode.Scalar(value - 0x20)!] }
            return []
        }
        // U+0131 DOTLESS I upper-cases to `I`, but ICU's case folding leaves it alone (only the
        // Turkic rules fold it): it matches neither `i` nor `I`.
        if value == 0x131 { return [] }
        let properties = scalar.properties
        var result: [Unicode.Scalar] = []
        for mapping in [properties.lowercaseMapping, properties.uppercaseMapping, properties.titlecaseMapping] {
            let scalars = mapping.unicodeScalars
            if scalars.count == 1, let other = scalars.first, other != scalar, !result.contains(other) {
                result.append(other)
            }
        }
        return result
    }
}

/// A rule file's regular expression that this engine cannot run, or that is not a regular expression.
public struct RegexSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and what to write instead.
    public var message: String
    /// Offset of the offending character in the pattern, counted in Unicode scalars from 0.
    public var offset: Int

    public var description: String { "\(message) (at offset \(offset))" }
}
