import CAuparse
import Foundation
import TestSupport
import Testing

@testable import AuditreeParser

/// Differential test: every record libauparse (audit-userspace's own parser)
/// returns is compared, field by field, with what our `RecordParser` made of
/// the same line. Legitimate differences are handled explicitly below and
/// written up in docs/reference-parser.md.
///
/// `.serialized`: libauparse keeps process-wide state (the ENRICHED interpretation
/// list, uid/gid caches) and crashes when two parsers run on different threads.
@Suite("Differential: libauparse", .serialized)
struct ReferenceParserTests {
    /// Lines auparse returns as records that we reject, with the reason this is right.
    /// Keyed by source label (`fixtures/recorded/NAME` or the corpus-relative path).
    static let acceptedOnlyByAuparse: [String: [Int: String]] = [
        "elastic__beats/filebeat__module__auditd__log__test__test.log": [
            12:
                "ausearch -i output (arch=x86_64 syscall=execve auid=vagrant): not a raw record; auparse keeps the text as is"
        ],
        "threathunters-io__laurel/src__testdata__fork-sleep-exec.txt": [
            10:
                "comment line '#   execve(\"/bin/true\", NULL, NULL);': auparse returns an empty record (type 0, stamp 0.000:0) for it"
        ],
    ]

    /// Fields where auparse and we legitimately read a malformed value differently:
    /// label -> line -> field -> reason. The test checks the values still differ.
    static let fieldDifferences: [String: [Int: [String: String]]] = [
        "elastic__go-libaudit/auparse__testdata__audit-ubuntu17.log": [
            1: [
                "key":
                    "key=65786563013634626974\" has a stray closing quote: not hex, not quoted, so we keep the text; auparse decodes the hex prefix and splits it at 0x01 into key=exec key=64bit"
            ]
        ]
    ]

