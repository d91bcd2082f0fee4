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
///
/// Per record the searches run compiled (`SigmaAuditdProgram`): only the maps that can hold
/// for the record's type, over one walk of its values in the line (`SigmaAuditdLine`), with
/// nothing built per record. `SigmaAuditdRecord` and `holds(_:_:)` are what the rules mean
/// (and what a rule the program does not compile runs on); tests hold the two to each other.
public final class SigmaAuditdRules: Sendable {
    let rules: [Rule]
    /// Per rule: its searches in name order (bit n of a mask is search n).
    private let searches: [[SigmaSearch]]
    private let searchNumbers: [[String: Int]]
    /// Per rule: its condition over the search bits (nil: too deep, evaluated by names).
    private let conditions: [SigmaBitCondition?]
    /// Per rule: searches one of which must hold on some record of an event for the condition to.
    let gates: [UInt64]
    let program: SigmaAuditdProgram

    /// At most this many searches per rule (one bit each).
    static let maxSearches = 64

    init?(_ rules: [Rule]) {
        // By index, not `filter`: iterating copies each rule out.
        let auditd = rules.indices.filter { rules[$0].sigma?.target == .auditd }.map { rules[$0] }
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
        let conditions = auditd.indices.map {
            SigmaBitCondition(auditd[$0].sigma!.detection.condition, numbers: numbers[$0])
        }
        self.conditions = conditions
        gates = auditd.indices.map { number in
            conditions[number]?.gate ?? numbers[number].values.reduce(UInt64(0)) { $0 | 1 << UInt64($1) }
        }
        program = SigmaAuditdProgram(searches: searches)
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

    /// `matching(_:scratch:)` with a scratch of its own (tests, single lines).
    package func matching(_ line: Span<UInt8>) -> RecordRuleHits? {
        var scratch = SigmaAuditdScratch()
        return matching(line, scratch: &scratch)
    }

    /// For each rule some search of which holds for the record on this line: its number (in
    /// `rules`) and those searches; and the record's pid. nil when there is none. `scratch` is
    /// the calling thread's, reused from record to record.
    package func matching(_ line: Span<UInt8>, scratch: inout SigmaAuditdScratch) -> RecordRuleHits? {
        guard var walk = SigmaAuditdLine(line) else { return nil }
        let type = program.type(walk.type, in: line)
        guard !program.types[type].maps.isEmpty || !program.fallback.isEmpty else { return nil }
        scratch.begin(program, rules: rules.count)
        // Out of the scratch while the record's values are read from it and its other parts change.
        var buffer: [UInt8] = []
        swap(&buffer, &scratch.buffer)
        defer { swap(&buffer, &scratch.buffer) }
        let readsFields = program.types[type].readsFields
        var remaining = program.types[type].usesKeywords ? program.keywords.count : 0
        var general = program.types[type].usesKeywords ? program.generalKeywords.count : 0
        // Fields (numbers below 64) the record has: a map needing another is skipped.
        var present: UInt64 = 0
        while let value = walk.next(in: line) {
            var field = readsFields ? program.field(packed: value.packedKey, key: value.key, in: line) : -1
            if field >= 0,
                !program.types[type].readsField[field] || scratch.views[field].generation == scratch.generation
            {
                field = -1
            }
            guard field >= 0 || remaining > 0 || general > 0 else { continue }
            var range = value.value
            var inBuffer = false
            if !value.isPlain, value.isHex || Self.hasNUL(line, range) {
                range = Self.decode(value, line, into: &buffer)
                inBuffer = true
            }
            if field >= 0 {
                scratch.views[field] = SigmaAuditdScratch.View(
                    start: Int32(range.lowerBound), end: Int32(range.upperBound), inBuffer: inBuffer,
                    generation: scratch.generation)
                if field < 64 { present |= 1 << UInt64(field) }
            }
            guard remaining > 0 || general > 0 else { continue }
            if inBuffer {
                scanKeywords(buffer.span.extracting(range), remaining: &remaining, general: &general, scratch: &scratch)
            } else {
                scanKeywords(line.extracting(range), remaining: &remaining, general: &general, scratch: &scratch)
            }
        }
        if walk.synthesizesSyscallName, let arch = walk.arch, let number = walk.syscall {
            let key = UInt64(arch) << 32 | UInt64(UInt32(truncatingIfNeeded: number))
            let names: (name: [UInt8]?, machine: [UInt8]?)
            if key == scratch.lastSyscallKey {
                names = scratch.lastSyscallNames
            } else if let known = scratch.syscallNames[key] {
                names = known
            } else {
                names = (
                    SyscallKind.name(arch: arch, number: number).map { Array($0.utf8) },
                    SyscallKind.machineName(arch: arch).map { Array($0.utf8) }
                )
                scratch.syscallNames[key] = names
            }
            scratch.lastSyscallKey = key
            scratch.lastSyscallNames = names
            if let name = names.name {
                synthesized(
                    name, packed: SigmaAuditdLine.enrichedSyscallKey, length: 7, type: type, buffer: &buffer,
                    present: &present, remaining: &remaining, general: &general, scratch: &scratch)
            }
            if let machine = names.machine {
                synthesized(
                    machine, packed: SigmaAuditdLine.machineKey, length: 4, type: type, buffer: &buffer,
                    present: &present, remaining: &remaining, general: &general, scratch: &scratch)
            }
        }
        for map in program.types[type].maps where map.required & ~present == 0 && scratch.masks[map.rule] & map.bit == 0
        {
            guard holds(map, type: type, line: line, buffer: buffer, scratch: scratch) else { continue }
            if scratch.masks[map.rule] == 0 { scratch.touched.append(Int32(map.rule)) }
            scratch.masks[map.rule] |= map.bit
        }
        if !program.fallback.isEmpty, let record = SigmaAuditdRecord(line) {
            for number in program.fallback {
                let mask = holdingSearches(of: number, on: record)
                if mask != 0 {
                    scratch.touched.append(Int32(number))
                    scratch.masks[number] = mask
                }
            }
        }
        guard !scratch.touched.isEmpty else { return nil }
        scratch.touched.sort()
        var masks: [UInt64] = []
        masks.reserveCapacity(scratch.touched.count)
        for rule in scratch.touched {
            masks.append(scratch.masks[Int(rule)])
            scratch.masks[Int(rule)] = 0
        }
        return RecordRuleHits(rules: scratch.touched, searches: masks, pid: walk.pid)
    }

    /// A value that is not in the line (a RAW SYSCALL record's `SYSCALL` and `ARCH` names) read as the walk reads one.
    private func synthesized(
        _ bytes: [UInt8], packed: UInt64, length: Int, type: Int, buffer: inout [UInt8], present: inout UInt64,
        remaining: inout Int, general: inout Int, scratch: inout SigmaAuditdScratch
    ) {
        let start = buffer.count
        buffer += bytes
        let range = start..<buffer.count
        if program.types[type].readsFields {
            let field = program.field(packed: packed, key: 0..<length, in: buffer.span)
            if field >= 0, program.types[type].readsField[field], scratch.views[field].generation != scratch.generation
            {
                scratch.views[field] = SigmaAuditdScratch.View(
                    start: Int32(range.lowerBound), end: Int32(range.upperBound), inBuffer: true,
                    generation: scratch.generation)
                if field < 64 { present |= 1 << UInt64(field) }
            }
        }
        if remaining > 0 || general > 0 {
            scanKeywords(buffer.span.extracting(range), remaining: &remaining, general: &general, scratch: &scratch)
        }
    }

    /// Looks for the keywords' literals in one value, and runs the general keywords (wildcards) on it.
    private func scanKeywords(
        _ text: Span<UInt8>, remaining: inout Int, general: inout Int, scratch: inout SigmaAuditdScratch
    ) {
        if remaining > 0 { program.keywords.scan(text, found: &scratch.found, remaining: &remaining) }
        guard general > 0 else { return }
        for (number, keyword) in program.generalKeywords.enumerated()
        where scratch.generalHolds[number >> 6] >> UInt64(number & 63) & 1 == 0 {
            if keyword.literal >= 0, !program.keywords.contains(keyword.literal, in: text) { continue }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.count)
            for index in 0..<text.count { bytes.append(text[index]) }
            guard keyword.pattern.matches(SigmaFieldValue(bytes: bytes)) else { continue }
            scratch.generalHolds[number >> 6] |= 1 << UInt64(number & 63)
            general -= 1
        }
    }

