import Foundation
import TestSupport
import Testing

@testable import AuditreeReport
@testable import AuditreeScan

// A grouped scan keeps only the oldest match of each group whole and reduces the others as they
// come (`MatchFolding`); the report must be the one the scan gives when it keeps every match
// whole and groups at the end, which it does when it collects execs (`collectExecs`, as
// `auditree tree` does). Checked in every format on the recorded fixtures with the built-in
// rules, and with a broad Sigma rule (every exec of a few common programs) on logs whose second
// half is older than the first, so that a group's oldest match arrives after younger ones and
// takes their place.

/// A Sigma rule that names many execs of every recording, so most of its findings fold.
private let broadRule = """
    title: Test - common programs
    id: 7d1c0000-0000-4000-8000-0000000000f0
    status: test
    author: auditree tests
    logsource:
        category: process_creation
        product: linux
    detection:
        selection:
            Image|endswith: ['/sh', '/dash', '/bash', '/id', '/cat', '/ls', '/sleep', '/python3', '/perl']
        condition: selection
    level: low
    """

/// The report in every format, folding or not; folding settles matches after `settleLook` wait.
private func rendered(_ configuration: ScanConfiguration, folding: Bool, settleLook: Int = 256) throws -> (
    text: [String], grouped: Int
) {
    var configuration = configuration
    configuration.settleLook = settleLook
    configuration.groupFindings = true
    // Collecting execs keeps every match whole; the execs themselves are not compared.
    configuration.collectExecs = !folding
    #expect(configuration.foldsMatches == folding)
    var report = try Scanner.run(configuration)
    report.execs = []
    return (OutputFormat.allCases.map { $0.render(report) }, report.summary.groupedFindings)
}

/// A recording after a copy of itself whose stamps are `seconds` later, in one file (the files
/// of a scan are read oldest first): the copy's findings come first, though the original's are older.
private func newerFirst(_ path: String, by seconds: Int, into folder: TemporaryDirectory) throws -> String {
    let text = try String(contentsOfFile: path, encoding: .isoLatin1)
    let stamp = try Regex(#"msg=audit\((\d+)\."#)
    let moved = text.replacing(stamp) { match in
        "msg=audit(\(Int(match.output[1].substring!)! + seconds)."
    }
    let out = folder.path("newer-first-" + URL(fileURLWithPath: path).lastPathComponent)
    try (moved + text).write(toFile: out, atomically: true, encoding: .isoLatin1)
    return out
}

@Test(arguments: Fixtures.recordedNames)
func foldingGivesTheReportOfWholeMatches(name: String) throws {
    let configuration = ScanConfiguration(inputs: [Fixtures.recorded(name)])
    #expect(try rendered(configuration, folding: true).text == rendered(configuration, folding: false).text)
}

@Test(arguments: Fixtures.recordedNames)
func settlingEveryMatchAtOnceGivesTheReportOfWholeMatches(name: String) throws {
    // Settled as soon as nothing can be added below them, not at the end of the scan; with the
    // broad rule, the parent-aware rules and the record rules of the Sigma fixtures.
    let scratch = try TemporaryDirectory("settling")
    defer { scratch.remove() }
    let rule = scratch.path("broad.yml")
    try broadRule.write(toFile: rule, atomically: true, encoding: .utf8)
    var configuration = ScanConfiguration(inputs: [Fixtures.recorded(name)])
    configuration.sigmaPaths =
        [rule]
        + ["sigma/java-shell.yml", "sigma/parent-rules.yml", "sigma-auditd"].map { PackageRoot.path("fixtures/" + $0) }
    #expect(
        try rendered(configuration, folding: true, settleLook: 1).text
            == rendered(configuration, folding: false).text)
}

