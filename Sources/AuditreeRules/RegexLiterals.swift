/// Byte strings one of which occurs in every text a regex matches, compared with ASCII letters
/// folded to lower case, or as written (`cased`: a pattern without `(?i)` needs `-W`, and `-w`
/// does not do): a necessary condition, checked with one pass over the text's bytes before the
/// NFA runs, and used by the Sigma literal index to skip rules whose regex cannot match an exec.
///
/// Derived from the parsed pattern (`RegexNode`): a concatenation's adjacent literal pieces are
/// joined (`-(W|R)` needs `-w` or `-r`), an alternation needs one of its branches' literals, a
/// repetition at least once its body's. Anything that can match more than a few strings (`.`,
/// `\s`, a large class, an optional part) ends a literal. A pattern that gives no literal of at
/// least one byte (`\d+`, `^`, `a?`) has none, and is always run.
struct RegexLiterals: Sendable, Equatable {
    /// Non-empty, distinct; folded unless `cased`.
    let alternatives: [[UInt8]]
    /// Whether the alternatives are compared with the text's bytes as they are; else both sides
    /// have their ASCII letters folded to lower case.
    let cased: Bool
    /// Per byte (folded unless `cased`): whether some alternative starts with it.
    private let firstBytes: [Bool]

    init?(_ alternatives: [[UInt8]], cased: Bool = false) {
        guard !alternatives.isEmpty, alternatives.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.cased = cased
        var sorted = (cased ? alternatives : alternatives.map { $0.map(Self.fold) }).sorted {
            $0.lexicographicallyPrecedes($1)
        }
        sorted.removeDuplicates()
        self.alternatives = sorted
        var firstBytes = [Bool](repeating: false, count: 256)
        for alternative in self.alternatives { firstBytes[Int(alternative[0])] = true }
        self.firstBytes = firstBytes
    }

    static func == (left: RegexLiterals, right: RegexLiterals) -> Bool {
        left.alternatives == right.alternatives && left.cased == right.cased
    }

    @inline(__always) static func fold(_ byte: UInt8) -> UInt8 { byte &- 65 < 26 ? byte | 0x20 : byte }

    /// The literals of a parsed pattern, folded; nil when it has none.
    static func of(_ node: RegexNode) -> RegexLiterals? {
        let info = analyze(node, cased: false)
        return best(info.required, literals(info.exact)).flatMap { RegexLiterals($0) }
    }

    /// The literals of a parsed pattern as a matching text holds them (under `(?i)`, each case
    /// form of a letter); nil when it has none.
    static func cased(of node: RegexNode) -> RegexLiterals? {
        let info = analyze(node, cased: true)
        return best(info.required, literals(info.exact)).flatMap { RegexLiterals($0, cased: true) }
    }

    /// The more selective of a pattern's folded and cased literals (`best`): the cased ones
    /// unless the case forms made them shorter (a set that grew too large ends a literal).
    static func selective(folded: RegexLiterals?, cased: RegexLiterals?) -> RegexLiterals? {
        guard let folded, let cased else { return folded ?? cased }
        let shortest = { (literals: RegexLiterals) in min(literals.alternatives.map(\.count).min()!, 4) }
        return shortest(cased) >= shortest(folded) ? cased : folded
    }

    /// Whether one of the literals occurs in the bytes (ASCII letters folded unless `cased`).
    func occurs(in bytes: Span<UInt8>) -> Bool {
        firstOccurrence(in: bytes, from: 0) != nil
    }

    /// Where the first occurrence at or after `start` of one of the literals begins.
    func firstOccurrence(in bytes: Span<UInt8>, from start: Int) -> Int? {
        cased ? firstOccurrence(in: bytes, from: start, { $0 }) : firstOccurrence(in: bytes, from: start, Self.fold)
    }

