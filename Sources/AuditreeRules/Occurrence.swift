import AuditreeEvents
import AuditreeParser

/// One shell exec behind a finding: grouping folds identical findings into one for people,
/// and each folded exec stays listed, so machine output can name every one.
///
/// A few small fields only (no command line: it is the finding's, identical for all of them),
/// so a report stays proportional to the log whatever grouping does.
public struct Occurrence: Sendable, Equatable {
    /// The finding number `auditree tree --finding N` takes (see `Finding.number`); nil for a suppressed match.
    public var number: Int?
    /// The shell's exec event.
    public var stamp: EventStamp
    /// The shell's pid, and its spawner's (the unknown parent's for an inferred spawner).
    public var pid: Int
    public var spawnerPid: Int
    /// The shell's SYSCALL record.
    public var location: LogLocation

    public init(number: Int?, stamp: EventStamp, pid: Int, spawnerPid: Int, location: LogLocation) {
        self.number = number
        self.stamp = stamp
        self.pid = pid
        self.spawnerPid = spawnerPid
        self.location = location
    }
}

extension Occurrence {
    /// The finding's own exec.
    init(_ finding: Finding) {
        self.init(
            number: finding.number,
            stamp: finding.process.image?.stamp ?? EventStamp(seconds: 0, milliseconds: 0, serial: 0),
            pid: finding.process.pid, spawnerPid: finding.spawner.pid, location: finding.location)
    }
}

extension Finding {
    /// `seen`, or the finding's own exec for a finding built without it.
    public var everyOccurrence: [Occurrence] { seen.isEmpty ? [Occurrence(self)] : seen }
}
