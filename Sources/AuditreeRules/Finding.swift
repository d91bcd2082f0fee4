import AuditreeEvents
import AuditreeParser
import AuditreeTree

/// A shell spawned by an interpreter or a web server, with its whole story.
public struct Finding: Sendable, Comparable {
    public var rule: FindingRule
    /// The shell.
    public var process: ProcessSnapshot
    /// The interpreter or server that spawned it; for an inferred spawner, the unknown process above the shell.
    public var spawner: ProcessSnapshot
    public var spawnerRelation: SpawnerRelation
    /// How many launchers (env, nice, ...) stood between the spawner and the shell.
    public var launchersSkipped: Int
    /// The launchers looked through between the spawner and the shell, nearest first (sudo, env, ...).
    public var launchers: [AncestorSnapshot] = []
    /// Which list entry matched which name of the shell, and of the spawner (nil when inferred).
    public var childMatch: MatchEvidence
    public var spawnerEvidence: MatchEvidence?
    /// Set when the log never described the spawner and context stood in for it.
    public var inference: SpawnerInference?
    /// Context indicators present, in pack order; each raised the severity by its `raise`.
    public var context: [ContextHit] = []
    /// Set for a match an exception suppressed (listed only with `--show-suppressed`).
    public var suppression: Suppression?
    /// The exceptions for this rule that were checked and did not apply, each with the first
    /// of its conditions that failed: why the finding was not suppressed.
    public var exceptionsNotApplied: [ExceptionMiss] = []
    /// Where this finding stands among the log's findings, from 1, oldest first, counted before
    /// grouping and before `--since`/`--node`/`--pid` narrow the report: the number
    /// `auditree tree --finding N` takes. Nil for a suppressed match.
    public var number: Int?
    /// Every exec behind this finding, oldest first, itself first: one until grouping folds
    /// identical findings (same rule, host, spawner exe and command line) into it.
    public var seen: [Occurrence] = []

    /// How many findings are folded into this one, itself included.
    public var occurrences: Int { max(1, seen.count) }
    /// The last of the folded findings, when there is more than one.
    public var lastStamp: EventStamp? { seen.count > 1 ? seen.last?.stamp : nil }
    public var lastLocation: LogLocation? { seen.count > 1 ? seen.last?.location : nil }
    /// Everything above the shell, nearest first (see `ProcessReference.lineage`).
    public var ancestry: [AncestorSnapshot]
    /// What the shell ran, depth first.
    public var descendants: [DescendantSnapshot]
    public var descendantsOmitted: Int
    public var host: String?
    /// The SYSCALL record of the shell's exec.
    public var location: LogLocation

    /// The spawner's list evidence; for an inferred spawner only the list is known.
    public var spawnerMatch: MatchEvidence {
        spawnerEvidence ?? MatchEvidence(field: .exe, value: "", list: inference?.list ?? "", entry: "")
    }

    public static func < (lhs: Finding, rhs: Finding) -> Bool {
        (lhs.process.image?.stamp ?? EventStamp(seconds: 0, milliseconds: 0, serial: 0), lhs.host ?? "", lhs.location)
            < (
                rhs.process.image?.stamp ?? EventStamp(seconds: 0, milliseconds: 0, serial: 0), rhs.host ?? "",
                rhs.location
            )
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
    /// The finding's severity: the rule's, raised by context.
    public var severity: Severity
    /// The severity the rule declares.
    public var baseSeverity: Severity
    public var origin: RuleOrigin
    public var category: String
    public var mitre: [String]
    /// The rule's author and references (Sigma rules): shown with every detection.
    public var author: String
    public var references: [String]

    /// A Sigma rule's finding: the spawner is the parent, not a list match.
    public var isSigma: Bool { category.hasPrefix("sigma/") }

    package init(_ rule: Rule) {
        author = rule.author
        references = rule.references
        id = rule.id
        name = rule.name
        description = rule.description
        severity = rule.severity
        baseSeverity = rule.severity
        origin = rule.place
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

/// A spawner the log never describes, inferred from context (see docs/rules.md).
public struct SpawnerInference: Sendable {
    /// The list the spawner is presumed to belong to (`web_servers`).
    public var list: String
    public var confidence: InferenceConfidence
    /// The context indicators that stood in for the spawner, as `id: description`.
    public var evidence: [ContextHit]
}

/// One context indicator present in a finding.
public struct ContextHit: Sendable, Equatable {
    public var id: String
    public var description: String
    public var raise: Int
    /// `shell`, `spawner` or `descendants`.
    public var on: ContextTarget
    /// The process it was seen on.
    public var pid: Int
}

/// An exception that was checked against a match and did not apply.
public struct ExceptionMiss: Sendable, Equatable {
    public var exceptionID: String
    /// `rule` or `global`, as in `Suppression`.
    public var scope: String
    /// The first condition that did not hold: `host`, `child`, `spawner` or `ancestor`.
    public var failed: ExceptionCondition
    /// Which of its keys did not hold, and the value it was tested against (for a regex: the
    /// string it was matched against); nil for `ancestor` (every ancestor was tried) and an inferred spawner.
    public var detail: ConditionMiss? = nil
}

/// The parts of an exception, in the order they are checked.
public enum ExceptionCondition: String, Sendable, CaseIterable {
    case host, child, spawner, ancestor

    /// What not holding means, for a person.
    public var explanation: String {
        switch self {
        case .host: "the host is not one it names"
        case .child: "the shell does not match its child conditions"
        case .spawner: "the spawner does not match its spawner conditions"
        case .ancestor: "no ancestor matches its ancestor conditions"
        }
    }
}

/// The exception that suppressed a match.
public struct Suppression: Sendable {
    public var exceptionID: String
    public var reason: String
    /// `rule` for a rule's own exception, `global` for a file's `exceptions`.
    public var scope: String
    public var origin: RuleOrigin
}