    @inline(__always) private func firstOccurrence(
        in bytes: Span<UInt8>, from start: Int, _ map: (UInt8) -> UInt8
    ) -> Int? {
        var index = start
        let count = bytes.count
        while index < count {
            let byte = map(bytes[index])
            if firstBytes[Int(byte)] {
                for alternative in alternatives where alternative[0] == byte && alternative.count <= count - index {
                    var offset = 1
                    while offset < alternative.count && map(bytes[index + offset]) == alternative[offset] {
                        offset += 1
                    }
                    if offset == alternative.count { return index }
                }
            }
            index += 1
        }
        return nil
    }

    func occurs(in text: String) -> Bool {
        occurs(in: text.utf8.span)
    }

    // MARK: Analysis

    /// At most this many strings in an exact set or a literal list, and this many bytes each.
    static let maxStrings = 32
    static let maxLength = 24

    /// Distinct byte strings, in no particular order: at most `maxStrings` of them, so a linear
    /// search finds one faster than hashing it would.
    private typealias Strings = [[UInt8]]

    private struct Info {
        /// Every string the node can match is one of these (folded unless cased); nil when unknown or too many.
        var exact: Strings?
        /// One of these occurs in every match; nil when none is known.
        var required: [[UInt8]]?
    }

    private static func analyze(_ node: RegexNode, cased: Bool) -> Info {
        switch node {
        case .empty, .assertion:
            return Info(exact: [[]], required: nil)
        case .scalar(let set):
            return Info(exact: strings(of: set, cased: cased), required: nil)
        case .concatenation(let items):
            var required: [[UInt8]]?
            var current: Strings = [[]]
            var allExact = true
            for item in items {
                // Most items are one ASCII character as written: appended to the strings in
                // place, as `extend` would, without an `Info` and its arrays for each.
                if case .scalar(let set) = item, let byte = asciiByte(of: set, cased: cased),
                    current.allSatisfy({ $0.count < maxLength })
                {
                    for index in current.indices { current[index].append(byte) }
                    continue
                }
                let info = analyze(item, cased: cased)
                required = best(required, info.required)
                if let exact = info.exact, extend(&current, by: exact) {
                    continue
                }
                allExact = false
                required = best(required, literals(current))
                current = info.exact ?? [[]]
            }
            required = best(required, literals(current))
            return Info(exact: allExact ? current : nil, required: required)
        case .alternation(let branches):
            let infos = branches.map { analyze($0, cased: cased) }
            var exact: Strings? = []
            for info in infos {
                guard let branch = info.exact, var union = exact else {
                    exact = nil
                    break
                }
                for string in branch { union.insertDistinct(string) }
                guard union.count <= maxStrings else {
                    exact = nil
                    break
                }
                exact = union
            }
            var required: [[UInt8]]? = []
            for info in infos {
                guard let branch = best(info.required, literals(info.exact)),
                    required!.count + branch.count <= maxStrings
                else {
                    required = nil
                    break
                }
                required! += branch
            }
            return Info(exact: exact, required: required)
        case .repetition(let inner, let min, let max):
            let info = analyze(inner, cased: cased)
            var exact: Strings?
            if max == 0 {
                exact = [[]]
            } else if min == 1, max == 1 {
                exact = info.exact
            } else if min == 0, max == 1, var inner = info.exact, inner.count < maxStrings {
                inner.insertDistinct([])
                exact = inner
            } else if let inner = info.exact, let max, min == max {
                var joined: Strings = [[]]
                exact = joined
                for _ in 0..<min {
                    guard extend(&joined, by: inner) else {
                        exact = nil
                        break
                    }
                    exact = joined
                }
            }
            return Info(exact: exact, required: min >= 1 ? best(info.required, literals(info.exact)) : nil)
        }
    }

