import AuditreeParser
import AuditreeTree

extension RuleMatch {
    /// A match of a Sigma process_creation rule: the exec's own image is the finding, its parent
    /// the spawner. `shared` is the rule as all its matches hold it (`SigmaExecRules.sharedRule`),
    /// so that a match neither copies the rule nor makes a `SharedRule` of its own.
    init(
        sigma shared: SharedRule, pid: Int, ppid: Int?, image: ProcessImage, lineage: [LineageEntry],
        spawnerIndex: Int?, childEvidence: MatchEvidence
    ) {
        self.shared = shared
        self.pid = pid
        self.ppid = ppid
        self.image = image
        self.lineage = lineage
        self.spawnerIndex = spawnerIndex
        relation = .parent
        launchersSkipped = 0
        self.childEvidence = childEvidence
        spawnerEvidence = nil
        inference = nil
    }
}