    @Test("recorded fixtures agree with libauparse", arguments: TestPaths.recordedFixtureFiles)
    func recordedFixture(file: String) throws {
        let counts = try Self.compare(path: TestPaths.recorded(file), label: "fixtures/recorded/\(file)")
        // Every recorded fixture is an execve/fork trace: all record kinds must have been compared.
        #expect(
            counts.syscalls > 0 && counts.execves > 0 && counts.cwds > 0 && counts.paths > 0 && counts.proctitles > 0)
    }

    @Test("the fixtures folder is not empty")
    func fixturesPresent() {
        #expect(TestPaths.recordedFixtureFiles.count >= 5)
    }

    @Test(
        "public corpus agrees with libauparse",
        .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage),
        arguments: TestPaths.corpusFiles)
    func corpusFile(file: String) throws {
        // line-eoe.txt is a lone EOE record, which auparse folds into the event and never returns.
        _ = try Self.compare(
            path: TestPaths.corpus(file), label: file,
            allowEmpty: file.hasSuffix("line-eoe.txt"))
    }

    // MARK: - Comparison

    struct Counts: CustomStringConvertible {
        var records = 0, fields = 0
        var syscalls = 0, execves = 0, cwds = 0, paths = 0, proctitles = 0
        var description: String {
            "records=\(records) fields=\(fields) syscall=\(syscalls) execve=\(execves) cwd=\(cwds) path=\(paths) proctitle=\(proctitles)"
        }
    }

    /// One field as auparse returns it: the raw text (`auparse_get_field_str`, the part
    /// before 0x1d in ENRICHED logs) and its interpretation in RAW escape mode.
    struct AuField {
        var name: String
        var raw: String
        var interpreted: [UInt8]?
    }

    static func compare(path: String, label: String, allowEmpty: Bool = false) throws -> Counts {
        let ours = try ParsedLog(path: path)
        let accepted = acceptedOnlyByAuparse[label] ?? [:]
        var counts = Counts()
        var acceptedSeen: Set<Int> = []
        var returned: Set<Int> = []

        let au = try #require(path.withCString { auparse_init(AUSOURCE_FILE, $0) }, "auparse_init(\(path))")
        defer { auparse_destroy(au) }
        auparse_set_escape_mode(au, AUPARSE_ESC_RAW)

        while auparse_next_event(au) > 0 {
            repeat {
                let line = Int(auparse_get_line_number(au))
                returned.insert(line)
                let location = "\(label):\(line)"
                guard let record = ours.records[line] else {
                    if let rejection = ours.rejections[line] {
                        if accepted[line] != nil {
                            acceptedSeen.insert(line)
                        } else {
                            Issue.record("\(location): auparse returns a record we reject: \(rejection.reason)")
                        }
                    } else {
                        Issue.record("\(location): auparse returns a record on a line we have none for")
                    }
                    continue
                }
                counts.records += 1
                compareHeader(au, record, location, &counts)
                let fields = readFields(au)
                for field in fields {
                    // ENRICHED: auparse keeps the part after 0x1d as interpretations, never in field text.
                    #expect(!field.raw.utf8.contains(0x1D), "\(location): \(field.name) raw text holds 0x1d")
                }
                compareBody(record, fields, location, &counts)
            } while auparse_next_record(au) > 0
        }

        for (line, reason) in accepted where !acceptedSeen.contains(line) {
            Issue.record(
                "\(label):\(line) is listed as accepted only by auparse (\(reason)) but auparse did not return it")
        }
        if !allowEmpty {
            #expect(counts.records > 0, "\(label): no record compared")
            #expect(counts.fields > 0, "\(label): no field compared")
        }
        // auparse consumes some EOE records as end-of-event markers and never returns them
        // (EOE has no fields). Any other record it does not return is a difference.
        let oursOnly = ours.records.keys.filter { !returned.contains($0) }.sorted()
        for line in oursOnly where ours.records[line]?.kind != .eoe {
            Issue.record("\(label):\(line): we parse a record auparse never returns")
        }
        if ProcessInfo.processInfo.environment["AUDITREE_DIFF_VERBOSE"] != nil {
            print("[differential] \(label): \(counts)")
            for line in oursOnly {
                print(
                    "[ours-only] \(label):\(line) \(ours.records[line]!.kind) type=\(ours.records[line]!.typeNumber.map(String.init) ?? "-")"
                )
            }
        }
        return counts
    }

    static func compareHeader(_ au: OpaquePointer, _ record: Record, _ location: String, _ counts: inout Counts) {
        let type = auparse_get_type(au)
        if let number = record.typeNumber {
            #expect(number == type, "\(location): type")
        }
        #expect(record.kind == RecordKind(typeNumber: type), "\(location): kind")
        #expect(record.isDaemon == (1200...1299).contains(type), "\(location): isDaemon")
        #expect(record.stamp.serial == UInt64(auparse_get_serial(au)), "\(location): serial")
        #expect(record.stamp.seconds == Int64(auparse_get_time(au)), "\(location): seconds")
        #expect(record.stamp.milliseconds == Int32(auparse_get_milli(au)), "\(location): milliseconds")
        var node: String?
        if let pointer = auparse_get_node(au) {
            node = String(cString: pointer)
            free(UnsafeMutableRawPointer(mutating: pointer))
        }
        #expect(record.node == node, "\(location): node")
        counts.fields += 5
    }

    static func readFields(_ au: OpaquePointer) -> [AuField] {
        var fields: [AuField] = []
        guard auparse_first_field(au) > 0 else { return fields }
        repeat {
            guard let name = auparse_get_field_name(au) else { continue }
            let raw = auparse_get_field_str(au).map { String(cString: $0) } ?? ""
            let interpreted = auparse_interpret_field(au).map { pointer in
                Array(
                    UnsafeBufferPointer(
                        start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer)))
            }
            fields.append(AuField(name: String(cString: name), raw: raw, interpreted: interpreted))
        } while auparse_next_field(au) > 0
        return fields
    }

    // MARK: Bodies

    static func compareBody(_ record: Record, _ fields: [AuField], _ location: String, _ counts: inout Counts) {
        func field(_ name: String) -> AuField? { fields.first { $0.name == name } }
        let known = fieldDifferences[String(location[..<location.lastIndex(of: ":")!])]?[record.line] ?? [:]

        /// auparse's field text keeps the quotes (`success="yes"`, `nametype="NORMAL"`); we store the value inside them.
        func unquoted(_ raw: String) -> String {
            guard raw.count >= 2, let first = raw.first, first == "\"" || first == "'", raw.last == first else {
                return raw
            }
            return String(raw.dropFirst().dropLast())
        }

        /// An untrusted string field: auparse's RAW interpretation strips the quotes or
        /// decodes the hex; the kernel's `(null)` is passed through as text where we give nil.
        func checkString(_ ours: LogString?, _ name: String, _ counts: inout Counts) {
            guard let theirs = field(name) else {
                #expect(ours == nil, "\(location): \(name) only in ours")
                return
            }
            if let reason = known[name] {
                #expect(
                    ours?.bytes != theirs.interpreted,
                    "\(location): \(name) is listed as differing (\(reason)) but now agrees")
            } else if theirs.raw == "(null)" {
                #expect(ours == nil, "\(location): \(name)=(null)")
            } else {
                #expect(ours?.bytes == theirs.interpreted, "\(location): \(name)")
            }
            counts.fields += 1
        }

        func checkNumber<T: FixedWidthInteger>(_ ours: T?, _ name: String, radix: Int = 10, _ counts: inout Counts) {
            guard let theirs = field(name) else {
                #expect(ours == nil, "\(location): \(name) only in ours")
                return
            }
            #expect(ours == T(theirs.raw, radix: radix), "\(location): \(name) (auparse text \(theirs.raw))")
            counts.fields += 1
        }

        switch record.body {
        case .syscall(let syscall):
            counts.syscalls += 1
            checkNumber(UInt32?(syscall.arch), "arch", radix: 16, &counts)
            checkNumber(Int?(syscall.number), "syscall", &counts)
            checkNumber(Int?(syscall.pid), "pid", &counts)
            checkNumber(syscall.ppid, "ppid", &counts)
            checkNumber(syscall.exit, "exit", &counts)
            checkNumber(syscall.uid, "uid", &counts)
            checkNumber(syscall.euid, "euid", &counts)
            checkNumber(syscall.auid, "auid", &counts)
            checkNumber(syscall.ses, "ses", &counts)
            checkNumber(syscall.a0, "a0", radix: 16, &counts)
            if let success = field("success") {
                let text = unquoted(success.raw)
                #expect(syscall.success == (text == "yes" ? true : text == "no" ? false : nil), "\(location): success")
                counts.fields += 1
            } else {
                #expect(syscall.success == nil, "\(location): success only in ours")
            }
            checkString(syscall.comm, "comm", &counts)
            checkString(syscall.exe, "exe", &counts)
            // Several keys are one hex value joined by 0x01; auparse returns one key= field per key.
            let keys = fields.filter { $0.name == "key" }
            if let reason = known["key"] {
                #expect(
                    syscall.key.map { $0.bytes.split(separator: 0x01).map(Array.init) }
                        != keys.compactMap(\.interpreted),
                    "\(location): key is listed as differing (\(reason)) but now agrees")
            } else if keys.isEmpty || keys.first?.raw == "(null)" {
                #expect(syscall.key == nil, "\(location): key")
            } else {
                #expect(
                    syscall.key.map {
                        $0.bytes.split(separator: 0x01, omittingEmptySubsequences: false).map(Array.init)
                    }
                        == keys.map { $0.interpreted ?? [] }, "\(location): key")
            }
            counts.fields += keys.isEmpty ? 0 : 1
            // The resolved syscall kind must match auparse's own name for it.
            if let name = field("syscall")?.interpreted.map({ String(decoding: $0, as: UTF8.self) }) {
                #expect(
                    syscall.syscall == (SyscallKind(rawValue: name) ?? .other),
                    "\(location): syscall kind (auparse \(name))")
                counts.fields += 1
            }
            // ENRICHED UID=: auparse interprets uid with the recorded name.
            if let userName = syscall.userName, let uid = field("uid")?.interpreted {
                #expect(Array(userName.utf8) == uid, "\(location): UID")
                counts.fields += 1
            }

        case .execve(let execve):
            counts.execves += 1
            checkNumber(execve.argc, "argc", &counts)
            var arguments = 0
            for theirs in fields where theirs.name.first == "a" && theirs.name != "argc" {
                let name = theirs.name
                if name.hasSuffix("_len") {
                    let index = Int(name.dropFirst().dropLast(4))
                    let length = execve.splitLengths.first { $0.index == index }?.length
                    #expect(length != nil && length == Int(theirs.raw), "\(location): \(name)")
                } else if let bracket = name.firstIndex(of: "[") {
                    let index = Int(name[name.index(after: name.startIndex)..<bracket])
                    let chunk = Int(name[name.index(after: bracket)...].dropLast())
                    let ours = execve.arguments.first { $0.index == index && $0.chunk == chunk }
                    #expect(ours?.value.bytes == theirs.interpreted, "\(location): \(name)")
                    arguments += 1
                } else {
                    let index = Int(name.dropFirst())
                    let ours = execve.arguments.first { $0.index == index && $0.chunk == nil }
                    #expect(ours?.value.bytes == theirs.interpreted, "\(location): \(name)")
                    arguments += 1
                }
                counts.fields += 1
            }
            #expect(execve.arguments.count == arguments, "\(location): number of aN values")

        case .cwd(let cwd):
            counts.cwds += 1
            checkString(cwd, "cwd", &counts)

        case .path(let path):
            counts.paths += 1
            checkNumber(path.item, "item", &counts)
            checkString(path.name, "name", &counts)
            if let nametype = field("nametype") {
                #expect(path.nametype == unquoted(nametype.raw), "\(location): nametype")
                counts.fields += 1
            } else {
                #expect(path.nametype == nil, "\(location): nametype only in ours")
            }

        case .proctitle(let title):
            counts.proctitles += 1
            // auparse returns the decoded title with every NUL turned into a space.
            let joined = Array(title.arguments.map(\.bytes).joined(separator: [0x20]))
            if let theirs = field("proctitle") {
                #expect(joined == theirs.interpreted, "\(location): proctitle")
                counts.fields += 1
            } else {
                let empty = title.arguments.allSatisfy { $0.isEmpty }
                #expect(empty, "\(location): proctitle only in ours")
            }

        case .none:
            break
        }
    }
}
