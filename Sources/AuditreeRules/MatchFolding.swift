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
    init(_ match: RuleMatch) {
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

/// Keeps, while a scan runs, only what a grouped report reads of each match: the oldest match
/// of a group becomes the group's finding, whole; of the others the report shows only their
/// exec (an `Occurrence`), the severity and the context indicators they add, which need the
/// shell, its spawner and what ran below it, not the ancestry nor the exceptions that did not
/// apply. So those are dropped from every match but the oldest of its group, as matches come
/// (a scan with Sigma rules keeps one per exec a broad rule names: memory would grow with the log).
struct MatchFolding {
    /// Per group, the place in the matches of its oldest match so far.
    private var oldest: [FindingGroupKey: Int] = [:]
    /// The rules matched so far, by where they are defined.
    private var shared: [RuleKey: SharedRule] = [:]
    /// The shared object `shared(_:)` returned last.
    private var last: SharedRule?

    private struct RuleKey: Hashable {
        var origin: String
        var line: Int
        var id: String
    }

    /// The one shared object for `rule`'s definition, `candidate` the first time.
    mutating func shared(_ candidate: SharedRule) -> SharedRule {
        let rule = candidate.rule
        // Matches mostly come from the rule of the one before: compared without hashing.
        if let last, last.rule.id == rule.id, last.rule.line == rule.line, last.rule.origin == rule.origin {
            return last
        }
        let known = sharedByKey(candidate)
        last = known
        return known
    }

    private mutating func sharedByKey(_ candidate: SharedRule) -> SharedRule {
        let rule = candidate.rule
        let key = RuleKey(origin: rule.origin, line: rule.line, id: rule.id)
        if let known = shared[key] { return known }
        shared[key] = candidate
        return candidate
    }

    /// Called with the match just appended at `matches.count - 1`: the newer of it and its
    /// group's oldest is reduced to what folding reads.
    mutating func fold(last matches: inout [RuleMatch]) {
        let new = matches.count - 1
        let key = FindingGroupKey(matches[new])
        guard let first = oldest[key] else {
            oldest[key] = new
            return
        }
        // The findings' order (`RuleEvaluator.oldestFirst`): stamp, host, location, then match order.
        if Self.sortKey(matches[new]) < Self.sortKey(matches[first]) {
            oldest[key] = new
            matches[first].reduceToOccurrence()
        } else {
            matches[new].reduceToOccurrence()
        }
    }

    static func sortKey(_ match: RuleMatch) -> (EventStamp, String, LogLocation) {
        (match.image.stamp, match.image.node ?? "", match.image.location)
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
