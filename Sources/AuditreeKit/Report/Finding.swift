/// A shell spawned by an interpreter or a web server, with its whole story.
public struct Finding: Sendable, Comparable {
    public var rule: FindingRule
    /// The shell.
    public var process: ProcessSnapshot
    /// The interpreter or server that spawned it.
    public var spawner: ProcessSnapshot
    public var spawnerRelation: SpawnerRelation
    /// How many launchers (env, nice, ...) stood between the spawner and the shell.
    public var launchersSkipped: Int
    /// Which list entry matched which name of the shell, and of the spawner.
    public var childMatch: MatchEvidence
    public var spawnerMatch: MatchEvidence
    /// Everything above the shell, nearest first (see `ProcessReference.lineage`).
    public var ancestry: [AncestorSnapshot]
    /// What the shell ran, depth first.
    public var descendants: [DescendantSnapshot]
    public var descendantsOmitted: Int
    public var host: String?
    /// The SYSCALL record of the shell's exec.
    public var location: LogLocation

    public static func < (lhs: Finding, rhs: Finding) -> Bool {
        (lhs.process.image?.stamp ?? EventStamp(seconds: 0, milliseconds: 0, serial: 0), lhs.host ?? "", lhs.location)
            < (rhs.process.image?.stamp ?? EventStamp(seconds: 0, milliseconds: 0, serial: 0), rhs.host ?? "", rhs.location)
    }

    public static func == (lhs: Finding, rhs: Finding) -> Bool {
        lhs.location == rhs.location && lhs.host == rhs.host && lhs.rule.id == rhs.rule.id
    }
}

/// The rule a finding came from, as reports show it.
public struct FindingRule: Sendable {
    public var id: String
    public var name: String
    public var description: String
    public var severity: Severity
    public var category: String
    public var mitre: [String]

    init(_ rule: Rule) {
        id = rule.id
        name = rule.name
        description = rule.description
        severity = rule.severity
        category = rule.category
        mitre = rule.mitre
    }
}

/// A process as it was at one image; `image` is nil when the log never described it.
public struct ProcessSnapshot: Sendable {
    public var pid: Int
    public var ppid: Int?
    public var image: ProcessImage?
}

public struct AncestorSnapshot: Sendable {
    public var process: ProcessSnapshot
    public var relation: SpawnerRelation
    public var generation: Int

    init(entry: LineageEntry) {
        process = ProcessSnapshot(pid: entry.pid, ppid: entry.ppid, image: entry.image)
        relation = entry.relation
        generation = entry.generation
    }
}

public struct DescendantSnapshot: Sendable {
    public var process: ProcessSnapshot
    public var depth: Int

    init(entry: DescendantEntry) {
        process = ProcessSnapshot(pid: entry.pid, ppid: entry.ppid, image: entry.image)
        depth = entry.depth
    }
}
