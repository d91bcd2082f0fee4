import AuditreeBase
import TestSupport
import Testing

@testable import AuditreeParser

/// The parser's searches read a first word, then sixteen bytes per compare and eight per
/// load where they can be read, and byte by byte near a line's end; the ENRICHED user names are matched against the last record's value as
/// written. These tests hold them to plain references on bytes placed so that every path (a
/// stop in each byte of a word, control bytes that are no stop, high bytes, the line's end)
/// is taken.
@Suite("Byte searches")
struct ByteSearchTests {
    /// Bytes a value may hold around a stop: printable, control bytes below 0x21 that are no
    /// stop, and high bytes whose low seven bits are below 0x21.
    static let fillers: [UInt8] = [0x61, 0x09, 0x00, 0x1F, 0x21, 0x80, 0x9D, 0xA0, 0xFF, 0x3D]

    static func referenceStop(_ line: [UInt8], from start: Int) -> Int {
        guard start < line.count else { return start }
        return line[start...].firstIndex { $0 == 0x20 || $0 == 0x1D } ?? line.count
    }

    static func referenceFirst(_ byte: UInt8, _ line: [UInt8], from start: Int, to end: Int) -> Int {
        guard start < end else { return start }
        return line[start..<end].firstIndex(of: byte) ?? end
    }

