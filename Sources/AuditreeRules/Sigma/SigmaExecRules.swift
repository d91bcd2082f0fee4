import AuditreeParser
import AuditreeTree

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
        /// The rule, in the one `SharedRule` every match of it holds (made at load, not per match).
        let shared: SharedRule
        var rule: Rule { shared.rule }
        /// Per search (by number): maps, each a list of (field index, test); or keywords.
        let searches: [Search]
        /// The condition with the operands of each `and`, `or`, `1 of` and `all of` in the order
        /// they are evaluated: the cheaper first (`ordered`).
        let condition: Condition
        /// The fields the rule reads (`Field.rawValue` bits): an exec builds only those its
        /// candidate rules read.
        let fieldsRead: UInt32
        init(rule: Rule, searches: [Search], condition: Condition) {
            shared = SharedRule(rule)
            self.searches = searches
            self.condition = SigmaExecRules.ordered(condition, searches)
            var read: UInt32 = 0
            for search in searches {
                switch search {
                case .maps(let maps):
                    for tests in maps { for test in tests where test.field >= 0 { read |= 1 << UInt32(test.field) } }
                case .keywords: read = .max
                case .never: break
                }
            }
            fieldsRead = read
        }
    }

    /// One of these literals (numbers in `ClauseLiterals`) occurs in its field in every exec a
    /// rule matches: as written when cased, else with ASCII letters folded to lower case.
    private typealias Clause = [Int32]

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
    /// Per distinct (field, literal, cased) triple, by its number in `index`: the rules whose
    /// key clause (their most selective) it satisfies (`keyRules[keyStarts[n]..<keyStarts[n + 1]]`).
    /// Only key clauses are looked up by literal: a broad literal of a rule's other clause
    /// (`/tmp/`, ` -c `) then costs nothing on the many execs that hold it.
    private let keyStarts: [Int32]
    private let keyRules: [Int32]
    /// Per rule, its clauses other than the key one (`otherClauses[otherStarts[r]..<otherStarts[r + 1]]`);
    /// per clause, its literals (`clauseLiterals[literalStarts[c]..<literalStarts[c + 1]]`).
    private let otherStarts: [Int32]
    private let otherClauses: [Int32]
    private let literalStarts: [Int32]
    private let clauseLiterals: [Int32]
    private let literalIndex: SigmaLiteralIndex
    /// Finds the literals of an exec's own fields (on the parsing threads, or here for an exec
    /// whose image they did not scan).
    package let fieldScanner: SigmaExecFieldScanner
    /// Whether a literal is on ProcessId or ParentProcessId, which only the tree gives.
    private let scansProcessIds: Bool
    /// Per Sysmon field, whether a rule reads it (all when a rule has a keyword search, which
    /// reads every field): the others are not built for an exec.
    let usedFields: [Bool]

    /// The rules `candidates` looked at for one exec: rule `r` was when `seen[r]` equals
    /// `generation`. Kept between execs so that clearing it costs nothing.
    private struct Marks {
        var seen: [UInt32] = []
        var generation: UInt32 = 0
    }
    private var marks = Marks()
    /// The literals found in one exec, kept between execs for the same reason.
    private var hits: SigmaLiteralIndex.Hits
    private var parents = SigmaParentFieldCache()

    init(_ rules: [Rule]) {
        var compiled: [Compiled] = []
        var unindexed: [Int] = []
        var otherStarts: [Int32] = [0]
        var otherClauses: [Int32] = []
        var literalStarts: [Int32] = [0]
        var clauseLiterals: [Int32] = []
        // The clauses name literals by their number in `table` (as first met); the index numbers
        // them as the rules' clauses list them, key clause first (`numbers`: table -> index).
        var table = ClauseLiterals()
        var numbers: [Int32] = []
        var order: [Int32] = []  // index -> table
        /// Per literal (index number), the last clause it was listed in and the last rule whose key clause holds it.
        var lastClause: [Int32] = []
        var lastKeyRule: [Int32] = []
        /// (literal, rule) per rule whose key clause holds the literal, in rule order.
        var keyLiterals: [Int32] = []
        var keyRuleNumbers: [Int32] = []
        for rule in rules {
            guard let sigma = rule.sigma else { continue }
            let names = sigma.detection.searches.keys.sorted()
            var number: [String: Int] = [:]
            number.reserveCapacity(names.count)
            for (position, name) in names.enumerated() { number[name] = position }
            let searches = names.map { Self.compile(sigma.detection.searches[$0]!) }
            let index = compiled.count
            compiled.append(
                Compiled(rule: rule, searches: searches, condition: Self.compile(sigma.detection.condition, number)))
            var clauses = Self.clauses(compiled[index].condition, searches, &table)
            if clauses.isEmpty { unindexed.append(index) }
            // The key clause first: the most selective.
            if let key = clauses.indices.max(by: {
                Self.selectivity(clauses[$0], table) < Self.selectivity(clauses[$1], table)
            }) {
                clauses.swapAt(0, key)
            }
            for position in clauses.indices {
                let clauseNumber = Int32(literalStarts.count - 1)
                if position > 0 { otherClauses.append(clauseNumber) }
                for found in clauses[position] {
                    while numbers.count < table.count { numbers.append(-1) }
                    var literal = numbers[Int(found)]
                    if literal < 0 {
                        literal = Int32(order.count)
                        numbers[Int(found)] = literal
                        order.append(found)
                        lastClause.append(-1)
                        lastKeyRule.append(-1)
                    }
                    if lastClause[Int(literal)] != clauseNumber {
                        lastClause[Int(literal)] = clauseNumber
                        clauseLiterals.append(literal)
                    }
                    if position == 0, lastKeyRule[Int(literal)] != Int32(index) {
                        lastKeyRule[Int(literal)] = Int32(index)
                        keyLiterals.append(literal)
                        keyRuleNumbers.append(Int32(index))
                    }
                }
                literalStarts.append(Int32(clauseLiterals.count))
            }
            otherStarts.append(Int32(otherClauses.count))
        }
        self.compiled = compiled
        self.unindexed = unindexed
        self.otherStarts = otherStarts
        self.otherClauses = otherClauses
        self.literalStarts = literalStarts
        self.clauseLiterals = clauseLiterals
        // Per literal, the rules whose key clause it holds, in rule order (a counting sort).
        var starts = [Int32](repeating: 0, count: order.count + 1)
        for literal in keyLiterals { starts[Int(literal) + 1] += 1 }
        for literal in order.indices { starts[literal + 1] += starts[literal] }
        var next = starts
        var keyRules = [Int32](repeating: 0, count: keyLiterals.count)
        for (literal, rule) in zip(keyLiterals, keyRuleNumbers) {
            keyRules[Int(next[Int(literal)])] = rule
            next[Int(literal)] += 1
        }
        self.keyStarts = starts
        self.keyRules = keyRules
        let literalIndex = SigmaLiteralIndex(
            fields: order.map { table.fields[Int($0)] }, bytes: order.map { table.bytes[Int($0)] },
            cased: order.map { table.cased[Int($0)] }, fieldCount: SigmaProcessCreation.Field.allCases.count)
        self.literalIndex = literalIndex
        fieldScanner = SigmaExecFieldScanner(literalIndex)
        scansProcessIds = literalIndex.scannedFields.contains {
            $0 == SigmaProcessCreation.Field.processId.rawValue
                || $0 == SigmaProcessCreation.Field.parentProcessId.rawValue
        }
        hits = SigmaLiteralIndex.Hits(literalCount: order.count)
        self.marks = Marks(seen: [UInt32](repeating: 0, count: compiled.count))
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

    /// How many rules there are: their numbers are `0..<count`.
    var count: Int { compiled.count }

    /// How many rules are tested on every exec, for docs/performance.md and tests.
    var unindexedCount: Int { unindexed.count }

    /// The rules whose detection holds for the exec, in load order.
    func matching(_ fields: SigmaProcessCreation) -> [Rule] {
        evaluate(candidates(fields), fields)
    }

    /// The rule numbered `number` (`matching(_:of:)`), as its matches share it.
    func sharedRule(_ number: Int) -> SharedRule { compiled[number].shared }

    /// The id of the rule numbered `number`, without a copy of the rule.
    func id(of number: Int) -> String { compiled[number].shared.rule.id }

    /// The numbers of the rules whose detection holds for image `imageNumber` of `process`, in load order. The
    /// literals in its own fields come from the parsing threads when they found them
    /// (`ProcessImage.fieldLiterals`), the parent's from `parents`; the fields themselves are
    /// built only for an exec some rule is a candidate on (few are).
    func matching(_ image: borrowing ProcessImage, of process: ProcessReference) -> [Int] {
        let parent = parents.entry(for: process.parentImageKey) { parentEntry(process.parentImage) }
        let candidates: [Int]
        if !scansProcessIds, image.fieldLiterals.wasLookedFor {
            candidates = keptCandidates(parent: parent, own: image.fieldLiterals)
        } else {
            candidates = scannedCandidates(image, of: process, parent: parent)
        }
        guard !candidates.isEmpty else { return [] }
        var reading: UInt32 = 0
        for index in candidates { reading |= compiled[index].fieldsRead }
        // Without a pid read, the outcome is the candidates' on the parent's fields and the
        // image's exe, arguments, user and directory: an exec repeating a command under a parent
        // met before gets it again without the fields built and the conditions evaluated.
        let readsPids = reading & Self.pidFields != 0
        if !readsPids {
            for index in recentOutcomes.indices where recentOutcomes[index].holds(for: image, parent, candidates) {
                return recentOutcomes[index].matched
            }
        }
        let fields = SigmaProcessCreation(
            image: image, pid: process.pid, ppid: process.ppid, parentImage: parent.image,
            parentCommandLine: parent.commandLine, reading: reading)
        let matched = candidates.filter { holds(rule: $0, fields) }
        if !readsPids {
            if recentOutcomes.count == Self.recentOutcomesKept { recentOutcomes.removeLast() }
            recentOutcomes.insert(
                RecentOutcome(
                    parent: parent, candidates: candidates, exe: image.exe, arguments: image.argv.arguments,
                    userName: image.userName, uid: image.uid, cwd: image.cwd, matched: matched),
                at: 0)
        }
        return matched
    }

    private static let pidFields: UInt32 =
        1 << UInt32(SigmaProcessCreation.Field.processId.rawValue)
        | 1 << UInt32(SigmaProcessCreation.Field.parentProcessId.rawValue)

    /// The rules that matched an exec, and all their outcome was read from when no pid is read
    /// (`SigmaProcessCreation.init`: the parent's fields come from its entry). A class, as
    /// `RecentParent` is.
    private final class RecentOutcome {
        let parent: SigmaParentFieldCache.Entry
        let candidates: [Int]
        let exe: LogString?
        let arguments: [LogString]
        let userName: String?
        let uid: UInt32?
        let cwd: LogString?
        let matched: [Int]

        init(
            parent: SigmaParentFieldCache.Entry, candidates: [Int], exe: LogString?, arguments: [LogString],
            userName: String?, uid: UInt32?, cwd: LogString?, matched: [Int]
        ) {
            self.parent = parent
            self.candidates = candidates
            self.exe = exe
            self.arguments = arguments
            self.userName = userName
            self.uid = uid
            self.cwd = cwd
            self.matched = matched
        }

        func holds(for image: borrowing ProcessImage, _ parent: SigmaParentFieldCache.Entry, _ candidates: [Int])
            -> Bool
        {
            self.parent === parent && self.candidates == candidates && exe == image.exe && uid == image.uid
                && cwd == image.cwd && Self.sameBytes(userName, image.userName)
                && ConditionSubject.equal(arguments, image.argv.arguments)
        }

        /// Whether two user names are the same bytes: `==` on String is canonical equivalence
        /// (`café` precomposed equals `cafe` and a combining accent), and the User field is
        /// matched as bytes.
        private static func sameBytes(_ left: String?, _ right: String?) -> Bool {
            switch (left, right) {
            case (nil, nil): true
            case (let left?, let right?): left.utf8.elementsEqual(right.utf8)
            default: false
            }
        }
    }
    private var recentOutcomes: [RecentOutcome] = []
    private static let recentOutcomesKept = 16

    /// The candidates of an exec whose literals are its parent's and `own` (no pid is scanned):
    /// they depend on nothing else, and an exec mostly repeats a command under a parent met
    /// before (a parent entry is kept per image and found again by its exe and arguments), so
    /// they are kept per parent entry and own literals. Direct-mapped: a fixed number of slots,
    /// an entry replaced when another maps to its slot. A slot holds its parent entry, so an
    /// entry's address is never reused while a slot names it.
    private func keptCandidates(parent: SigmaParentFieldCache.Entry, own: FieldLiterals) -> [Int] {
        var hash = UInt(bitPattern: ObjectIdentifier(parent)) &* 0x9E37_79B9_7F4A_7C15
        for literal in own { hash = (hash ^ UInt(truncatingIfNeeded: literal)) &* 0x0000_0100_0000_01B3 }
        let slot = Int(truncatingIfNeeded: hash >> 32) & (Self.candidateSlotCount - 1)
        if candidateSlots.isEmpty { candidateSlots = Array(repeating: nil, count: Self.candidateSlotCount) }
        if let kept = candidateSlots[slot], kept.parent === parent, kept.own == own { return kept.candidates }
        var hits = takeHits()
        for literal in parent.literals { hits.add(Int(literal)) }
        for literal in own { hits.add(Int(literal)) }
        let made = candidates(hits)
        candidateSlots[slot] = CandidateSlot(parent: parent, own: own, candidates: made)
        return made
    }

    /// A class: a slot is read on every exec, and a reference is copied out, not its arrays.
    private final class CandidateSlot {
        let parent: SigmaParentFieldCache.Entry
        let own: FieldLiterals
        let candidates: [Int]

        init(parent: SigmaParentFieldCache.Entry, own: FieldLiterals, candidates: [Int]) {
            self.parent = parent
            self.own = own
            self.candidates = candidates
        }
    }
    private static let candidateSlotCount = 1024
    /// Made at the first exec: a scan without Sigma rules never pays for the table.
    private var candidateSlots: [CandidateSlot?] = []

    /// The candidates of an exec from its parent's literals and those scanned here.
    private func scannedCandidates(
        _ image: borrowing ProcessImage, of process: ProcessReference, parent: SigmaParentFieldCache.Entry
    ) -> [Int] {
        var hits = takeHits()
        for literal in parent.literals { hits.add(Int(literal)) }
        if image.fieldLiterals.wasLookedFor {
            for literal in image.fieldLiterals { hits.add(Int(literal)) }
        } else {
            fieldScanner.scanIdentity(exe: image.exe, userName: image.userName, uid: image.uid, into: &hits)
            fieldScanner.scanCommandLine(image.argv.arguments, into: &hits)
            fieldScanner.scanDirectory(image.cwd, into: &hits)
        }
        if scansProcessIds {
            let ids: [(SigmaProcessCreation.Field, Int?)] = [
                (.processId, process.pid), (.parentProcessId, process.ppid),
            ]
            for (field, value) in ids where literalIndex.scannedFields.contains(field.rawValue) {
                guard let value else { continue }
                let text = String(value)
                literalIndex.scan(field.rawValue, folded: text.utf8.span, raw: text.utf8.span, into: &hits)
            }
        }
        return candidates(hits)
    }

    /// The rules (by load order) worth testing on the exec: those without clauses, and those each
    /// of whose clauses has a literal in the exec's fields.
    func candidates(_ fields: SigmaProcessCreation) -> [Int] {
        var hits = takeHits()
        scan(fields, literalIndex.scannedFields, into: &hits)
        return candidates(hits)
    }

    /// The literals in the exec's own fields (all but the parent's and the pids), scanned from
    /// the values `SigmaProcessCreation` built: what `ProcessImage.fieldLiterals` must hold, for tests.
    func ownLiterals(_ fields: SigmaProcessCreation) -> Set<Int32> {
        var hits = takeHits()
        scan(fields, SigmaExecFieldScanner.ownFields.map(\.rawValue), into: &hits)
        let found = Set(hits.found)
        self.hits = hits
        return found
    }

    private func evaluate(_ candidates: [Int], _ fields: SigmaProcessCreation) -> [Rule] {
        candidates.filter { holds(rule: $0, fields) }.map { compiled[$0].rule }
    }

    private func holds(rule number: Int, _ fields: SigmaProcessCreation) -> Bool {
        let rule = compiled[number]
        return Self.evaluate(rule.condition, rule.searches, fields)
    }

    /// ParentImage, ParentCommandLine and their literals, for `parents`: from `recentParents`
    /// when a parent met lately ran the same exe and arguments (another instance of the same
    /// script or server has other pids, and so another image key).
    private func parentEntry(_ parent: ProcessImage?) -> SigmaParentFieldCache.Entry {
        if let parent {
            for index in recentParents.indices where recentParents[index].runs(parent) {
                return recentParents[index].entry
            }
        }
        let entry = builtParentEntry(parent)
        if let parent {
            if recentParents.count == Self.recentParentsKept { recentParents.removeLast() }
            recentParents.insert(RecentParent(exe: parent.exe, arguments: parent.argv.arguments, entry: entry), at: 0)
        }
        return entry
    }

    /// A parent entry and the exe and arguments it was built from (all its values depend on).
    /// A class: looking through the recent ones then copies a reference, not every field.
    private final class RecentParent {
        let exe: LogString?
        let arguments: [LogString]
        let entry: SigmaParentFieldCache.Entry

        init(exe: LogString?, arguments: [LogString], entry: SigmaParentFieldCache.Entry) {
            self.exe = exe
            self.arguments = arguments
            self.entry = entry
        }

        func runs(_ image: borrowing ProcessImage) -> Bool {
            exe == image.exe && arguments == image.argv.arguments
        }
    }
    private var recentParents: [RecentParent] = []
    private static let recentParentsKept = 16

    private func builtParentEntry(_ parent: ProcessImage?) -> SigmaParentFieldCache.Entry {
        let values = SigmaProcessCreation.parentFields(parent, used: usedFields)
        var hits = takeHits()
        for (field, value) in [
            (SigmaProcessCreation.Field.parentImage, values.image), (.parentCommandLine, values.commandLine),
        ] {
            guard let value else { continue }
            literalIndex.scan(field.rawValue, folded: value.folded.span, raw: value.bytes.span, into: &hits)
        }
        let literals = hits.found
        self.hits = hits
        return SigmaParentFieldCache.Entry(image: values.image, commandLine: values.commandLine, literals: literals)
    }

    /// `hits`, cleared for a new exec and taken out of the object while in use, so that it is
    /// changed in place; `candidates(_: Hits)` puts it back.
    private func takeHits() -> SigmaLiteralIndex.Hits {
        var hits = self.hits
        self.hits = SigmaLiteralIndex.Hits(literalCount: 0)
        hits.reset()
        return hits
    }

    private func scan(_ fields: SigmaProcessCreation, _ scanned: [Int], into hits: inout SigmaLiteralIndex.Hits) {
        for field in scanned {
            guard let value = fields.values[field] else { continue }
            literalIndex.scan(field, folded: value.folded.span, raw: value.bytes.span, into: &hits)
        }
    }

    /// The rules without clauses and those all of whose clauses hold a literal of `hits`, in
    /// load order: the rules whose key clause a literal satisfies, each then checked once for
    /// its other clauses.
    private func candidates(_ hits: SigmaLiteralIndex.Hits) -> [Int] {
        var candidates = unindexed
        var marks = self.marks
        self.marks = Marks()
        if marks.generation == .max {
            for index in marks.seen.indices { marks.seen[index] = 0 }
            marks.generation = 0
        }
        marks.generation += 1
        for number in hits.found {
            for slot in Int(keyStarts[Int(number)])..<Int(keyStarts[Int(number) + 1]) {
                let rule = Int(keyRules[slot])
                guard marks.seen[rule] != marks.generation else { continue }
                marks.seen[rule] = marks.generation
                if holdsOtherClauses(of: rule, hits) { candidates.append(rule) }
            }
        }
        self.marks = marks
        self.hits = hits
        // Few candidates: an insertion sort, without the generic sort's overhead.
        if candidates.count > 1 {
            for index in 1..<candidates.count {
                let rule = candidates[index]
                var position = index
                while position > 0 && candidates[position - 1] > rule {
                    candidates[position] = candidates[position - 1]
                    position -= 1
                }
                candidates[position] = rule
            }
        }
        return candidates
    }

    /// Whether each clause of `rule` but its key clause has a literal in `hits`.
    private func holdsOtherClauses(of rule: Int, _ hits: SigmaLiteralIndex.Hits) -> Bool {
        for slot in Int(otherStarts[rule])..<Int(otherStarts[rule + 1]) {
            let clause = Int(otherClauses[slot])
            var held = false
            for position in Int(literalStarts[clause])..<Int(literalStarts[clause + 1])
            where hits.has(Int(clauseLiterals[position])) {
                held = true
                break
            }
            guard held else { return false }
        }
        return true
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
            // Read in place: copying an entry or a value out retains the arrays it holds.
            for map in maps.indices {
                var held = true
                for entry in maps[map].indices {
                    let field = maps[map][entry].field
                    let matched =
                        field < 0
                        ? maps[map][entry].test.matches(nil) : maps[map][entry].test.matches(fields.values[field])
                    if !matched {
                        held = false
                        break
                    }
                }
                if held { return true }
            }
            return false
        case .keywords(let test): return fields.values.contains { $0 != nil && test.matches($0) }
        case .never: return false
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
                        hasRegex($0.test) < hasRegex($1.test)
                    }
                })
        case .keywords(let test): return .keywords(test)
        }
    }

    /// The condition with each operator's operands sorted by `cost`, cheapest first (stable):
    /// `and`, `or`, `1 of` and `all of` stop at the first operand that decides them, and the
    /// operands have no effect, so their order changes the work and never the answer. A
    /// filter (`not 1 of filter_*`) of a few byte comparisons then runs before a regex.
    private static func ordered(_ condition: Condition, _ searches: [Search]) -> Condition {
        switch condition {
        case .search: return condition
        case .and(let left, let right):
            let (first, second) = (ordered(left, searches), ordered(right, searches))
            return cost(second, searches) < cost(first, searches) ? .and(second, first) : .and(first, second)
        case .or(let left, let right):
            let (first, second) = (ordered(left, searches), ordered(right, searches))
            return cost(second, searches) < cost(first, searches) ? .or(second, first) : .or(first, second)
        case .not(let inner): return .not(ordered(inner, searches))
        case .oneOf(let numbers): return .oneOf(sortedByCost(numbers, searches))
        case .allOf(let numbers): return .allOf(sortedByCost(numbers, searches))
        }
    }

    private static func sortedByCost(_ numbers: [Int], _ searches: [Search]) -> [Int] {
        numbers.enumerated().sorted { a, b in
            let (costA, costB) = (cost(searches[a.element]), cost(searches[b.element]))
            return costA != costB ? costA < costB : a.offset < b.offset
        }.map(\.element)
    }

    /// A rough cost of evaluating a condition in the worst case: a byte comparison per value
    /// costs 1, a regex (an NFA walk over the field) `regexCost`, a keyword search every field.
    private static func cost(_ condition: Condition, _ searches: [Search]) -> Int {
        switch condition {
        case .search(let number): cost(searches[number])
        case .and(let left, let right), .or(let left, let right): cost(left, searches) + cost(right, searches)
        case .not(let inner): cost(inner, searches)
        case .oneOf(let numbers), .allOf(let numbers): numbers.reduce(0) { $0 + cost(searches[$1]) }
        }
    }

    private static let regexCost = 64

    private static func hasRegex(_ test: SigmaValueTest) -> Int { cost(test) >= regexCost ? 1 : 0 }

    private static func cost(_ search: Search) -> Int {
        switch search {
        case .maps(let maps): maps.reduce(0) { $0 + $1.reduce(0) { $0 + cost($1.test) } }
        case .keywords(let test): SigmaProcessCreation.Field.allCases.count * cost(test)
        case .never: 0
        }
    }

    private static func cost(_ test: SigmaValueTest) -> Int {
        test.matchers.reduce(0) { total, matcher in
            if case .regex = matcher { total + regexCost } else { total + 1 }
        }
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
    private static func clauses(_ condition: Condition, _ searches: [Search], _ table: inout ClauseLiterals)
        -> [Clause]
    {
        switch condition {
        case .search(let number): return clauses(searches[number], &table)
        case .and(let left, let right): return clauses(left, searches, &table) + clauses(right, searches, &table)
        case .or(let left, let right):
            let options = [clauses(left, searches, &table), clauses(right, searches, &table)]
            return either(options, table)
        case .not: return []
        case .oneOf(let numbers): return either(numbers.map { clauses(searches[$0], &table) }, table)
        case .allOf(let numbers): return numbers.flatMap { clauses(searches[$0], &table) }
        }
    }

    /// For one of several conditions: one clause, the most selective clause of each joined; none
    /// when one of them has none.
    private static func either(_ options: [[Clause]], _ table: ClauseLiterals) -> [Clause] {
        var joined: Clause = []
        for clauses in options {
            guard let best = clauses.max(by: { selectivity($0, table) < selectivity($1, table) }) else { return [] }
            joined += best
        }
        return joined.isEmpty ? [] : [joined]
    }

    /// How rarely a clause is expected to hold, for choosing between clauses: its shortest literal
    /// (up to 32 bytes), then the fewer literals: a program's name (`/python3`, `/curl`) is on
    /// many execs, a longer piece of a command line (`/tmp/transformers.pyz`) on few. A value
    /// of User, LogonId or the pids (`root`, `0`) holds on most execs whatever its length
    /// (`ClauseLiterals.weights`).
    private static func selectivity(_ clause: Clause, _ table: ClauseLiterals) -> (Int, Int) {
        var shortest = Int.max
        for literal in clause { shortest = min(shortest, table.weights[Int(literal)]) }
        return (clause.isEmpty ? 0 : shortest, -clause.count)
    }

    private static func clauses(_ search: Search, _ table: inout ClauseLiterals) -> [Clause] {
        guard case .maps(let maps) = search else { return [] }
        // A map holds when all its entries do: the clauses of each entry. Several maps: one of them.
        if maps.count == 1 {
            var all: [Clause] = []
            for entry in maps[0] { all += clauses(of: entry, &table) }
            return all
        }
        var each: [[Clause]] = []
        each.reserveCapacity(maps.count)
        for tests in maps {
            var all: [Clause] = []
            for entry in tests { all += clauses(of: entry, &table) }
            each.append(all)
        }
        return either(each, table)
    }

    /// The clauses of one map entry: for `|all`, one per value (each must match); else one, of
    /// every value's literals, when each value has some.
    private static func clauses(of entry: (field: Int, test: SigmaValueTest), _ table: inout ClauseLiterals)
        -> [Clause]
    {
        guard entry.field >= 0, entry.test.exists == nil, !entry.test.matchers.isEmpty else { return [] }
        let matchers = entry.test.matchers
        if entry.test.requireAll {
            var clauses: [Clause] = []
            for matcher in matchers {
                var clause: Clause = []
                guard Self.requiredLiterals(of: matcher, field: entry.field, into: &clause, &table) else { continue }
                clauses.append(clause)
            }
            return clauses
        }
        var clause: Clause = []
        for matcher in matchers {
            guard Self.requiredLiterals(of: matcher, field: entry.field, into: &clause, &table) else { return [] }
        }
        return [clause]
    }

    /// Adds the numbers of the literals one of which every value the matcher matches holds
    /// (`SigmaValueMatcher.requiredLiterals`); false when it has none.
    private static func requiredLiterals(
        of matcher: SigmaValueMatcher, field: Int, into clause: inout Clause, _ table: inout ClauseLiterals
    ) -> Bool {
        switch matcher {
        case .pattern(let pattern):
            // A pattern's parts are folded already unless it is cased.
            guard let literal = pattern.longestLiteral else { return false }
            clause.append(table.number(field: field, bytes: literal, cased: pattern.cased))
            return true
        case .regex(let regex):
            guard let literals = regex.literals else { return false }
            for alternative in literals.alternatives {
                clause.append(table.number(field: field, bytes: alternative, cased: literals.cased))
            }
            return true
        case .cidr, .null: return false
        }
    }

    /// The distinct (field, bytes, cased) literals of the rules' clauses, numbered as first met:
    /// a table of their own, hashed once per literal, so that a clause is a list of numbers and
    /// comparing or copying one copies no bytes.
    private struct ClauseLiterals {
        private(set) var fields: [Int] = []
        private(set) var bytes: [[UInt8]] = []
        private(set) var cased: [Bool] = []
        /// Per literal, how selective it is alone: its length up to 32 bytes; 0 on User, LogonId
        /// and the pids, whose values (`root`, `0`) most execs share.
        private(set) var weights: [Int] = []
        private var hashes: [UInt64] = []
        /// Open addressing: a literal's number, or -1.
        private var slots = [Int32](repeating: -1, count: 1024)

        var count: Int { fields.count }

        mutating func number(field: Int, bytes literal: [UInt8], cased isCased: Bool) -> Int32 {
            // FNV-1a over the bytes, then the field and the case flag.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in literal { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ UInt64(truncatingIfNeeded: field << 1 | (isCased ? 1 : 0))) &* 0x100_0000_01b3
            var slot = Int(truncatingIfNeeded: hash >> 20) & (slots.count - 1)
            while slots[slot] >= 0 {
                let number = Int(slots[slot])
                if hashes[number] == hash && fields[number] == field && cased[number] == isCased
                    && bytes[number] == literal
                {
                    return Int32(number)
                }
                slot = (slot + 1) & (slots.count - 1)
            }
            let number = Int32(fields.count)
            slots[slot] = number
            fields.append(field)
            bytes.append(literal)
            cased.append(isCased)
            hashes.append(hash)
            switch field {
            case SigmaProcessCreation.Field.user.rawValue, SigmaProcessCreation.Field.logonId.rawValue,
                SigmaProcessCreation.Field.processId.rawValue, SigmaProcessCreation.Field.parentProcessId.rawValue:
                weights.append(0)
            default: weights.append(min(literal.count, 32))
            }
            if fields.count * 2 > slots.count { grow() }
            return number
        }

        private mutating func grow() {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            for number in hashes.indices {
                var slot = Int(truncatingIfNeeded: hashes[number] >> 20) & (slots.count - 1)
                while slots[slot] >= 0 { slot = (slot + 1) & (slots.count - 1) }
                slots[slot] = Int32(number)
            }
        }
    }
}
