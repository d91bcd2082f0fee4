import AuditreeRules
import AuditreeSystem
import AuditreeTree
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Narrows which findings a scan reports, and which execs `tree` and `events` print. The whole
/// log is still read, so parents and ancestry before `since` or on the way to a pid are known.
///
/// The ausearch-style fields (`users`, `keys`, `exes`, `comms`) and the time range are tested
/// on the exec a finding reports (the shell), or on each exec for `tree` and `events`.
public struct FindingFilter: Sendable, Equatable {
    /// Log time in milliseconds since the epoch (UTC), inclusive.
    public var since: Int64?
    public var until: Int64?
    /// The `node=` host name; findings of logs without node= have none.
    public var node: String?
    /// A pid that must be the shell, its spawner, or in its ancestry or descendants.
    public var pid: Int?
    /// `--uid`/`--user`: one of these must hold for the exec's uid.
    public var users: [UserSelector]?
    /// `--key`: the exec's audit key (or one of its keys, when the rule gave several) is one of these.
    public var keys: Set<String>?
    /// `--exe`: the exec's executable is one of these paths, or has one of these basenames.
    public var exes: [String]?
    /// `--comm`: the exec's comm (the kernel's 15-byte task name) is one of these.
    public var comms: Set<String>?

    public init(since: Int64? = nil, until: Int64? = nil, node: String? = nil, pid: Int? = nil) {
        self.since = since
        self.until = until
        self.node = node
        self.pid = pid
    }

    public var isEmpty: Bool { self == FindingFilter() }

    public func accepts(_ finding: Finding) -> Bool {
        if let node, finding.host != node { return false }
        if let pid {
            let pids =
                [finding.process.pid, finding.spawner.pid] + finding.ancestry.map(\.process.pid)
                + finding.descendants.map(\.process.pid)
            if !pids.contains(pid) { return false }
        }
        guard let image = finding.process.image else {
            // No exec image (never the case for a reported shell): only the time 0 can be judged.
            return since.map { $0 <= 0 } ?? true && users == nil && keys == nil && exes == nil && comms == nil
        }
        return accepts(image)
    }

    /// For `tree` and `events`: the exec's host, and its time and identity. (`pid` is theirs to use.)
    public func accepts(_ record: ExecRecord) -> Bool {
        if let node, record.host != node { return false }
        return accepts(record.image)
    }

    /// The time range and the ausearch-style fields, on one exec.
    public func accepts(_ image: ProcessImage) -> Bool {
        let time = image.stamp.time
        if let since, time < since { return false }
        if let until, time > until { return false }
        if let users, !users.contains(where: { $0.matches(uid: image.uid, name: image.userName) }) { return false }
        if let keys {
            // A rule with several keys logs them joined by 0x01.
            guard let key = image.key,
                key.bytes.split(separator: 0x01).contains(where: { keys.contains(String(decoding: $0, as: UTF8.self)) })
            else { return false }
        }
        if let exes {
            guard let exe = image.exe else { return false }
            let path = exe.lossyString
            let base = exe.basename.lossyString
            if !exes.contains(where: { $0 == path || $0 == base }) { return false }
        }
        if let comms, !(image.comm.map { comms.contains($0.lossyString) } ?? false) { return false }
        return true
    }

    /// Reads a time for `--since`/`--until` (see `TimeArgument`); nil when it cannot be used.
    /// Returns milliseconds since the epoch.
    public static func parseTime(_ text: String, now: Int64, timeZone: TimeZone = .current, end: Bool = false) -> Int64?
    {
        try? TimeArgument.parse(text, now: now, timeZone: timeZone, end: end)
    }

    static func parseISO8601(_ text: String) -> Int64? {
        let pattern =
            /(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?/
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        let year = Int32(match.1)!
        let month = Int32(match.2)!
        let day = Int32(match.3)!
        let hour = match.4.map { Int32($0)! } ?? 0
        let minute = match.5.map { Int32($0)! } ?? 0
        let second = match.6.map { Int32($0)! } ?? 0
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var millis =
            CalendarTime.utcSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            * 1000
        if let fraction = match.7 { millis += Int64(fraction.padding(toLength: 3, withPad: "0", startingAt: 0))! }
        if let zone = match.8, zone != "Z" {
            let digits = zone.dropFirst().filter(\.isNumber)
            let minutes = Int64(digits.prefix(2))! * 60 + Int64(digits.suffix(2))!
            millis -= (zone.hasPrefix("+") ? 1 : -1) * minutes * 60_000
        }
        return millis
    }
}
