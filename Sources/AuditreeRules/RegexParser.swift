/// Reads the subset of ICU regular-expression syntax that `RegexProgram` runs without
/// backtracking (docs/rules.md, "Regular expressions"). Anything outside it is an error
/// that says so, never a silently different meaning.
struct RegexParser {
    /// Bounded repetition is expanded into copies, so its counts are bounded too.
    static let maxRepetition = 1000

    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var ignoresCase = false
    private var multiline = false
    private var dotAll = false

    private init(_ source: String) { scalars = Array(source.unicodeScalars) }

    static func parse(_ source: String) throws(RegexSyntaxError) -> RegexNode {
        var parser = RegexParser(source)
        let node = try parser.alternation()
        if parser.position < parser.scalars.count {
            // Only an unmatched ')' stops an alternation before the end.
            throw parser.failure("unmatched ')'")
        }
        return node
    }

    // MARK: Structure

    private mutating func alternation() throws(RegexSyntaxError) -> RegexNode {
        var branches = [try concatenation()]
        while peek == "|" {
            position += 1
            branches.append(try concatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func concatenation() throws(RegexSyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        while let next = peek, next != "|", next != ")" {
            guard let atom = try atom() else { continue }
            items.append(try quantified(atom))
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concatenation(items)
        }
    }

    private mutating func quantified(_ atom: RegexNode) throws(RegexSyntaxError) -> RegexNode {
        var node = atom
        while let next = peek {
            let start = position
            var bounds: (Int, Int?)
            switch next {
            case "*":
                position += 1
                bounds = (0, nil)
            case "+":
                position += 1
                bounds = (1, nil)
            case "?":
                position += 1
                bounds = (0, 1)
            case "{": bounds = try interval()
            default: return node
            }
            // Lazy (`*?`) finds a match exactly when greedy does; only whether one exists is asked.
            if peek == "?" {
                position += 1
            } else if peek == "+" {
                throw failure(
                    "possessive quantifiers ('\(String(String.UnicodeScalarView(scalars[start...position])))') need backtracking and are not supported",
                    at: position)
            }
            node = .repetition(node, min: bounds.0, max: bounds.1)
        }
        return node
    }

    /// `{n}`, `{n,}`, `{n,m}`.
    private mutating func interval() throws(RegexSyntaxError) -> (Int, Int?) {
        let start = position
        position += 1
        guard let low = number() else {
            throw failure("'{' starts a repetition {n}, {n,} or {n,m}: write '\\{' to match a brace", at: start)
        }
        var high: Int? = low
        if peek == "," {
            position += 1
            high = peek == "}" ? nil : number()
            if high == nil && peek != "}" { throw failure("expected a number or '}' in the repetition", at: position) }
        }
        guard peek == "}" else { throw failure("expected '}' to close the repetition", at: position) }
        position += 1
        if let high, high < low {
            throw failure("repetition {\(low),\(high)}: the maximum is below the minimum", at: start)
        }
        guard max(low, high ?? low) <= Self.maxRepetition else {
            throw failure("repetition counts above \(Self.maxRepetition) are not supported", at: start)
        }
        return (low, high)
    }

    private mutating func number() -> Int? {
        var value = 0
        var digits = 0
        while let next = peek, ("0"..."9").contains(next) {
            let digit = Int(next.value - 0x30)
            value = min(value * 10 + digit, Int(Int32.max))
            digits += 1
            position += 1
        }
        return digits > 0 ? value : nil
    }

    /// Nil for what matches nothing and changes only flags (`(?i)`) or is a comment.
    private mutating func atom() throws(RegexSyntaxError) -> RegexNode? {
        let start = position
        let next = scalars[position]
        position += 1
        switch next {
        case "(": return try group(start: start)
        case "[": return .scalar(try characterClass(start: start))
        case ".":
            return .scalar(dotAll ? ScalarSet(negated: true) : ScalarSet(classes: [(.notLineTerminator, false)]))
        case "^": return .assertion(multiline ? .lineStart : .textStart)
        case "$": return .assertion(multiline ? .lineEnd : .textEndOrFinalTerminator)
        case "\\": return try escape(start: start)
        case "*", "+", "?": throw failure("'\(next)' has nothing to repeat: write '\\\(next)' to match it", at: start)
        case "{": throw failure("'{' has nothing to repeat: write '\\{' to match it", at: start)
        default: return .scalar(.single(next, ignoresCase: ignoresCase))
        }
    }

    private mutating func group(start: Int) throws(RegexSyntaxError) -> RegexNode? {
        let saved = (ignoresCase, multiline, dotAll)
        if peek == "?" {
            position += 1
            guard let kind = peek else { throw failure("unterminated group", at: start) }
            switch kind {
            case ":":
                position += 1
            case "#":
                while let next = peek, next != ")" { position += 1 }
                guard peek == ")" else { throw failure("unterminated comment '(?#'", at: start) }
                position += 1
                return nil
            case "<" where position + 1 < scalars.count && scalars[position + 1] != "=" && scalars[position + 1] != "!":
                // A named group: the name does not matter to a yes/no match.
                while let next = peek, next != ">" { position += 1 }
                guard peek == ">" else { throw failure("unterminated group name", at: start) }
                position += 1
            case "=", "!", "<":
                let written = String(
                    String.UnicodeScalarView(
                        scalars[(position - 2)..<min(position + (kind == "<" ? 2 : 1), scalars.count)]))
                throw failure("lookaround ('\(written)') needs backtracking and is not supported", at: start)
            case ">":
                throw failure("atomic groups ('(?>') need backtracking and are not supported", at: start)
            default:
                // Flags: `(?i)` for the rest of the enclosing group, `(?i:...)` for this group.
                var on = true
                while let flag = peek, flag != ")", flag != ":" {
                    switch flag {
                    case "-": on = false
                    case "i": ignoresCase = on
                    case "m": multiline = on
                    case "s": dotAll = on
                    default:
                        throw failure("unsupported flag '\(flag)' (supported: i, m, s)", at: position)
                    }
                    position += 1
                }
                guard let end = peek else { throw failure("unterminated group", at: start) }
                position += 1
                if end == ")" { return nil }
            }
        }
        let inner = try alternation()
        guard peek == ")" else { throw failure("missing ')' for the group opened here", at: start) }
        position += 1
        (ignoresCase, multiline, dotAll) = saved
        return inner
    }

    // MARK: Escapes

    private mutating func escape(start: Int) throws(RegexSyntaxError) -> RegexNode? {
        guard let next = peek else { throw failure("'\\' at the end of the pattern", at: start) }
        position += 1
        switch next {
        case "b": return .assertion(.wordBoundary)
        case "B": return .assertion(.notWordBoundary)
        case "A": return .assertion(.textStart)
        case "z": return .assertion(.textEnd)
        case "Z": return .assertion(.textEndOrFinalTerminator)
        case "Q":
            // `\Q...\E`: everything between is literal.
            var items: [RegexNode] = []
            while position < scalars.count {
                if scalars[position] == "\\", position + 1 < scalars.count, scalars[position + 1] == "E" {
                    position += 2
                    break
                }
                items.append(.scalar(.single(scalars[position], ignoresCase: ignoresCase)))
                position += 1
            }
            return .concatenation(items)
        case "E": return nil
        default:
            position -= 1
            return .scalar(try escapedSet(start: start, inClass: false))
        }
    }

    /// An escape that stands for one scalar or a class, after the backslash; `position` is on the letter.
    private mutating func escapedSet(start: Int, inClass: Bool) throws(RegexSyntaxError) -> ScalarSet {
        let next = scalars[position]
        position += 1
        func named(_ named: ScalarClass, _ negated: Bool) -> ScalarSet { ScalarSet(classes: [(named, negated)]) }
        switch next {
        case "d": return named(.digit, false)
        case "D": return named(.digit, true)
        case "w": return named(.word, false)
        case "W": return named(.word, true)
        case "s": return named(.space, false)
        case "S": return named(.space, true)
        case "t": return .single("\t", ignoresCase: false)
        case "n": return .single("\n", ignoresCase: false)
        case "r": return .single("\r", ignoresCase: false)
        case "f": return .single("\u{0C}", ignoresCase: false)
        case "a": return .single("\u{07}", ignoresCase: false)
        case "e": return .single("\u{1B}", ignoresCase: false)
        case "x":
            if peek == "{" {
                position += 1
                let value = try hex(maxDigits: 6, exact: false, start: start)
                guard peek == "}" else { throw failure("expected '}' after \\x{...}", at: position) }
                position += 1
                return try scalarSet(value, start: start)
            }
            return try scalarSet(try hex(maxDigits: 2, exact: true, start: start), start: start)
        case "u": return try scalarSet(try hex(maxDigits: 4, exact: true, start: start), start: start)
        case "U": return try scalarSet(try hex(maxDigits: 8, exact: true, start: start), start: start)
        case "0":
            var value: UInt32 = 0
            var digits = 0
            while digits < 3, let digit = peek, ("0"..."7").contains(digit) {
                value = value * 8 + digit.value - 0x30
                digits += 1
                position += 1
            }
            return try scalarSet(value, start: start)
        case "1"..."9":
            throw failure("backreferences ('\\\(next)') need backtracking and are not supported", at: start)
        case "p", "P":
            throw failure(
                "Unicode properties ('\\\(next){...}') are not supported: use a class such as [a-z] or \\w", at: start)
        default:
            if next.isASCII && next.properties.isAlphabetic {
                throw failure("unsupported escape '\\\(next)'\(inClass ? " in a class" : "")", at: start)
            }
            // Any other escaped character stands for itself (`\.`, `\/`, `\ `).
            return .single(next, ignoresCase: ignoresCase)
        }
    }

    private mutating func hex(maxDigits: Int, exact: Bool, start: Int) throws(RegexSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        var digits = 0
        while digits < maxDigits, let next = peek, let digit = Self.hexDigit(next) {
            value = value * 16 + digit
            digits += 1
            position += 1
        }
        if digits == 0 || (exact && digits != maxDigits) {
            throw failure(
                "expected \(exact ? "\(maxDigits)" : "1 to \(maxDigits)") hex digits in the escape", at: start)
        }
        return value
    }

    private static func hexDigit(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 0x30
        case "a"..."f": scalar.value - 0x61 + 10
        case "A"..."F": scalar.value - 0x41 + 10
        default: nil
        }
    }

    private func scalarSet(_ value: UInt32, start: Int) throws(RegexSyntaxError) -> ScalarSet {
        guard let scalar = Unicode.Scalar(value) else {
            throw failure("U+\(String(value, radix: 16, uppercase: true)) is not a Unicode scalar", at: start)
        }
        return .single(scalar, ignoresCase: ignoresCase)
    }

    // MARK: Classes

    /// `[...]` and `[^...]`: scalars, ranges and `\d \w \s` (and their negations).
    /// ICU's nested sets and set operations (`[a-z&&[^x]]`, `[[:alpha:]]`) are not supported.
    private mutating func characterClass(start: Int) throws(RegexSyntaxError) -> ScalarSet {
        var set = ScalarSet(ignoresCase: ignoresCase)
        if peek == "^" {
            set.negated = true
            position += 1
        }
        var first = true
        while true {
            guard let next = peek else { throw failure("missing ']' for the class opened here", at: start) }
            if next == "]" && !first {
                position += 1
                break
            }
            first = false
            let itemStart = position
            let low: ScalarSet
            if next == "[" {
                throw failure(
                    "nested sets and [:classes:] are not supported: write '\\[' to match a bracket", at: position)
            } else if next == "&", position + 1 < scalars.count, scalars[position + 1] == "&" {
                throw failure("set operations ('&&') are not supported", at: position)
            } else if next == "\\" {
                position += 1
                guard peek != nil else { throw failure("'\\' at the end of the pattern", at: itemStart) }
                low = try escapedSet(start: itemStart, inClass: true)
            } else {
                position += 1
                low = .single(next, ignoresCase: false)
            }
            // A range `a-z`; a '-' first, last or after a class stands for itself.
            if peek == "-", position + 1 < scalars.count, scalars[position + 1] != "]", low.classes.isEmpty {
                position += 1
                let highStart = position
                let high: ScalarSet
                if scalars[position] == "\\" {
                    position += 1
                    guard peek != nil else { throw failure("'\\' at the end of the pattern", at: highStart) }
                    high = try escapedSet(start: highStart, inClass: true)
                } else if scalars[position] == "[" {
                    throw failure("nested sets are not supported: write '\\[' to match a bracket", at: position)
                } else {
                    high = .single(scalars[position], ignoresCase: false)
                    position += 1
                }
                guard high.classes.isEmpty, let lower = low.ranges.first?.lowerBound,
                    let upper = high.ranges.first?.lowerBound
                else {
                    throw failure("a range needs a single character at each end", at: itemStart)
                }
                guard lower <= upper else { throw failure("range out of order", at: itemStart) }
                set.ranges.append(lower...upper)
            } else {
                set.ranges += low.ranges
                set.classes += low.classes
            }
        }
        return set
    }

    // MARK: Helpers

    private var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private func failure(_ message: String, at offset: Int? = nil) -> RegexSyntaxError {
        RegexSyntaxError(message: message, offset: offset ?? position)
    }
}
