import AuditreeEvents
import AuditreeParser
import AuditreeTree

/// A rule as its matches hold it: one object per rule, shared by all of them. A `Rule` is
/// large (names, lists, two conditions, the Sigma source), and a scan keeps a match per exec
/// a rule names: a broad Sigma rule names thousands per 200 MiB of log.
package final class SharedRule: Sendable {
    package let rule: Rule

    init(_ rule: Rule) { self.rule = rule }
}

/// What the report groups findings by (`RuleEvaluator.grouped`): rule, host, spawner exe,
/// whether the spawner is inferred, command line: the log's strings as they are (equal when
/// their bytes are), not copied into byte arrays for every match.
struct FindingGroupKey: Hashable {
    var rule: String
    var host: String?
    var spawnerExe: LogString?
    var inferred: Bool
    var argv: [LogString]

    init(_ finding: Finding) {
        rule = finding.rule.id
        host = finding.host
        spawnerExe = finding.spawner.image?.exe
        inferred = finding.inference != nil
        argv = finding.process.image?.argv.arguments ?? []
    }

    /// The key of the finding `match` becomes (`RuleEvaluator.finding`), read from the match.
    init(_ match: borrowing RuleMatch) {
        rule = match.rule.id
        host = match.image.node
        spawnerExe = match.spawnerImage?.exe
        inferred = match.inference != nil
        argv = match.image.argv.arguments
    }
}

/// Folds findings of one group into its first, in the order they are added: the first keeps
/// every folded one in `seen`, the highest severity and every context indicator met.
struct FindingFolder {
    private(set) var result: [Finding] = []
    private var index: [FindingGroupKey: Int] = [:]

    mutating func add(_ finding: Finding) {
        let key = FindingGroupKey(finding)
        guard let at = index[key] else {
            index[key] = result.count
            var first = finding
            first.seen = finding.everyOccurrence
            result.append(first)
            return
        }
        result[at].seen += finding.everyOccurrence
        if finding.rule.severity > result[at].rule.severity { result[at].rule.severity = finding.rule.severity }
        for hit in finding.context where !result[at].context.contains(where: { $0.id == hit.id }) {
            result[at].context.append(hit)
        }
    }
}

/// Keeps, while a scan runs, only what a grouped report reads of each match. The oldest match
/// of a group becomes the group's finding, whole. Of the others the report shows their exec
/// (an `Occurrence`), and the severity and context indicators they add: once a folded match's
/// context can no longer change (nothing can be added to what ran below it), that is settled
/// into a `ContextSketch` and the match is let go. So what stays per match is a record of a
/// few words, which the report lists anyway (`Finding.seen`), and what stays whole is bounded
/// by the report: one match per group, and the folded ones whose processes still run.
struct MatchFolding {
    /// What stays of every match, in match order.
    struct Record {
        var stamp: EventStamp
        var node: String?
        var location: LogLocation
        var pid: Int
        /// The spawner's pid, else the ppid (`Occurrence.spawnerPid`).
        var spawnerPid: Int
        /// The group's number, in the order groups were first met.
        var group: Int32
        /// The match's place in `held` while it is held whole; -1 once settled.
        var slot: Int32
        /// Its sketch's number in `sketches` once settled; -1 before.
        var sketch: Int32
    }

    private(set) var records: [Record] = []
    /// The matches held whole: each group's oldest, and the folded ones not yet settled.
    private var held: [RuleMatch?] = []
    private var freeSlots: [Int32] = []
    /// Per group, its number; and by number, the record of its oldest match so far.
    private var groups: [FindingGroupKey: Int32] = [:]
    private var oldestOfGroup: [Int] = []
    /// Group numbers by the rule and the kept answers of the shell and the spawner (`SubjectGroupKey`).
    private var groupsBySubjects: [SubjectGroupKey: Int32] = [:]
    /// The records of folded matches still held.
    private var pending: [Int] = []
    /// `settle` looks at the pending matches when there are this many: twice as many as the last
    /// look left, so each match is looked at a bounded number of times on average.
    private var nextLook: Int
    private let firstLook: Int

    init(firstLook: Int) {
        self.firstLook = max(1, firstLook)
        nextLook = self.firstLook
    }
    /// The distinct sketches of the settled matches, and their numbers.
    private(set) var sketches: [ContextSketch] = []
    private var sketchNumbers: [ContextSketch: Int32] = [:]
    /// Sketch numbers by what the sketch was made of (`RuleEvaluator.sketchKey(for:)`).
    private var sketchesByKey: [SketchKey: Int32] = [:]
    /// The most entries `groupsBySubjects` and `sketchesByKey` keep (emptied when full).
    static let maxKeys = 16_384

