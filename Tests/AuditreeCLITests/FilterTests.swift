import Foundation
import TestSupport
import Testing

@testable import AuditreeScan

/// ausearch-style filters on `scan`, `tree` and `events`, and the times `--since`/`--until` read.
@Suite("Filters", .serialized)
struct FilterTests {
    /// 2026-11-23T11:10:36Z, a Monday.
    static let now: Int64 = 1_795_432_236_000

    struct TimeCase: Sendable, CustomStringConvertible {
        var text: String
        var zone: String
        var expected: String
        var end = false
        var description: String { "\(text) in \(zone)\(end ? " (--until)" : "") = \(expected)" }
    }

    // ausearch reads its keywords and MM/DD/YY in local time; New York is UTC-5 in late
    // November and UTC-4 until 1 November 02:00 (this-month's midnight is still summer time).
    static let timeCases = [
        TimeCase(text: "now", zone: "UTC", expected: "2026-11-23T11:10:36Z"),
        TimeCase(text: "recent", zone: "UTC", expected: "2026-11-23T11:00:36Z"),
        TimeCase(text: "today", zone: "UTC", expected: "2026-11-23T00:00:00Z"),
        TimeCase(text: "today", zone: "UTC", expected: "2026-11-23T11:10:36Z", end: true),
        TimeCase(text: "yesterday", zone: "UTC", expected: "2026-11-22T00:00:00Z"),
        TimeCase(text: "this-week", zone: "UTC", expected: "2026-11-22T00:00:00Z"),
        TimeCase(text: "week-ago", zone: "UTC", expected: "2026-11-16T00:00:00Z"),
        TimeCase(text: "this-month", zone: "UTC", expected: "2026-11-01T00:00:00Z"),
        TimeCase(text: "this-year", zone: "UTC", expected: "2026-01-01T00:00:00Z"),
        TimeCase(text: "today", zone: "America/New_York", expected: "2026-11-23T05:00:00Z"),
        TimeCase(text: "yesterday", zone: "America/New_York", expected: "2026-11-22T05:00:00Z"),
        TimeCase(text: "this-week", zone: "America/New_York", expected: "2026-11-22T05:00:00Z"),
        TimeCase(text: "week-ago", zone: "America/New_York", expected: "2026-11-16T05:00:00Z"),
        TimeCase(text: "this-month", zone: "America/New_York", expected: "2026-11-01T04:00:00Z"),
        TimeCase(text: "this-year", zone: "America/New_York", expected: "2026-01-01T05:00:00Z"),
        TimeCase(text: "11/23/26", zone: "America/New_York", expected: "2026-11-23T05:00:00Z"),
        TimeCase(text: "11/23/2026 06:58", zone: "America/New_York", expected: "2026-11-23T11:58:00Z"),
        TimeCase(text: "7/4/26 23:59:59", zone: "America/New_York", expected: "2026-07-05T03:59:59Z"),
        TimeCase(text: "01/02/70", zone: "UTC", expected: "1970-01-02T00:00:00Z"),
        TimeCase(text: "2026-11-23T10:00+02:00", zone: "America/New_York", expected: "2026-11-23T08:00:00Z"),
        TimeCase(text: "2026-11-23", zone: "America/New_York", expected: "2026-11-23T00:00:00Z"),
        TimeCase(text: "-2h", zone: "UTC", expected: "2026-11-23T09:10:36Z"),
        TimeCase(text: "-0s", zone: "UTC", expected: "2026-11-23T11:10:36Z"),
    ]

    @Test("--since/--until: ISO 8601, offsets, and ausearch's forms in local time", arguments: timeCases)
    func times(_ input: TimeCase) throws {
        let zone = try #require(TimeZone(identifier: input.zone))
        let expected = try #require(FindingFilter.parseISO8601(input.expected))
        #expect(try TimeArgument.parse(input.text, now: Self.now, timeZone: zone, end: input.end) == expected)
    }

