import AuditreeParser

/// The Sigma process_creation rules of a set, compiled for one test per exec: field names
/// resolved to indices, searches numbered, and the rules' literals indexed so that an exec is
/// tested only against rules that can match it.
///
/// A rule's literals are a necessary condition derived from its condition: for `a and b`, the
/// literals of either; for `a or b`, those of both; `not` gives none (the rule is always tested).
/// A value matches only if its longest literal run occurs in the field, and a regex only if one
/// of its required literals does (`RegexLiterals`), so a rule none of whose literals occurs in
/// its field cannot match, and is not tested.
final class SigmaExecRules {
    private final class Compiled {
        let rule: Rule
        /// Per search (by number): maps, each a list of (field index, test); or keywords.
        let searches: [Search]
        let condition: Condition
        init(rule: Rule, searches: [Search], condition: Condition) {
            self.rule = rule
            self.searches = searches
            self.condition = condition
        }
    }

    private enum Search {
        case maps([[(field: Int, test: SigmaValueTest)]])
        case keywords(SigmaValueTest)
        /// A field name auditree does not give: it is absent.
        case never
    }

    private indirect enum Condition {
        case search(Int)
        case and(Condition, Condition)
        case or(Condition, Condition)
        case not(Condition)
        case oneOf([Int])
        case allOf([Int])
    }

    private let compiled: [Compiled]
    /// Rules tested on every exec (no literal prefilter could be derived).
    private let unindexed: [Int]
    /// Distinct (field, folded literal) pairs, and the rules each one makes worth testing.
    private let literals: [(field: Int, bytes: [UInt8], rules: [Int])]
    /// The literals of two bytes or more by their first two bytes (`byte0 << 8 | byte1`): a
    /// flat table of list heads (-1: none) and, per entry, its literal and the next entry. An
    /// array load per byte of a value, where a dictionary hashed every byte pair.
    private let gramHeads: [Int32]
    private let gramEntries: [(literal: Int32, next: Int32)]
    /// Fields some literal is on, and the one-byte literals.
    private let indexedFields: [Int]
    private let short: [Int]
    /// Per Sysmon field, whether a rule reads it (all when a rule has a keyword search, which
    /// reads every field): the others are not built for an exec.
    let usedFields: [Bool]

    init(_ rules: [Rule]) {
        var compiled: [Compiled] = []
        var unindexed: [Int] = []
        var literalNumbers: [String: Int] = [:]
        var literals: [(field: Int, bytes: [UInt8], rules: [Int])] = []
        for rule in rules {
            guard let sigma = rule.sigma else { continue }
            let names = sigma.detection.searches.keys.sorted()
            let number = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            let searches = names.map { Self.compile(sigma.detection.searches[$0]!) }
            let index = compiled.count
            compiled.append(
                Compiled(rule: rule, searches: searches, condition: Self.compile(sigma.detection.condition, number)))
            guard let required = Self.required(compiled[index].condition, searches) else {
                unindexed.append(index)
                continue
            }
            for (field, bytes) in required {
                let key = "\(field):" + bytes.map(String.init).joined(separator: ",")
                if let existing = literalNumbers[key] {
                    if literals[existing].rules.last != index { literals[existing].rules.append(index) }
                } else {
                    literalNumbers[key] = literals.count
                    literals.append((field, bytes, [index]))
                }
            }
        }
        var heads = [Int32](repeating: -1, count: 1 << 16)
        var entries: [(literal: Int32, next: Int32)] = []
        var short: [Int] = []
        for (number, literal) in literals.enumerated() {
            if literal.bytes.count < 2 {
                short.append(number)
                continue
            }
            let gram = Int(literal.bytes[0]) << 8 | Int(literal.bytes[1])
            entries.append((Int32(number), heads[gram]))
            heads[gram] = Int32(entries.count - 1)
        }
        self.compiled = compiled
        self.unindexed = unindexed
        self.literals = literals
        self.gramHeads = heads
        self.gramEntries = entries
        self.indexedFields = Array(Set(literals.filter { $0.bytes.count >= 2 }.map(\.field))).sorted()
        self.short = short
        var used = [Bool](repeating: false, count: SigmaProcessCreation.Field.allCases.count)
        for rule in compiled {
            for search in rule.searches {
                switch search {
                case .maps(let maps):
                    for tests in maps { for test in tests where test.field >= 0 { used[test.field] = true } }
                case .keywords: used = used.map { _ in true }
                case .never: break
                }
            }
        }
        self.usedFields = used
    }

    var isEmpty: Bool { compiled.isEmpty }

    /// How many rules are tested on every exec, for docs/performance.md and tests.
    var unindexedCount: Int { unindexed.count }

