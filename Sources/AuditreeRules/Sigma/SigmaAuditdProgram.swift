import AuditreeParser

/// The searches of the auditd rules compiled for the per-record pass (`SigmaAuditdRules.matching`).
///
/// - **By record type.** Most maps name the record types they hold for (`type: EXECVE`). Per
///   type the rules name (folded), the maps that can hold for a record of it are listed with
///   those `type` entries already decided; a record of any other type gets the maps that do not
///   require one of the named types. A PATH record is never tested against the EXECVE maps.
/// - **One walk over the record's values** (`SigmaAuditdLine`), in place: the first value of
///   each field an entry of the type's maps reads is noted (hex-decoded values are decoded
///   into the scratch buffer once), and the keywords' literals are looked for in every value
///   (`SigmaKeywordLiterals`), until all are found.
/// - **Then the maps**, over those values and the literals found; matchers are plain values
///   (`SigmaSpanMatcher`) compared with the bytes where they lie.
///
/// A rule with a search this pass does not compile (a field name that is not ASCII, keywords
/// with other modifiers than `all`) is evaluated on `SigmaAuditdRecord` as before (`fallback`).
struct SigmaAuditdProgram: Sendable {
    struct Entry: Sendable {
        /// The field's number, or -1 for a field-less entry (keywords in any value of the record).
        let field: Int
        /// In `matchers` for a field's entry, in `keywordMatchers` for a field-less one.
        let matchers: Range<Int>
        let requireAll: Bool
        let exists: Bool?
    }

    struct Map: Sendable {
        /// The rule's number in `SigmaAuditdRules.rules` and its search's bit.
        let rule: Int
        let bit: UInt64
        /// Fields (numbers below 64) the map cannot hold without: a record lacking one skips it.
        var required: UInt64 = 0
        /// In the type's `entries`.
        let entries: Range<Int>
    }

    /// The maps that can hold for a record of one type.
    struct TypeProgram: Sendable {
        var maps: [Map] = []
        var entries: [Entry] = []
        /// Per field: whether an entry of these maps reads it.
        var readsField: [Bool] = []
        var readsFields = false
        var usesKeywords = false
    }

    /// One keyword: its literal (-1: none) and, when the literal alone does not decide (wildcards),
    /// its pattern in `generalKeywords` (-1: none). Neither: it holds on any value (the empty keyword).
    struct KeywordMatcher: Sendable {
        let literal: Int
        let general: Int
    }

    /// The record types the rules name (folded); `types` has one more, for every other type.
    let typeNames: [[UInt8]]
    let types: [TypeProgram]
    /// The fields entries read, by number, as `Bytes.pack` packs them (names of up to eight
    /// bytes) and as bytes (longer names).
    let fieldCount: Int
    private let fieldPacked: [UInt64]
    private let fieldLengths: [Int]
    private let fieldSlots: [Int32]
    private let fieldSlotBits: Int
    private let longFields: [(name: [UInt8], number: Int)]
    let matchers: [SigmaSpanMatcher]
    let storage: [UInt8]
    let others: [SigmaValueMatcher]
    let keywordMatchers: [KeywordMatcher]
    let keywords: SigmaKeywordLiterals
    let generalKeywords: [(pattern: SigmaPattern, literal: Int)]
    /// Rules evaluated on `SigmaAuditdRecord` (a search this pass does not compile).
    let fallback: [Int]

