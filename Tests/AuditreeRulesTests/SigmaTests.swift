import Foundation
import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeParser
@testable import AuditreeRules
@testable import AuditreeScan
@testable import AuditreeTree

/// Sigma rules: the language subset (modifiers, wildcards, conditions), what is refused and
/// why, and process_creation rules over the rebuilt tree on recorded and hand-written logs.
@Suite("Sigma")
struct SigmaTests {
    /// A process_creation rule with one `detection` block, parsed.
    static func rule(_ detection: String, file: String = "test.yml") -> SigmaRuleParser.Outcome {
        let text = """
            title: t
            id: 00000000-0000-4000-8000-000000000000
            author: someone
            logsource:
                category: process_creation
                product: linux
            detection:
            \(detection.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
            level: medium
            """
        return SigmaRuleParser.parse(text, file: file)
    }

    static func fields(
        image: String = "/usr/bin/bash", commandLine: [String] = ["bash"], parent: String? = "/usr/bin/python3.11",
        cwd: String = "/home/u"
    ) -> SigmaProcessCreation {
        var values = SigmaProcessCreation(
            image: Self.image(exe: image, argv: commandLine, cwd: cwd), pid: 10, ppid: 9,
            parent: parent.map { Self.image(exe: $0, argv: [$0, "-c", "x"], cwd: "/") })
        values.values[SigmaProcessCreation.Field.user.rawValue] = SigmaFieldValue("www-data")
        return values
    }

    static func image(exe: String, argv: [String], cwd: String) -> ProcessImage {
        ProcessImage(
            origin: .exec, exe: LogString(bytes: Array(exe.utf8)), comm: nil,
            argv: ArgumentVector(arguments: argv.map { LogString(bytes: Array($0.utf8)) }, isComplete: true),
            cwd: LogString(bytes: Array(cwd.utf8)), uid: 33, euid: 33, auid: nil, ses: nil, tty: nil, key: nil,
            userName: nil,
            loginUserName: nil, node: nil, stamp: EventStamp(seconds: 0, milliseconds: 0, serial: 0),
            location: LogLocation(file: "x", line: 1))
    }

    static func matches(_ detection: String, _ values: SigmaProcessCreation = fields()) throws -> Bool {
        guard case .rule(let rule) = rule(detection) else {
            Issue.record("not parsed: \(detection)")
            return false
        }
        return values.matches(rule)
    }

    struct FieldsCase: Sendable, CustomTestStringConvertible {
        var detection: String
        var used: [SigmaProcessCreation.Field]
        var testDescription: String { detection.replacingOccurrences(of: "\n", with: " ; ") }
    }

    /// A scan builds only the Sysmon fields its rules read, and they match as the full set does.
    @Test(
        "Only the fields the rules read are built",
        arguments: [
            FieldsCase(detection: "s:\n    Image|endswith: '/curl'\ncondition: s", used: [.image]),
            FieldsCase(
                detection:
                    "s:\n    ParentImage|endswith: '/python3.11'\n    CommandLine|contains: 'curl'\ncondition: s",
                used: [.commandLine, .parentImage]),
            FieldsCase(
                detection: "s:\n    CurrentDirectory|startswith: '/home'\nf:\n    User: 'root'\ncondition: s and not f",
                used: [.user, .currentDirectory]),
            // A keyword search reads every field's value.
            FieldsCase(detection: "k:\n    - '*curl*'\ncondition: k", used: SigmaProcessCreation.Field.allCases),
        ])
    func usedFields(_ test: FieldsCase) throws {
        guard case .rule(let sigma) = Self.rule(test.detection) else {
            Issue.record("not parsed")
            return
        }
        let rules = SigmaExecRules([Rule(sigma: sigma)])
        #expect(rules.usedFields == SigmaProcessCreation.Field.allCases.map { test.used.contains($0) })
        let image = Self.image(exe: "/usr/bin/curl", argv: ["curl", "http://x/a.sh"], cwd: "/home/u")
        let parent = Self.image(exe: "/usr/bin/python3.11", argv: ["python3.11", "-c", "x"], cwd: "/")
        let full = SigmaProcessCreation(image: image, pid: 10, ppid: 9, parent: parent)
        let built = SigmaProcessCreation(image: image, pid: 10, ppid: 9, parent: parent, used: rules.usedFields)
        for field in SigmaProcessCreation.Field.allCases {
            #expect((built[field] != nil) == (test.used.contains(field) && full[field] != nil), "\(field.name)")
        }
        #expect(rules.matching(built).map(\.id) == rules.matching(full).map(\.id))
        #expect(rules.matching(full).count == 1)
    }

