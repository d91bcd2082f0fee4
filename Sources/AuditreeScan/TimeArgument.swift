import Foundation

/// Reads a time given on the command line (`--since`, `--until`) into milliseconds since
/// the epoch, in the forms docs/cli.md lists: ISO 8601 (UTC unless a zone is given), an
/// offset back from now (`-2h`), and ausearch's keywords and `MM/DD/YY [HH:MM[:SS]]` in the
/// local time zone, as ausearch reads them. Every value is range-checked: a time outside
/// 1970-01-01 ... 9999-12-31 is an error, never an overflow.
public enum TimeArgument {
    /// 9999-12-31T23:59:59.999Z.
    public static let latest: Int64 = 253_402_300_799_999

    /// ausearch's keywords, in its order.
    public static let keywords = [
        "now", "recent", "today", "yesterday", "this-week", "week-ago", "this-month", "this-year",
    ]

    /// `end`: read for `--until`, where `today` means now (as `ausearch -te today`).
    public static func parse(_ text: String, now: Int64, timeZone: TimeZone = .current, end: Bool = false)
        throws(TimeArgumentError) -> Int64
    {
        let value: Int64
        if let keyword = try keyword(text, now: now, timeZone: timeZone, end: end) {
            value = keyword
        } else if text.hasPrefix("-") {
            value = try offset(text, now: now)
        } else if let local = try localDate(text, timeZone: timeZone) {
            value = local
        } else if let iso = FindingFilter.parseISO8601(text) {
            value = iso
        } else {
            throw TimeArgumentError(text: text, problem: .unreadable)
        }
        guard (0...latest).contains(value) else { throw TimeArgumentError(text: text, problem: .outOfRange) }
        return value
    }

    private static func keyword(_ text: String, now: Int64, timeZone: TimeZone, end: Bool) throws(TimeArgumentError)
        -> Int64?
    {
        guard keywords.contains(text) else { return nil }
        guard (0...latest).contains(now) else { throw TimeArgumentError(text: text, problem: .outOfRange) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let date = Date(timeIntervalSince1970: Double(now) / 1000)
        let midnight = calendar.startOfDay(for: date)
        func millis(_ date: Date?) -> Int64? { date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } }
        switch text {
        case "now": return now
        case "recent": return now - 10 * 60_000
        case "today": return end ? now : millis(midnight)
        case "yesterday": return millis(calendar.date(byAdding: .day, value: -1, to: midnight))
        case "this-week":
            // ausearch: back to the last Sunday (tm_wday 0), local midnight.
            let weekday = calendar.component(.weekday, from: date) - 1
            return millis(calendar.date(byAdding: .day, value: -weekday, to: midnight))
        case "week-ago": return millis(calendar.date(byAdding: .day, value: -7, to: midnight))
        case "this-month": return millis(calendar.date(from: calendar.dateComponents([.year, .month], from: date)))
        case "this-year": return millis(calendar.date(from: calendar.dateComponents([.year], from: date)))
        default: return nil
        }
    }

    /// `-2h`, `-30m`, `-7d`, `-45s`: back from now.
    private static func offset(_ text: String, now: Int64) throws(TimeArgumentError) -> Int64 {
        guard let unit = text.last, text.count > 2 else { throw TimeArgumentError(text: text, problem: .unreadable) }
        let digits = text.dropFirst().dropLast()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw TimeArgumentError(text: text, problem: .unreadable)
        }
        let scale: Int64
        switch unit {
        case "s": scale = 1000
        case "m": scale = 60_000
        case "h": scale = 3_600_000
        case "d": scale = 86_400_000
        default: throw TimeArgumentError(text: text, problem: .unreadable)
        }
        // Too many digits for 64 bits, or a product past the range: out of range, never a trap.
        guard let amount = Int64(digits) else { throw TimeArgumentError(text: text, problem: .outOfRange) }
        let (back, overflow) = amount.multipliedReportingOverflow(by: scale)
        guard !overflow, back <= now else { throw TimeArgumentError(text: text, problem: .outOfRange) }
        return now - back
    }

    /// ausearch's `MM/DD/YY` or `MM/DD/YYYY`, optionally followed by `HH:MM` or `HH:MM:SS`, local time.
    private static func localDate(_ text: String, timeZone: TimeZone) throws(TimeArgumentError) -> Int64? {
        let pattern = /(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?/
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        var year = Int(match.3)!
        // strptime's %y: 69-99 are 1969-1999, 00-68 are 2000-2068.
        if match.3.count == 2 { year += year >= 69 ? 1900 : 2000 }
        var components = DateComponents()
        components.year = year
        components.month = Int(match.1)!
        components.day = Int(match.2)!
        components.hour = match.4.map { Int($0)! } ?? 0
        components.minute = match.5.map { Int($0)! } ?? 0
        components.second = match.6.map { Int($0)! } ?? 0
        guard (1...12).contains(components.month!), (1...31).contains(components.day!), components.hour! < 24,
            components.minute! < 60,
            components.second! < 61
        else { throw TimeArgumentError(text: text, problem: .invalidDate) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // A day past the month's end (02/30) would roll over: refuse it instead.
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == components.day else {
            throw TimeArgumentError(text: text, problem: .invalidDate)
        }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

/// A `--since`/`--until` value that cannot be used; `description` is the one line shown.
public struct TimeArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable { case unreadable, outOfRange, invalidDate }

    public var text: String
    public var problem: Problem

    public var description: String {
        switch problem {
        case .unreadable:
            "cannot read '\(text)' as a time: use ISO 8601 (2026-11-23T10:00, UTC unless a zone is given), MM/DD/YY [HH:MM:SS] "
                + "(local time), \(TimeArgument.keywords.joined(separator: ", ")), or -30s/-10m/-2h/-7d"
        case .outOfRange:
            "'\(text)' is out of range: times from 1970-01-01 to 9999-12-31 are accepted"
        case .invalidDate:
            "'\(text)' is not a valid date and time (MM/DD/YY [HH:MM[:SS]])"
        }
    }
}