    /// `searches[rule]`: the rule's searches in bit order.
    init(searches: [[SigmaSearch]]) {
        var fallback: [Int] = []
        for (rule, list) in searches.enumerated() where !list.allSatisfy(Self.compiles) { fallback.append(rule) }
        self.fallback = fallback
        let compiled = Set(searches.indices).subtracting(fallback).sorted()

        // The record types named exactly: a record of another type fails every such entry.
        var names: [[UInt8]] = []
        for rule in compiled {
            for case .maps(let maps) in searches[rule] {
                for entry in maps.joined() where entry.field == "type" {
                    for case .pattern(let pattern) in entry.test.matchers
                    where pattern.shape == .exact && !pattern.cased && !names.contains(pattern.literal) {
                        names.append(pattern.literal)
                    }
                }
            }
        }
        typeNames = names

        var fields: [String] = []
        var matchers: [SigmaSpanMatcher] = []
        var storage: [UInt8] = []
        var others: [SigmaValueMatcher] = []
        var keywordMatchers: [KeywordMatcher] = []
        var literals: [[UInt8]] = []
        var generalKeywords: [(pattern: SigmaPattern, literal: Int)] = []
        // Keyword matchers are shared by every type's program: compiled once per entry.
        var keywordRanges: [String: Range<Int>] = [:]
        func keywordRange(_ test: SigmaValueTest, key: String) -> Range<Int> {
            if let range = keywordRanges[key] { return range }
            let start = keywordMatchers.count
            for case .pattern(let pattern) in test.matchers {
                var literal = -1
                let shape = SigmaSpanMatcher.shape(of: pattern)
                let isContains = shape?.0 == .contains
                let bytes = isContains ? shape!.1 : pattern.longestLiteral ?? []
                if !bytes.isEmpty {
                    if let index = literals.firstIndex(of: bytes) {
                        literal = index
                    } else {
                        literal = literals.count
                        literals.append(bytes)
                    }
                }
                var general = -1
                if !isContains {
                    general = generalKeywords.count
                    generalKeywords.append((pattern, literal))
                }
                keywordMatchers.append(KeywordMatcher(literal: literal, general: general))
            }
            keywordRanges[key] = start..<keywordMatchers.count
            return start..<keywordMatchers.count
        }
        var fieldMatchers: [String: Range<Int>] = [:]
        func entry(_ test: SigmaFieldTest, key: String) -> Entry {
            if test.field.isEmpty {
                return Entry(
                    field: -1, matchers: keywordRange(test.test, key: key), requireAll: test.test.requireAll,
                    exists: nil)
            }
            let field = fields.firstIndex(of: test.field) ?? fields.count
            if field == fields.count { fields.append(test.field) }
            let range: Range<Int>
            if let known = fieldMatchers[key] {
                range = known
            } else {
                let start = matchers.count
                for matcher in test.test.matchers {
                    matchers.append(SigmaSpanMatcher(matcher, storage: &storage, others: &others))
                }
                range = start..<matchers.count
                fieldMatchers[key] = range
            }
            return Entry(field: field, matchers: range, requireAll: test.test.requireAll, exists: test.test.exists)
        }

        var types: [TypeProgram] = []
        for type in 0...names.count {
            var program = TypeProgram()
            let value = type < names.count ? SigmaFieldValue(bytes: names[type]) : nil
            for rule in compiled {
                for (bit, search) in searches[rule].enumerated() {
                    let maps: [[SigmaFieldTest]]
                    switch search {
                    case .maps(let list): maps = list
                    case .keywords(let test): maps = [[SigmaFieldTest(field: "", test: test)]]
                    }
                    map: for (number, tests) in maps.enumerated() {
                        let start = program.entries.count
                        for (index, test) in tests.enumerated() {
                            if test.field == "type", let decided = Self.decide(test.test, type: value) {
                                guard decided else {
                                    program.entries.removeSubrange(start...)
                                    continue map
                                }
                                continue
                            }
                            program.entries.append(entry(test, key: "\(rule) \(bit) \(number) \(index)"))
                        }
                        var map = Map(rule: rule, bit: 1 << UInt64(bit), entries: start..<program.entries.count)
                        for test in tests where !test.field.isEmpty {
                            let field = fields.firstIndex(of: test.field) ?? 64
                            let kept = test.field != "type" || Self.decide(test.test, type: value) == nil
                            if kept, field < 64, !test.test.matches(nil) { map.required |= 1 << UInt64(field) }
                        }
                        program.maps.append(map)
                    }
                }
            }
            types.append(program)
        }
        fieldCount = fields.count
        for index in types.indices {
            var reads = [Bool](repeating: false, count: fields.count)
            for entry in types[index].entries {
                if entry.field >= 0 { reads[entry.field] = true } else { types[index].usesKeywords = true }
            }
            types[index].readsField = reads
            types[index].readsFields = reads.contains(true)
        }
        self.types = types
        self.matchers = matchers
        self.storage = storage
        self.others = others
        self.keywordMatchers = keywordMatchers
        keywords = SigmaKeywordLiterals(literals)
        self.generalKeywords = generalKeywords

        // Field numbers by packed name: open addressing, at least twice as many slots as names.
        let bytes = fields.map { Array($0.utf8) }
        fieldPacked = bytes.map {
            $0.count <= 8 ? $0.enumerated().reduce(0) { $0 | UInt64($1.1) << UInt64(8 * $1.0) } : 0
        }
        fieldLengths = bytes.map(\.count)
        var bits = 1
        while 1 << bits < 2 * max(fields.count, 1) { bits += 1 }
        fieldSlotBits = bits
        var slots = [Int32](repeating: -1, count: 1 << bits)
        var long: [(name: [UInt8], number: Int)] = []
        for (number, name) in bytes.enumerated() {
            guard name.count <= 8 else {
                long.append((name, number))
                continue
            }
            var slot = Self.slot(fieldPacked[number], bits: bits)
            while slots[slot] >= 0 { slot = (slot + 1) & ((1 << bits) - 1) }
            slots[slot] = Int32(number)
        }
        fieldSlots = slots
        longFields = long
    }

