import AuditreeParser

/// The Sigma `service: auditd` rules of a set, evaluated per audit event over the event's raw
/// records (SYSCALL, EXECVE, PATH, PROCTITLE, ... of one stamp; docs/sigma.md).
///
/// A map search holds for an event when one of its records satisfies the whole map (`type:
/// EXECVE` with `a0: getcap` in the same record); a keyword search when a value of one of its
/// records contains the keyword; the condition combines the searches over the event, so
/// `cmd and keywords` may find the EXECVE record in one line and the keyword in the PROCTITLE.
///
/// The searches are tested on each record on the thread that parses the line, while its bytes
/// are at hand: a record for which some search of a rule holds carries that rule's number and
/// the searches (a bit mask) to its event, and the event's condition is evaluated once the event
/// is complete (`holds(rule:searches:)`, from `RuleEvaluator.evaluateRecordRules`). Built only
/// when such rules are loaded: a scan without them never reads a record twice.
public final class SigmaAuditdRules: Sendable {
    let rules: [Rule]
    /// Per rule: its searches in name order (bit n of a mask is search n).
    private let searches: [[SigmaSearch]]
    private let searchNumbers: [[String: Int]]
    /// Per rule: the folded `type` values of the records any of its searches can hold for (nil:
    /// any record). Most rules name one or two types, so most records meet a few rules only.
    private let types: [Set<[UInt8]>?]

    /// At most this many searches per rule (one bit each).
    static let maxSearches = 64

    init?(_ rules: [Rule]) {
        let auditd = rules.filter { $0.sigma?.target == .auditd }
        guard !auditd.isEmpty else { return nil }
        self.rules = auditd
        var searches: [[SigmaSearch]] = []
        var numbers: [[String: Int]] = []
        for rule in auditd {
            let names = rule.sigma!.detection.searches.keys.sorted()
            searches.append(names.map { rule.sigma!.detection.searches[$0]! })
            numbers.append(Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) }))
        }
        self.searches = searches
        self.searchNumbers = numbers
        types = searches.map(Self.recordTypes)
    }

    /// Why an auditd rule cannot be run per event, or nil when it can.
    static func refusal(_ detection: SigmaDetection) -> String? {
        if detection.searches.count > maxSearches { return "more than \(maxSearches) searches" }
        // Evaluated only for events some search held on: a condition that holds with none
        // (`not filter` alone) would have to flag every event of the log.
        if detection.condition.evaluate({ _ in false }) {
            return "the condition holds for an event on which none of its searches holds (it would flag every event)"
        }
        return nil
    }

    /// For each rule some search of which holds for the record on this line: its number (in
    /// `rules`) and those searches; and the record's pid. nil when there is none.
    package func matching(_ line: Span<UInt8>) -> RecordRuleHits? {
        guard let record = SigmaAuditdRecord(line), let type = record["type"]?.folded else { return nil }
        var rules: [Int32] = []
        var masks: [UInt64] = []
        for number in self.rules.indices {
            if let types = types[number], !types.contains(type) { continue }
            var mask: UInt64 = 0
            for (bit, search) in searches[number].enumerated() where Self.holds(search, record) {
                mask |= 1 << UInt64(bit)
            }
            if mask != 0 {
                rules.append(Int32(number))
                masks.append(mask)
            }
        }
        return rules.isEmpty ? nil : RecordRuleHits(rules: rules, searches: masks, pid: record.pid)
    }

    /// Whether rule `number`'s condition holds for an event whose records made `mask`'s searches hold.
    func holds(rule number: Int, searches mask: UInt64) -> Bool {
        let numbers = searchNumbers[number]
        return rules[number].sigma!.detection.condition.evaluate { name in
            guard let bit = numbers[name] else { return false }
            return mask & (1 << UInt64(bit)) != 0
        }
    }

    static func holds(_ search: SigmaSearch, _ record: SigmaAuditdRecord) -> Bool {
        switch search {
        case .maps(let maps): maps.contains { tests in tests.allSatisfy { holds($0, record) } }
        case .keywords(let test): record.fields.contains { test.matches($0.value) }
        }
    }

    /// One entry of a map on a record. A field-less entry holds when one of its keywords (each
    /// of them, with `|all`) is in some value of the record, not necessarily the same one.
    static func holds(_ entry: SigmaFieldTest, _ record: SigmaAuditdRecord) -> Bool {
        guard entry.field.isEmpty else { return entry.test.matches(record[entry.field]) }
        let test = entry.test
        guard test.requireAll else { return record.fields.contains { test.matches($0.value) } }
        return !test.matchers.isEmpty
            && test.matchers.allSatisfy { matcher in record.fields.contains { matcher.matches($0.value) } }
    }

    /// The folded `type` values a record must have for any of the searches to hold for it: nil
    /// when some search does not require a `type` given as plain values.
    private static func recordTypes(_ searches: [SigmaSearch]) -> Set<[UInt8]>? {
        var all: Set<[UInt8]> = []
        for search in searches {
            guard case .maps(let maps) = search else { return nil }
            for tests in maps {
                guard let test = tests.first(where: { $0.field == "type" }), test.test.exists == nil,
                    !test.test.requireAll
                else { return nil }
                for matcher in test.test.matchers {
                    guard case .pattern(let pattern) = matcher, pattern.shape == .exact, !pattern.cased else {
                        return nil
                    }
                    all.insert(pattern.literal)
                }
            }
        }
        return all
    }
}
