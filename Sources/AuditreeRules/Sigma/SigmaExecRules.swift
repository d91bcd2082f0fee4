import AuditreeParser

/// The Sigma process_creation rules of a set, compiled for one test per exec: field names
/// resolved to indices, searches numbered, and the rules' literals indexed so that an exec is
/// tested only against rules that can match it.
///
/// A rule's literals are clauses derived from its condition, each a list of (field, literal)
/// pairs one of which occurs in every exec the condition holds for: for `a and b`, the clauses
/// of both; for `a or b`, one clause made of the most selective clause of each; `not` gives
/// none. A value matches only if its longest literal run occurs in the field, and a regex only
/// if one of its required literals does (`RegexLiterals`); `|all` makes a clause of each value.
/// An exec is tested against a rule only when every clause of the rule has a literal in the
/// exec's fields: a broad literal (`User: root`) alone no longer makes a rule a candidate on
/// every exec when the rule also names a rare one. A rule without clauses is tested on every exec.
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

    /// One of these literals occurs in its field in every exec a rule matches: as written when
    /// `cased`, else with ASCII letters folded to lower case.
    private typealias Clause = [(field: Int, bytes: [UInt8], cased: Bool)]

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
    /// Rules tested on every exec (no clause could be derived).
    private let unindexed: [Int]
    /// Per rule, how many clauses it has (0 for an unindexed rule); per clause, its rule.
    private let clauseCounts: [Int32]
    private let clauseRules: [Int32]
    /// Distinct (field, literal, cased) triples: per literal, its field, its bytes (folded
    /// unless cased), whether it is cased, and the clauses it satisfies
    /// (`literalClauses[clauseStarts[n]..<clauseStarts[n + 1]]`).
    private let literalFields: [Int32]
    private let literalBytes: [[UInt8]]
    private let literalCased: [Bool]
    private let clauseStarts: [Int32]
    private let literalClauses: [Int32]
    /// The literals of three bytes or more by a hash of their field and first three bytes,
    /// folded (`gramKey`): a flat table of list heads (-1: none) and, per entry, its literal and the
    /// next entry. One array load per byte of a value; the lists hold about one literal each.
    private let gramHeads: [Int32]
    private let gramEntries: [(literal: Int32, next: Int32)]
    /// Fields some long literal is on, and the literals of one or two bytes (searched for directly).
    private let indexedFields: [Int]
    private let short: [Int]
    /// Per Sysmon field, whether a rule reads it (all when a rule has a keyword search, which
    /// reads every field): the others are not built for an exec.
    let usedFields: [Bool]

    /// What `matching` marks for one exec, kept between execs so that it allocates nothing:
    /// each exec clears only what it marked.
    private struct Marks {
        var clauseHit: [Bool] = []
        var satisfied: [Int32] = []
        var hitClauses: [Int32] = []
    }
    private var marks = Marks()

    static let gramBits = 16

    @inline(__always) static func gramKey(_ field: Int, _ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int {
        let packed = UInt32(a) | UInt32(b) << 8 | UInt32(c) << 16 | UInt32(truncatingIfNeeded: field) << 24
        return Int((packed &* 0x9E37_79B1) >> UInt32(32 - gramBits))
    }

    init(_ rules: [Rule]) {
        struct LiteralKey: Hashable {
            var field: Int
            var bytes: [UInt8]
            var cased: Bool
        }
        var compiled: [Compiled] = []
        var unindexed: [Int] = []
        var clauseCounts: [Int32] = []
        var clauseRules: [Int32] = []
        var literalNumbers: [LiteralKey: Int] = [:]
        var literals: [(field: Int, bytes: [UInt8], cased: Bool, clauses: [Int32])] = []
        for rule in rules {
            guard let sigma = rule.sigma else { continue }
            let names = sigma.detection.searches.keys.sorted()
            let number = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            let searches = names.map { Self.compile(sigma.detection.searches[$0]!) }
            let index = compiled.count
            compiled.append(
                Compiled(rule: rule, searches: searches, condition: Self.compile(sigma.detection.condition, number)))
            let clauses = Self.clauses(compiled[index].condition, searches)
            clauseCounts.append(Int32(clauses.count))
            if clauses.isEmpty { unindexed.append(index) }
            for clause in clauses {
                let clauseNumber = Int32(clauseRules.count)
                clauseRules.append(Int32(index))
                for (field, bytes, cased) in clause {
                    let key = LiteralKey(field: field, bytes: bytes, cased: cased)
                    if let existing = literalNumbers[key] {
                        if literals[existing].clauses.last != clauseNumber {
                            literals[existing].clauses.append(clauseNumber)
                        }
                    } else {
                        literalNumbers[key] = literals.count
                        literals.append((field, bytes, cased, [clauseNumber]))
                    }
                }
            }
        }
        var heads = [Int32](repeating: -1, count: 1 << Self.gramBits)
        var entries: [(literal: Int32, next: Int32)] = []
        var short: [Int] = []
        for (number, literal) in literals.enumerated() {
            if literal.bytes.count < 3 {
                short.append(number)
                continue
            }
            let folded = literal.bytes.prefix(3).map(SigmaPattern.fold)
            let key = Self.gramKey(literal.field, folded[0], folded[1], folded[2])
            entries.append((Int32(number), heads[key]))
            heads[key] = Int32(entries.count - 1)
        }
        self.compiled = compiled
        self.unindexed = unindexed
        self.clauseCounts = clauseCounts
        self.clauseRules = clauseRules
        self.literalFields = literals.map { Int32($0.field) }
        self.literalBytes = literals.map(\.bytes)
        self.literalCased = literals.map(\.cased)
        var starts: [Int32] = [0]
        for literal in literals { starts.append(starts[starts.count - 1] + Int32(literal.clauses.count)) }
        self.clauseStarts = starts
        self.literalClauses = literals.flatMap(\.clauses)
        self.gramHeads = heads
        self.gramEntries = entries
        self.indexedFields = Array(Set(literals.filter { $0.bytes.count >= 3 }.map(\.field))).sorted()
        self.short = short
        self.marks = Marks(
            clauseHit: [Bool](repeating: false, count: clauseRules.count),
            satisfied: [Int32](repeating: 0, count: compiled.count), hitClauses: [])
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
        var matched: [Rule] = []
        for index in candidates(fields) {
            let rule = compiled[index]
            if Self.evaluate(rule.condition, rule.searches, fields) { matched.append(rule.rule) }
        }
        return matched
    }

    /// The rules (by load order) worth testing on the exec: those without clauses, and those each
    /// of whose clauses has a literal in the exec's fields.
    func candidates(_ fields: SigmaProcessCreation) -> [Int] {
        var candidates = unindexed
        // Taken out of the object while in use, so that it is changed in place.
        var marks = self.marks
        self.marks = Marks()
        /// Marks the clauses of literal `number` as holding; false when they all held already.
        func found(_ number: Int) {
            for slot in Int(clauseStarts[number])..<Int(clauseStarts[number + 1]) {
                let clause = Int(literalClauses[slot])
                guard !marks.clauseHit[clause] else { continue }
                marks.clauseHit[clause] = true
                marks.hitClauses.append(Int32(clause))
                let rule = Int(clauseRules[clause])
                marks.satisfied[rule] += 1
                if marks.satisfied[rule] == clauseCounts[rule] { candidates.append(rule) }
            }
        }
        func pending(_ number: Int) -> Bool {
            for slot in Int(clauseStarts[number])..<Int(clauseStarts[number + 1])
            where !marks.clauseHit[Int(literalClauses[slot])] {
                return true
            }
            return false
        }
        for number in short where pending(number) {
            if let value = fields.values[Int(literalFields[number])],
                SigmaPattern.contains(literalBytes[number], in: literalCased[number] ? value.bytes : value.folded)
            {
                found(number)
            }
        }
        for field in indexedFields {
            guard let value = fields.values[field] else { continue }
            let text = value.folded.span
            let raw = value.bytes.span
            guard text.count >= 3 else { continue }
            for position in 0..<(text.count - 2) {
                var entry = gramHeads[Self.gramKey(field, text[position], text[position + 1], text[position + 2])]
                while entry >= 0 {
                    let number = Int(gramEntries[Int(entry)].literal)
                    entry = gramEntries[Int(entry)].next
                    guard Int(literalFields[number]) == field, pending(number) else { continue }
                    if Self.occurs(literalBytes[number], in: literalCased[number] ? raw : text, at: position) {
                        found(number)
                    }
                }
            }
        }
        for clause in marks.hitClauses {
            marks.clauseHit[Int(clause)] = false
            marks.satisfied[Int(clauseRules[Int(clause)])] = 0
        }
        marks.hitClauses.removeAll(keepingCapacity: true)
        self.marks = marks
        candidates.sort()
        return candidates
    }

    /// Whether `literal` is in `text` at `position`.
    @inline(__always) private static func occurs(_ literal: [UInt8], in text: Span<UInt8>, at position: Int) -> Bool {
        let bytes = literal.span
        guard position + bytes.count <= text.count else { return false }
        var offset = 0
        while offset < bytes.count && text[position + offset] == bytes[offset] { offset += 1 }
        return offset == bytes.count
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

    /// Clauses every one of which holds for every exec the condition holds for; empty when none
    /// is known (a `not`, a regex without literals, a keyword search, an `exists`).
    private static func clauses(_ condition: Condition, _ searches: [Search]) -> [Clause] {
        switch condition {
        case .search(let number): return clauses(searches[number])
        case .and(let left, let right): return clauses(left, searches) + clauses(right, searches)
        case .or(let left, let right): return either([clauses(left, searches), clauses(right, searches)])
        case .not: return []
        case .oneOf(let numbers): return either(numbers.map { clauses(searches[$0]) })
        case .allOf(let numbers): return numbers.flatMap { clauses(searches[$0]) }
        }
    }

    /// For one of several conditions: one clause, the most selective clause of each joined; none
    /// when one of them has none.
    private static func either(_ options: [[Clause]]) -> [Clause] {
        var joined: Clause = []
        for clauses in options {
            guard let best = clauses.max(by: { selectivity($0) < selectivity($1) }) else { return [] }
            joined += best
        }
        return joined.isEmpty ? [] : [joined]
    }

    /// How rarely a clause is expected to hold, for choosing between clauses: its shortest literal
    /// (up to 8 bytes, beyond which literals are rare enough), then the fewer literals. A value
    /// of User, LogonId or the pids (`root`, `0`) holds on most execs whatever its length.
    private static func selectivity(_ clause: Clause) -> (Int, Int) {
        let commonFields: Set<Int> = [
            SigmaProcessCreation.Field.user.rawValue, SigmaProcessCreation.Field.logonId.rawValue,
            SigmaProcessCreation.Field.processId.rawValue, SigmaProcessCreation.Field.parentProcessId.rawValue,
        ]
        let shortest = clause.map { commonFields.contains($0.field) ? 0 : min($0.bytes.count, 8) }.min() ?? 0
        return (shortest, -clause.count)
    }

    private static func clauses(_ search: Search) -> [Clause] {
        guard case .maps(let maps) = search else { return [] }
        // A map holds when all its entries do: the clauses of each entry. Several maps: one of them.
        let each = maps.map { tests in tests.flatMap(clauses(of:)) }
        return each.count == 1 ? each[0] : either(each)
    }

    /// The clauses of one map entry: for `|all`, one per value (each must match); else one, of
    /// every value's literals, when each value has some.
    private static func clauses(of entry: (field: Int, test: SigmaValueTest)) -> [Clause] {
        guard entry.field >= 0, entry.test.exists == nil, !entry.test.matchers.isEmpty else { return [] }
        let literals = entry.test.matchers.map(\.requiredLiterals)
        if entry.test.requireAll {
            return literals.compactMap { value in
                value.map { value in value.alternatives.map { (entry.field, $0, value.cased) } }
            }
        }
        guard literals.allSatisfy({ $0 != nil }) else { return [] }
        return [literals.flatMap { value in value!.alternatives.map { (entry.field, $0, value!.cased) } }]
    }
}
