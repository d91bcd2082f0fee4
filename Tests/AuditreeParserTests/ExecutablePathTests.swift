import Testing

@testable import AuditreeParser

/// The scan reads PATH item 0 without the token loop when no other `item` key can stand in the
/// line; the full parse always runs the loop. Both must give the same record.
@Suite("Executable PATH reading")
struct ExecutablePathTests {
    static let fields: [String] = [
        // As the kernel and auditd write it.
        #"item=0 name="/usr/bin/ls" inode=1835081 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0"#
            + "\u{1D}" + #"OUID="root" OGID="root""#,
        #"item=0 name=2F746D702F612062 inode=12 dev=08:01 mode=0100644 nametype=NORMAL"#,
        #"item=0 name=(null) inode=12 dev=08:01 mode=0100644 nametype=UNKNOWN"#,
        // Damaged: a second item (the last counts), hidden behind a NUL, or inside a value.
        #"item=0 name="/bin/sh" inode=5 item=1 mode=0100755"#,
        "item=0 name=\"/bin/sh\" inode=5 item\u{0}=1 mode=0100755",
        #"item=0 name="/tmp/item=1" inode=5 mode=0100755"#,
        "item=0 name=\"/bin/sh\" inode=5\u{1D}item=1 mode=0100755",
        // A quoted value across the ENRICHED separator, an unterminated one, trailing blanks.
        "item=0 name=\"/tmp/a\u{1D}b\" inode=7 mode=0100755\u{1D}OUID=\"root\"",
        #"item=0 name="/tmp/open inode=7"#,
        "item=0 name=\"/bin/sh\" inode=5   \u{1D}  OUID=\"root\"",
        "item=0 name=\"/bin/sh\" { read } inode=5 nametype=NORMAL",
        // The item quoted, with a leading zero, alone; a second item past sixteen-byte compares.
        #"item="0" name="/bin/sh" inode=5 mode=0100755"#,
        #"item=00 name="/bin/sh" inode=5 mode=0100755"#,
        "item=0",
        #"item=0 name="/usr/lib/x86_64-linux-gnu/a/longer/path" inode=1835081 dev=fd:00 mode=0100755 ouid=0 item=1"#,
        #"item=0 name="/usr/lib/x86_64-linux-gnu/a/longer/path" inode=1835081 dev=fd:00 mode=0100755 ouid=0 rdev=00:00"#,
        // Not item 0: no executable.
        #"item=1 name="/lib/ld.so" inode=9"#,
        #"name="/bin/sh" item=0"#,
    ]

    @Test("item 0 reads as the full parse reads it", arguments: fields)
    func sameAsFullParse(_ fields: String) throws {
        let line = Array("type=PATH msg=audit(1700000000.561:339): \(fields)".utf8)
        var scan = RecordParser(detail: .scanWithExecutable)
        var full = RecordParser(detail: .full)
        let scanned = try #require(try scan.parse(line.span, lineNumber: 1)?.get())
        let reference = try #require(try full.parse(line.span, lineNumber: 1)?.get())
        guard case .path(let expected) = reference.body else {
            Issue.record("the full parse gave no PATH body")
            return
        }
        guard case .path(let path) = scanned.body else {
            #expect(expected.item != 0 || !fields.hasPrefix("item=0"), "no executable read from \(fields)")
            return
        }
        #expect(path.item == expected.item)
        #expect(path.name == expected.name)
        #expect(path.nametype == expected.nametype)
        #expect(path.inode == expected.inode)
        #expect(path.device == expected.device)
        #expect(path.mode == expected.mode)
    }
}
