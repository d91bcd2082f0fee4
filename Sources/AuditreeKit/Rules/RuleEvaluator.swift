/// Applies a rule set to each exec as the tree releases it, and remembers the findings.
///
/// A shell is a finding when the first process above it that is not a
/// launcher is a spawner of the rule's list, related as the rule allows. Only
/// the first shell below a spawner is a finding: anything below a finding's
/// shell (other shells included) is that finding's story, not a new finding.
public final class RuleEvaluator {
    public let ruleSet: RuleSet
    private let matcher: NameMatcher
    private var flagged: Set<Int> = []
    private(set) var matches: [RuleMatch] = []
    /// Shells no rule could judge because the log never described the process above them.
    public private(set) var shellsWithUnknownParent = 0

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        self.matcher = NameMatcher(ruleSet)
    }

    public func evaluate(_ ready: ProcessTree.ExecReady) {
        let image = ready.process.images[ready.imageIndex]
        var childEvidence: [String: MatchEvidence] = [:]
        for rule in ruleSet.rules where childEvidence[rule.childList] == nil {
            if let evidence = matcher.match(image, list: rule.childList) { childEvidence[rule.childList] = evidence }
        }
        guard !childEvidence.isEmpty else { return }
        let lineage = ready.process.lineage(of: ready.imageIndex)
        if lineage.contains(where: { flagged.contains($0.processID) }) { return }
        var sawUnknown = false
        for rule in ruleSet.rules {
            guard let child = childEvidence[rule.childList] else { continue }
            switch spawner(in: lineage, for: rule) {
            case .unknown:
                sawUnknown = true
            case .none:
                continue
            case .found(let index, let evidence):
                flagged.insert(ready.process.id)
                matches.append(RuleMatch(rule: rule, process: ready.process, imageIndex: ready.imageIndex, lineage: lineage,
                                         spawnerIndex: index, childEvidence: child, spawnerEvidence: evidence))
                return
            }
        }
        if sawUnknown { shellsWithUnknownParent += 1 }
    }

    private enum SpawnerSearch {
        case found(index: Int, evidence: MatchEvidence)
        case unknown
        case none
    }

    /// The first lineage entry that is not a launcher, if it is a spawner of the rule.
    private func spawner(in lineage: [LineageEntry], for rule: Rule) -> SpawnerSearch {
        for (index, entry) in lineage.enumerated() {
            guard let image = entry.image else { return .unknown }
            if let skip = rule.skipList, matcher.match(image, list: skip) != nil { continue }
            guard rule.relations.contains(Self.relation(of: entry)),
                  let evidence = matcher.match(image, list: rule.spawnerList) else { return .none }
            return .found(index: index, evidence: evidence)
        }
        return lineage.isEmpty ? .unknown : .none
    }

    /// Only launchers are looked through, so a spawner above the shell's own pid
    /// is its parent however many launchers stood between them.
    static func relation(of entry: LineageEntry) -> SpawnerRelation {
        entry.generation == 0 ? .replacedImage : .parent
    }

    /// The findings, with what ran below each shell, oldest first.
    public func findings(descendantLimit: Int = 200) -> [Finding] {
        matches.map { $0.finding(descendantLimit: descendantLimit) }.sorted()
    }
}

/// A rule match kept until the end of the scan, when its descendants are known.
struct RuleMatch {
    var rule: Rule
    var process: ProcessReference
    var imageIndex: Int
    var lineage: [LineageEntry]
    var spawnerIndex: Int
    var childEvidence: MatchEvidence
    var spawnerEvidence: MatchEvidence

    func finding(descendantLimit: Int) -> Finding {
        let image = process.images[imageIndex]
        let spawner = lineage[spawnerIndex]
        let below = process.descendants(of: imageIndex, limit: descendantLimit)
        return Finding(
            rule: FindingRule(rule),
            process: ProcessSnapshot(pid: process.pid, ppid: process.ppid, image: image),
            spawner: ProcessSnapshot(pid: spawner.pid, ppid: spawner.ppid, image: spawner.image),
            spawnerRelation: RuleEvaluator.relation(of: spawner),
            launchersSkipped: spawnerIndex,
            childMatch: childEvidence,
            spawnerMatch: spawnerEvidence,
            ancestry: lineage.map { AncestorSnapshot(entry: $0) },
            descendants: below.entries.map { DescendantSnapshot(entry: $0) },
            descendantsOmitted: below.omitted,
            host: image.node,
            location: image.location)
    }
}