    /// Whether every entry of a map holds on the record whose values the walk noted.
    @inline(__always)
    private func holds(
        _ map: SigmaAuditdProgram.Map, type: Int, line: Span<UInt8>, buffer: borrowing [UInt8],
        scratch: borrowing SigmaAuditdScratch
    ) -> Bool {
        for index in map.entries {
            let entry = program.types[type].entries[index]
            guard entry.field >= 0 else {
                guard keywordEntryHolds(entry, scratch: scratch) else { return false }
                continue
            }
            let view = scratch.views[entry.field]
            let present = view.generation == scratch.generation
            if let exists = entry.exists {
                guard present == exists else { return false }
                continue
            }
            let range = Int(view.start)..<Int(view.end)
            let holds =
                !present
                ? fieldEntryHolds(entry, present: false, line.extracting(0..<0))
                : view.inBuffer
                    ? fieldEntryHolds(entry, present: true, buffer.span.extracting(range))
                    : fieldEntryHolds(entry, present: true, line.extracting(range))
            guard holds else { return false }
        }
        return true
    }

    /// A field's entry on the field's first value (`present`: the record has the field; `text`: its bytes).
    @inline(__always)
    private func fieldEntryHolds(_ entry: SigmaAuditdProgram.Entry, present: Bool, _ text: Span<UInt8>) -> Bool {
        var any = false
        var all = !entry.matchers.isEmpty
        for number in entry.matchers {
            let matcher = program.matchers[number]
            let matches =
                matcher.kind == .null
                ? !present : present && matcher.matches(text, storage: program.storage, others: program.others)
            if matches {
                any = true
                if !entry.requireAll { break }
            } else {
                all = false
                if entry.requireAll { break }
            }
        }
        return entry.requireAll ? all : any
    }

