import ArgumentParser
import AuditreeKit

#if canImport(Glibc)
import Glibc
#endif

/// The filters an `ausearch` user expects, shared by `scan`, `tree` and `events`
/// (docs/cli.md, "Filters"). Each repeated option means "any of these"; different options
/// must all hold.
struct FilterOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Only from this time on (inclusive): ISO 8601 (2026-11-23, 2026-11-23T10:00, UTC unless a zone such as Z or +02:00 is given); "
                + "ausearch's now, recent (10 minutes ago), today, yesterday, this-week, week-ago, this-month, this-year (local midnight); "
                + "MM/DD/YY or MM/DD/YYYY with an optional HH:MM[:SS] (local time, as ausearch reads them); or back from now: -45s, -30m, -2h, -7d.",
            valueName: "time"))
    var since: String?

    @Option(
        help: ArgumentHelp(
            "Only up to this time (inclusive); same forms as --since, and 'today' means now (as ausearch -te today).",
            valueName: "time"))
    var until: String?

    @Option(
        name: [.customLong("uid"), .customLong("user")],
        help: ArgumentHelp(
            "Only execs by this user (the uid): a number, or a name matched against an ENRICHED log's UID= name and this host's "
                + "user database (as ausearch does). Repeat for any of several.",
            valueName: "uid|name"))
    var users: [String] = []

    @Option(
        help: ArgumentHelp("Only execs with this audit key (auditctl -k). Repeat for any of several.", valueName: "key")
    )
    var key: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only execs of this executable: a full path (/usr/bin/dash) or a basename (dash). Repeat for any of several.",
            valueName: "path"))
    var exe: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only execs with this comm (the kernel's task name, at most 15 bytes). Repeat for any of several.",
            valueName: "name"))
    var comm: [String] = []

    /// The plain values of these options.
    var values: Values { Values(since: since, until: until, users: users, key: key, exe: exe, comm: comm) }

    func filter(now: Int64 = Int64(time(nil)) * 1000) throws -> FindingFilter { try values.filter(now: now) }

    var given: [String] { values.given }

    /// One line on standard error when filters left nothing: a filtered run's exit status 0 means
    /// "nothing matched what you asked for", not "nothing in the log" (docs/cli.md).
    static func noteNothingMatched(_ what: String, filters: [String], before: Int) {
        let shown = filters.map { TextEscaper.escape($0) }.joined(separator: ", ")
        Console.error("auditree: note: no \(what) matches the filters (\(shown)); \(before) without them\n")
    }
}

extension FilterOptions {
    /// The filter options' values (ScanRequest holds them without ArgumentParser's wrappers).
    struct Values: Equatable {
        var since: String?
        var until: String?
        var users: [String] = []
        var key: [String] = []
        var exe: [String] = []
        var comm: [String] = []

        /// The filter these options describe; a time that cannot be read or is out of range is a usage error.
        func filter(now: Int64 = Int64(time(nil)) * 1000) throws -> FindingFilter {
            var filter = FindingFilter()
            func read(_ text: String?, _ option: String, end: Bool) throws -> Int64? {
                guard let text else { return nil }
                do { return try TimeArgument.parse(text, now: now, end: end) } catch {
                    throw ValidationError("\(option): \(error.description)")
                }
            }
            filter.since = try read(since, "--since", end: false)
            filter.until = try read(until, "--until", end: true)
            if let since = filter.since, let until = filter.until, since > until {
                throw ValidationError("--since '\(self.since!)' is after --until '\(self.until!)': nothing could match")
            }
            if !users.isEmpty {
                filter.users = try users.map { text in
                    guard let user = UserSelector(text) else {
                        throw ValidationError(
                            "--uid/--user: '\(text)' is neither a uid (0 to 4294967295) nor a user name")
                    }
                    return user
                }
            }
            if !key.isEmpty { filter.keys = Set(key) }
            if !exe.isEmpty { filter.exes = exe }
            if !comm.isEmpty { filter.comms = Set(comm) }
            return filter
        }

        /// The options given, as the user wrote them, for the "matched nothing" note.
        var given: [String] {
            var result: [String] = []
            if let since { result.append("--since \(since)") }
            if let until { result.append("--until \(until)") }
            result +=
                users.map { "--uid \($0)" } + key.map { "--key \($0)" } + exe.map { "--exe \($0)" }
                + comm.map { "--comm \($0)" }
            return result
        }
    }
}