    /// What a sketch is made of: equal keys make equal sketches (`RuleEvaluator.sketchKey(for:)`).
    struct SketchKey: Hashable {
        /// The match's `SharedRule`: its identity names one rule because every match reaches the
        /// folding through `shared(_:)`, which keeps each `SharedRule` alive for the whole scan,
        /// so no address is freed and reused for another rule (the same holds for
        /// `SubjectGroupKey.rule`).
        var rule: ObjectIdentifier
        /// The version of the learned roots.
        var roots: Int
        var places: [Int]
    }

    /// A match's group by what its group key is read from, when its images' answers are kept: the
    /// shell's answers' serial stands for its host and arguments, the spawner's for its exe.
    private struct SubjectGroupKey: Hashable {
        var rule: ObjectIdentifier
        var shell: Int
        /// -1 when there is no spawner image.
        var spawner: Int
        var inferred: Bool

        init?(_ match: borrowing RuleMatch) {
            guard let subjects = match.subjects else { return nil }
            rule = ObjectIdentifier(match.shared)
            shell = subjects.shell.serial
            spawner = -1
            if let index = match.spawnerIndex, match.lineage[index].image != nil {
                guard index < subjects.lineage.count, let answers = subjects.lineage[index] else { return nil }
                spawner = answers.serial
            }
            inferred = match.inference != nil
        }
    }

    /// The rules matched so far, by where they are defined.
    private var shared: [RuleKey: SharedRule] = [:]
    /// The shared objects `shared(_:)` returned last, newest first.
    private var recent: [SharedRule] = []

    private struct RuleKey: Hashable {
        var origin: String
        var line: Int
        var id: String
    }

    /// The one shared object for `rule`'s definition, `candidate` the first time.
    mutating func shared(_ candidate: SharedRule) -> SharedRule {
        // Matches mostly come from the few rules of the ones before: compared without hashing.
        for index in recent.indices where Self.sameDefinition(recent[index].rule, candidate.rule) {
            let known = recent[index]
            if index > 0 {
                recent.remove(at: index)
                recent.insert(known, at: 0)
            }
            return known
        }
        let known = sharedByKey(candidate)
        if recent.count == 4 { recent.removeLast() }
        recent.insert(known, at: 0)
        return known
    }

    private static func sameDefinition(_ left: Rule, _ right: Rule) -> Bool {
        left.line == right.line && left.id == right.id && left.origin == right.origin
    }

    private mutating func sharedByKey(_ candidate: SharedRule) -> SharedRule {
        let rule = candidate.rule
        let key = RuleKey(origin: rule.origin, line: rule.line, id: rule.id)
        if let known = shared[key] { return known }
        shared[key] = candidate
        return candidate
    }

    /// How many matches were added, and how many groups they make.
    var count: Int { records.count }
    var groupCount: Int { oldestOfGroup.count }
    /// How many are held whole (each group's oldest and the folded ones not yet settled).
    var heldCount: Int { held.count - freeSlots.count }

    /// Adds a match: it, or its group's oldest so far, whichever is newer in the findings' order,
    /// is folded (reduced to what folding reads, and settled once its context is final).
    mutating func add(_ match: consuming RuleMatch) {
        let index = records.count
        let spawnerPid = match.spawnerIndex.map { match.lineage[$0].pid } ?? match.ppid ?? 0
        var record = Record(
            stamp: match.image.stamp, node: match.image.node, location: match.image.location, pid: match.pid,
            spawnerPid: spawnerPid, group: -1, slot: -1, sketch: -1)
        let (known, bySubjects, byFinding) = group(of: match)
        if known == nil, let byFinding {
            groups[byFinding] = Int32(oldestOfGroup.count)
            if let bySubjects { remember(bySubjects, Int32(oldestOfGroup.count)) }
        }
        record.slot = hold(match)
        guard let group = known else {
            record.group = Int32(oldestOfGroup.count)
            oldestOfGroup.append(index)
            records.append(record)
            return
        }
        record.group = group
        records.append(record)
        // The findings' order (`RuleEvaluator.oldestFirst`): stamp, host, location, then match order.
        let oldest = oldestOfGroup[Int(group)]
        if Self.sortKey(records[index]) < Self.sortKey(records[oldest]) {
            oldestOfGroup[Int(group)] = index
            fold(oldest)
        } else {
            fold(index)
        }
    }

