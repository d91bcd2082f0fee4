#if canImport(Glibc)
import Glibc
#endif

/// Narrows which findings a scan reports. The whole log is still read, so
/// parents and ancestry before `since` or on the way to a pid are known.
public struct FindingFilter: Sendable, Equatable {
    /// Log time in milliseconds since the epoch (UTC), inclusive.
    public var since: Int64?
    public var until: Int64?
    /// The `node=` host name; findings of logs without node= have none.
    public var node: String?
    /// A pid that must be the shell, its spawner, or in its ancestry or descendants.
    public var pid: Int?

    public init(since: Int64? = nil, until: Int64? = nil, node: String? = nil, pid: Int? = nil) {
        self.since = since
        self.until = until
        self.node = node
        self.pid = pid
    }

    public var isEmpty: Bool { self == FindingFilter() }

    public func accepts(_ finding: Finding) -> Bool {
        let time = finding.process.image?.stamp.time ?? 0
        if let since, time < since { return false }
        if let until, time > until { return false }
        if let node, finding.host != node { return false }
        if let pid {
            let pids = [finding.process.pid, finding.spawner.pid] + finding.ancestry.map(\.process.pid) + finding.descendants.map(\.process.pid)
            if !pids.contains(pid) { return false }
        }
        return true
    }

    /// Reads a time for `--since`/`--until`: ISO 8601 (`2026-11-23`, `2026-11-23T10:00`,
    /// `2026-11-23T10:00:05Z`, `...+02:00`; UTC when no zone is given), `today` and
    /// `yesterday` (UTC midnight), `now`, or an offset back from now: `-2h`, `-30m`, `-7d`, `-45s`.
    /// Returns milliseconds since the epoch.
    public static func parseTime(_ text: String, now: Int64) -> Int64? {
        let day: Int64 = 86_400_000
        switch text {
        case "now": return now
        case "today": return now - ((now % day) + day) % day
        case "yesterday": return now - ((now % day) + day) % day - day
        default: break
        }
        if text.hasPrefix("-"), let unit = text.last, let amount = Int64(text.dropFirst().dropLast()), amount >= 0 {
            let scale: Int64? = switch unit {
            case "s": 1000
            case "m": 60_000
            case "h": 3_600_000
            case "d": day
            default: nil
            }
            return scale.map { now - amount * $0 }
        }
        return parseISO8601(text)
    }

    static func parseISO8601(_ text: String) -> Int64? {
        let pattern = /(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?/
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(match.1)! - 1900
        parts.tm_mon = Int32(match.2)! - 1
        parts.tm_mday = Int32(match.3)!
        parts.tm_hour = match.4.map { Int32($0)! } ?? 0
        parts.tm_min = match.5.map { Int32($0)! } ?? 0
        parts.tm_sec = match.6.map { Int32($0)! } ?? 0
        guard (0...11).contains(parts.tm_mon), (1...31).contains(parts.tm_mday), parts.tm_hour < 24, parts.tm_min < 60, parts.tm_sec < 61 else { return nil }
        var millis = Int64(timegm(&parts)) * 1000
        if let fraction = match.7 { millis += Int64(fraction.padding(toLength: 3, withPad: "0", startingAt: 0))! }
        if let zone = match.8, zone != "Z" {
            let digits = zone.dropFirst().filter(\.isNumber)
            let minutes = Int64(digits.prefix(2))! * 60 + Int64(digits.suffix(2))!
            millis -= (zone.hasPrefix("+") ? 1 : -1) * minutes * 60_000
        }
        return millis
    }
}