    @inline(__always)
    private func keywordEntryHolds(_ entry: SigmaAuditdProgram.Entry, scratch: borrowing SigmaAuditdScratch) -> Bool {
        var any = false
        var all = !entry.matchers.isEmpty
        for number in entry.matchers {
            let keyword = program.keywordMatchers[number]
            let holds: Bool
            if keyword.general >= 0 {
                holds = scratch.generalHolds[keyword.general >> 6] >> UInt64(keyword.general & 63) & 1 != 0
            } else if keyword.literal >= 0 {
                holds = scratch.found[keyword.literal >> 6] >> UInt64(keyword.literal & 63) & 1 != 0
            } else {
                holds = true  // the empty keyword: in every value, and a record has its type
            }
            if holds {
                any = true
                if !entry.requireAll { break }
            } else {
                all = false
                if entry.requireAll { break }
            }
        }
        return entry.requireAll ? all : any
    }

    private static func hasNUL(_ line: Span<UInt8>, _ range: Range<Int>) -> Bool {
        for index in range where line[index] == 0 { return true }
        return false
    }

    /// A value that is not the line's bytes, appended to `buffer`: hex decoded, NULs as spaces in a PROCTITLE.
    private static func decode(_ value: SigmaAuditdLine.Value, _ line: Span<UInt8>, into buffer: inout [UInt8])
        -> Range<Int>
    {
        let start = buffer.count
        let nul: UInt8 = value.isProctitle ? 0x20 : 0
        if value.isHex {
            buffer.reserveCapacity(start + value.value.count / 2)
            var index = value.value.lowerBound
            while index < value.value.upperBound {
                let byte = hexDigit(line[index]) << 4 | hexDigit(line[index + 1])
                buffer.append(byte == 0 ? nul : byte)
                index += 2
            }
        } else {
            buffer.reserveCapacity(start + value.value.count)
            for index in value.value {
                let byte = line[index]
                buffer.append(byte == 0 ? nul : byte)
            }
        }
        return start..<buffer.count
    }

    /// An upper-case hex digit's value (the walk checked the digits).
    @inline(__always)
    private static func hexDigit(_ byte: UInt8) -> UInt8 { byte <= 0x39 ? byte &- 0x30 : byte &- 0x37 }

    /// Whether rule `number`'s condition holds for an event whose records made `mask`'s searches hold.
    func holds(rule number: Int, searches mask: UInt64) -> Bool {
        guard mask & gates[number] != 0 else { return false }
        if let condition = conditions[number] { return condition.evaluate(mask) }
        let numbers = searchNumbers[number]
        return rules[number].sigma!.detection.condition.evaluate { name in
            guard let bit = numbers[name] else { return false }
            return mask & (1 << UInt64(bit)) != 0
        }
    }

    /// The searches of rule `number` that hold for a record (bit n: search n), by their meaning.
    func holdingSearches(of number: Int, on record: SigmaAuditdRecord) -> UInt64 {
        var mask: UInt64 = 0
        for (bit, search) in searches[number].enumerated() where Self.holds(search, record) {
            mask |= 1 << UInt64(bit)
        }
        return mask
    }

    /// What `matching` gives, computed on `SigmaAuditdRecord`, every search of every rule: the
    /// meaning, which the compiled pass must give (the tests compare the two on every fixture).
    func referenceMatching(_ line: Span<UInt8>) -> RecordRuleHits? {
        guard let record = SigmaAuditdRecord(line) else { return nil }
        var rules: [Int32] = []
        var masks: [UInt64] = []
        for number in self.rules.indices {
            let mask = holdingSearches(of: number, on: record)
            if mask != 0 {
                rules.append(Int32(number))
                masks.append(mask)
            }
        }
        return rules.isEmpty ? nil : RecordRuleHits(rules: rules, searches: masks, pid: record.pid)
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
}
