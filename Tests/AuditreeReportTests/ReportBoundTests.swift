import Foundation
import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeParser
@testable import AuditreeReport
@testable import AuditreeRules
@testable import AuditreeScan

/// An attacker's log must not size the report: each long value is written in full once
/// (docs/formats.md, "Long values"), so every format stays below `k` times the log.
@Suite("report size is bounded by the log's size")
struct ReportBoundTests {
    /// The bound the amplification case is held to, in every format.
    static let k = 2.0

    /// The recorded python3 exec (`python3 -c ...`, raw-fork.log lines 170-175) with its
    /// `a2` replaced by one argument of `argumentBytes` bytes, split as the kernel splits it
    /// (`a2_len=`, `a2[i]=` hex chunks on records of their own), followed by `shells`
    /// recorded `sh -c` execs (lines 179-184), each a child of that python3 with its own pid,
    /// serial and command line (so none are grouped).
    static func amplificationLog(argumentBytes: Int, shells: Int) throws -> String {
        let recorded = try String(contentsOfFile: Fixtures.recorded("raw-fork"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let python = Array(recorded[169...174])
        let shell = Array(recorded[178...183])
        #expect(python[0].contains("comm=\"python3\"") && python[2].hasPrefix("type=EXECVE"), "the template moved")
        #expect(shell[0].contains("comm=\"sh\"") && shell[2].hasPrefix("type=EXECVE"), "the template moved")
        var lines: [String] = []
        // The kernel writes at most ~7.5 KiB of hex per chunk.
        let chunk = String(repeating: "41", count: 3_750)
        let stamp = "audit(1795432246.652:1321)"
        for line in python {
            guard line.hasPrefix("type=EXECVE") else {
                lines.append(line)
                continue
            }
            let head = line.components(separatedBy: " a2=")[0]
            lines.append("\(head) a2_len=\(argumentBytes) a2[0]=\(chunk)")
            for index in 1..<(argumentBytes / 3_750) {
                lines.append("type=EXECVE msg=\(stamp):  a2[\(index)]=\(chunk)")
            }
        }
        for number in 0..<shells {
            let serial = 1323 + number
            let seconds = 1795432247 + number / 1000
            let milliseconds = String(format: "%03d", number % 1000)
            let command = Array("echo tp-\(number)".utf8).map { String(format: "%02X", $0) }.joined()
            for line in shell {
                var line = line.replacingOccurrences(
                    of: "audit(1795432246.668:1323)", with: "audit(\(seconds).\(milliseconds):\(serial))")
                line = line.replacingOccurrences(of: " pid=16122 ", with: " pid=\(30000 + number) ")
                line = line.replacingOccurrences(of: "a2=6563686F2074702D707974686F6E", with: "a2=\(command)")
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A scan of `path` with the built-in rules, as an HTML report's (every exec kept), and the
    /// bytes of command lines the rules' regexes ran over.
    static func scan(_ path: String) throws -> (report: ScanReport, bytesMatched: Int) {
        var configuration = ScanConfiguration(inputs: [path])
        configuration.collectExecs = true  // as for an HTML report
        var state = ScanState(
            configuration: configuration, ruleSet: try RuleSet.load(files: []).ruleSet, diagnose: { _ in })
        state.read(path)
        let report = state.finish()
        return (report, state.evaluator.commandLineBytesMatched)
    }

    @Test("a 1 MiB interpreter command line that starts 120 shells: every format below k x the log")
    func amplification() throws {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "bound-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("amplify.log").path
        let log = try Self.amplificationLog(argumentBytes: 1_050_000, shells: 120)
        try log.write(toFile: path, atomically: false, encoding: .utf8)
        let report = try Self.scan(path).report
        try #require(report.findings.count == 120, "every shell is a finding of its own")
        #expect(report.findings.allSatisfy { $0.spawner.image?.argv.arguments.last?.count == 1_050_000 })
        let logBytes = Double(log.utf8.count)
        for format in OutputFormat.allCases {
            let bytes = Double(format.render(report).utf8.count)
            #expect(
                bytes <= Self.k * logBytes,
                "\(format): \(Int(bytes)) bytes from a \(Int(logBytes))-byte log (\(bytes / logBytes) x)")
        }
        // The value is still there whole, once: in the JSON table, and in the text where it first appears.
        let json = try JSONSerialization.jsonObject(with: Data(OutputFormat.json.render(report).utf8)) as? [String: Any]
        let table = try #require(json?["long_values"] as? [[String: Any]])
        #expect(table.count == 1)
        #expect((table.first?["argv"] as? [String])?.last?.utf8.count == 1_050_000)
        let findings = try #require(json?["findings"] as? [[String: Any]])
        #expect(findings.allSatisfy { (($0["spawner"] as? [String: Any])?["argv_ref"] as? Int) == 0 })
        let text = OutputFormat.text.render(report)
        #expect(text.components(separatedBy: String(repeating: "A", count: 1_050_000)).count == 2)
        #expect(text.contains("[long command line #0, 3 arguments, 1050012 bytes, in full above]"))
    }

    /// Rules look at the spawner's command line once per shell below it (lists with command-line
    /// entries, exception and context regexes): the work must not be shells x its length.
    @Test("rule evaluation reads a long spawner command line once per regex, not once per shell")
    func spawnerCommandLineCost() throws {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "cost-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var matched: [Int: Int] = [:]
        for shells in [30, 120] {
            let path = directory.appendingPathComponent("amplify-\(shells).log").path
            try Self.amplificationLog(argumentBytes: 1_050_000, shells: shells).write(
                toFile: path, atomically: false, encoding: .utf8)
            let (report, bytes) = try Self.scan(path)
            try #require(report.findings.count == shells)
            matched[shells] = bytes
        }
        let few = try #require(matched[30])
        let many = try #require(matched[120])
        // The regexes do read it (an exception's ancestor regex and the interpreter lists' entries):
        // once each, whatever the number of shells.
        #expect(few >= 1_050_000, "the spawner's command line was never matched: the test no longer measures anything")
        // 90 more shells may each cost their own short command lines, never the spawner's 1 MiB again.
        #expect(
            many - few <= 90 * CommandLineMatches.cachedAbove, "30 shells: \(few) bytes matched, 120 shells: \(many)")
    }

    /// An exception on the spawner's command line that does not apply is reported with what it
    /// was tested against: neither the findings held nor the report may be shells x the command line.
    @Test("an exception's regex tested against a 1 MiB spawner command line: reports stay below k x the log")
    func exceptionTestedValue() throws {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "tested-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("amplify.log").path
        let log = try Self.amplificationLog(argumentBytes: 1_050_000, shells: 30)
        try log.write(toFile: path, atomically: false, encoding: .utf8)
        let rules = directory.appendingPathComponent("rules.yaml").path
        try """
        version: 1
        exceptions:
          - id: job_runner
            reason: the job runner's own scripts
            spawner: {argv_regex: 'run-job\\.py'}
        """.write(toFile: rules, atomically: false, encoding: .utf8)
        var configuration = ScanConfiguration(inputs: [path])
        configuration.ruleFiles = [rules]
        let report = try Scanner.run(configuration)
        try #require(report.findings.count == 30)
        let misses = report.findings.compactMap {
            $0.exceptionsNotApplied.first { $0.exceptionID == "job_runner" }?.detail?.value
        }
        #expect(misses.count == 30, "the exception was checked on every finding")
        #expect(misses.allSatisfy { $0.utf8.count <= CommandLineMatches.cachedAbove + 3 && $0.hasSuffix("…") })
        for format in OutputFormat.allCases {
            let bytes = Double(format.render(report).utf8.count)
            #expect(bytes <= Self.k * Double(log.utf8.count), "\(format): \(Int(bytes)) bytes from \(log.utf8.count)")
        }
    }

    @Test("long values: previews cut before a UTF-8 character, one entry per distinct value")
    func longValues() {
        let accented = LogString(bytes: Array(String(repeating: "é", count: 200).utf8))
        let preview = LongValues.preview(accented)
        #expect(preview.isValidUTF8)
        #expect(preview.count <= LongValues.previewBytes + 3)
        let table = LongValues()
        #expect(table.number(accented) == (0, true))
        #expect(table.number(LogString(bytes: accented.bytes)) == (0, false))
        let argv = ArgumentVector(arguments: (0..<100).map { LogString("argument-\($0)") }, isComplete: true)
        #expect(LongValues.isLong(argv))
        #expect(table.number(argv) == (1, true))
        #expect(LongValues.preview(argv).arguments.count == LongValues.previewArguments)
        #expect(!LongValues.isLong(LogString("short")))
    }
}
