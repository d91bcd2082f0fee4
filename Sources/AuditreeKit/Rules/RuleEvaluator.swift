/// Applies a rule set to each exec as the tree releases it, and remembers the findings.
///
/// A shell is a finding when the first process above it that is not a
/// launcher is a spawner of the rule's list, related as the rule allows. Only
/// the first shell below a spawner is a finding: anything below a finding's
/// shell (other shells included) is that finding's story, not a new finding.
public final class RuleEvaluator {
    public let ruleSet: RuleSet
    private let matcher: NameMatcher
    private let descendantLimit: Int
    private(set) var matches: [RuleMatch] = []
    /// Shells no rule could judge because the log never described the process above them.
    public private(set) var shellsWithUnknownParent = 0

    public init(ruleSet: RuleSet, descendantLimit: Int = 200) {
        self.ruleSet = ruleSet
        self.matcher = NameMatcher(ruleSet)
        self.descendantLimit = descendantLimit
    }

    public func evaluate(_ ready: ProcessTree.ExecReady, in tree: ProcessTree) {
        guard !ready.isInsideFinding, let image = ready.process.image(ready.imageNumber) else { return }
        var childEvidence: [String: MatchEvidence] = [:]
        for rule in ruleSet.rules where childEvidence[rule.childList] == nil {
            if let evidence = matcher.match(image, list: rule.childList) { childEvidence[rule.childList] = evidence }
        }
        guard !childEvidence.isEmpty else { return }
        let lineage = ready.process.lineage(of: ready.imageNumber)
        var sawUnknown = false
        for rule in ruleSet.rules {
            guard let child = childEvidence[rule.childList] else { continue }
            switch spawner(in: lineage, for: rule) {
            case .unknown:
                sawUnknown = true
            case .none:
                continue
            case .found(let index, let evidence):
                let collector = tree.startFinding(at: ready, descendantLimit: descendantLimit)
                matches.append(RuleMatch(rule: rule, pid: ready.process.pid, ppid: ready.process.ppid, image: image, lineage: lineage,
                                         spawnerIndex: index, childEvidence: child, spawnerEvidence: evidence, collector: collector))
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
    public func findings() -> [Finding] {
        matches.map { $0.finding() }.sorted()
    }
}

/// A rule match kept until the end of the scan, when its descendants are known.
struct RuleMatch {
    var rule: Rule
    var pid: Int
    var ppid: Int?
    var image: ProcessImage
    var lineage: [LineageEntry]
    var spawnerIndex: Int
    var childEvidence: MatchEvidence
    var spawnerEvidence: MatchEvidence
    let collector: FindingCollector

    func finding() -> Finding {
        let spawner = lineage[spawnerIndex]
        return Finding(
            rule: FindingRule(rule),
            process: ProcessSnapshot(pid: pid, ppid: ppid, image: image),
            spawner: ProcessSnapshot(pid: spawner.pid, ppid: spawner.ppid, image: spawner.image),
            spawnerRelation: RuleEvaluator.relation(of: spawner),
            launchersSkipped: spawnerIndex,
            childMatch: childEvidence,
            spawnerMatch: spawnerEvidence,
            ancestry: lineage.map { AncestorSnapshot(entry: $0) },
            descendants: collector.treeOrder().map { DescendantSnapshot(entry: $0) },
            descendantsOmitted: collector.omitted,
            host: image.node,
            location: image.location)
    }
}