    /// Whether the pass compiles a search: field names in ASCII; keywords that are patterns
    /// compared folded (as the rule parser makes them), any of them or, in a map, all.
    static func compiles(_ search: SigmaSearch) -> Bool {
        func keywords(_ test: SigmaValueTest) -> Bool {
            test.exists == nil
                && test.matchers.allSatisfy { matcher in
                    guard case .pattern(let pattern) = matcher else { return false }
                    return !pattern.cased
                }
        }
        switch search {
        case .keywords(let test): return !test.requireAll && keywords(test)
        case .maps(let maps):
            return maps.joined().allSatisfy { test in
                test.field.isEmpty ? keywords(test.test) : test.field.utf8.allSatisfy { $0 < 0x80 }
            }
        }
    }

    /// A `type` entry decided for records of a type the rules name (`type`: its folded bytes),
    /// or of any other (nil): nil when it must be tested on the record (an entry with a cased
    /// value, a regex, `exists`, or on another type one that is not exact values).
    private static func decide(_ test: SigmaValueTest, type: SigmaFieldValue?) -> Bool? {
        guard test.exists == nil else { return nil }
        var patterns: [SigmaPattern] = []
        for matcher in test.matchers {
            guard case .pattern(let pattern) = matcher, !pattern.cased else { return nil }
            patterns.append(pattern)
        }
        if let type { return test.matches(type) }
        // Another type: unequal to every exact value (they are all in `typeNames`).
        guard patterns.allSatisfy({ $0.shape == .exact }) else { return nil }
        return false
    }

    @inline(__always)
    private static func slot(_ packed: UInt64, bits: Int) -> Int {
        Int(truncatingIfNeeded: (packed &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
    }

    /// The number of the field a key names, or -1.
    @inline(__always)
    func field(packed: UInt64, key: Range<Int>, in line: Span<UInt8>) -> Int {
        let length = key.count
        if length <= 8 {
            var slot = Self.slot(packed, bits: fieldSlotBits)
            while true {
                let number = Int(fieldSlots[slot])
                if number < 0 { return -1 }
                if fieldPacked[number] == packed, fieldLengths[number] == length { return number }
                slot = (slot + 1) & ((1 << fieldSlotBits) - 1)
            }
        }
        for (name, number) in longFields where name.count == length {
            var equal = true
            for offset in 0..<length where line[key.lowerBound + offset] != name[offset] {
                equal = false
                break
            }
            if equal { return number }
        }
        return -1
    }

    /// The number of the type program for a record type (`type`: its range in the line).
    func type(_ type: Range<Int>, in line: Span<UInt8>) -> Int {
        names: for (number, name) in typeNames.enumerated() where name.count == type.count {
            for offset in 0..<name.count where SigmaPattern.fold(line[type.lowerBound + offset]) != name[offset] {
                continue names
            }
            return number
        }
        return typeNames.count
    }
}
