/// A rule's `condition`: searches combined with and/or/not, parentheses, `1 of X*`, `all of them`.
public indirect enum SigmaCondition: Sendable {
    case search(String)
    case and(SigmaCondition, SigmaCondition)
    case or(SigmaCondition, SigmaCondition)
    case not(SigmaCondition)
    /// `1 of` (any) or `all of` the searches named (them, or a pattern's expansion, in name order).
    case oneOf([String])
    case allOf([String])

    /// Evaluates with `holds` telling whether a named search holds.
    public func evaluate(_ holds: (String) -> Bool) -> Bool {
        switch self {
        case .search(let name): holds(name)
        case .and(let left, let right): left.evaluate(holds) && right.evaluate(holds)
        case .or(let left, let right): left.evaluate(holds) || right.evaluate(holds)
        case .not(let inner): !inner.evaluate(holds)
        case .oneOf(let names): names.contains(where: holds)
        case .allOf(let names): names.allSatisfy(holds)
        }
    }

    /// Every search name the condition uses.
    public var searchNames: Set<String> {
        switch self {
        case .search(let name): [name]
        case .and(let left, let right), .or(let left, let right): left.searchNames.union(right.searchNames)
        case .not(let inner): inner.searchNames
        case .oneOf(let names), .allOf(let names): Set(names)
        }
    }
}

/// Parses a condition string; precedence not > and > or, left to right.
struct SigmaConditionParser {
    enum Failure: Error, CustomStringConvertible {
        case unsupported(String)
        case invalid(String)
        var description: String {
            switch self {
            case .unsupported(let text), .invalid(let text): text
            }
        }
    }

    private var tokens: [String]
    private var position = 0
    private let names: [String]

    static func parse(_ text: String, searches: [String]) throws(Failure) -> SigmaCondition {
        if text.utf8.contains(UInt8(ascii: "|")) { throw .unsupported("aggregation ('|') in the condition") }
        var parser = SigmaConditionParser(tokens: tokenize(text), names: searches.sorted())
        guard !parser.tokens.isEmpty else { throw .invalid("empty condition") }
        let condition = try parser.parseOr()
        guard parser.position == parser.tokens.count else {
            throw .invalid("unexpected '\(parser.tokens[parser.position])' in the condition")
        }
        return condition
    }

    private init(tokens: [String], names: [String]) {
        self.tokens = tokens
        self.names = names
    }

    static func tokenize(_ text: String) -> [String] {
        // ASCII (every condition seen): bytes, where Character.isWhitespace is tab to CR and space.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var tokens: [String] = []
            var start: String.UTF8View.Index?
            var index = text.utf8.startIndex
            func close(_ end: String.UTF8View.Index) {
                if let open = start { tokens.append(String(Substring(text.utf8[open..<end]))) }
                start = nil
            }
            while index < text.utf8.endIndex {
                let byte = text.utf8[index]
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") {
                    close(index)
                    tokens.append(byte == UInt8(ascii: "(") ? "(" : ")")
                } else if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                    close(index)
                } else if start == nil {
                    start = index
                }
                index = text.utf8.index(after: index)
            }
            close(index)
            return tokens
        }
        var tokens: [String] = []
        var current = ""
        for character in text {
            if character == "(" || character == ")" {
                if !current.isEmpty {
                    tokens.append(current)
                    current = ""
                }
                tokens.append(String(character))
            } else if character.isWhitespace {
                if !current.isEmpty {
                    tokens.append(current)
                    current = ""
                }
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    private var next: String? { position < tokens.count ? tokens[position] : nil }

    /// Whether the next token is this lower-case keyword, in any case (ASCII: no other letter
    /// lower-cases to one of the keywords' letters).
    private func nextIs(_ keyword: String) -> Bool {
        guard let next else { return false }
        return Self.equalFolded(next, keyword)
    }

    private static func equalFolded(_ token: String, _ keyword: String) -> Bool {
        token.utf8.count == keyword.utf8.count
            && zip(token.utf8, keyword.utf8).allSatisfy { ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) == $1 }
    }

    private mutating func parseOr() throws(Failure) -> SigmaCondition {
        var left = try parseAnd()
        while nextIs("or") {
            position += 1
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(Failure) -> SigmaCondition {
        var left = try parseNot()
        while nextIs("and") {
            position += 1
            left = .and(left, try parseNot())
        }
        return left
    }

    private mutating func parseNot() throws(Failure) -> SigmaCondition {
        if nextIs("not") {
            position += 1
            return .not(try parseNot())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(Failure) -> SigmaCondition {
        guard let token = next else { throw .invalid("the condition ends too early") }
        position += 1
        if token == "(" {
            let inner = try parseOr()
            guard next == ")" else { throw .invalid("missing ')' in the condition") }
            position += 1
            return inner
        }
        let lower = token.lowercased()
        if lower == "1" || lower == "all", nextIs("of") {
            position += 1
            guard let target = next else { throw .invalid("'\(token) of' names nothing") }
            position += 1
            let matched: [String]
            if target.lowercased() == "them" {
                // `them` leaves out searches whose names start with `_` (Sigma's convention).
                matched = names.filter { !$0.hasPrefix("_") }
            } else if target.contains("*") {
                let pattern = SigmaPattern(target, cased: true)
                matched = names.filter { pattern.matches(SigmaFieldValue($0)) }
            } else {
                matched = names.filter { $0 == target }
            }
            guard !matched.isEmpty else { throw .invalid("'\(token) of \(target)' matches no search") }
            return lower == "all" ? .allOf(matched) : .oneOf(matched)
        }
        if ["and", "or", "not", ")", "of", "them"].contains(lower) {
            throw .invalid("unexpected '\(token)' in the condition")
        }
        if Int(token) != nil { throw .unsupported("'\(token) of' (only '1 of' and 'all of')") }
        guard names.contains(token) else {
            throw .invalid("the condition names '\(token)', which is not a search of the rule")
        }
        return .search(token)
    }
}
