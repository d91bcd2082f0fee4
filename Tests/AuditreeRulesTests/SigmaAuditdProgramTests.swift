import Foundation
import TestSupport
import Testing

@testable import AuditreeParser
@testable import AuditreeRules

/// The compiled per-record pass of the auditd rules (`SigmaAuditdRules.matching`) gives what the
/// rules mean (`referenceMatching`: every search of every rule on `SigmaAuditdRecord`) on every
/// line of the fixtures and on lines made for the corners of the record format; the compiled
/// conditions and their gates agree with the conditions.
@Suite("Sigma auditd rules, compiled")
struct SigmaAuditdProgramTests {
    /// Rules that reach every path of the compiled pass: `type` decided per type or tested on the
    /// record (cased, a regex, a prefix, `exists`), fields absent (`null`, `exists: false`),
    /// names longer than eight bytes, `node`, `msg` and the fields inside it, the names of a RAW
    /// SYSCALL record, keywords with wildcards, the empty keyword, `|all` on a field and on
    /// keywords, networks, and a field name the pass does not compile (run on the record).
    static let rules: [(name: String, detection: String)] = [
        ("type-cased", "s:\n    type|cased: EXECVE\n    a0: ls\ncondition: s"),
        ("type-regex", "s:\n    type|re: '^(EXEC|PRO)'\n    a0|contains: a\ncondition: s"),
        ("type-prefix", "s:\n    type|startswith: user_\n    acct: root\ncondition: s"),
        ("type-exists", "s:\n    type|exists: true\n    exe|endswith: /bash\ncondition: s"),
        ("type-lower", "s:\n    type: execve\n    a1|contains|all: ['-', 'l']\ncondition: s"),
        ("absent", "s:\n    type: SYSCALL\n    key: null\n    tty|exists: false\ncondition: s"),
        (
            "present",
            "s:\n    type: SYSCALL\n    key|exists: true\n    comm:\n        - bash\n        - null\ncondition: s"
        ),
        ("long-names", "s:\n    proctitle|contains: 'a b'\nt:\n    audit_backlog_limit: 8192\ncondition: s or t"),
        ("node", "s:\n    node|startswith: web\n    type: SERVICE_STOP\ncondition: s"),
        ("msg", "s:\n    msg|contains: 'unit='\n    unit: firewalld\n    exe|endswith: systemd\ncondition: s"),
        ("names", "s:\n    SYSCALL:\n        - personality\n        - execve\n    ARCH: x86_64\ncondition: s"),
        ("wildcards", "e:\n    type: EXECVE\nk:\n    - 'pass*wd'\n    - 'x?zip'\n    - '*'\ncondition: e and k"),
        ("empty-keyword", "e:\n    type: PATH\nk:\n    - ''\ncondition: e and k"),
        ("keyword-all", "e:\n    '|all':\n        - grep\n        - PASSWORD\ncondition: e"),
        ("keywords-any", "e:\n    - 'getcap'\n    - 'x86_64'\n    - '0'\n    - 'bash'\ncondition: e"),
        ("network", "s:\n    addr|cidr: 10.0.0.0/8\ncondition: s"),
        ("pid", "s:\n    pid: 1\nt:\n    pid|re: '^5'\ncondition: s or t"),
        ("not-ascii", "s:\n    'n\u{E4}me': x\nt:\n    type: CWD\ncondition: s or t"),
        ("not", "s:\n    type: EXECVE\nf:\n    a0|endswith: sh\ncondition: s and not f"),
    ]

    static func ruleSet() throws -> SigmaAuditdRules {
        var rules: [Rule] = []
        for (index, rule) in Self.rules.enumerated() {
            let detection = rule.detection.split(separator: "\n", omittingEmptySubsequences: false)
                .map { "    " + $0 }.joined(separator: "\n")
            let text = """
                title: \(rule.name)
                id: 7d1c0000-0000-4000-8000-\(String(format: "%012d", index))
                logsource: {product: linux, service: auditd}
                detection:
                \(detection)
                """
            guard case .rule(let parsed) = SigmaRuleParser.parse(text, file: "\(rule.name).yml") else {
                Issue.record("not parsed: \(text)")
                continue
            }
            rules.append(Rule(sigma: parsed))
        }
        return try #require(SigmaAuditdRules(rules))
    }