    /// SigmaExecRules evaluates the operands of `and`, `or`, `1 of` and `all of` cheapest first
    /// (a regex last): the answer must be the condition's as written, on execs where each
    /// operand holds or not.
    @Test(
        "operands evaluated cheapest first answer as the condition does",
        arguments: [
            "sel_img:\n    Image|endswith: '/curl'\nsel_cli:\n    - CommandLine|contains: ' --data '\n    - CommandLine|re: '\\s-[FTd]\\s'\nfilter_local:\n    CommandLine|contains: '://127.0.0.1'\ncondition: all of sel_* and not 1 of filter_*",
            "a:\n    CommandLine|re: 'x/[ab]'\nb:\n    Image|endswith: '/wget'\ncondition: a or b",
            "a:\n    CommandLine|re: 'x/[ab]'\nb:\n    Image|endswith: '/wget'\ncondition: a and not b",
            "a:\n    CommandLine|re: '-d'\nb:\n    CurrentDirectory: '/home/u'\nc:\n    User: '33'\ncondition: (a or b) and not (c and a)",
            "r_1:\n    CommandLine|re: 'http'\nr_2:\n    Image|contains: 'cur'\ncondition: 1 of r_* and not all of r_*",
        ])
    func cheapestFirst(_ detection: String) throws {
        guard case .rule(let sigma) = Self.rule(detection) else {
            Issue.record("not parsed")
            return
        }
        let rules = SigmaExecRules([Rule(sigma: sigma)])
        let parent = Self.image(exe: "/usr/bin/python3.11", argv: ["python3.11", "-c", "x"], cwd: "/")
        var answers: Set<Bool> = []
        for (exe, argv, cwd) in [
            ("/usr/bin/curl", ["curl", "-d", "x", "http://x/a.sh"], "/home/u"),
            ("/usr/bin/curl", ["curl", "-d", "x", "http://127.0.0.1/a"], "/home/u"),
            ("/usr/bin/curl", ["curl", "--data", "x", "http://x/b"], "/tmp"),
            ("/usr/bin/wget", ["wget", "-q", "http://x/c"], "/home/u"),
            ("/bin/sh", ["sh", "-c", "id"], "/"),
        ] {
            let fields = SigmaProcessCreation(
                image: Self.image(exe: exe, argv: argv, cwd: cwd), pid: 10, ppid: 9, parent: parent)
            let expected = fields.matches(sigma)
            answers.insert(expected)
            #expect(rules.matching(fields).count == (expected ? 1 : 0), "\(argv)")
        }
        #expect(answers.count == 2, "the execs do not tell the condition's operands apart")
    }

    struct IndexCase: Sendable, CustomTestStringConvertible {
        var detection: String
        /// Whether the exec (`curl http://x/a.sh` in /home/u, uid 33, under python3.11) is tested.
        var candidate: Bool
        var testDescription: String { detection.replacingOccurrences(of: "\n", with: " ; ") }
    }

