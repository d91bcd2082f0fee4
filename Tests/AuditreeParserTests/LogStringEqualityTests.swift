import TestSupport
import Testing

@testable import AuditreeParser

/// `LogString ==` compares with one `memcmp` (`Bytes.equal`), so it is checked against
/// Array's own `==` on the cases a length-and-pointer comparison could get wrong.
@Suite("LogString equality")
struct LogStringEqualityTests {
    struct Pair: Sendable, CustomStringConvertible {
        var left: [UInt8]
        var right: [UInt8]
        var description: String { "\(left) vs \(right)" }
    }

    static let pairs: [Pair] = [
        Pair(left: [], right: []),
        Pair(left: [], right: [0]),
        Pair(left: [0], right: [0]),
        Pair(left: Array("/bin/sh".utf8), right: Array("/bin/sh".utf8)),
        Pair(left: Array("/bin/sh".utf8), right: Array("/bin/s".utf8)),
        Pair(left: Array("/bin/sh".utf8), right: Array("/bin/sH".utf8)),
        Pair(left: Array("Xbin/sh".utf8), right: Array("/bin/sh".utf8)),
        Pair(left: [0x73, 0x68, 0x00, 0x2D, 0x69], right: [0x73, 0x68, 0x00, 0x2D, 0x63]),
        Pair(left: [0xFF, 0xFE, 0x80], right: [0xFF, 0xFE, 0x80]),
        Pair(left: Array(repeating: 0x61, count: 4_096), right: Array(repeating: 0x61, count: 4_096)),
        Pair(left: Array(repeating: 0x61, count: 4_096), right: Array(repeating: 0x61, count: 4_095) + [0x62]),
    ]

    @Test("agrees with Array's == and with the hash", arguments: pairs)
    func agreesWithArray(pair: Pair) {
        let left = LogString(bytes: pair.left)
        let right = LogString(bytes: pair.right)
        #expect((left == right) == (pair.left == pair.right))
        #expect((right == left) == (pair.left == pair.right))
        #expect(Bytes.equal(pair.left, pair.right) == (pair.left == pair.right))
        if left == right { #expect(left.hashValue == right.hashValue) }
    }

    @Test("slices of a larger array compare by their own bytes")
    func slices() {
        let line = Array("exe=/bin/sh comm=sh exe=/bin/sh".utf8)
        let first = Array(line[4..<11])
        let second = Array(line[24..<31])
        #expect(Bytes.equal(first, second))
        #expect(!Bytes.equal(first, Array(line[4..<10])))
    }
}
