import Foundation
import TestSupport
import Testing

@testable import AuditreeBase
@testable import AuditreeEvents
@testable import AuditreeParser
@testable import AuditreeReport

@Suite("Fingerprints and baselines", .serialized)
struct BaselineTests {
    static func normalized(_ text: String) -> String {
        String(decoding: Fingerprint.normalize(Array(text.utf8)), as: UTF8.self)
    }

    @Test(
        "what the fingerprint normalises",
        arguments: [
            ("sh -c id", "sh -c id"),
            ("port 80 443 8080", "port 80 443 <n>"),
            ("sleep 123 1234 99999999999", "sleep 123 <n> <n>"),
            ("kill -9 31337", "kill -9 <n>"),
            ("/proc/4242/status", "/proc/<n>/status"),
            ("curl http://x/ab12cd34ef56/payload", "curl http://x/<hex>/payload"),
            ("deadbeefcafe", "deadbeefcafe"),  // no digit: a word, kept
            ("id=3f2a9c1b-77aa-4e1f-9c3d-0a1b2c3d4e5f", "id=<hex>-77aa-4e1f-9c3d-<hex>"),
            ("mem 0x7ffd1234 0xff", "mem 0x<hex> 0x<hex>"),
            ("abc12345xyz", "abc<n>xyz"),
            ("/tmp/tmp.Xy3kQ9aZ1b/run.sh", "/tmp/tmp.<tmp>/run.sh"),
            (
                "/tmp/tmpab_cd9x1 /var/tmp/tmp-QWERTYuiop /dev/shm/tmpAAAAAA",
                "/tmp/tmp.<tmp> /var/tmp/tmp.<tmp> /dev/shm/tmp.<tmp>"
            ),
            ("/tmp/payload.sh /tmp/tmp.x", "/tmp/payload.sh /tmp/tmp.x"),
        ])
    func normalisation(_ input: String, _ expected: String) {
        #expect(Self.normalized(input) == expected)
    }

    @Test("UUIDs and hashes collapse")
    func hashes() {
        #expect(Self.normalized("3f2a9c1b-77aa-4e1f-9c3d-0a1b2c3d4e5f") == "<hex>-77aa-4e1f-9c3d-<hex>")
        #expect(
            Self.normalized("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == "sha256:<hex>"
        )
    }