    @Test(
        "the literal index: a rule is tested only when each clause of its condition has a literal in the exec",
        arguments: [
            // A broad entry does not make the rule a candidate when another entry's literal is absent.
            IndexCase(
                detection: "s:\n    User: '33'\n    CurrentDirectory: '/var/opt/x'\ncondition: s", candidate: false),
            IndexCase(detection: "s:\n    User: '33'\n    CurrentDirectory: '/home/u'\ncondition: s", candidate: true),
            // `or`: one of the sides' literals is enough.
            IndexCase(
                detection: "a:\n    Image|endswith: '/wget'\nb:\n    CommandLine|contains: 'a.sh'\ncondition: a or b",
                candidate: true),
            IndexCase(
                detection: "a:\n    Image|endswith: '/wget'\nb:\n    CommandLine|contains: 'b.sh'\ncondition: a or b",
                candidate: false),
            // `|all`: every value's literal must be there.
            IndexCase(
                detection: "s:\n    CommandLine|contains|all: ['curl', 'socket']\ncondition: s", candidate: false),
            IndexCase(detection: "s:\n    CommandLine|contains|all: ['curl', 'a.sh']\ncondition: s", candidate: true),
            // `and not`: the negated search adds no clause.
            IndexCase(
                detection:
                    "s:\n    Image|endswith: '/curl'\nf:\n    CommandLine|contains: 'zzz'\ncondition: s and not f",
                candidate: true),
            // Several maps: one of them.
            IndexCase(
                detection: "s:\n    - Image|endswith: '/wget'\n    - ParentImage|contains: 'python'\ncondition: s",
                candidate: true),
            // A case-sensitive regex needs its literal as written.
            IndexCase(detection: "s:\n    CommandLine|re: 'HTTP://'\ncondition: s", candidate: false),
            IndexCase(detection: "s:\n    CommandLine|re|i: 'HTTP://'\ncondition: s", candidate: true),
            IndexCase(detection: "s:\n    CommandLine|cased: 'CURL*'\ncondition: s", candidate: false),
            // No literal at all: tested on every exec.
            IndexCase(detection: "s:\n    CommandLine|re: '\\d'\ncondition: s", candidate: true),
        ])
    func literalIndex(_ test: IndexCase) throws {
        guard case .rule(let sigma) = Self.rule(test.detection) else {
            Issue.record("not parsed")
            return
        }
        let rules = SigmaExecRules([Rule(sigma: sigma)])
        let image = Self.image(exe: "/usr/bin/curl", argv: ["curl", "http://x/a.sh"], cwd: "/home/u")
        let parent = Self.image(exe: "/usr/bin/python3.11", argv: ["python3.11", "-c", "x"], cwd: "/")
        let fields = SigmaProcessCreation(image: image, pid: 10, ppid: 9, parent: parent)
        #expect(rules.candidates(fields) == (test.candidate ? [0] : []))
        // Twice: what one exec marks is cleared for the next.
        #expect(rules.candidates(fields) == (test.candidate ? [0] : []))
        // Never a match the index hides.
        if !test.candidate {
            #expect(!sigma.detection.condition.evaluate { fields.holds(sigma.detection.searches[$0]!) })
        }
    }