    @Test(
        "times out of range or unreadable are errors, never a trap",
        arguments: [
            ("-9999999999999999h", TimeArgumentError.Problem.outOfRange), ("-99999999999999999999h", .outOfRange),
            ("-9223372036854775807s", .outOfRange), ("-106751991167301d", .outOfRange), ("-30000d", .outOfRange),
            ("0000-01-01", .outOfRange), ("02/30/26", .invalidDate), ("13/01/26", .invalidDate),
            ("11/23/26 24:00", .invalidDate),
            ("11:00", .unreadable), ("-2y", .unreadable), ("-h", .unreadable), ("-1.5h", .unreadable),
            ("", .unreadable),
            ("this-weak", .unreadable), ("yesterday-ish", .unreadable),
        ])
    func refused(_ text: String, _ problem: TimeArgumentError.Problem) {
        #expect(throws: TimeArgumentError(text: text, problem: problem)) {
            try TimeArgument.parse(text, now: Self.now, timeZone: TimeZone(identifier: "UTC")!)
        }
    }

    @Test(
        "a huge --since is a usage error (exit 2, one line) on scan, tree and events",
        arguments: ["scan", "tree", "events"])
    func hugeSinceIsUsageError(_ command: String) throws {
        let run = try CLI.run([command, "--since=-9999999999999999h", "fixtures/recorded/raw-fork.log"])
        #expect(run.status == 2)
        #expect(
            run.stderr.contains(
                "--since: '-9999999999999999h' is out of range: times from 1970-01-01 to 9999-12-31 are accepted"),
            "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    // MARK: Filters against an oracle

    /// A filter as options, and the same condition written independently on the JSON a run prints
    /// without it (a finding's `process`, or an `events` line's ECS fields).
    struct FilterCase: Sendable, CustomStringConvertible {
        var fixture: String
        var arguments: [String]
        var environment: [String: String] = [:]
        var holds:
            @Sendable (_ uid: Int?, _ user: String?, _ exe: String?, _ comm: String?, _ key: String?, _ time: String) ->
                Bool
        var description: String { "\(fixture) \(arguments.joined(separator: " "))" }
    }

    static let filterCases = [
        FilterCase(fixture: "webshell-execve", arguments: ["--user", "www-data"]) { _, user, _, _, _, _ in
            user == "www-data"
        },
        FilterCase(fixture: "webshell-execve", arguments: ["--uid", "33"]) { uid, _, _, _, _, _ in uid == 33 },
        FilterCase(fixture: "webshell-execve", arguments: ["--uid", "0", "--uid", "33"]) { uid, _, _, _, _, _ in
            uid == 0 || uid == 33
        },
        FilterCase(fixture: "webshell-execve", arguments: ["--key", "web-exec"]) { _, _, _, _, key, _ in
            key == "web-exec"
        },
        FilterCase(fixture: "webshell-execve", arguments: ["--exe", "dash"]) { _, _, exe, _, _, _ in
            exe?.hasSuffix("/dash") == true
        },
        FilterCase(fixture: "webshell-execve", arguments: ["--exe", "/usr/bin/dash", "--comm", "sh"]) {
            _, _, exe, comm, _, _ in
            exe == "/usr/bin/dash" && comm == "sh"
        },
        FilterCase(fixture: "webshell-execve", arguments: ["--since", "2026-11-23T11:58:13.500Z"]) {
            _, _, _, _, _, time in
            time >= "2026-11-23T11:58:13.500Z"
        },
        // The same instant as MM/DD/YY in New York's local time, and an --until.
        FilterCase(
            fixture: "webshell-execve", arguments: ["--since", "11/23/26 06:58:13", "--until", "11/23/2026 06:58:14"],
            environment: ["TZ": "America/New_York"]
        ) { _, _, _, _, _, time in
            time >= "2026-11-23T11:58:13.000Z" && time <= "2026-11-23T11:58:14.000Z"
        },
        FilterCase(fixture: "enriched-fork", arguments: ["--user", "root", "--comm", "sh"]) { _, user, _, comm, _, _ in
            user == "root" && comm == "sh"
        },
        // A RAW log has no names: 'root' is resolved by this host's user database (uid 0 everywhere).
        FilterCase(fixture: "raw-fork", arguments: ["--user", "root"]) { uid, _, _, _, _, _ in uid == 0 },
        FilterCase(fixture: "benign-busy", arguments: ["--comm", "sh", "--comm", "bash"]) { _, _, _, comm, _, _ in
            comm == "sh" || comm == "bash"
        },
        FilterCase(fixture: "benign-busy", arguments: ["--uid", "12345"]) { uid, _, _, _, _, _ in uid == 12345 },
    ]

    @Test("scan reports exactly the findings whose shell matches", arguments: filterCases)
    func scanFilters(_ input: FilterCase) throws {
        let log = "fixtures/recorded/\(input.fixture).log"
        let all = try findings(
            try CLI.run(["scan", "--format", "json", "--no-group", log], environment: input.environment))
        let filtered = try CLI.run(
            ["scan", "--format", "json", "--no-group"] + input.arguments + [log], environment: input.environment)
        #expect(filtered.status == 0 || filtered.status == 1, "\(filtered.stderr)")
        let expected = all.filter { process in
            input.holds(
                process["uid"] as? Int, process["user"] as? String, process["exe"] as? String,
                process["comm"] as? String,
                process["key"] as? String, process["time"] as? String ?? "")
        }.map { $0["event"] as? String ?? "" }
        #expect(try findings(filtered).map { $0["event"] as? String ?? "" } == expected)
        #expect(filtered.status == (expected.isEmpty ? 0 : 1))
        // A filter that leaves nothing of what there was says so, in one line.
        let note = filtered.stderr.split(separator: "\n").filter { $0.contains("note: no finding matches") }
        #expect(note.count == (expected.isEmpty && !all.isEmpty ? 1 : 0), "\(filtered.stderr)")
    }

    @Test("events prints exactly the execs that match", arguments: filterCases)
    func eventsFilters(_ input: FilterCase) throws {
        let log = "fixtures/recorded/\(input.fixture).log"
        let all = Self.execLines(try CLI.run(["events", log], environment: input.environment).text)
        let filtered = try CLI.run(["events"] + input.arguments + [log], environment: input.environment)
        #expect(filtered.status == 0, "\(filtered.stderr)")
        let expected = try all.filter { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let process = object["process"] as? [String: Any] ?? [:]
            let user = object["user"] as? [String: Any] ?? [:]
            let own = object["auditree"] as? [String: Any] ?? [:]
            return input.holds(
                user["id"] as? Int, user["name"] as? String, process["executable"] as? String,
                process["name"] as? String,
                own["key"] as? String, object["@timestamp"] as? String ?? "")
        }
        #expect(Self.execLines(filtered.text) == expected)
        #expect(filtered.stderr.contains("note: no exec matches the filters") == expected.isEmpty, "\(filtered.stderr)")
    }

    /// The exec lines of `events` output, each `*_ref` number replaced by its long value's line
    /// (without its number): a filtered run numbers only the long values of the execs it writes.
    static func execLines(_ output: String) -> [String] {
        var values: [String: String] = [:]
        var lines: [String] = []
        let refNumber = /"ref":([0-9]+),/
        for line in output.split(separator: "\n").map(String.init) {
            if line.contains("\"dataset\":\"auditree.long_value\""), let match = line.firstMatch(of: refNumber) {
                values[String(match.1)] = line.replacing(refNumber, with: "")
                continue
            }
            lines.append(line.replacing(/_ref":([0-9]+)/) { "_ref\":" + (values[String($0.1)] ?? "?") })
        }
        return lines
    }

    @Test("tree shows every exec that matches, with the execs above them, and leaves the rest out")
    func treeFilter() throws {
        let log = "fixtures/recorded/webshell-execve.log"
        let tree = try CLI.run(["tree", "--user", "www-data", log])
        #expect(tree.status == 0)
        let execLines = tree.text.split(separator: "\n").filter { $0.contains("  uid=") }
        #expect(!execLines.isEmpty)
        let events = try CLI.run(["events", "--user", "www-data", log]).text.split(separator: "\n")
        // Every matching exec is there; any other exec shown is above one of them (uid 33 shells run below root's).
        for line in events {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let pid = try #require((object["process"] as? [String: Any])?["pid"] as? Int)
            #expect(execLines.contains { $0.contains("pid \(pid) ") || $0.contains("pid \(pid)  ") }, "pid \(pid)")
        }
        // Any other exec shown is a process above a matching one, by the ancestry `events` gives.
        var above: Set<Int> = []
        for line in events {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let ancestry = (object["auditree"] as? [String: Any])?["ancestry"] as? [[String: Any]] ?? []
            above.formUnion(ancestry.compactMap { $0["pid"] as? Int })
        }
        // (A process's later execs are 'then' lines under its first: their pid is that line's.)
        for line in execLines where !line.contains("uid=33 ") {
            guard let pid = line.firstMatch(of: /pid (\d+)/).map({ Int($0.1)! }) else { continue }
            #expect(above.contains(pid), "\(line)")
        }
        let unfiltered = try CLI.run(["tree", log]).text.split(separator: "\n").filter { $0.contains("  uid=") }
        #expect(execLines.count < unfiltered.count)
        let none = try CLI.run(["tree", "--comm", "no-such-comm", log])
        #expect(none.status == 0 && none.text.isEmpty)
        #expect(
            none.stderr
                == "auditree: note: no exec matches the filters (--comm no-such-comm); \(unfiltered.count) without them\n"
        )
    }

    @Test("a filter that leaves nothing says so on stderr, exit 0; --quiet keeps it quiet")
    func nothingMatched() throws {
        let log = "fixtures/recorded/webshell-execve.log"
        let run = try CLI.run(["scan", "--uid", "12345", "--node", "nowhere", log])
        #expect(run.status == 0)
        #expect(
            run.stderr
                == "auditree: note: no finding matches the filters (--uid 12345, --node nowhere); 3 without them\n")
        let quiet = try CLI.run(["scan", "--quiet", "--uid", "12345", log])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty && quiet.stdout.isEmpty)
        // A clean log filtered is just clean: nothing was there to leave out.
        let clean = try CLI.run(["scan", "--uid", "12345", "fixtures/edge/empty.log"])
        #expect(!clean.stderr.contains("note: no finding matches"))
        let bad = try CLI.run(["events", "--uid=-1", log])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--uid/--user: '-1' is neither a uid (0 to 4294967295) nor a user name"))
        let backwards = try CLI.run(["scan", "--since", "today", "--until", "yesterday", log])
        #expect(backwards.status == 2)
        #expect(backwards.stderr.contains("--since 'today' is after --until 'yesterday': nothing could match"))
    }

    private func findings(_ run: CLI.Run) throws -> [[String: Any]] {
        let report = try #require(try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        let list = try #require(report["findings"] as? [[String: Any]])
        return list.compactMap { $0["process"] as? [String: Any] }
    }
}
