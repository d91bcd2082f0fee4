import Foundation
import TestSupport
import Testing

@testable import AuditreeParser
@testable import AuditreeRules
@testable import AuditreeScan

/// Sigma `service: auditd` rules: each record's fields as the rules see them (decoded as
/// `ausearch -i` shows them), evaluation per event over its records, findings like any other,
/// and a scan without such rules that reads nothing more.
@Suite("Sigma auditd rules")
struct SigmaAuditdTests {
    struct Decoding: Sendable, CustomTestStringConvertible {
        var line: String
        var field: String
        var value: String?
        var testDescription: String { "\(field) in \(line.prefix(60))" }
    }

    static let decoding = [
        Decoding(
            line: #"type=EXECVE msg=audit(1.000:1): argc=2 a0="cat" a1=2F746D702F6120622E6A7067"#, field: "a1",
            value: "/tmp/a b.jpg"),
        Decoding(
            line: #"type=EXECVE msg=audit(1.000:1): argc=2 a0="cat" a1=2F746D702F6120622E6A7067"#, field: "a0",
            value: "cat"),
        Decoding(
            line: #"type=EXECVE msg=audit(1.000:1): argc=2 a0="sh" a1_len=4 a1[0]=41424344"#, field: "a1[0]",
            value: "ABCD"),
        Decoding(
            line: #"type=EXECVE msg=audit(1.000:1): argc=2 a0="sh" a1_len=4 a1[0]=41424344"#, field: "a1_len",
            value: "4"),
        // A SYSCALL record's a0..a3 are hex numbers, kept as logged.
        Decoding(
            line:
                "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=135 success=yes exit=0 a0=40000 a1=AB pid=7 comm=\"x\" key=(null)",
            field: "a1", value: "AB"),
        Decoding(
            line:
                "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=135 success=yes exit=0 a0=40000 a1=AB pid=7 comm=\"x\" key=(null)",
            field: "SYSCALL", value: "personality"),
        Decoding(
            line:
                "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=135 success=yes exit=0 a0=40000 a1=AB pid=7 comm=\"x\" key=(null)",
            field: "ARCH", value: "x86_64"),
        Decoding(
            line:
                "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=135 success=yes exit=0 a0=40000 a1=AB pid=7 comm=\"x\" key=(null)",
            field: "key", value: "(null)"),
        Decoding(
            line:
                "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=42 pid=7 comm=6E632078 exe=\"/usr/bin/nc\" key=\"network_connect_4\"",
            field: "comm", value: "nc x"),
        Decoding(
            line:
                "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=42 pid=7 comm=6E632078 exe=\"/usr/bin/nc\" key=\"network_connect_4\"",
            field: "key", value: "network_connect_4"),
        // ENRICHED: the log's own SYSCALL= is kept, not computed again.
        Decoding(
            line:
                "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 pid=7 key=(null)\u{1D}ARCH=x86_64 SYSCALL=execve UID=\"root\"",
            field: "SYSCALL", value: "execve"),
        Decoding(
            line:
                "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 pid=7 key=(null)\u{1D}ARCH=x86_64 SYSCALL=execve UID=\"root\"",
            field: "UID", value: "root"),
        Decoding(
            line: "type=PATH msg=audit(1.000:1): item=0 name=2F746D702F2E782079 nametype=CREATE", field: "name",
            value: "/tmp/.x y"),
        Decoding(
            line: "type=PROCTITLE msg=audit(1.000:1): proctitle=6C73002D6C61", field: "proctitle", value: "ls -la"),
        Decoding(
            line:
                "node=web1 type=SERVICE_STOP msg=audit(1.000:1): pid=1 uid=0 msg='unit=firewalld comm=\"systemd\" res=success'",
            field: "unit", value: "firewalld"),
        Decoding(
            line:
                "node=web1 type=SERVICE_STOP msg=audit(1.000:1): pid=1 uid=0 msg='unit=firewalld comm=\"systemd\" res=success'",
            field: "node", value: "web1"),
        Decoding(
            line:
                "node=web1 type=SERVICE_STOP msg=audit(1.000:1): pid=1 uid=0 msg='unit=firewalld comm=\"systemd\" res=success'",
            field: "type", value: "SERVICE_STOP"),
        // An odd or lower-case run is not hex the kernel wrote: kept.
        Decoding(line: #"type=EXECVE msg=audit(1.000:1): argc=1 a0=ABC"#, field: "a0", value: "ABC"),
        Decoding(line: #"type=EXECVE msg=audit(1.000:1): argc=1 a0=6c73"#, field: "a0", value: "6c73"),
        Decoding(line: #"type=EXECVE msg=audit(1.000:1): argc=1 a0=6C73"#, field: "a9", value: nil),
    ]

    @Test("Record fields as the rules see them", arguments: decoding)
    func decoded(_ example: Decoding) throws {
        let bytes = Array(example.line.utf8)
        let decoded = SigmaAuditdRecord(bytes.span)
        let record = try #require(decoded)
        #expect(record[example.field]?.string == example.value)
    }

    struct KeywordEntry: Sendable, CustomTestStringConvertible {
        var entry: String
        var line: String
        var holds: Bool
        var testDescription: String { "\(entry) on \(line.prefix(70))" }
    }

    static let grep = #"type=EXECVE msg=audit(1.000:1): argc=4 a0="grep" a1="-r" a2="password" a3="/etc""#
    static let grepCwd = #"type=CWD msg=audit(1.000:1): cwd="/home/u/password-store""#

    /// Field-less entries inside a map: keywords in the values of one record.
    static let keywordEntries = [
        // |all: every keyword, each in some value (grep in a0, password in a2).
        KeywordEntry(entry: "'|all': [grep, password]", line: grep, holds: true),
        KeywordEntry(entry: "'|all': [grep, password, shadow]", line: grep, holds: false),
        KeywordEntry(entry: "'|all': [grep, password]", line: grepCwd, holds: false),
        // Contains, case-insensitive, in any value: 'pass' in password, 'ETC' in /etc.
        KeywordEntry(entry: "'|all': [PASS, ETC]", line: grep, holds: true),
        // Values are the decoded ones (a hex-encoded argument), not the logged hex.
        KeywordEntry(
            entry: "'|all': [cat, 'a b.jpg']",
            line: #"type=EXECVE msg=audit(1.000:1): argc=2 a0="cat" a1=2F746D702F6120622E6A7067"#, holds: true),
        // Without |all: one of them.
        KeywordEntry(entry: "'': [shadow, password]", line: grep, holds: true),
        KeywordEntry(entry: "'': [shadow, gshadow]", line: grep, holds: false),
        // Beside a field: the whole map holds on the record.
        KeywordEntry(entry: "type: EXECVE\n'|all': [grep, password]", line: grep, holds: true),
        KeywordEntry(entry: "type: CWD\n'|all': [grep, password]", line: grep, holds: false),
    ]

    @Test("A field-less entry inside a map: keywords in the values of one record", arguments: keywordEntries)
    func keywordEntry(_ example: KeywordEntry) throws {
        let entry = example.entry.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n")
        let text = """
            title: t
            id: 7d1c0000-0000-4000-8000-0000000000f0
            logsource: {product: linux, service: auditd}
            detection:
                s:
            \(entry)
                condition: s
            """
        guard case .rule(let rule) = SigmaRuleParser.parse(text, file: "t.yml") else {
            Issue.record("not parsed: \(text)")
            return
        }
        let search = try #require(rule.detection.searches["s"])
        let bytes = Array(example.line.utf8)
        let decoded = SigmaAuditdRecord(bytes.span)
        let record = try #require(decoded)
        #expect(SigmaAuditdRules.holds(search, record) == example.holds)
    }

    @Test(
        "A field-less entry is refused where it has no record (process_creation) and with other modifiers",
        arguments: [
            ("process_creation", "'|all': [a, b]", "supported in service: auditd rules only"),
            ("auditd", "'|contains': [a, b]", "modifiers other than 'all'"),
            ("auditd", "'|re': 'a.*b'", "modifiers other than 'all'"),
        ])
    func keywordEntryRefused(_ target: String, _ entry: String, _ reason: String) {
        let logsource =
            target == "auditd" ? "{product: linux, service: auditd}" : "{product: linux, category: process_creation}"
        let text = """
            title: t
            id: 7d1c0000-0000-4000-8000-0000000000f1
            logsource: \(logsource)
            detection:
                s:
                    \(entry)
                condition: s
            """
        guard case .skipped(let skipped) = SigmaRuleParser.parse(text, file: "t.yml") else {
            Issue.record("accepted: \(entry)")
            return
        }
        #expect(skipped.reason.contains(reason) && !skipped.isError, "\(skipped.reason)")
    }

    static let folder = Fixtures.root.appendingPathComponent("fixtures/sigma-auditd").path
    static let log = Fixtures.root.appendingPathComponent("fixtures/sigma-auditd/auditd-records.log").path

    static func scan(_ log: String, sigma: [String], threads: Int) throws -> ScanReport {
        var configuration = ScanConfiguration(inputs: [log])
        configuration.sigmaPaths = sigma
        configuration.useDefaultRules = false
        configuration.threads = threads
        return try Scanner.run(configuration)
    }

    @Test(
        "Per event: decoded arguments, a keyword in another record of the event, a RAW log's syscall name, a user-space record",
        arguments: [1, 2])
    func perEvent(threads: Int) throws {
        let report = try Self.scan(Self.log, sigma: [Self.folder], threads: threads)
        let found = report.findings.map { "\($0.rule.id.suffix(2)) line \($0.location.line) pid \($0.process.pid)" }
            .sorted()
        // a1: cat's hex-encoded .jpg (not ls's); a2: EXECVE + PROCTITLE of one event; a3: syscall 135
        // named personality; a4: SERVICE_STOP, no SYSCALL record: pid 1 from the record; a6: a
        // field-less '|all' entry, both keywords in grep's EXECVE record (line 25), and not where
        // 'password' is only in another record of the event (the CWD of the grep at line 27).
        #expect(
            found == [
                "a1 line 4 pid 501", "a2 line 9 pid 503", "a3 line 12 pid 501", "a4 line 17 pid 1",
                "a6 line 25 pid 507",
            ])
        let cat = try #require(report.findings.first { $0.rule.id.hasSuffix("a1") })
        #expect(cat.rule.category == "sigma/auditd" && cat.rule.author == "auditree tests")
        #expect(
            cat.process.image?.exe?.lossyString == "/usr/bin/cat"
                && cat.spawner.image?.exe?.lossyString == "/usr/bin/bash")
        let personality = try #require(report.findings.first { $0.rule.id.hasSuffix("a3") })
        // pid 501 exec'd cat; its personality call shows it running setarch: the process as it is at the event.
        #expect(
            personality.rule.mitre == ["T1562"] && personality.process.image?.exe?.lossyString == "/usr/bin/setarch")
    }

    @Test("A condition that would hold for every event is refused with the reason")
    func refused() throws {
        let set = try SigmaRuleSet.load(paths: [Self.folder])
        let refusal = try #require(set.skipped.first { $0.id == "7d1c0000-0000-4000-8000-0000000000a5" })
        #expect(refusal.reason.contains("would flag every event") && !refusal.isError)
        #expect(set.rules.filter { $0.target == .auditd }.count == 5)
    }

    @Test("Without auditd rules no record carries hits; with them only matched records do")
    func recordsCarryNothingWithoutRules() throws {
        let rules = try RuleSet.load(files: [], includeBuiltIn: false, sigma: [Self.folder]).ruleSet
        let auditd = try #require(SigmaAuditdRules(rules.rules))
        #expect(SigmaAuditdRules(try RuleSet.builtIn().rules) == nil)
        var hits = 0
        for line in try String(contentsOfFile: Self.log, encoding: .utf8).split(separator: "\n") {
            let bytes = Array(line.utf8)
            if auditd.matching(bytes.span) != nil { hits += 1 }
        }
        // EXECVE of cat, EXECVE and PROCTITLE of iptables (two searches of one rule), SYSCALL 135,
        // SERVICE_STOP, the EXECVE records of the two greps.
        #expect(hits == 7)
    }

    @Test(
        "SigmaHQ: the auditd rules that should fire on the hand-written log do, and only they",
        .enabled(if: SigmaTests.sigmaHQ != nil, "../shared/sigma is absent: SigmaHQ tests skipped"))
    func sigmaHQ() throws {
        let report = try Self.scan(Self.log, sigma: [SigmaTests.sigmaHQ! + "/rules/linux/auditd"], threads: 1)
        let files = Set(
            report.findings.map {
                URL(fileURLWithPath: $0.rule.origin.file).lastPathComponent + " line \($0.location.line)"
            })
        #expect(
            files == [
                "lnx_auditd_hidden_zip_files_steganography.yml line 4",
                "lnx_auditd_bpfdoor_port_redirect.yml line 9",
                "lnx_auditd_disable_aslr_protection.yml line 12",
                "lnx_auditd_hidden_binary_execution.yml line 13",
                "lnx_auditd_disable_system_firewall.yml line 17",
                "lnx_auditd_network_service_scanning.yml line 18",
                // The field-less '|all' rules: truncate -s and dd if= without of= pad a binary;
                // grep for password in one record (not split over the grep's EXECVE and CWD).
                "lnx_auditd_binary_padding.yml line 19",
                "lnx_auditd_binary_padding.yml line 21",
                "lnx_auditd_find_cred_in_files.yml line 25",
                // dd from /dev/zero, with or without of=.
                "lnx_auditd_dd_delete_file.yml line 21",
                "lnx_auditd_dd_delete_file.yml line 23",
            ], "\(files.sorted())")
    }
}