    /// The strings one scalar of the set can be, as UTF-8 (folded unless `cased`); nil for a
    /// class or a large set.
    private static func strings(of set: ScalarSet, cased: Bool) -> Strings? {
        let form = { (scalar: Unicode.Scalar) in
            var bytes: [UInt8] = []
            UTF8.encode(scalar) { bytes.append(cased ? $0 : fold($0)) }
            return bytes
        }
        guard !set.negated, set.classes.isEmpty else { return nil }
        if let byte = asciiByte(of: set, cased: cased) { return [[byte]] }
        var result: Strings = []
        for range in set.ranges {
            guard range.count <= maxStrings else { return nil }
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                if set.ignoresCase {
                    // A text scalar matches when it or one of its case forms is in the set: for an
                    // ASCII letter, the other case and the non-ASCII scalars whose case form it is.
                    guard scalar.isASCII else { return nil }
                    for other in caseMates(of: UInt8(value)) { result.insertDistinct(form(other)) }
                    for other in ScalarSet.otherCases(of: scalar) { result.insertDistinct(form(other)) }
                }
                result.insertDistinct(form(scalar))
                guard result.count <= maxStrings else { return nil }
            }
        }
        return result
    }

    /// The byte of a set that is one ASCII character matched as written (most scalars of a
    /// pattern), folded unless `cased`; nil for any other set.
    private static func asciiByte(of set: ScalarSet, cased: Bool) -> UInt8? {
        guard !set.negated, set.classes.isEmpty, !set.ignoresCase, set.ranges.count == 1,
            set.ranges[0].count == 1, set.ranges[0].lowerBound < 0x80
        else { return nil }
        let byte = UInt8(set.ranges[0].lowerBound)
        return cased ? byte : fold(byte)
    }

    /// The non-ASCII scalars that match this ASCII letter under `(?i)` (`ScalarSet.contains`:
    /// KELVIN SIGN through `k`, LONG S through `S`); RegexEngineTests checks the table against
    /// every Unicode scalar.
    static func caseMates(of byte: UInt8) -> [Unicode.Scalar] {
        switch fold(byte) {
        case UInt8(ascii: "k"): ["\u{212A}"]
        case UInt8(ascii: "s"): ["\u{017F}"]
        default: []
        }
    }

    /// Every string of `strings` followed by every one of `suffixes`, in place; false, with
    /// `strings` as it was, when that makes more than `maxStrings` strings or one longer than
    /// `maxLength` bytes. A literal's scalars, one string each, grow one string without copying it.
    private static func extend(_ strings: inout Strings, by suffixes: Strings) -> Bool {
        guard strings.count * suffixes.count <= maxStrings else { return false }
        if strings.count == 1 && suffixes.count == 1 {
            guard strings[0].count + suffixes[0].count <= maxLength else { return false }
            strings[0].append(contentsOf: suffixes[0])
            return true
        }
        var result: Strings = []
        for a in strings {
            for b in suffixes {
                guard a.count + b.count <= maxLength else { return false }
                result.insertDistinct(a + b)
            }
        }
        strings = result
        return true
    }

    /// The length of the shortest string (a loop: `map(\.count).min()` projects a key path per
    /// string, and this runs for every node of every pattern at load).
    private static func shortest(_ strings: [[UInt8]]) -> Int {
        var result = Int.max
        for string in strings where string.count < result { result = string.count }
        return result
    }

    /// An exact set as required literals: only when it cannot match the empty string.
    private static func literals(_ exact: Strings?) -> [[UInt8]]? {
        guard let exact, !exact.isEmpty, !exact.contains([]) else { return nil }
        return exact
    }

    /// The more selective of two literal lists: the longer shortest literal (up to 4 bytes,
    /// beyond which both are rare enough), then the fewer literals.
    private static func best(_ a: [[UInt8]]?, _ b: [[UInt8]]?) -> [[UInt8]]? {
        guard let a, !a.isEmpty else { return b }
        guard let b, !b.isEmpty else { return a }
        let lengthA = min(shortest(a), 4)
        let lengthB = min(shortest(b), 4)
        if lengthA != lengthB { return lengthA > lengthB ? a : b }
        return a.count <= b.count ? a : b
    }
}

extension [[UInt8]] {
    /// Appends the string unless it is here already.
    fileprivate mutating func insertDistinct(_ string: [UInt8]) {
        if !contains(string) { append(string) }
    }

    /// Drops each string equal to the one before it (of a sorted array: every duplicate).
    fileprivate mutating func removeDuplicates() {
        var kept = 0
        for index in indices where index == 0 || self[index] != self[kept - 1] {
            self[kept] = self[index]
            kept += 1
        }
        removeLast(count - kept)
    }
}