    @Test("stop: the first space or 0x1d, as the reference finds it", arguments: [UInt8(0x20), 0x1D])
    func stop(_ stop: UInt8) {
        for filler in Self.fillers {
            // Up to 40 bytes: the first word, a sixteen-byte compare, the words after it, the tail.
            for length in 0...40 {
                for at in 0...length {
                    var line = [UInt8](repeating: filler, count: length)
                    if at < length { line[at] = stop }
                    for start in 0...(length + 1) {
                        #expect(
                            ByteSearch.stop(line.span, from: start) == Self.referenceStop(line, from: start),
                            "filler \(filler), length \(length), stop at \(at), from \(start)")
                    }
                }
            }
        }
    }

    @Test("first: bounded searches stop at their end, even with the byte right after it")
    func boundedFirst() {
        let equals = UInt8(ascii: "=")
        for length in 0...40 {
            for at in 0...length {
                var line = [UInt8](repeating: 0x61, count: length)
                if at < length { line[at] = equals }
                for start in 0...length {
                    for end in start...length {
                        #expect(
                            ByteSearch.first(equals, line.span, from: start, to: end)
                                == Self.referenceFirst(equals, line, from: start, to: end),
                            "length \(length), = at \(at), \(start)..<\(end)")
                    }
                }
            }
        }
    }

    @Test("hex values decode eight digits per load as digit by digit, either case, a bad digit anywhere")
    func hexDecoding() {
        let digits = Array("0123456789abcdefABCDEF".utf8)
        for length in stride(from: 0, through: 40, by: 2) {
            let text = (0..<length).map { digits[($0 &* 7 &+ length) % digits.count] }
            for bad in [nil] + (0..<length).map(Optional.some) {
                for wrong in bad == nil
                    ? [UInt8(0)] : [UInt8(ascii: "g"), UInt8(ascii: "G"), 0x2F, 0x3A, 0x40, 0x60, 0xC1]
                {
                    var line = Array("x=".utf8) + text + Array(" y".utf8)
                    if let bad { line[2 + bad] = wrong }
                    let decoded = Bytes.hexDecodedString(line.span, 2..<(2 + length))
                    let reference = Hex.decode(Array(line[2..<(2 + length)]))
                    #expect(decoded?.bytes == reference, "length \(length), bad digit at \(String(describing: bad))")
                }
            }
        }
    }

    @Test("hasBytes: equal at the start only when every byte is, whatever the lengths")
    func hasBytes() {
        let line = (0..<60).map { UInt8(0x30 + $0) }
        for start in 0...61 {
            for length in 0...50 {
                let fits = start + length <= line.count
                let expected = fits ? Array(line[start..<(start + length)]) : [UInt8](repeating: 0x30, count: length)
                let found = ByteSearch.hasBytes(line.span, at: start, expected)
                #expect(found == fits, "\(start) \(length)")
                for changed in 0..<length where fits {
                    var other = expected
                    other[changed] ^= 0x40
                    let differs = !ByteSearch.hasBytes(line.span, at: start, other)
                    #expect(differs, "\(start) \(length) \(changed)")
                }
            }
        }
    }

    /// `hasKey`'s meaning, written out: some `=` at or after `start` follows the key's bytes
    /// (packed, so NUL bytes count as nothing) or a NUL.
    static func referenceHasKey(_ key: [UInt8], _ line: [UInt8], from start: Int) -> Bool {
        let packedKey = Bytes.pack(key.span, 0..<key.count)
        for position in start..<line.count where line[position] == UInt8(ascii: "=") {
            if position > start, line[position - 1] == 0 { return true }
            if position - start >= key.count,
                Bytes.pack(line.span, (position - key.count)..<position) == packedKey
            {
                return true
            }
        }
        return false
    }

    @Test(
        "hasKey: every `=` checked, in any byte of a word and near the end",
        arguments: [
            "name=/bin/sh inode=1 item=1", "name=/bin/sh inode=1 xitem=1", "a=b c=d e=f g=h", "item=", "=item=",
            "nameitem=x", "name=\"item=1\"", "name=it\0=x", "itex=1 iten=2", "",
            // Lines long enough for sixteen-byte compares, the key (or a NUL) in any of them.
            "name=\"/usr/lib/x86_64-linux-gnu/ld.so\" inode=253884 dev=fe:00 mode=0100755 nametype=NORMAL",
            "name=\"/usr/lib/x86_64-linux-gnu/ld.so\" inode=253884 dev=fe:00 mode=0100755 item=1",
            "name=\"/usr/lib/x86_64-linux-gnu/ld.so\" inode=253884 item=1 dev=fe:00 mode=0100755 cap_fp=0",
            "name=\"/usr/lib/x86_64-linux-gnu/ld.so\" inode=253884 dev=fe:00 xitem=1 mode=0100755 itemx=0",
            "name=\"/usr/lib/x86_64-linux-gnu/ld.so\" inode=253884 dev=fe:00 mode=0100755 m=1 em=2 tem=3",
            "name=\"/usr/lib/x86_64-linux-gnu/ld.so\" inode=253884 dev=fe:00 mo\0=0100755 nametype=NORMAL",
        ])
    func hasKey(_ text: String) {
        let key = Array("item".utf8)
        let body = Array(text.utf8)
        // Shifted by up to a word, so that each `=` falls in each byte of a load.
        for shift in 0...9 {
            let line = [UInt8](repeating: 0x20, count: shift) + body
            for start in [0, shift, min(shift + 3, line.count)] {
                #expect(
                    ByteSearch.hasKey(Bytes.pack(key.span, 0..<key.count), length: 4, in: line.span, from: start)
                        == Self.referenceHasKey(key, line, from: start),
                    "\(text) shifted \(shift), from \(start)")
            }
        }
    }

    // MARK: - ENRICHED user names

    static let syscallStart =
        #"type=SYSCALL msg=audit(1750000000.000:1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=2 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="sh" exe="/bin/sh" key=(null)"#
        + "\u{1D}ARCH=x86_64 SYSCALL=execve "

    /// The names part of ENRICHED SYSCALL records one after the other: repeats (quoted and
    /// not), values that start like the last one but differ after it, other quotes, empty and
    /// long values, and a names part at the very end of the line.
    static let nameSequence: [String] = [
        #"AUID="unset" UID="root" GID="root""#, #"AUID="unset" UID="root" GID="root""#,
        #"AUID="unset" UID="rootx" GID="root""#, #"AUID="unset" UID="root"x GID="root""#,
        #"AUID="unset" UID="root""#, #"AUID="unset" UID="roo" GID="root""#, #"AUID="unset" UID='root' GID="root""#,
        #"AUID=unset UID=root GID=root"#, #"AUID=unset UID=root GID=root"#, #"AUID=unset UID=rootx GID=root"#,
        #"AUID=unset UID=root"#, "AUID=unset UID=root\u{09}x GID=root", "AUID=unset UID=root\u{1D}GID=root",
        #"AUID="" UID="" GID="root""#, #"AUID="" UID="" GID="root""#, #"AUID="unset" UID="a-long-user-name""#,
        #"AUID="unset" UID="a-long-user-name" GID="x""#, #"AUID="(null)" UID=(null) GID="x""#,
        #"AUID="(null)" UID=(null) GID="x""#, #"AUID="unset" UID="root" GID="root""#,
        // Values of eight to sixteen bytes as written: the cache's second word.
        #"AUID="unknown(4242)" UID="root" GID="root""#, #"AUID="unknown(4242)" UID="root" GID="root""#,
        #"AUID="unknown(4243)" UID="root" GID="root""#, #"AUID="unknown(4242))" UID="root" GID="root""#,
        #"AUID="unknown(42420)" UID="root" GID="root""#, #"AUID="unknown(42420)" UID="root" GID="root""#,
        #"AUID="abcdef" UID=abcdefgh GID="root""#, #"AUID="abcdef" UID=abcdefgh GID="root""#,
        #"AUID="abcdef" UID=abcdefghi GID="root""#, #"AUID="abcdeg" UID=abcdefgh"#,
        #"AUID=abcdefghijklmno UID=abcdefghijklmnop GID="root""#,
        #"AUID=abcdefghijklmno UID=abcdefghijklmnop GID="root""#,
        #"AUID=abcdefghijklmnoX UID=abcdefghijklmnop GID="root""#, #"AUID="unknown(4242)" UID="root""#,
    ]

    @Test("user names read from the last record's value are those a fresh parser reads")
    func cachedNames() throws {
        var parser = RecordParser()
        for (number, names) in Self.nameSequence.enumerated() {
            let line = Array((Self.syscallStart + names).utf8)
            var fresh = RecordParser()
            let cachedResult = parser.parse(line.span, lineNumber: number + 1)
            let expectedResult = fresh.parse(line.span, lineNumber: number + 1)
            let cached = try #require(cachedResult)
            let expected = try #require(expectedResult)
            guard case .success(let left) = cached, case .success(let right) = expected,
                case .syscall(let a) = left.body, case .syscall(let b) = right.body
            else {
                Issue.record("line \(number + 1) is no SYSCALL record: \(cached) \(expected)")
                continue
            }
            #expect(a.userName == b.userName && a.loginUserName == b.loginUserName, "line \(number + 1): \(names)")
            #expect(String(describing: a) == String(describing: b), "line \(number + 1): \(names)")
        }
    }
}
