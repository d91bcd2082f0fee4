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

/// The report in every format, folding or not.
private func rendered(_ configuration: ScanConfiguration, folding: Bool) throws -> (text: [String], grouped: Int) {
    var configuration = configuration
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

@Test(arguments: ["enriched-fork", "raw-execve", "variants-enriched-fork", "webshell-execve"])
func foldingKeepsTheOldestMatchOfEachGroup(name: String) throws {
    let scratch = try TemporaryDirectory("folding")
    defer { scratch.remove() }
    let rule = scratch.path("broad.yml")
    try broadRule.write(toFile: rule, atomically: true, encoding: .utf8)
    var configuration = ScanConfiguration(inputs: [try newerFirst(Fixtures.recorded(name), by: 3_600, into: scratch)])
    configuration.sigmaPaths = [rule]
    let folded = try rendered(configuration, folding: true)
    let whole = try rendered(configuration, folding: false)
    // The rule must fold findings, or nothing here is tested.
    #expect(folded.grouped > 0)
    #expect(folded.text == whole.text)
}