    /// The rules whose detection holds for the exec, in load order.
    func matching(_ fields: SigmaProcessCreation) -> [Rule] {
        var candidates = unindexed
        var seen = [Bool](repeating: false, count: compiled.count)
        for index in unindexed { seen[index] = true }
        func found(_ number: Int) {
            for rule in literals[number].rules where !seen[rule] {
                seen[rule] = true
                candidates.append(rule)
            }
        }
        for number in short {
            let literal = literals[number]
            if let value = fields.values[literal.field], SigmaPattern.contains(literal.bytes, in: value.folded) {
                found(number)
            }
        }
        for field in indexedFields {
            guard let value = fields.values[field] else { continue }
            let text = value.folded
            guard text.count >= 2 else { continue }
            for position in 0..<(text.count - 1) {
                var entry = gramHeads[Int(text[position]) << 8 | Int(text[position + 1])]
                while entry >= 0 {
                    let number = Int(gramEntries[Int(entry)].literal)
                    entry = gramEntries[Int(entry)].next
                    guard literals[number].field == field, !literals[number].rules.allSatisfy({ seen[$0] }) else {
                        continue
                    }
                    let bytes = literals[number].bytes
                    if position + bytes.count <= text.count,
                        text[position..<(position + bytes.count)].elementsEqual(bytes)
                    {
                        found(number)
                    }
                }
            }
        }
        candidates.sort()
        var matched: [Rule] = []
        for index in candidates {
            let rule = compiled[index]
            if Self.evaluate(rule.condition, rule.searches, fields) { matched.append(rule.rule) }
        }
        return matched
    }

    private static func evaluate(_ condition: Condition, _ searches: [Search], _ fields: SigmaProcessCreation) -> Bool {
        switch condition {
        case .search(let number): holds(searches[number], fields)
        case .and(let left, let right): evaluate(left, searches, fields) && evaluate(right, searches, fields)
        case .or(let left, let right): evaluate(left, searches, fields) || evaluate(right, searches, fields)
        case .not(let inner): !evaluate(inner, searches, fields)
        case .oneOf(let numbers): numbers.contains { holds(searches[$0], fields) }
        case .allOf(let numbers): numbers.allSatisfy { holds(searches[$0], fields) }
        }
    }

    private static func holds(_ search: Search, _ fields: SigmaProcessCreation) -> Bool {
        switch search {
        case .maps(let maps):
            maps.contains { tests in tests.allSatisfy { $0.test.matches($0.field < 0 ? nil : fields.values[$0.field]) }
            }
        case .keywords(let test): fields.values.contains { $0 != nil && test.matches($0) }
        case .never: false
        }
    }

    // MARK: Compiling

    private static func compile(_ search: SigmaSearch) -> Search {
        switch search {
        case .maps(let maps):
            // Cheap entries first: a map fails at its first entry that does not hold, so a regex
            // (an NFA walk costs far more than a byte comparison) runs only when the rest held.
            return .maps(
                maps.map { tests in
                    tests.map { (SigmaProcessCreation.Field(name: $0.field)?.rawValue ?? -1, $0.test) }.sorted {
                        cost($0.test) < cost($1.test)
                    }
                })
        case .keywords(let test): return .keywords(test)
        }
    }

    private static func cost(_ test: SigmaValueTest) -> Int {
        test.matchers.contains { if case .regex = $0 { return true } else { return false } } ? 1 : 0
    }

    private static func compile(_ condition: SigmaCondition, _ number: [String: Int]) -> Condition {
        switch condition {
        case .search(let name): .search(number[name]!)
        case .and(let left, let right): .and(compile(left, number), compile(right, number))
        case .or(let left, let right): .or(compile(left, number), compile(right, number))
        case .not(let inner): .not(compile(inner, number))
        case .oneOf(let names): .oneOf(names.map { number[$0]! })
        case .allOf(let names): .allOf(names.map { number[$0]! })
        }
    }

    /// (field, literal) pairs one of which occurs in every exec the condition holds for; nil when
    /// there is no such set (a `not`, a regex without literals, a keyword search, an `exists`).
    private static func required(_ condition: Condition, _ searches: [Search]) -> [(Int, [UInt8])]? {
        switch condition {
        case .search(let number): return required(searches[number])
        case .and(let left, let right):
            let a = required(left, searches)
            let b = required(right, searches)
            guard let a else { return b }
            guard let b else { return a }
            return a.count <= b.count ? a : b
        case .or(let left, let right):
            guard let a = required(left, searches), let b = required(right, searches) else { return nil }
            return a + b
        case .not: return nil
        case .oneOf(let numbers):
            var all: [(Int, [UInt8])] = []
            for number in numbers {
                guard let one = required(searches[number]) else { return nil }
                all += one
            }
            return all
        case .allOf(let numbers):
            return numbers.compactMap { required(searches[$0]) }.min { $0.count < $1.count }
        }
    }

    private static func required(_ search: Search) -> [(Int, [UInt8])]? {
        guard case .maps(let maps) = search else { return nil }
        var all: [(Int, [UInt8])] = []
        for tests in maps {
            // One entry of the map that needs a literal in every case is enough for the map.
            let options = tests.compactMap { entry -> [(Int, [UInt8])]? in
                guard entry.field >= 0, entry.test.exists == nil, !entry.test.matchers.isEmpty else { return nil }
                let literals = entry.test.matchers.map(\.requiredLiterals)
                if entry.test.requireAll {
                    // Every value must match: the one whose shortest literal is longest is enough.
                    return literals.compactMap { $0 }.max {
                        ($0.map(\.count).min() ?? 0) < ($1.map(\.count).min() ?? 0)
                    }
                    .map { $0.map { (entry.field, $0) } }
                }
                guard literals.allSatisfy({ $0 != nil }) else { return nil }
                return literals.flatMap { $0!.map { (entry.field, $0) } }
            }
            guard let best = options.min(by: { $0.count < $1.count }) else { return nil }
            all += best
        }
        return all
    }
}