    /// Lines made for the corners of the record format.
    static let cornerLines = [
        #"node=web1 type=SERVICE_STOP msg=audit(1.000:1): pid=1 uid=0 msg='unit=firewalld comm="systemd" exe="/usr/lib/systemd/systemd" res=success'"#,
        #"type=USER_CMD msg=audit(1.000:2): pid=52 uid=0 auid=0 msg='cwd="/root" cmd=6C73202D6C61 exe="/usr/bin/sudo" acct=726F6F74 res=success'"#,
        "type=user_login msg=audit(1.000:3): pid=7 msg='acct=\"root\" addr=10.1.2.3 res=failed'",
        "type=SYSCALL msg=audit(1.000:4): arch=c000003e syscall=135 success=yes exit=0 a0=40000 pid=7 comm=\"bash\" exe=\"/usr/bin/bash\" key=(null)",
        "type=SYSCALL msg=audit(1.000:5): arch=c000003e syscall=59 pid=9 key=(null)\u{1D}ARCH=x86_64 SYSCALL=execve UID=\"root\"",
        "type=SYSCALL msg=audit(1.000:6): arch=c000003e syscall=59 arch=zz pid=9 tty=pts0 comm=6261736820",
        "type=SYSCALL msg=audit(1.000:7): arch=40000003 syscall=11 pid=x pid=12 key=\"k\" comm=\"sh\"",
        "type=PROCTITLE msg=audit(1.000:8): proctitle=6C73002D6C6100612062",
        "type=PROCTITLE msg=audit(1.000:9): proctitle=\"a\u{0}b\"",
        "type=PROCTITLE msg=audit(1.000:10): proctitle=a\u{0}b",
        "type=PROCTITLE msg=audit(1.000:11): proctitle=6C7",
        #"type=EXECVE msg=audit(1.000:12): argc=3 a0="ls" a1=2D6C a2="x.zip" a1[0]=41 a1_len=4"#,
        #"type=EXECVE msg=audit(1.000:13): argc=2 a0=6c73 a1="-la""#,
        #"type=EXECVE msg=audit(1.000:14): argc=2 a0="grep" a1="PassWord""#,
        #"type=execve msg=audit(1.000:15): argc=2 a0="ls" a1="-l""#,
        #"type=EXECVE msg=audit(1.000:16): argc=2 a0="ls" a1="-l" a0="sh""#,
        "type=PATH msg=audit(1.000:17): item=0 name=\"/tmp/x\" nametype=CREATE",
        "type=CWD msg=audit(1.000:18): cwd=2F686F6D652F6120622F",
        "type=CONFIG_CHANGE msg=audit(1.000:19): op=set audit_backlog_limit=8192 old=64 res=1",
        "type=CONFIG_CHANGE msg=audit(1.000:20): audit_backlog_limit_x=1",
        "type=UNKNOWN[1333] msg=audit(1.000:21): n\u{E4}me=x",
        "type=AVC msg=audit(1.000:22): avc:  denied  { read } for  pid=5 comm=\"cat\" name=\"x\"",
        "type=EXECVE msg=audit(1.000:23): argc=1 a0=\"",
        "type=EXECVE msg=audit(1.000:24)",
        "type=EXECVE",
        "node= type=EXECVE msg=audit(1.000:25): a0=\"sh\"",
        "not a record at all",
        "type=SYSCALL msg=audit(1.000:26): arch=c000003e syscall=99999 pid=3",
        "type=SYSCALL msg=audit(1.000:27): arch=12345678 syscall=59 pid=3",
        "type=SYSCALL msg=audit(1.000:28): syscall=59 pid=3",
    ]

    /// Every line of the fixtures, as bytes (some are not UTF-8).
    static func fixtureLines() throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for folder in ["fixtures/recorded", "fixtures/sigma-auditd", "fixtures/edge", "fixtures/malformed"] {
            let path = Fixtures.root.appendingPathComponent(folder).path
            for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() where name.hasSuffix(".log")
            {
                let data = try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent(name))
                lines += data.split(separator: 0x0A, omittingEmptySubsequences: true).map(Array.init)
            }
        }
        return lines
    }

    static func describe(_ hits: RecordRuleHits?) -> String {
        guard let hits else { return "none" }
        return zip(hits.rules, hits.searches).map { "\($0):\(String($1, radix: 2))" }.joined(separator: " ")
            + " pid \(hits.pid.map(String.init) ?? "nil")"
    }

    static func expectSame(_ auditd: SigmaAuditdRules, _ lines: [[UInt8]]) -> Int {
        var scratch = SigmaAuditdScratch()
        var matched = 0
        for line in lines {
            let compiled = auditd.matching(line.span, scratch: &scratch)
            let reference = auditd.referenceMatching(line.span)
            if compiled != nil { matched += 1 }
            #expect(
                describe(compiled) == describe(reference),
                "\(String(decoding: line.prefix(160), as: UTF8.self))")
        }
        return matched
    }

    @Test("The compiled pass gives what the rules mean, on the fixtures and on the format's corners")
    func corners() throws {
        let auditd = try Self.ruleSet()
        #expect(auditd.rules.count == Self.rules.count)
        #expect(auditd.program.fallback == [Self.rules.firstIndex { $0.name == "not-ascii" }!])
        let lines = try Self.fixtureLines() + Self.cornerLines.map { Array($0.utf8) }
        #expect(Self.expectSame(auditd, lines) > 100)
    }

    @Test(
        "SigmaHQ's auditd rules: the compiled pass gives what they mean on every fixture line",
        .enabled(if: SigmaTests.sigmaHQ != nil, "../shared/sigma is absent: SigmaHQ tests skipped"))
    func sigmaHQ() throws {
        let set = try SigmaRuleSet.load(paths: [SigmaTests.sigmaHQ! + "/rules/linux/auditd"])
        let auditd = try #require(SigmaAuditdRules(set.rules.map { Rule(sigma: $0) }))
        #expect(auditd.rules.count == 53 && auditd.program.fallback.isEmpty)
        let lines = try Self.fixtureLines() + Self.cornerLines.map { Array($0.utf8) }
        #expect(Self.expectSame(auditd, lines) > 100)
    }

    @Test("Compiled conditions agree with the conditions on every mask; an event without a gate search never holds")
    func conditions() throws {
        var rules = try Self.ruleSet().rules
        if let folder = SigmaTests.sigmaHQ {
            rules += try SigmaRuleSet.load(paths: [folder + "/rules/linux/auditd"]).rules.map { Rule(sigma: $0) }
        }
        let auditd = try #require(SigmaAuditdRules(rules))
        for (number, rule) in auditd.rules.enumerated() {
            let detection = rule.sigma!.detection
            let names = detection.searches.keys.sorted()
            guard names.count <= 12 else { continue }
            for mask in 0..<(UInt64(1) << UInt64(names.count)) {
                let meant = detection.condition.evaluate { name in
                    mask & (1 << UInt64(names.firstIndex(of: name)!)) != 0
                }
                #expect(auditd.holds(rule: number, searches: mask) == meant, "\(rule.id) \(mask)")
                if mask & auditd.gates[number] == 0 { #expect(!meant, "\(rule.id): gate \(auditd.gates[number])") }
            }
        }
    }
}