    /// The number of the match's group, nil for a new group.
    /// The match's group when one is known, with the keys built to look for it: on a miss both
    /// are there, and `add` files the new group under them without building them again.
    private mutating func group(of match: borrowing RuleMatch) -> (
        known: Int32?, bySubjects: SubjectGroupKey?, byFinding: FindingGroupKey?
    ) {
        let bySubjects = SubjectGroupKey(match)
        if let bySubjects, let known = groupsBySubjects[bySubjects] { return (known, bySubjects, nil) }
        let byFinding = FindingGroupKey(match)
        guard let known = groups[byFinding] else { return (nil, bySubjects, byFinding) }
        if let bySubjects { remember(bySubjects, known) }
        return (known, bySubjects, byFinding)
    }

    private mutating func remember(_ key: SubjectGroupKey, _ group: Int32) {
        if groupsBySubjects.count >= Self.maxKeys { groupsBySubjects.removeAll(keepingCapacity: true) }
        groupsBySubjects[key] = group
    }

    private mutating func hold(_ match: consuming RuleMatch) -> Int32 {
        if let slot = freeSlots.popLast() {
            held[Int(slot)] = match
            return slot
        }
        held.append(match)
        return Int32(held.count - 1)
    }

    private mutating func fold(_ index: Int) {
        held[Int(records[index].slot)]!.reduceToOccurrence()
        pending.append(index)
    }

    /// The match of a record still held whole.
    func match(of record: Record) -> RuleMatch? { record.slot < 0 ? nil : held[Int(record.slot)] }

    /// Settles the pending matches whose context is final (`DescendantCollector.isSettled`), or
    /// all of them (the scan has ended): `sketch` reads what the match adds to its group, and
    /// `key` what that is made of, when it can tell (a sketch is made once per key).
    mutating func settle(all: Bool, key: (RuleMatch) -> SketchKey?, sketch: (RuleMatch) -> ContextSketch) {
        guard all || pending.count >= nextLook else { return }
        var left: [Int] = []
        for index in pending {
            let slot = Int(records[index].slot)
            guard all || isSettled(slot) else {
                left.append(index)
                continue
            }
            // Moved out, not copied: it is let go here.
            let match = held[slot].take()!
            records[index].sketch = sketchNumber(of: match, key: key, sketch: sketch)
            freeSlots.append(Int32(slot))
            records[index].slot = -1
        }
        pending = left
        nextLook = max(firstLook, pending.count * 2)
    }

    private mutating func sketchNumber(
        of match: borrowing RuleMatch, key: (RuleMatch) -> SketchKey?, sketch: (RuleMatch) -> ContextSketch
    ) -> Int32 {
        let madeOf = key(match)
        if let madeOf, let known = sketchesByKey[madeOf] { return known }
        let made = sketch(match)
        let number: Int32
        if let known = sketchNumbers[made] {
            number = known
        } else {
            number = Int32(sketches.count)
            sketchNumbers[made] = number
            sketches.append(made)
        }
        if let madeOf {
            if sketchesByKey.count >= Self.maxKeys { sketchesByKey.removeAll(keepingCapacity: true) }
            sketchesByKey[madeOf] = number
        }
        return number
    }

    /// Whether the context of the match held at `slot` is final (read in place: a match is large).
    private func isSettled(_ slot: Int) -> Bool {
        guard let collector = held[slot]?.collector else { return true }
        return collector.isSettled
    }

    /// The records' positions in their findings' order, ties in match order.
    func oldestFirst() -> [Int] {
        records.indices.sorted {
            let left = Self.sortKey(records[$0])
            let right = Self.sortKey(records[$1])
            return left < right || (!(right < left) && $0 < $1)
        }
    }

    static func sortKey(_ match: RuleMatch) -> (EventStamp, String, LogLocation) {
        (match.image.stamp, match.image.node ?? "", match.image.location)
    }

    static func sortKey(_ record: Record) -> (EventStamp, String, LogLocation) {
        (record.stamp, record.node ?? "", record.location)
    }
}

extension RuleMatch {
    /// Drops what only a group's first finding shows (ancestry, launchers, exceptions not
    /// applied), keeping the spawner's lineage entry, which a folded finding still reads
    /// (its pid, its exe for the group, its image for the context indicators).
    mutating func reduceToOccurrence() {
        if let index = spawnerIndex {
            if lineage.count > 1 { lineage = [lineage[index]] }
            // The answers kept per lineage entry follow the entries.
            if let kept = subjects {
                subjects =
                    index < kept.lineage.count ? MatchSubjects(shell: kept.shell, lineage: [kept.lineage[index]]) : nil
            }
            spawnerIndex = 0
        } else {
            lineage = []
            if let kept = subjects { subjects = MatchSubjects(shell: kept.shell, lineage: []) }
        }
        launcherIndices = []
        exceptionsNotApplied = []
    }
}