    @Test("the fingerprint ignores pids, times, lines and normalised parts; not the rule, host or programs")
    func stability() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        let finding = try #require(report.findings.first { $0.process.image != nil && $0.spawner.image?.exe != nil })
        let fingerprint = Fingerprint.of(finding)
        #expect(fingerprint.wholeMatch(of: /[0-9a-f]{32}/) != nil)
        var moved = finding
        moved.process.pid += 1000
        moved.spawner.pid += 7
        moved.process.ppid = 1
        moved.location = LogLocation(file: "other.log", line: 99999)
        moved.process.image!.stamp = EventStamp(seconds: 1_800_000_000, milliseconds: 1, serial: 42)
        moved.process.image!.uid = 4242
        #expect(Fingerprint.of(moved) == fingerprint)
        var argv = finding.process.image!.argv
        argv.arguments.append("/tmp/tmp.AbCdEf1234")
        var first = finding
        var second = finding
        first.process.image!.argv = argv
        argv.arguments[argv.arguments.count - 1] = "/tmp/tmp.ZzYyXx9876"
        second.process.image!.argv = argv
        #expect(Fingerprint.of(first) == Fingerprint.of(second))
        #expect(Fingerprint.of(first) != fingerprint)
        var otherRule = finding
        otherRule.rule.id += "_x"
        var otherHost = finding
        otherHost.host = (finding.host ?? "") + "-2"
        var otherShell = finding
        otherShell.process.image!.exe = "/bin/zsh"
        var otherSpawner = finding
        otherSpawner.spawner.image!.exe = "/usr/bin/ruby"
        #expect(Set([otherRule, otherHost, otherShell, otherSpawner].map(Fingerprint.of) + [fingerprint]).count == 5)
        #expect(SHA256.digest(Array("abc".utf8)).prefix(4) == [0xba, 0x78, 0x16, 0xbf])
    }

    @Test("baseline files: render, parse back, same bytes; reasons kept when re-created")
    func roundTrip() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork"), Fixtures.recorded("hostile-argv")])
        var baseline = Baseline(report: report)
        #expect(baseline.entries.count == Set(report.findings.map(Fingerprint.of)).count)
        #expect(baseline.entries.allSatisfy { $0.reason == nil && !$0.firstSeen.isEmpty && !$0.example.isEmpty })
        baseline.entries[0].reason = "CI fixture \"quoted\" <ok>"
        baseline.entries[0].firstSeen = "2020-01-01T00:00:00.000Z"
        let text = baseline.render()
        let parsed = try Baseline.parse(Data(text.utf8), file: "b.json")
        #expect(parsed == baseline)
        #expect(parsed.render() == text)
        let again = Baseline(report: report, previous: parsed)
        #expect(again == baseline)
    }

    @Test(
        "bad baseline files are refused with the reason",
        arguments: [
            ("[]", "expected a JSON object"),
            ("{\"entries\": []}", "no \"version\""),
            ("{\"version\": 2, \"entries\": []}", "baseline version 2 is not supported"),
            ("{\"version\": 1, \"fingerprint_version\": 9, \"entries\": []}", "fingerprint version 9"),
            ("{\"version\": 1}", "no \"entries\" array"),
            (
                "{\"version\": 1, \"entries\": [{\"rule\": \"x\"}]}",
                "entry 1: expected an object with a \"fingerprint\" string"
            ),
            (
                "{\"version\": 1, \"entries\": [{\"fingerprint\": \"ab\", \"reason\": 3}]}",
                "entry 1: \"reason\" must be a string or null"
            ),
        ])
    func badFiles(_ text: String, _ message: String) {
        #expect(throws: BaselineError.self) { try Baseline.parse(Data(text.utf8), file: "b.json") }
        do {
            _ = try Baseline.parse(Data(text.utf8), file: "b.json")
        } catch {
            #expect(error.description.hasPrefix("b.json: error: "))
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test("a minimal hand-written baseline is enough")
    func minimal() throws {
        let baseline = try Baseline.parse(
            Data("{\"version\": 1, \"entries\": [{\"fingerprint\": \"abc\"}]}".utf8), file: "b.json")
        #expect(baseline.entries == [Baseline.Entry(fingerprint: "abc", rule: "")])
    }

    @Test("gate: baselined findings do not fail, new ones do, stale entries are listed")
    func gate() throws {
        let fork = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        let hostile = try Fixtures.scan([Fixtures.recorded("hostile-argv")])
        let baseline = Baseline(report: fork)
        let accepted = GateResult(report: fork, baseline: baseline, baselineFile: "b.json")
        #expect(accepted.baselinedCount == fork.findings.count && accepted.newCount == 0 && accepted.stale.isEmpty)
        #expect(accepted.exitCode(failOn: .info) == 0)
        #expect(fork.exitCode(failOn: .info) == 1)
        let mixed = GateResult(report: hostile, baseline: baseline, baselineFile: "b.json")
        let overlap = Set(mixed.fingerprints).intersection(baseline.entries.map(\.fingerprint))
        #expect(mixed.stale.count == baseline.entries.count - overlap.count)
        #expect(mixed.staleNotes.count == mixed.stale.count)
        #expect(mixed.exitCode(failOn: .info) == (mixed.newCount > 0 ? 1 : 0))
    }

    @Test("CLI: baseline create, then scan --baseline: baselined shown and counted, exit 0; stale reported")
    func commandLine() throws {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "baseline-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("baseline.json").path
        let create = try CLI.run(["baseline", "create", "--output", file, "fixtures/recorded/enriched-fork.log"])
        #expect(create.status == 0, "\(create.stderr)")
        #expect(create.stderr.contains("baseline entr") && create.stdout.isEmpty)
        let toStdout = try CLI.run(["baseline", "create", "fixtures/recorded/enriched-fork.log"])
        #expect(toStdout.stdout == (try Data(contentsOf: URL(fileURLWithPath: file))))

        let text = try CLI.run(["scan", "--baseline", file, "fixtures/recorded/enriched-fork.log"])
        #expect(text.status == 0)
        #expect(text.text.contains("  baseline accepted (not counted for --fail-on); fingerprint "))
        #expect(text.text.contains("finding(s) baselined, 0 new; 0 stale entries"))

        let json = try CLI.run([
            "scan", "--format", "json", "--baseline", file, "fixtures/recorded/enriched-fork.log",
            "fixtures/recorded/hostile-argv.log",
        ])
        #expect(json.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let block = try #require(document["baseline"] as? [String: Any])
        let statuses = try #require(block["findings"] as? [[String: Any]]).compactMap { $0["status"] as? String }
        #expect(statuses.count == (document["findings"] as? [Any])?.count)
        #expect(statuses.contains("baselined") && statuses.contains("new"))
        #expect(block["baselined"] as? Int == statuses.count { $0 == "baselined" })

        // A baseline from the hostile log is stale against the fork log: noted on stderr and in the JSON.
        let other = directory.appendingPathComponent("other.json").path
        #expect(
            try CLI.run(["baseline", "create", "--output", other, "fixtures/recorded/hostile-argv.log"]).status == 0)
        let stale = try CLI.run([
            "scan", "--format", "json", "--baseline", other, "fixtures/recorded/enriched-fork.log",
        ])
        let staleBlock = try #require(
            (try JSONSerialization.jsonObject(with: stale.stdout) as? [String: Any])?["baseline"] as? [String: Any])
        let staleEntries = try #require(staleBlock["stale"] as? [[String: Any]])
        #expect(!staleEntries.isEmpty)
        #expect(stale.stderr.contains("\(other): note: baseline entry "))
        #expect(stale.stderr.components(separatedBy: "matched no finding in this scan").count - 1 == staleEntries.count)

        // Without --baseline the JSON report is JSONReporter's, with no baseline key.
        let plain = try CLI.run(["scan", "--format", "json", "fixtures/recorded/enriched-fork.log"])
        let report = try Fixtures.scan(
            ["fixtures/recorded/enriched-fork.log"].map { Fixtures.root.appendingPathComponent($0).path })
        #expect(
            plain.text == JSONReporter().render(report).replacingOccurrences(of: Fixtures.root.path + "/", with: ""))
        #expect(!plain.text.contains("\"baseline\""))
    }

    @Test("CLI: a missing or broken baseline is exit 2 with the reason")
    func badBaseline() throws {
        let missing = try CLI.run(["scan", "--baseline", "fixtures/no-such-baseline.json", "fixtures/edge/empty.log"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("fixtures/no-such-baseline.json: error: cannot read the baseline"))
        let broken = try CLI.run(["scan", "--baseline", "fixtures/recorded/raw-fork.log", "fixtures/edge/empty.log"])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("not a baseline"))
        let unreadable = try CLI.run([
            "baseline", "create", "--output", "/nonexistent-dir/b.json", "fixtures/recorded/enriched-fork.log",
        ])
        #expect(
            unreadable.status == 2
                && unreadable.stderr.contains("/nonexistent-dir/b.json: error: cannot write the report"))
        #expect(try CLI.run(["baseline", "create", "fixtures/no-such.log"]).status == 2)
    }
}