@Test(arguments: ["enriched-fork", "raw-execve", "variants-enriched-fork", "webshell-execve"], [1, 256])
func foldingKeepsTheOldestMatchOfEachGroup(name: String, settleLook: Int) throws {
    let scratch = try TemporaryDirectory("folding")
    defer { scratch.remove() }
    let rule = scratch.path("broad.yml")
    try broadRule.write(toFile: rule, atomically: true, encoding: .utf8)
    var configuration = ScanConfiguration(inputs: [try newerFirst(Fixtures.recorded(name), by: 3_600, into: scratch)])
    configuration.sigmaPaths = [rule]
    let folded = try rendered(configuration, folding: true, settleLook: settleLook)
    let whole = try rendered(configuration, folding: false)
    // The rule must fold findings, or nothing here is tested.
    #expect(folded.grouped > 0)
    #expect(folded.text == whole.text)
}

/// A shell that runs `id` `count` times, each in a child that exits; the children's pids are
/// reused every `pids` execs, as on a busy host. Every `id` is one finding of `broadRule`, all
/// in one group.
private func manyShortLivedMatches(count: Int, pids: Int) -> String {
    let ids = "auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3"
    var lines = [
        "type=SYSCALL msg=audit(1800000000.000:1): arch=c000003e syscall=59 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 "
            + "items=1 ppid=1 pid=1000 \(ids) comm=\"bash\" exe=\"/usr/bin/bash\" key=\"exec\"",
        "type=EXECVE msg=audit(1800000000.000:1): argc=1 a0=\"bash\"",
        "type=CWD msg=audit(1800000000.000:1): cwd=\"/home/user\"",
    ]
    for number in 0..<count {
        let pid = 2000 + number % pids
        let exec = "msg=audit(\(1_800_000_001 + number).000:\(2 * number + 2))"
        let exit = "msg=audit(\(1_800_000_001 + number).500:\(2 * number + 3))"
        lines += [
            "type=SYSCALL \(exec): arch=c000003e syscall=59 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=1 "
                + "ppid=1000 pid=\(pid) \(ids) comm=\"id\" exe=\"/usr/bin/id\" key=\"exec\"",
            "type=EXECVE \(exec): argc=1 a0=\"id\"",
            "type=CWD \(exec): cwd=\"/home/user\"",
            "type=SYSCALL \(exit): arch=c000003e syscall=231 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1000 pid=\(pid) "
                + "\(ids) comm=\"id\" exe=\"/usr/bin/id\" key=\"exit\"",
        ]
    }
    return lines.joined(separator: "\n") + "\n"
}

// A grouped scan keeps whole only each group's oldest match and the folded ones whose context
// may still change (their process, or one below it, can still run something): with every `id`
// gone soon after it ran, what it holds must not grow with the log. It is bounded by what the
// tree keeps (processes behind its exec queue's head until the queue compacts, about a
// thousand) and the pending matches `settleLook` lets wait, not by the number of matches.
@Test(arguments: [1, 256])
func foldedMatchesAreLetGoOnceSettled(settleLook: Int) throws {
    let scratch = try TemporaryDirectory("settling")
    defer { scratch.remove() }
    let rule = scratch.path("broad.yml")
    try broadRule.write(toFile: rule, atomically: true, encoding: .utf8)
    let log = scratch.path("many-ids.log")
    let count = 8_000
    try manyShortLivedMatches(count: count, pids: 40).write(toFile: log, atomically: true, encoding: .utf8)
    var configuration = ScanConfiguration(inputs: [log])
    configuration.sigmaPaths = [rule]
    configuration.settleLook = settleLook
    configuration.groupFindings = true
    #expect(configuration.foldsMatches)
    let report = try Scanner.run(configuration)
    let ids = report.findings.filter { $0.process.image?.exe == "/usr/bin/id" }
    #expect(ids.count == 1)
    #expect(ids.first?.occurrences == count)
    #expect(report.peakHeldMatches <= 3_500 + 2 * settleLook, "held \(report.peakHeldMatches) of \(count) matches")
}
