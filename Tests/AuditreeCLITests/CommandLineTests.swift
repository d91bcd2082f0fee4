import Foundation
import TestSupport
import Testing

/// The executable as a user runs it: exit codes, stdin, formats, determinism.
@Suite("auditree scan", .serialized)
struct CommandLineTests {
    @Test("exit 1 with findings, 0 without, 2 for input and usage errors")
    func exitCodes() throws {
        #expect(try CLI.run(["scan", "fixtures/recorded/enriched-fork.log"]).status == 1)
        #expect(try CLI.run(["scan", "fixtures/edge/empty.log"]).status == 0)
        let missing = try CLI.run(["scan", "fixtures/recorded/no-such.log"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("fixtures/recorded/no-such.log: error: cannot open: No such file or directory"))
        let directory = try CLI.run(["scan", "fixtures"])
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("fixtures: error: no log file here"))
        #expect(try CLI.run(["scan", "--format", "yaml", "fixtures/edge/empty.log"]).status == 2)
        #expect(try CLI.run(["scan", "--fail-on", "urgent", "fixtures/edge/empty.log"]).status == 2)
    }

    @Test("--fail-on counts only findings at or above the threshold")
    func failOn() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        var onlyHigh = report
        onlyHigh.findings = report.findings.filter { $0.rule.severity == .high }
        #expect(!onlyHigh.findings.isEmpty)
        #expect(onlyHigh.exitCode(failOn: .critical) == 0)
        #expect(onlyHigh.exitCode(failOn: .high) == 1)
        #expect(try CLI.run(["scan", "--fail-on", "critical", "fixtures/recorded/enriched-fork.log"]).status == 1)
    }

    @Test("--strict stops at the first bad line with exit 2")
    func strict() throws {
        let path = TestProcessFolder.url.appendingPathComponent("strict-\(getpid()).log")
        let good = try String(contentsOfFile: Fixtures.recorded("raw-execve"), encoding: .utf8).split(separator: "\n")
            .prefix(3).joined(separator: "\n")
        try (good + "\ngarbage line\n").write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let lenient = try CLI.run(["scan", "--format", "json", path.path])
        #expect(lenient.status == 0)
        #expect(lenient.stderr.contains("\(path.path):4:1: warning: not an audit record"))
        let strict = try CLI.run(["scan", "--strict", path.path])
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("\(path.path):4:1: error: not an audit record"))
    }

    @Test("'-' reads standard input with the same findings")
    func standardInput() throws {
        let log = try Data(contentsOf: URL(fileURLWithPath: Fixtures.recorded("raw-fork")))
        let fromFile = try CLI.run(["scan", "--format", "json", "fixtures/recorded/raw-fork.log"])
        let fromStdin = try CLI.run(["scan", "--format", "json", "-"], stdin: log)
        #expect(fromStdin.status == 1)
        let expected = fromFile.text.replacingOccurrences(
            of: "fixtures/recorded/raw-fork.log", with: "\\u003cstdin\\u003e")
        #expect(fromStdin.text == expected)
    }

    @Test("same input, same bytes", arguments: ["text", "json"])
    func deterministic(_ format: String) throws {
        let first = try CLI.run([
            "scan", "--format", format, "fixtures/recorded/enriched-fork.log", "fixtures/recorded/hostile-argv.log",
        ])
        let second = try CLI.run([
            "scan", "--format", format, "fixtures/recorded/enriched-fork.log", "fixtures/recorded/hostile-argv.log",
        ])
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.count > 10_000)
    }

    @Test("JSON: the documented fields, and records + rejected = lines")
    func jsonShape() throws {
        let run = try CLI.run(["scan", "--format", "json", "fixtures/recorded/enriched-fork.log"])
        let document = try #require(try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        let summary = try #require(document["summary"] as? [String: Any])
        let records = try #require(summary["records"] as? Int)
        let rejected = try #require(summary["rejected"] as? Int)
        #expect(records + rejected == (try Fixtures.nonBlankLines(Fixtures.recorded("enriched-fork"))))
        #expect(summary["events"] as? Int == 214)
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.count == summary["findings"] as? Int)
        for finding in findings {
            #expect(finding["rule"] is String && finding["severity"] is String)
            let process = try #require(finding["process"] as? [String: Any])
            for key in ["pid", "ppid", "exe", "comm", "argv", "uid", "cwd", "time", "event"] {
                #expect(process[key] != nil, "process.\(key)")
            }
            let event = try #require(process["event"] as? String)
            #expect(event.wholeMatch(of: /[1-9][0-9]*\.[0-9]{3}:[0-9]+/) != nil)
            let location = try #require(finding["location"] as? [String: Any])
            let line = try #require(location["line"] as? Int)
            // The location is the shell's SYSCALL record, which carries that very stamp.
            let text = try String(contentsOfFile: Fixtures.recorded("enriched-fork"), encoding: .isoLatin1).split(
                separator: "\n", omittingEmptySubsequences: false)
            #expect(text[line - 1].hasPrefix("type=SYSCALL msg=audit(\(event))"))
            #expect(
                finding["spawner"] is [String: Any] && finding["ancestry"] is [Any] && finding["descendants"] is [Any])
        }
    }

    @Test("hostile arguments never reach the terminal raw")
    func hostileText() throws {
        let run = try CLI.run(["scan", "fixtures/recorded/hostile-argv.log"])
        let bytes = [UInt8](run.stdout)
        // Only newline may be a control byte in the text report; no ESC, CR or other C0/C1 bytes.
        #expect(!bytes.contains { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F })
        #expect(String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes))
        #expect(run.text.contains("\\x1b[31mRED"))
        #expect(run.text.contains("\\xff\\xfe"))
        let json = try CLI.run(["scan", "--format", "json", "fixtures/recorded/hostile-argv.log"])
        #expect(try JSONSerialization.jsonObject(with: json.stdout) is [String: Any])
        #expect(json.text.contains("\"argv_hex\""))
        #expect(!json.text.contains("</script>"))
    }
}

@Suite("Golden reports", .serialized)
struct GoldenReportTests {
    /// AUDITREE_UPDATE_GOLDEN=1 rewrites a golden file that differs and fails the test (see `GoldenFile`).
    @Test(
        "reports match their golden files",
        arguments: [
            ("enriched-fork", "text"), ("enriched-fork", "json"), ("hostile-argv", "text"), ("hostile-argv", "json"),
            ("raw-execve", "text"),
        ])
    func golden(_ fixture: String, _ format: String) throws {
        let run = try CLI.run(["scan", "--format", format, "fixtures/recorded/\(fixture).log"])
        let golden = Fixtures.root.appendingPathComponent(
            "fixtures/golden/\(fixture).\(format == "text" ? "txt" : "json")")
        try GoldenFile.check(run.stdout, against: golden)
    }
}