    @Test(
        "an exec's literals found in its records as they are parsed are those of its image's fields, on every recorded exec"
    )
    func recordLiteralsAgreeWithImage() throws {
        // Literals on each field the records give (with upper case, short and cased ones), and
        // SigmaHQ's when ../shared/sigma is there.
        var sigma: [SigmaRule] = []
        for detection in [
            "s:\n    Image|endswith: ['/bash', '/SH', '/python3', '/curl']\ncondition: s",
            "s:\n    CommandLine|contains: [' -c ', 'Id', '-u', '.sh', 'x']\ncondition: s",
            "s:\n    CommandLine|contains|cased: ['PATH', 'Spawn']\ncondition: s",
            "s:\n    CurrentDirectory|contains: ['/tmp', '/ROOT', 'w']\ncondition: s",
            "s:\n    User: ['root', 'www-data', '0', '33']\ncondition: s",
            "s:\n    LogonId: ['0', '1000']\ncondition: s",
        ] {
            guard case .rule(let rule) = Self.rule(detection) else {
                Issue.record("not parsed: \(detection)")
                return
            }
            sigma.append(rule)
        }
        if let hq = Self.sigmaHQ {
            sigma += try SigmaRuleSet.load(paths: [hq]).rules.filter { $0.target == .processCreation }
        }
        let rules = SigmaExecRules(sigma.map { Rule(sigma: $0) })
        let scanner = rules.fieldScanner
        var compared = 0
        var withLiterals = 0
        var memo = SigmaExecFieldMemo()
        for name in Fixtures.recordedNames {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Fixtures.recorded(name))))
            var parser = RecordParser(detail: .scan)
            var events: [EventStamp: AuditEvent] = [:]
            var order: [EventStamp] = []
            for (number, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() {
                var record = Record.empty
                guard
                    case .record = parser.parse(
                        Array(line).span, lineNumber: number + 1, truncated: false, limit: 1 << 20, into: &record)
                else { continue }
                scanner.findLiterals(in: &record, memo: &memo)
                if events[record.stamp] == nil {
                    order.append(record.stamp)
                    events[record.stamp] = AuditEvent(
                        node: record.node, stamp: record.stamp, isDaemon: record.isDaemon,
                        location: LogLocation(file: name, line: number + 1))
                }
                events[record.stamp]!.add(&record, file: name)
            }
            for stamp in order {
                let event = events[stamp]!
                guard let syscall = event.syscall, syscall.syscall.isExec else { continue }
                let image = ProcessImage(origin: .exec, event: event, syscall: syscall)
                compared += 1
                guard image.fieldLiterals.wasLookedFor else {
                    // Only an exec whose command line is not one whole EXECVE record is left to the scan's thread.
                    let whole =
                        event.execve.count == 1 && event.execve[0].splitLengths.isEmpty
                        && event.execve[0].arguments.enumerated().allSatisfy { $1.chunk == nil && $1.index == $0 }
                    #expect(!whole, "\(name) line \(image.location.line)")
                    continue
                }
                let found = image.fieldLiterals.numbers
                withLiterals += found.isEmpty ? 0 : 1
                #expect(found.count == Set(found).count, "\(name) line \(image.location.line): a literal twice")
                let fields = SigmaProcessCreation(image: image, pid: syscall.pid, ppid: syscall.ppid, parent: nil)
                #expect(Set(found) == rules.ownLiterals(fields), "\(name) line \(image.location.line)")
            }
        }
        #expect(compared > 1000)
        #expect(withLiterals > 500)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var detection: String
        var image: String = "/usr/bin/bash"
        var argv: [String] = ["bash", "-c", "curl http://x/a.sh | sh"]
        var expected: Bool
        var testDescription: String {
            "\(detection.replacingOccurrences(of: "\n", with: " ; ")) on \(image) \(argv) -> \(expected)"
        }
    }

    @Test(
        "Modifiers and wildcards",
        arguments: [
            Case(detection: "s:\n    Image: '/usr/bin/bash'\ncondition: s", expected: true),
            // case-insensitive by default
            Case(detection: "s:\n    Image: '/USR/BIN/BASH'\ncondition: s", expected: true),
            Case(detection: "s:\n    Image|cased: '/USR/BIN/BASH'\ncondition: s", expected: false),
            // a plain value is the whole field
            Case(detection: "s:\n    Image: '/usr/bin/bas'\ncondition: s", expected: false),
            Case(detection: "s:\n    Image|endswith: '/bash'\ncondition: s", expected: true),
            Case(detection: "s:\n    Image|endswith: '/sh'\ncondition: s", expected: false),
            Case(detection: "s:\n    Image|startswith: '/usr/'\ncondition: s", expected: true),
            Case(detection: "s:\n    CommandLine|contains: 'CURL http'\ncondition: s", expected: true),
            Case(detection: "s:\n    CommandLine|contains|all: ['curl', '| sh']\ncondition: s", expected: true),
            Case(detection: "s:\n    CommandLine|contains|all: ['curl', 'wget']\ncondition: s", expected: false),
            Case(detection: "s:\n    CommandLine|contains: ['wget', 'curl']\ncondition: s", expected: true),
            Case(detection: "s:\n    CommandLine: 'bash -c curl*sh'\ncondition: s", expected: true),
            Case(detection: "s:\n    CommandLine: 'bash -c curl*sh?'\ncondition: s", expected: false),
            Case(detection: "s:\n    Image: '/usr/bin/b?sh'\ncondition: s", expected: true),
            Case(detection: "s:\n    Image: '/usr/bin/b\\?sh'\ncondition: s", expected: false),  // escaped: a literal ?
            Case(detection: "s:\n    CommandLine|contains: 'a\\*'\ncondition: s", argv: ["ls", "a*"], expected: true),
            Case(detection: "s:\n    CommandLine|contains: 'a\\*'\ncondition: s", argv: ["ls", "ab"], expected: false),
            Case(detection: "s:\n    CommandLine|re: 'curl\\s+http://[a-z]{1,3}/'\ncondition: s", expected: true),
            Case(detection: "s:\n    CommandLine|re: 'CURL'\ncondition: s", expected: false),  // re is case-sensitive
            Case(detection: "s:\n    CommandLine|re|i: 'CURL'\ncondition: s", expected: true),
            Case(detection: "s:\n    CommandLine|re: '(?:wget|curl) http'\ncondition: s", expected: true),
            Case(detection: "s:\n    CurrentDirectory|exists: true\ncondition: s", expected: true),
            Case(detection: "s:\n    ParentImage|exists: false\ncondition: s", expected: false),
            Case(
                detection: "s:\n    CommandLine|windash|contains: ' -c '\ncondition: s", argv: ["bash", "/c", "x"],
                expected: true),
            Case(
                detection: "s:\n    CommandLine|base64|contains: 'id -u'\ncondition: s", argv: ["sh", "aWQgLXU="],
                expected: true),
            Case(
                detection: "s:\n    CommandLine|base64offset|contains: 'id -u'\ncondition: s",
                argv: ["echo", "ZWNobyBpZCAtdQ=="], expected: true),
            Case(
                detection: "s:\n    CommandLine|base64offset|contains: 'id -u'\ncondition: s",
                argv: ["echo", "aWQgLWc="], expected: false),
            Case(detection: "s:\n    CommandLine|cidr: '10.0.0.0/8'\ncondition: s", argv: ["10.1.2.3"], expected: true),
            Case(
                detection: "s:\n    CommandLine|cidr: '10.0.0.0/8'\ncondition: s", argv: ["11.1.2.3"], expected: false),
            Case(
                detection: "s:\n    ParentImage|endswith: '/python3.11'\n    User: 'www-data'\ncondition: s",
                expected: true),
            Case(detection: "s:\n    ParentCommandLine|contains: ' -c '\ncondition: s", expected: true),
            // list of maps: any
            Case(detection: "s:\n    - Image: '/nope'\n    - User: 'WWW-DATA'\ncondition: s", expected: true),
            Case(detection: "s:\n    - 'CURL http'\ncondition: s", expected: true),  // keywords: anywhere
        ])
    func modifiers(_ example: Case) throws {
        #expect(
            try Self.matches(example.detection, Self.fields(image: example.image, commandLine: example.argv))
                == example.expected)
    }

    @Test(
        "Conditions",
        arguments: [
            ("a and b", true), ("a and c", false), ("a or c", true), ("not c", true), ("not a", false),
            ("a and not (c or d)", true), ("(a or c) and (b or d)", true), ("1 of sel_*", true),
            ("all of sel_*", false),
            ("1 of them", true), ("all of them", false), ("all of sel_a*", true), ("a and not 1 of filter_*", false),
            ("not a or b", true), ("c or d or a and b", true),
        ] as [(String, Bool)])
    func conditions(_ condition: String, _ expected: Bool) throws {
        let detection = """
            a:
                Image|endswith: '/bash'
            b:
                User: 'www-data'
            c:
                Image|endswith: '/zsh'
            d:
                CommandLine: 'nope'
            sel_a1:
                Image|startswith: '/usr'
            sel_z:
                Image: 'nope'
            filter_x:
                ParentImage|endswith: '/python3.11'
            condition: \(condition)
            """
        #expect(try Self.matches(detection) == expected)
    }

    @Test(
        "Refused with a reason, never mis-evaluated",
        arguments: [
            ("s:\n    Image|gt: 3\ncondition: s", "modifier 'gt' is not supported"),
            ("s:\n    Hashes|contains: 'x'\ncondition: s", "field 'Hashes' is not one audit logs give"),
            ("s:\n    Image: x\ncondition: s | count() > 3", "aggregation"),
            ("s:\n    Image: x\ncondition: 2 of s", "only '1 of' and 'all of'"),
            ("s:\n    Image: x\ncondition: t", "not a search of the rule"),
            ("s:\n    Image|re: '('\ncondition: s", "regex"),
            ("s:\n    Image: x", "missing 'detection.condition'"),
        ] as [(String, String)])
    func refused(_ detection: String, _ reason: String) {
        guard case .skipped(let skipped) = Self.rule(detection) else {
            Issue.record("accepted: \(detection)")
            return
        }
        #expect(skipped.reason.contains(reason), "\(skipped.reason)")
    }

    @Test("Other logsources are listed as not run")
    func logsource() {
        let outcome = SigmaRuleParser.parse(
            "title: t\nid: x\nlogsource: {product: linux, category: file_event}\ndetection: {s: {a: b}, condition: s}\n",
            file: "f.yml")
        guard case .skipped(let skipped) = outcome else {
            Issue.record("accepted")
            return
        }
        #expect(skipped.reason.hasPrefix("logsource product: linux, category: file_event") && !skipped.isError)
    }

    // MARK: Over the tree

    static func scan(_ log: String, sigma: [String]) throws -> ScanReport {
        var configuration = ScanConfiguration(inputs: [log])
        configuration.sigmaPaths = sigma
        configuration.useDefaultRules = false
        return try Scanner.run(configuration)
    }

    @Test("Parent-aware rules: a Java child shell, a shell whose parent runs from /tmp, and not an unknown parent")
    func parentAware() throws {
        let report = try Self.scan(
            Fixtures.root.appendingPathComponent("fixtures/sigma/java-child-shell.log").path,
            sigma: [Fixtures.root.appendingPathComponent("fixtures/sigma").path])
        let pairs = report.findings.map { "\($0.rule.id) pid \($0.process.pid)" }.sorted()
        // pid 300's parent (999) is never described: ParentImage is '-', so neither rule holds.
        #expect(
            pairs == ["7d1c0000-0000-4000-8000-000000000001 pid 201", "7d1c0000-0000-4000-8000-000000000002 pid 101"])
        let tmp = try #require(report.findings.first { $0.process.pid == 201 })
        #expect(tmp.rule.severity == .high && tmp.rule.author == "auditree tests" && tmp.rule.mitre == ["T1059.004"])
        #expect(tmp.rule.references == ["https://example.invalid/auditree-tests"])
        #expect(tmp.spawner.pid == 200 && tmp.spawner.image?.exe?.lossyString == "/tmp/dropper")
    }

    @Test("A recorded fixture: a rule on the parent fires for apache2ctl's id, and only there")
    func recordedParent() throws {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "sigma-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rule = directory.appendingPathComponent("r.yml")
        try """
        title: id from a script run by dash
        id: 7d1c0000-0000-4000-8000-000000000003
        author: auditree tests
        logsource: {category: process_creation, product: linux}
        detection:
            selection:
                Image|endswith: '/id'
                ParentImage|endswith: '/dash'
                ParentCommandLine|contains: 'apache2ctl'
            condition: selection
        level: low
        """.write(to: rule, atomically: true, encoding: .utf8)
        for name in ["enriched-execve", "raw-execve", "raw-fork", "enriched-fork", "webshell-execve"] {
            let report = try Self.scan(Fixtures.recorded(name), sigma: [rule.path])
            #expect(report.findings.count == 1, "\(name)")
            #expect(report.findings.first?.process.image.map { NameMatcher.commandLine($0) } == "id -u", "\(name)")
        }
        // benign-busy runs no apache2ctl: the rule must stay silent there.
        let benign = try Self.scan(Fixtures.recorded("benign-busy"), sigma: [rule.path])
        #expect(benign.findings.isEmpty)
    }

    /// Two users whose names differ only in their Unicode normalization ("café" precomposed, and
    /// "cafe" with a combining accent) are two users: the User field is matched as bytes, so an
    /// outcome kept for one exec must not be handed to the other's (same parent, command and
    /// directory). Either order: the second exec is the one the kept outcome would answer.
    @Test("A kept Sigma outcome tells user names apart by their bytes", arguments: [false, true])
    func userNamesByBytes(decomposedFirst: Bool) throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        let directory = TestProcessFolder.url.appendingPathComponent("sigma-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rule = directory.appendingPathComponent("r.yml")
        try """
        title: a shell of any user but the precomposed one
        id: 7d1c0000-0000-4000-8000-00000000c0fe
        logsource: {category: process_creation, product: linux}
        detection:
            selection:
                Image|endswith: '/sh'
            filter:
                User: '\(composed)'
            condition: selection and not filter
        level: high
        """.write(to: rule, atomically: true, encoding: .utf8)
        var log = LogBuilder()
        log.exec(pid: 100, ppid: 1, exe: "/usr/bin/python3", ["python3", "app.py"])
        let users = decomposedFirst ? [decomposed, composed] : [composed, decomposed]
        log.exec(pid: 201, ppid: 100, exe: "/bin/sh", ["sh", "-c", "id"], uid: 1000, user: users[0], cwd: "/srv")
        log.exec(pid: 202, ppid: 100, exe: "/bin/sh", ["sh", "-c", "id"], uid: 1000, user: users[1], cwd: "/srv")
        let report = try Self.scan(try log.write("sigma-user-bytes-\(decomposedFirst)"), sigma: [rule.path])
        let pids = report.findings.map(\.process.pid).sorted()
        #expect(pids == [decomposedFirst ? 201 : 202])
    }

    /// `../shared/sigma` beside the package (or beside its worktree folder).
    static let sigmaHQ: String? = {
        let parent = Fixtures.root.deletingLastPathComponent()
        for candidate in [
            parent.appendingPathComponent("shared/sigma"),
            parent.deletingLastPathComponent().appendingPathComponent("shared/sigma"),
        ] {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("rules").path) {
                return candidate.standardizedFileURL.path
            }
        }
        return nil
    }()

    @Test(
        "SigmaHQ: all 144 process_creation rules load",
        .enabled(if: sigmaHQ != nil, "../shared/sigma is absent: SigmaHQ tests skipped"))
    func sigmaHQLoads() throws {
        let set = try SigmaRuleSet.load(paths: [Self.sigmaHQ!])
        #expect(set.rules.filter { $0.target == .processCreation }.count == 144)
        #expect(set.skipped.filter(\.isError).isEmpty)
        #expect(set.rules.count + set.skipped.count == 244)
    }

    @Test(
        "SigmaHQ: parent-aware rules stay silent on the benign recording",
        .enabled(if: sigmaHQ != nil, "../shared/sigma is absent: SigmaHQ tests skipped"))
    func sigmaHQBenign() throws {
        let report = try Self.scan(Fixtures.recorded("benign-busy"), sigma: [Self.sigmaHQ!])
        let parentAware = Set(
            try SigmaRuleSet.load(paths: [Self.sigmaHQ!]).rules.filter { rule in
                rule.detection.searches.values.contains { search in
                    if case .maps(let maps) = search {
                        return maps.contains { $0.contains { $0.field.hasPrefix("Parent") } }
                    }
                    return false
                }
            }.map(\.id))
        #expect(parentAware.count >= 20)
        #expect(!report.findings.contains { parentAware.contains($0.rule.id) })
        #expect(!report.findings.isEmpty)  // the plain ones (file deletion, curl) do fire there
    }

    @Test(
        "SigmaHQ: the Java-children rule fires on the recorded Java child shells, with java as ParentImage",
        .enabled(if: sigmaHQ != nil, "../shared/sigma is absent: SigmaHQ tests skipped"))
    func sigmaHQJavaChild() throws {
        let rule = Self.sigmaHQ! + "/rules/linux/process_creation/proc_creation_lnx_susp_java_children.yml"
        let expected = [
            "enriched-execve": "/bin/bash -c echo tp-java", "raw-execve": "/bin/bash -c echo tp-java",
            "enriched-fork": "/bin/bash -c echo tp-java", "raw-fork": "/bin/bash -c echo tp-java",
            "variants-enriched-fork": "bash -c echo v-java-http",
        ]
        for (name, commandLine) in expected {
            let report = try Self.scan(Fixtures.recorded(name), sigma: [rule])
            #expect(
                report.findings.map { $0.process.image.map { NameMatcher.commandLine($0) } } == [commandLine], "\(name)"
            )
            #expect(
                report.findings.first?.spawner.image?.exe?.lossyString == "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
                "\(name)")
        }
        // The same Java server on a log that audits execve only: the server started before the
        // recording and makes no audited call, so its image is unknown ('-') and the rule cannot
        // hold. Its child's failed exec shows java, but a process's image before its first exec
        // in the log is its own (a login shell's `exec vim`), not its parent's.
        for name in ["variants-raw-execve", "benign-busy", "webshell-execve"] {
            #expect(try Self.scan(Fixtures.recorded(name), sigma: [rule]).findings.isEmpty, "\(name)")
        }
    }

    @Test("CLI: rules check --sigma lists what is not run; exceptions and --fail-on apply to Sigma findings")
    func commandLine() throws {
        let log = "fixtures/sigma/java-child-shell.log"
        let scan = try CLI.run(["scan", "--no-default-rules", "--sigma", "fixtures/sigma", "--format", "json", log])
        #expect(scan.status == 1, "\(scan.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: scan.stdout) as? [String: Any])
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.compactMap { $0["author"] as? String } == ["auditree tests", "auditree tests"])
        let critical = try CLI.run([
            "scan", "--no-default-rules", "--sigma", "fixtures/sigma", "--fail-on", "critical", "--quiet", log,
        ])
        #expect(critical.status == 1)

        let directory = TestProcessFolder.url.appendingPathComponent(
            "sigma-cli-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let exceptions = directory.appendingPathComponent("exceptions.yaml")
        try """
        version: 1
        exceptions:
          - id: java-app-shell
            reason: the app runs id at start
            rules: [7d1c0000-0000-4000-8000-000000000002]
            spawner: {exe_prefix: [/usr/lib/jvm]}
        """.write(to: exceptions, atomically: true, encoding: .utf8)
        let excepted = try CLI.run([
            "scan", "--no-default-rules", "--sigma", "fixtures/sigma", "--rules", exceptions.path, "--fail-on",
            "critical", "--quiet", log,
        ])
        #expect(excepted.status == 0, "\(excepted.stderr) \(excepted.text)")

        let bad = directory.appendingPathComponent("bad.yml")
        try "title: t\nid: y\nlogsource: {category: process_creation}\ndetection: {s: {Image|lt: 3}, condition: s}\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let check = try CLI.run(["rules", "check", "--sigma", bad.path])
        #expect(check.status == 0)
        #expect(check.text.contains("modifier 'lt' is not supported"))
        let warned = try CLI.run(["scan", "--no-default-rules", "--sigma", bad.path, log])
        #expect(warned.stderr.contains("1 of 1 Sigma rule file(s) are not run"))
    }

    @Test(
        "SigmaHQ: the literal index never hides a match (indexed = every rule tried, on every recorded exec)",
        .enabled(if: sigmaHQ != nil, "../shared/sigma is absent: SigmaHQ tests skipped"))
    func indexAgreesWithBruteForce() throws {
        let set = try SigmaRuleSet.load(paths: [Self.sigmaHQ!]).rules.filter { $0.target == .processCreation }
        let indexed = SigmaExecRules(set.map { Rule(sigma: $0) })
        // Regex-only and negation-only rules cannot be indexed; the rest are.
        #expect(indexed.unindexedCount <= 12, "\(indexed.unindexedCount) rules tested on every exec")
        var compared = 0
        for name in Fixtures.recordedNames {
            var configuration = ScanConfiguration(inputs: [Fixtures.recorded(name)])
            configuration.collectExecs = true
            for record in try Scanner.run(configuration).execs {
                let fields = SigmaProcessCreation(
                    image: record.image, pid: record.pid, ppid: record.ppid,
                    parent: record.lineage.first { $0.generation == 1 }?.image)
                #expect(
                    indexed.matching(fields).map(\.id) == set.filter { fields.matches($0) }.map(\.id),
                    "\(name) line \(record.image.location.line)")
                compared += 1
            }
        }
        #expect(compared > 1000)
    }
}
