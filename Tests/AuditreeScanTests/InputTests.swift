import Foundation
import TestSupport
import Testing

@testable import AuditreeScan

/// Directories, globs, rotated sets, gzip and the finding filters, on real recordings.
@Suite("Inputs", .serialized)
struct InputTests {
    /// A fresh temporary directory; the caller removes it.
    func makeDirectory() throws -> URL {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "inputs-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func lines(_ name: String) throws -> [Substring] {
        try String(contentsOfFile: Fixtures.recorded(name), encoding: .isoLatin1).split(
            separator: "\n", omittingEmptySubsequences: false)
    }

    func findingKeys(_ report: ScanReport) -> [String] {
        report.findings.map { "\($0.rule.id) \($0.process.image?.stamp.description ?? "")" }
    }

    @Test("a rotated set (one piece gzipped) is read oldest first by its records, and equals the whole log")
    func rotatedSet() throws {
        let all = try lines("enriched-fork")
        let whole = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let names = ["audit.log.2", "audit.log.1", "audit.log"]
            let bounds = [0, 300, 600, all.count]
            for index in 0..<3 {
                let text: String = all[bounds[index]..<bounds[index + 1]].joined(separator: "\n")
                try text.write(
                    to: directory.appendingPathComponent(names[index]), atomically: true, encoding: .isoLatin1)
            }
            try Gzip.compress(directory.appendingPathComponent("audit.log.1").path)
            let report = try Fixtures.scan([directory.path])
            #expect(
                report.summary.files.map { URL(fileURLWithPath: $0).lastPathComponent } == [
                    "audit.log.2", "audit.log.1.gz", "audit.log",
                ])
            #expect(report.summary.lines == whole.summary.lines)
            #expect(findingKeys(report) == findingKeys(whole))
            // Given in the "wrong" order on the command line, the order of reading is still by time.
            let reversed = try Fixtures.scan(
                ["audit.log", "audit.log.1.gz", "audit.log.2"].map { directory.appendingPathComponent($0).path })
            #expect(findingKeys(reversed) == findingKeys(whole))
            // A glob names the same set.
            let globbed = try Fixtures.scan([directory.path + "/audit.log*"])
            #expect(findingKeys(globbed) == findingKeys(whole))
        }
    }

    @Test("a truncated gzip file is an input error, and what came before it is still read")
    func truncatedGzip() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let file = directory.appendingPathComponent("audit.log")
            try Data(contentsOf: URL(fileURLWithPath: Fixtures.recorded("raw-fork"))).write(to: file)
            try Gzip.compress(file.path)
            let compressed = try Data(contentsOf: directory.appendingPathComponent("audit.log.gz"))
            let cut = directory.appendingPathComponent("cut.log.gz")
            try compressed.prefix(compressed.count * 2 / 3).write(to: cut)
            let report = try Fixtures.scan([cut.path])
            #expect(report.summary.inputErrors == 1)
            #expect(report.diagnostics.contains { $0.level == .error && $0.message.contains("truncated") })
            #expect(report.summary.records > 100)
            #expect(report.summary.records + report.summary.rejected == report.summary.lines)
            var corrupt = compressed
            corrupt[corrupt.count / 2] ^= 0xFF
            let bad = directory.appendingPathComponent("bad.log.gz")
            try corrupt.write(to: bad)
            let broken = try Fixtures.scan([bad.path])
            #expect(broken.summary.inputErrors == 1)
            #expect(broken.diagnostics.contains { $0.level == .error && $0.message.contains("gzip") })
        }
    }

    @Test("a pattern that matches nothing is an input error")
    func emptyGlob() throws {
        let report = try Fixtures.scan([Fixtures.root.path + "/fixtures/recorded/nothing-*.log"])
        #expect(report.summary.inputErrors == 1)
        #expect(report.exitCode(failOn: .info) == 2)
    }

    @Test("filters narrow the findings, not the reading")
    func filters() throws {
        let path = Fixtures.recorded("enriched-fork")
        let all = try Fixtures.scan([path])
        let shell = try #require(all.findings.first { argvContains($0.process.image, "tp-apache-modphp") })
        var byPid = ScanConfiguration(inputs: [path])
        byPid.filter.pid = shell.spawner.pid
        let pidReport = try Scanner.run(byPid)
        #expect(pidReport.findings.map(\.location) == [shell.location])
        #expect(pidReport.summary.lines == all.summary.lines)
        var byTime = ScanConfiguration(inputs: [path])
        let time = try #require(shell.process.image?.stamp.time)
        byTime.filter = FindingFilter(since: time, until: time)
        #expect(try Scanner.run(byTime).findings.map(\.location) == [shell.location])
        var byNode = ScanConfiguration(inputs: [path])
        byNode.filter.node = "elsewhere"
        #expect(try Scanner.run(byNode).findings.isEmpty)
    }

    static let timeCases: [(String, Int64)] = [
        ("2026-11-23", 1_795_392_000_000), ("2026-11-23T11:10:36Z", 1_795_432_236_000),
        ("2026-11-23T11:10:36.5", 1_795_432_236_500),
        ("2026-11-23T13:10:36+02:00", 1_795_432_236_000), ("today", 1_795_392_000_000),
        ("yesterday", 1_795_305_600_000),
        ("-2h", 1_795_432_236_000 - 7_200_000), ("-30m", 1_795_432_236_000 - 1_800_000), ("now", 1_795_432_236_000),
    ]

    @Test("times for --since and --until", arguments: timeCases)
    func times(_ text: String, _ expected: Int64) {
        // today and yesterday are local midnight, as ausearch reads them: UTC here.
        #expect(
            FindingFilter.parseTime(text, now: 1_795_432_236_000, timeZone: TimeZone(identifier: "UTC")!) == expected)
    }

    @Test("malformed times are refused", arguments: ["2026-13-01", "yesterday-ish", "-2y", "11:00", ""])
    func badTimes(_ text: String) {
        #expect(FindingFilter.parseTime(text, now: 0) == nil)
    }

    @Test("--quiet prints nothing when nothing is found, only findings otherwise")
    func quiet() throws {
        let empty = try CLI.run(["scan", "--quiet", "fixtures/edge/empty.log"])
        #expect(empty.status == 0 && empty.stdout.isEmpty && empty.stderr.isEmpty)
        let found = try CLI.run(["scan", "--quiet", "fixtures/recorded/raw-execve.log"])
        #expect(found.status == 1)
        #expect(found.text.hasPrefix("[CRITICAL]") && !found.text.contains("auditree: "))
    }
}
