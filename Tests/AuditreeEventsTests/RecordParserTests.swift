import Foundation
import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeInput
@testable import AuditreeParser

/// Exact edge cases of the record grammar, one line each.
@Suite("Record parser")
struct RecordParserTests {
    struct StampCase: Sendable, CustomStringConvertible {
        var line: String
        var node: String?
        var seconds: Int64
        var millis: Int32
        var serial: UInt64
        var kind: RecordKind
        var description: String { line }
    }

    @Test(
        "header: node prefix, type names and numbers, stamp",
        arguments: [
            StampCase(
                line: #"type=SYSCALL msg=audit(1700000000.561:339): arch=c000003e syscall=59 pid=2"#, node: nil,
                seconds: 1_700_000_000, millis: 561, serial: 339, kind: .syscall),
            StampCase(
                line: #"node=web-01 type=EXECVE msg=audit(1700000000.005:1): argc=1 a0="ls""#, node: "web-01",
                seconds: 1_700_000_000, millis: 5, serial: 1, kind: .execve),
            StampCase(
                line: #"type=UNKNOWN[1327] msg=audit(1.000:0): proctitle=6C73"#, node: nil, seconds: 1, millis: 0,
                serial: 0, kind: .proctitle),
            StampCase(
                line: #"type=CWD msg=audit(0.999:4294967295): cwd="/""#, node: nil, seconds: 0, millis: 999,
                serial: 4_294_967_295, kind: .cwd),
            StampCase(
                line: #"type=EOE msg=audit(1700000000.561:339): "#, node: nil, seconds: 1_700_000_000, millis: 561,
                serial: 339, kind: .eoe),
            StampCase(
                line:
                    #"type=USER_LOGIN msg=audit(1700000000.561:340): pid=1 uid=0 msg='op=login acct="root" res=success'"#,
                node: nil, seconds: 1_700_000_000, millis: 561, serial: 340, kind: .other),
        ])
    func header(_ example: StampCase) throws {
        let record = try #require(Fixtures.parseLine(example.line)).get()
        #expect(record.node == example.node)
        #expect(record.kind == example.kind)
        #expect(
            record.stamp == EventStamp(seconds: example.seconds, milliseconds: example.millis, serial: example.serial))
        // The stamp prints exactly as the log wrote it.
        let written = example.line.split(separator: "(", maxSplits: 1)[1].split(separator: ")")[0]
        #expect(record.stamp.description == String(written))
    }

    struct RejectCase: Sendable, CustomStringConvertible {
        var line: String
        var reason: RejectReason
        var column: Int
        var description: String { line }
    }

    @Test(
        "rejections name the reason and column",
        arguments: [
            RejectCase(line: "hello world", reason: .notAnAuditRecord, column: 1),
            RejectCase(line: "----", reason: .notAnAuditRecord, column: 1),
            RejectCase(line: "node=x SYSCALL", reason: .notAnAuditRecord, column: 8),
            RejectCase(line: "type=UNKNOWN[1329] msg=?", reason: .missingTimestamp, column: 20),
            RejectCase(line: "type=SYSCALL", reason: .missingTimestamp, column: 13),
            RejectCase(line: "type=SYSCALL msg=audit(17.5:3): pid=1", reason: .malformedTimestamp, column: 14),
            RejectCase(line: "type=SYSCALL msg=audit(017.500:3): pid=1", reason: .malformedTimestamp, column: 14),
            RejectCase(line: "type=SYSCALL msg=audit(17.500:03): pid=1", reason: .malformedTimestamp, column: 14),
            RejectCase(line: "type=SYSCALL msg=audit(17.500:3", reason: .malformedTimestamp, column: 14),
            RejectCase(
                line: "type=SYSCALL msg=audit(99999999999999999999.500:3): pid=1", reason: .malformedTimestamp,
                column: 14),
            RejectCase(
                line: "type=SYSCALL msg=audit(17.500:3): arch=c000003e syscall=59 pid=abc",
                reason: .malformedField("pid"), column: 64),
            RejectCase(
                line: "type=SYSCALL msg=audit(17.500:3): arch=c000003e syscall=59", reason: .missingField("pid"),
                column: 59),
            RejectCase(
                line: "type=SYSCALL msg=audit(17.500:3): arch=zz syscall=59 pid=1", reason: .malformedField("arch"),
                column: 40),
            RejectCase(
                line: "type=SYSCALL msg=audit(17.500:3): arch=c000003e syscall=59 pid=1 ppid=-1",
                reason: .malformedField("ppid"), column: 71),
            RejectCase(
                line: "type=EXECVE msg=audit(17.500:3): argc=x a0=\"ls\"", reason: .malformedField("argc"), column: 39),
        ])
    func rejections(_ example: RejectCase) throws {
        let result = try #require(Fixtures.parseLine(example.line))
        guard case .failure(let rejection) = result else {
            Issue.record("accepted: \(example.line)")
            return
        }
        #expect(rejection.reason == example.reason)
        #expect(rejection.column == example.column)
    }

    @Test("blank lines are neither records nor rejections", arguments: ["", "   ", "\t\r"])
    func blank(_ line: String) {
        #expect(Fixtures.parseLines(Array((line + "\nx\n").utf8)).count == 1)
    }

    struct ValueCase: Sendable, CustomStringConvertible {
        var field: String
        var expected: [UInt8]?
        var description: String { field }
    }

    @Test(
        "untrusted values: quoted, hex, (null), unquoted",
        arguments: [
            ValueCase(field: #"comm="sh""#, expected: Array("sh".utf8)),
            ValueCase(field: "comm=7368206C73", expected: Array("sh ls".utf8)),
            ValueCase(field: "comm=1B5B33316D", expected: [0x1B, 0x5B, 0x33, 0x31, 0x6D]),
            ValueCase(field: "comm=FFFE", expected: [0xFF, 0xFE]),
            ValueCase(field: "comm=(null)", expected: nil),
            ValueCase(field: "comm=?", expected: Array("?".utf8)),
            ValueCase(field: "comm=ABC", expected: Array("ABC".utf8)),
            ValueCase(field: #"comm="""#, expected: []),
            // An unterminated quote (a cut line) runs to the end of the line.
            ValueCase(field: #"comm="unterminated tail"#, expected: Array("unterminated tail".utf8)),
            // Around the 16 bytes a value keeps without a heap object, quoted and hex-decoded.
            ValueCase(field: #"comm="0123456789abcde""#, expected: Array("0123456789abcde".utf8)),
            ValueCase(field: #"comm="0123456789abcdef""#, expected: Array("0123456789abcdef".utf8)),
            ValueCase(field: #"comm="0123456789abcdefg""#, expected: Array("0123456789abcdefg".utf8)),
            ValueCase(field: "comm=" + String(repeating: "41", count: 16), expected: Array(repeating: 0x41, count: 16)),
            ValueCase(field: "comm=" + String(repeating: "42", count: 17), expected: Array(repeating: 0x42, count: 17)),
            // Bad digits anywhere, even in the last pair, leave the value as logged.
            ValueCase(
                field: "comm=" + String(repeating: "41", count: 15) + "4G",
                expected: Array((String(repeating: "41", count: 15) + "4G").utf8)),
            ValueCase(
                field: "comm=" + String(repeating: "41", count: 16) + "G1",
                expected: Array((String(repeating: "41", count: 16) + "G1").utf8)),
        ])
    func untrustedValues(_ example: ValueCase) throws {
        let line = "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 pid=5 exe=\"/x\" \(example.field)"
        let record = try #require(Fixtures.parseLine(line)).get()
        guard case .syscall(let call) = record.body else {
            Issue.record("not a syscall")
            return
        }
        #expect(call.comm?.bytes == example.expected)
    }

    @Test("a malformed id is unknown, the record is kept", arguments: ["uid=-1", "ses=4296967295", "auid=x"])
    func malformedIds(_ field: String) throws {
        let record = try #require(
            Fixtures.parseLine(
                "type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 pid=5 uid=7 ses=3 auid=9 \(field)")
        ).get()
        guard case .syscall(let call) = record.body else {
            Issue.record("not a syscall")
            return
        }
        let name = String(field.split(separator: "=")[0])
        #expect([("uid", call.uid), ("ses", call.ses), ("auid", call.auid)].first { $0.0 == name }?.1 == nil)
        #expect(call.pid == 5)
    }

    @Test("every packed key literal is its name packed", arguments: PackedKey.all.map { $0.0 })
    func packedKeys(_ name: String) throws {
        let literal = try #require(PackedKey.all.first { $0.0 == name }).1
        let bytes = Array(name.utf8)
        let packed = bytes.span.withUnsafeBufferPointer { buffer in Bytes.pack(buffer.span, 0..<bytes.count) }
        #expect(packed == literal, "\(name): 0x\(String(literal, radix: 16)) should be 0x\(String(packed, radix: 16))")
    }

    @Test(
        "every packed SYSCALL key of the kernel-order reading is its text packed", arguments: KernelKey.all.map { $0.0 }
    )
    func kernelKeys(_ name: String) throws {
        let literal = try #require(KernelKey.all.first { $0.0 == name }).1
        let bytes = Array(name.utf8)
        let packed = bytes.span.withUnsafeBufferPointer { buffer in Bytes.pack(buffer.span, 0..<bytes.count) }
        #expect(packed == literal, "\(name): 0x\(String(literal, radix: 16)) should be 0x\(String(packed, radix: 16))")
    }

    @Test("the packed type names are libaudit's names of the kinds read")
    func packedKinds() {
        for (name, kind) in RecordKind.namedKinds {
            let found = name.span.withUnsafeBufferPointer { RecordParser.readKind($0.span, 0..<name.count) }
            #expect(found == kind, "\(String(decoding: name, as: UTF8.self))")
        }
        for other in ["BPRM_FCAPS", "SYSCALLS", "PROCTITLX", "CW", "PATHS", "EXECVEAT", "LOGIN"] {
            let bytes = Array(other.utf8)
            #expect(bytes.span.withUnsafeBufferPointer { RecordParser.readKind($0.span, 0..<bytes.count) } == nil)
        }
    }

    @Test(
        "eight digits at once read as one by one",
        arguments: ["00000000", "12345678", "99999999", "17500000", "1234567/", ":2345678", "1234 678"])
    func eightDigits(_ text: String) {
        let bytes = Array(text.utf8)
        let read = bytes.span.withUnsafeBufferPointer { ByteSearch.eightDigits($0.span, at: 0) }
        #expect(read == UInt64(text), "\(text)")
    }

    static let kernelOrderBody =
        #"arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 a2=55d3 a3=8 items=2 ppid=15827 pid=15828 auid=4242 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=9 comm="sh" exe=2F7573722F62696E2F6461736820 subj=unconfined key="auditree-exec""#

    /// SYSCALL bodies in the kernel's order and out of it: the kernel-order reading takes the
    /// first kind, the token loop the others, and both must give what the token loop gives.
    static let syscallShapes: [String] = [
        kernelOrderBody,
        kernelOrderBody + "\u{1D}ARCH=x86_64 SYSCALL=execve AUID=\"alice\" UID=\"root\" GID=\"root\"",
        kernelOrderBody + "\u{1D}UID=\"root\" UID=\"bob\"",
        kernelOrderBody + "\u{1D}ARCH=x86_64 SYSCALL=execve UID=\"root\" AUID=\"alice\"",
        kernelOrderBody + "\u{1D}ARCH=x86_64 SYSCALL=execve AUID=unset UID=726F6F74",
        kernelOrderBody.replacingOccurrences(of: " subj=unconfined", with: ""),
        kernelOrderBody.replacingOccurrences(of: #"key="auditree-exec""#, with: "key=(null)"),
        kernelOrderBody.replacingOccurrences(of: #"key="auditree-exec""#, with: #"key="k""#),
        kernelOrderBody.replacingOccurrences(of: #"key="auditree-exec""#, with: #"key="unterminated"#),
        kernelOrderBody.replacingOccurrences(of: " success=yes exit=0", with: ""),
        kernelOrderBody.replacingOccurrences(of: "success=yes", with: "success=maybe"),
        kernelOrderBody.replacingOccurrences(of: "pid=15828", with: #"pid="15828""#),
        kernelOrderBody.replacingOccurrences(of: "tty=pts0", with: #"tty="pts0""#),
        kernelOrderBody.replacingOccurrences(of: "uid=0 gid", with: "uid=x gid"),
        kernelOrderBody.replacingOccurrences(of: "a1=55d2", with: #"a1="55 d2""#),
        kernelOrderBody.replacingOccurrences(of: " gid=0", with: "  gid=0"),
        kernelOrderBody + " pid=7",
        kernelOrderBody.replacingOccurrences(of: "arch=c000003e", with: "arch=1c000003e"),
        kernelOrderBody.replacingOccurrences(of: "ppid=15827 pid=15828", with: "pid=15828 ppid=15827"),
        // Optional fields missing one at a time, required ones missing, fields added or moved.
        kernelOrderBody.replacingOccurrences(of: " exit=0", with: ""),
        kernelOrderBody.replacingOccurrences(of: " success=yes", with: ""),
        kernelOrderBody.replacingOccurrences(of: "success=yes exit=0", with: "exit=0 success=yes"),
        kernelOrderBody.replacingOccurrences(of: " items=2", with: ""),
        kernelOrderBody.replacingOccurrences(of: " fsgid=0", with: ""),
        kernelOrderBody.replacingOccurrences(of: #" key="auditree-exec""#, with: ""),
        kernelOrderBody.replacingOccurrences(of: " comm=\"sh\"", with: ""),
        kernelOrderBody.replacingOccurrences(of: " items=2", with: " items=2 extra=1"),
        kernelOrderBody.replacingOccurrences(of: " ses=9", with: " ses=9 pid=7"),
        kernelOrderBody.replacingOccurrences(of: " subj=unconfined", with: " subj=unconfined subj=x"),
        kernelOrderBody.replacingOccurrences(of: "uid=0 gid=0 euid=0", with: "uid=0 euid=0 gid=0"),
        kernelOrderBody + " key=\"second\"",
        // Keys of seven letters with a byte changed after them, or without their `=`.
        kernelOrderBody.replacingOccurrences(of: "syscall=59", with: "syscalls=59"),
        kernelOrderBody.replacingOccurrences(of: "syscall=59", with: "syscall 59"),
        kernelOrderBody.replacingOccurrences(of: "success=yes", with: "successyes"),
        kernelOrderBody.replacingOccurrences(of: "success=yes", with: "success=no"),
        kernelOrderBody.replacingOccurrences(of: "success=yes", with: "success="),
        // Numbers quoted (the token loop reads inside the quotes), hex where decimal is read,
        // decimal where hex is, and empty.
        kernelOrderBody.replacingOccurrences(of: "auid=4242", with: #"auid="4242""#),
        kernelOrderBody.replacingOccurrences(of: "exit=0", with: #"exit="0""#),
        kernelOrderBody.replacingOccurrences(of: "a0=55d1", with: #"a0="55d1""#),
        kernelOrderBody.replacingOccurrences(of: "pid=15828", with: "pid=0x10"),
        kernelOrderBody.replacingOccurrences(of: "syscall=59", with: "syscall=3b"),
        kernelOrderBody.replacingOccurrences(of: "arch=c000003e", with: "arch=C000003E"),
        kernelOrderBody.replacingOccurrences(of: "a0=55d1", with: "a0=0x55d1"),
        kernelOrderBody.replacingOccurrences(of: "ses=9", with: "ses=ff"),
        kernelOrderBody.replacingOccurrences(of: "ppid=15827", with: "ppid="),
        kernelOrderBody.replacingOccurrences(of: "uid=0 gid", with: "uid= gid"),
        kernelOrderBody.replacingOccurrences(of: "tty=pts0", with: "tty="),
        // Values the engine does not read, quoted with spaces inside (read whole) and with keys inside.
        kernelOrderBody.replacingOccurrences(of: "gid=0 euid", with: #"gid="0 uid=5" euid"#),
        kernelOrderBody.replacingOccurrences(of: "subj=unconfined", with: #"subj="a b pid=1""#),
        kernelOrderBody.replacingOccurrences(of: "items=2", with: #"items='2 a0=1'"#),
        kernelOrderBody.replacingOccurrences(of: "fsgid=0", with: #"fsgid="0"#),
        // Untrusted values: quoted with spaces, single quotes, hex, `(null)`, empty.
        kernelOrderBody.replacingOccurrences(of: #"comm="sh""#, with: #"comm="s h""#),
        kernelOrderBody.replacingOccurrences(of: #"comm="sh""#, with: "comm='sh'"),
        kernelOrderBody.replacingOccurrences(of: #"comm="sh""#, with: "comm=(null)"),
        kernelOrderBody.replacingOccurrences(of: #"comm="sh""#, with: #"comm="""#),
        kernelOrderBody.replacingOccurrences(of: #"comm="sh""#, with: "comm="),
        kernelOrderBody.replacingOccurrences(of: #"comm="sh""#, with: #"comm="a-comm-of-sixteen""#),
        kernelOrderBody.replacingOccurrences(of: "exe=2F7573722F62696E2F6461736820", with: #"exe="/bin/sh""#),
        kernelOrderBody.replacingOccurrences(
            of: "exe=2F7573722F62696E2F6461736820", with: "exe=2F7573722F62696E2F646173682"),
        kernelOrderBody.replacingOccurrences(of: #"key="auditree-exec""#, with: "key=61626364"),
        kernelOrderBody.replacingOccurrences(of: #"key="auditree-exec""#, with: #"key="a"b"#),
    ]

    /// Numbers of every length around the eight and sixteen bytes the kernel-order reading reads
    /// them in: decimal (with leading zeros, negative exits), hex (either case), past 64 bits.
    static let numberShapes: [String] = (1...21).flatMap { length -> [String] in
        let nines = String(repeating: "9", count: length)
        let power = "1" + String(repeating: "0", count: length - 1)
        let zeros = String(repeating: "0", count: length - 1) + "7"
        let replacements = [
            ("pid=15828", "pid=\(nines)"), ("pid=15828", "pid=\(zeros)"), ("ppid=15827", "ppid=\(power)"),
            ("ses=9", "ses=\(nines)"), ("ses=9", "ses=\(power)"), ("auid=4242", "auid=\(zeros)"),
            ("syscall=59", "syscall=\(zeros)"), ("exit=0", "exit=\(nines)"), ("exit=0", "exit=-\(power)"),
            ("a0=55d1", "a0=\(String(repeating: "f", count: length))"),
            ("a0=55d1", "a0=\(String(repeating: "A", count: length))"),
            ("arch=c000003e", "arch=\(String(repeating: "e", count: length))"),
        ]
        return replacements.map { kernelOrderBody.replacingOccurrences(of: $0.0, with: $0.1) }
    }

    @Test(
        "SYSCALL: the kernel-order reading gives what the token loop gives", arguments: syscallShapes + numberShapes)
    func kernelOrder(_ body: String) throws {
        try Self.expectSameReading(Array(body.utf8))
    }

    /// Every SYSCALL line cut after each of its bytes, RAW and ENRICHED: the kernel-order
    /// reading reads the fields within sixteen bytes of the line's end byte by byte.
    @Test("SYSCALL: the kernel-order reading agrees with the token loop on a line cut anywhere", arguments: [0, 1, 6])
    func kernelOrderTruncated(_ shape: Int) throws {
        let body = Array(Self.syscallShapes[shape].utf8)
        for length in 0...body.count { try Self.expectSameReading(Array(body[..<length])) }
    }

    /// Pairs of SYSCALL bodies read one after the other: the ids from auid to ses are compared
    /// with the last record's, so the second is read after the first, and must read as the
    /// token loop reads it alone. Ids equal with other fields around them, ids that differ in
    /// one byte, that the last ones start, that start the last ones, or that run on.
    static let idPairs: [(String, String)] = {
        let body = kernelOrderBody
        let edit = { (from: String, to: String) in body.replacingOccurrences(of: from, with: to) }
        return [
            (body, body),
            (body, edit("pid=15828", "pid=7")), (body, edit("ppid=15827", "ppid=1234567890")),
            (body, edit(#"comm="sh""#, #"comm="bash""#)), (body, edit(" subj=unconfined", "")),
            (body, edit(" success=yes exit=0", "")), (body, edit("uid=0 gid", "uid=1 gid")),
            (body, edit("ses=9", "ses=90")), (edit("ses=9", "ses=90"), body), (body, edit("ses=9 ", "ses=9x ")),
            (body, edit("ses=9 ", "ses=9\t")), (body, edit("ses=9 comm", "ses=9  comm")),
            (body, edit("tty=pts0", "tty=pts1")), (body, edit("auid=4242", "auid=4294967295")),
            (body, edit("ses=9", "ses=9 pid=1")), (body, edit("ses=9", "ses=9\u{1D}UID=\"x\"")),
            (body, String(body.prefix(body.count - 60))), (body, edit(#" comm="sh""#, "")),
            (edit("uid=0 gid", #"uid=0 gid="0 1""#), edit("uid=0 gid", #"uid=0 gid="0 1""#)),
        ]
    }()

    @Test("SYSCALL: ids compared with the last record's read as the token loop reads them", arguments: idPairs.indices)
    func kernelOrderRecentIDs(_ pair: Int) throws {
        let (first, second) = Self.idPairs[pair]
        let stamp = "type=SYSCALL msg=audit(1.000:1): "
        let both = Fixtures.parseLines(Array((stamp + first + "\n" + stamp + second).utf8))
        let alone = Fixtures.parseLines(Array((stamp + " " + second).utf8))
        try #require(both.count == 2 && alone.count == 1)
        switch (both[1], alone[0]) {
        case (.success(let a), .success(let b)):
            guard case .syscall(let left) = a.body, case .syscall(let right) = b.body else {
                Issue.record("not a syscall")
                return
            }
            #expect(String(describing: left) == String(describing: right), "\(second.debugDescription)")
        case (.failure(let a), .failure(let b)):
            #expect(a.reason.description == b.reason.description && a.column + 1 == b.column, "\(second)")
        default:
            Issue.record("one reading rejects the line, the other does not: \(both[1]) \(alone[0])")
        }
    }

    /// Every byte of a kernel-order SYSCALL line (ENRICHED) replaced by one that changes its
    /// shape (a separator, a quote, `=`, a digit, a letter, a control byte) or removed.
    @Test("SYSCALL: the kernel-order reading agrees with the token loop on every one-byte change")
    func kernelOrderMutations() throws {
        let body = Array(Self.syscallShapes[1].utf8)
        let replacements: [UInt8?] = [nil, 0x20, 0x09, 0x1D, 0x22, 0x27, 0x3D, 0x2D, 0x30, 0x39, 0x61, 0x00]
        for index in body.indices {
            for replacement in replacements where replacement != body[index] {
                var mutated = body
                if let replacement { mutated[index] = replacement } else { mutated.remove(at: index) }
                try Self.expectSameReading(mutated)
            }
        }
    }

    /// A SYSCALL line with `body` read both ways: after one space (the kernel's shape, which the
    /// kernel-order reading tries first) and after two (never the kernel's shape, so the token
    /// loop reads it). Each is read twice by one parser, the second time through the parser's
    /// caches (user names, syscall kinds).
    static func expectSameReading(_ body: [UInt8]) throws {
        let stamp = Array("type=SYSCALL msg=audit(1.000:1): ".utf8)
        let read = { (prefix: [UInt8]) in Fixtures.parseLines(prefix + body + [0x0A] + prefix + body) }
        let fast = read(stamp)
        let tokens = read(stamp + [0x20])
        try #require(fast.count == 2 && tokens.count == 2)
        for (fast, tokens) in zip(fast, tokens) {
            switch (fast, tokens) {
            case (.success(let a), .success(let b)):
                guard case .syscall(let left) = a.body, case .syscall(let right) = b.body else {
                    Issue.record("not a syscall")
                    return
                }
                #expect(
                    String(describing: left) == String(describing: right),
                    "\(String(decoding: body, as: UTF8.self).debugDescription)")
            case (.failure(let a), .failure(let b)):
                #expect(
                    a.reason.description == b.reason.description && a.column + 1 == b.column,
                    "\(String(decoding: body, as: UTF8.self).debugDescription)")
            default:
                Issue.record(
                    "one reading rejects the line, the other does not: \(fast) \(tokens) \(String(decoding: body, as: UTF8.self).debugDescription)"
                )
            }
        }
    }

    /// EXECVE, CWD and PROCTITLE bodies in the kernel's shape and out of it: the readings of
    /// the kernel's shape take the first kind, the token loops the others, and both must agree.
    static let bodyShapes: [String] = [
        #"EXECVE argc=3 a0="bash" a1="-c" a2="echo hi""#,
        #"EXECVE argc=2 a0="ls" a1=2D6C61"#,
        "EXECVE argc=1 a0=2D6C6",
        #"EXECVE argc=2 a0="ls" a1=(null)"#,
        #"EXECVE argc=2 a0="ls" a1="unterminated"#,
        #"EXECVE argc=3 a0="ls" a2="x" a1="y""#,
        #"EXECVE argc=2 a0="ls" a1_len=5 a1[0]="ab" a1[1]="cde""#,
        #"EXECVE argc=1 a0="ls""# + "\u{1D}" + #"X="y""#,
        #"EXECVE argc=11 a0="a" a1="b" a2="c" a3="d" a4="e" a5="f" a6="g" a7="h" a8="i" a9="j" a10="k""#,
        #"EXECVE argc=2 a0="ls" a1="x"y"#,
        #"EXECVE argc=x a0="ls""#,
        #"EXECVE argc=99999999999 a0="ls""#,
        "EXECVE argc=1 a0='single quoted'",
        #"EXECVE argc=2 a0="ls" a1= "#,
        #"EXECVE argc=2 a0="ls" a1="#,
        #"EXECVE argc=1 a0="ls" "#,
        #"EXECVE argc=1 a0="a long argument, more than sixteen bytes and more than thirty-two" a1=6C6F6E67206865782076616C7565206F66206D6F7265207468616E20333220627974657321"#,
        #"EXECVE argc=0"#,
        #"CWD cwd="/tmp/work""#, "CWD cwd=2F746D7020612062", #"CWD cwd="/tmp/unterminated"#, "CWD cwd=(null)",
        #"CWD cwd="/a" cwd="/b""#, #"CWD x=1 cwd="/b""#, "CWD cwd=", "CWD cwd=abc\u{1D}X=1",
        "PROCTITLE proctitle=6C73002D6C61", #"PROCTITLE proctitle="ls""#, "PROCTITLE proctitle=(null)",
        #"PROCTITLE proctitle="(null)""#, #"PROCTITLE proctitle="unterminated"#,
        "PROCTITLE proctitle=617564697463746C002D6100616C776179732C65786974002D46006172636800623634",
        "PROCTITLE proctitle=ABC\u{1D}X=1", "PROCTITLE proctitle=", "PROCTITLE proctitlex=1 proctitle=6C73",
    ]

    @Test("EXECVE, CWD, PROCTITLE: the kernel-shape readings give what the token loops give", arguments: bodyShapes)
    func kernelShapes(_ shape: String) throws {
        let type = String(shape.prefix { $0 != " " })
        let body = String(shape.dropFirst(type.count + 1))
        // Two spaces after the stamp: never the kernel's shape, so the token loop reads that one.
        let fast = try #require(Fixtures.parseLine("type=\(type) msg=audit(1750000000.000:1001): " + body))
        let tokens = try #require(Fixtures.parseLine("type=\(type) msg=audit(1750000000.000:1001):  " + body))
        switch (fast, tokens) {
        case (.success(let a), .success(let b)):
            #expect(String(describing: a.body) == String(describing: b.body), "\(shape)")
        case (.failure(let a), .failure(let b)):
            #expect(a.reason.description == b.reason.description && a.column + 1 == b.column, "\(shape)")
        default:
            Issue.record("one reading rejects the line, the other does not: \(fast) \(tokens)")
        }
    }

    @Test(
        "type and stamp read at once as the kernel writes them give what the type search and stamp reading give",
        arguments: [
            "SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE", "EOE", "BPRM_FCAPS", "UNKNOWN[1300]", "UNKNOWN[1327]",
            "DAEMON_START", "PROCTITLEX", "PROCTITL", "PATHS", "CWDX", "EXECVEAT", "SYSCALLS", "EO", "",
        ])
    func kernelHead(_ type: String) throws {
        for stamp in [
            "1750000000.000:1001", "1750000000.999:9999999", "1750000000.000:12345678", "175000000.000:1",
            "0750000000.000:1", "1750000000.000:01", "1750000000.00:1", "1750000000.000:1]", "1750000000.000:1001):x",
        ] {
            for tail in ["): arch=c000003e", ")", "):"] {
                // Two spaces between the type and `msg=`: never the kernel's shape.
                let fast = try #require(Fixtures.parseLine("type=\(type) msg=audit(\(stamp)\(tail)"))
                let slow = try #require(Fixtures.parseLine("type=\(type)  msg=audit(\(stamp)\(tail)"))
                switch (fast, slow) {
                case (.success(let a), .success(let b)):
                    #expect(
                        a.kind == b.kind && a.typeNumber == b.typeNumber && a.isDaemon == b.isDaemon
                            && a.stamp == b.stamp, "\(type) \(stamp)\(tail)")
                case (.failure(let a), .failure(let b)):
                    #expect(a.reason.description == b.reason.description, "\(type) \(stamp)\(tail)")
                default:
                    Issue.record("\(type) \(stamp)\(tail): \(fast) \(slow)")
                }
            }
        }
    }

    @Test("PATH: fields read on demand from the kept text, as logged")
    func pathFieldsOnDemand() throws {
        let line =
            "type=PATH msg=audit(1.000:1): item=0 name=\"/tmp/a\u{1D}b\" inode=42 dev=fe:00 mode=0100755 ouid=0 nametype=NORMAL\u{1D}OUID=\"root\" name=\"x\""
        let record = try #require(Fixtures.parseLine(line)).get()
        guard case .path(let path) = record.body else {
            Issue.record("not path")
            return
        }
        #expect(path.item == 0 && path.inode == 42 && path.device == "fe:00" && path.mode == "0100755")
        #expect(path.name?.bytes == Array("/tmp/a\u{1D}b".utf8) && path.nametype == "NORMAL")
        let twice = try #require(Fixtures.parseLine("type=PATH msg=audit(1.000:1): item=0 name=\"/a\" item=1")).get()
        guard case .path(let second) = twice.body else {
            Issue.record("not path")
            return
        }
        #expect(second.item == 1 && second.name == "/a")
    }

    @Test("a value copied out of a line keeps its bytes exactly", arguments: [0, 1, 7, 16, 255])
    func copy(_ length: Int) {
        let line = (0..<(length + 20)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let copied = line.span.withUnsafeBufferPointer { Bytes.copy($0.span, 10..<(10 + length)) }
        #expect(copied == Array(line[10..<(10 + length)]))
    }

    @Test("SYSCALL fields, RAW and ENRICHED")
    func syscallFields() throws {
        let raw =
            #"type=SYSCALL msg=audit(1795432228.536:1111): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 a2=55d3 a3=8 items=2 ppid=15827 pid=15828 auid=4242 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=9 comm="sh" exe="/usr/bin/dash" subj=unconfined key="auditree-exec""#
        let enriched = raw + "\u{1D}ARCH=x86_64 SYSCALL=execve AUID=\"alice\" UID=\"root\" GID=\"root\""
        for line in [raw, enriched] {
            let record = try #require(Fixtures.parseLine(line)).get()
            guard case .syscall(let call) = record.body else {
                Issue.record("not a syscall")
                return
            }
            #expect(call.syscall == .execve)
            #expect(call.success == true && call.exit == 0 && call.a0 == 0x55d1)
            #expect(call.pid == 15828 && call.ppid == 15827)
            #expect(call.auid == 4242 && call.uid == 0 && call.euid == 0 && call.ses == 9)
            #expect(
                call.comm == "sh" && call.exe == "/usr/bin/dash" && call.key == "auditree-exec" && call.tty == "(none)")
            #expect(call.userName == (line == enriched ? "root" : nil))
            #expect(call.loginUserName == (line == enriched ? "alice" : nil))
        }
    }

    @Test("EXECVE: quoted, hex and split arguments rebuild the command line")
    func execveArguments() throws {
        let lines = [
            #"type=EXECVE msg=audit(1.000:7): argc=4 a0="sh" a1="-c" a2=6563686F2068692027782720 a3_len=8"#,
            #"type=EXECVE msg=audit(1.000:7): a3[0]="abcd""#,
            #"type=EXECVE msg=audit(1.000:7): a3[1]="efgh""#,
        ]
        let records = Fixtures.parseLines(Array(lines.joined(separator: "\n").utf8)).compactMap { try? $0.get() }
        let execve = records.compactMap { record -> ExecveRecord? in
            if case .execve(let body) = record.body { return body }
            return nil
        }
        #expect(execve.count == 3)
        let argv = ArgumentVector(execve)
        #expect(argv.arguments == ["sh", "-c", "echo hi 'x' ", "abcdefgh"])
        #expect(argv.isComplete)
    }

    @Test("EXECVE: argc larger than the arguments logged is marked incomplete, never allocated")
    func execveTruncated() throws {
        let record = try #require(
            Fixtures.parseLine(#"type=EXECVE msg=audit(1.000:7): argc=2000000000 a0="sh" a2="x""#)
        ).get()
        guard case .execve(let body) = record.body else {
            Issue.record("not execve")
            return
        }
        let argv = ArgumentVector([body])
        #expect(argv.arguments == ["sh", "", "x"])
        #expect(!argv.isComplete)
    }

    @Test("PROCTITLE splits at NUL; CWD and PATH are decoded")
    func otherBodies() throws {
        let title = try #require(
            Fixtures.parseLine("type=PROCTITLE msg=audit(1.000:1): proctitle=707974686F6E33002D63007072696E74283129")
        ).get()
        guard case .proctitle(let value) = title.body else {
            Issue.record("not proctitle")
            return
        }
        #expect(value.arguments == ["python3", "-c", "print(1)"])
        #expect(value.raw == "707974686F6E33002D63007072696E74283129" && value.isHex)
        let cwd = try #require(Fixtures.parseLine("type=CWD msg=audit(1.000:1): cwd=2F746D702F6120620A63")).get()
        guard case .cwd(let directory) = cwd.body else {
            Issue.record("not cwd")
            return
        }
        #expect(directory?.bytes == Array("/tmp/a b\nc".utf8))
        let path = try #require(
            Fixtures.parseLine(#"type=PATH msg=audit(1.000:1): item=1 name=(null) inode=5 nametype=NORMAL"#)
        ).get()
        guard case .path(let item) = path.body else {
            Issue.record("not path")
            return
        }
        #expect(item.item == 1 && item.name == nil && item.nametype == "NORMAL")
    }

    @Test("lines longer than the limit are cut and rejected; the next line still parses")
    func longLine() throws {
        let huge = "type=EXECVE msg=audit(1.000:1): a0=\"" + String(repeating: "A", count: 300_000) + "\""
        let text = huge + "\ntype=EOE msg=audit(1.000:2): \n"
        var source = MemoryByteSource(Array(text.utf8))
        var reader = LineReader(maxLineLength: 4096, readSize: 1000)
        var seen: [(Int, Int, Bool)] = []
        try reader.forEachLine(of: &source) { (number: Int, bytes: Span<UInt8>, truncated: Bool) throws(Never) in
            seen.append((number, bytes.count, truncated))
        }
        #expect(seen.count == 2)
        #expect(seen[0] == (1, 4096, true))
        #expect(seen[1].0 == 2 && !seen[1].2)
    }
}

@Suite("Line reader")
struct LineReaderTests {
    @Test("lines across read boundaries, no final newline, CR kept", arguments: [1, 2, 3, 7, 64, 1 << 16])
    func boundaries(readSize: Int) throws {
        let text = "a\nbb\r\n\nccc\nlast"
        var source = MemoryByteSource(Array(text.utf8))
        var reader = LineReader(maxLineLength: 16, readSize: readSize)
        var lines: [String] = []
        try reader.forEachLine(of: &source) { (_: Int, bytes: Span<UInt8>, _: Bool) throws(Never) in
            var copy: [UInt8] = []
            for i in 0..<bytes.count { copy.append(bytes[i]) }
            lines.append(String(decoding: copy, as: UTF8.self))
        }
        #expect(lines == ["a", "bb\r", "", "ccc", "last"])
    }
}
