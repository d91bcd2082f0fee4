import TestSupport
import Testing

@testable import AuditreeParser

/// `LogString` keeps up to 16 bytes in the value and longer ones on the heap. Everything it
/// answers must be what the bytes as an array answer, on both sides of that boundary.
@Suite("LogString storage")
struct LogStringTests {
    static let samples: [[UInt8]] = [
        [], [0], Array("/".utf8), Array("sh".utf8), Array("/bin/sh".utf8),
        Array("0123456789abcde".utf8), Array("0123456789abcdef".utf8), Array("0123456789abcdefg".utf8),
        Array("/usr/bin/python3".utf8), Array("/usr/bin/python3.11".utf8), Array("/usr/lib/x/".utf8),
        [0xFF, 0xFE, 0x00, 0x2F, 0x80], Array(repeating: 0, count: 16), Array(repeating: 0, count: 17),
        Array(repeating: 0x61, count: 15) + [0x2F], Array(repeating: 0x2F, count: 40),
    ]

    struct Pair: Sendable, CustomStringConvertible {
        var left: [UInt8]
        var right: [UInt8]
        var description: String { "\(left) vs \(right)" }
    }

    static let pairs: [Pair] = samples.flatMap { left in samples.map { Pair(left: left, right: $0) } }

    @Test("bytes, count and text are those it was made from", arguments: samples)
    func roundTrip(_ bytes: [UInt8]) {
        let value = LogString(bytes: bytes)
        #expect(value.bytes == bytes)
        #expect(value.count == bytes.count)
        #expect(value.isEmpty == bytes.isEmpty)
        #expect(value.withUnsafeBytes { Array($0) } == bytes)
        #expect(value.lossyString == String(decoding: bytes, as: UTF8.self))
        #expect(value.isValidUTF8 == (String(validating: bytes, as: UTF8.self) != nil))
        let copied = bytes.withUnsafeBytes { LogString(copying: $0) }
        #expect(copied == value)
        #expect(copied.hashValue == value.hashValue)
    }

    @Test("basename is what the array's last `/` gives", arguments: samples)
    func basename(_ bytes: [UInt8]) {
        let expected = bytes.lastIndex(of: UInt8(ascii: "/")).map { Array(bytes[($0 + 1)...]) } ?? bytes
        #expect(LogString(bytes: bytes).basename == LogString(bytes: expected))
        #expect(LogString(bytes: bytes).basename.bytes == expected)
    }

    @Test("==, <, hash and prefix agree with the arrays", arguments: pairs)
    func comparisons(_ pair: Pair) {
        let left = LogString(bytes: pair.left)
        let right = LogString(bytes: pair.right)
        #expect((left == right) == (pair.left == pair.right))
        #expect((left < right) == pair.left.lexicographicallyPrecedes(pair.right))
        #expect(left.hasPrefix(right) == pair.left.starts(with: pair.right))
        if left == right { #expect(left.hashValue == right.hashValue) }
    }

    @Test(
        "a value built in place is the bytes written, or nil when the fill gives up", arguments: [0, 1, 15, 16, 17, 64])
    func building(count: Int) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 1) }
        let built = LogString.building(count: count) { output in
            for index in 0..<output.count { output[index] = bytes[index] }
            return true
        }
        #expect(built == LogString(bytes: bytes))
        #expect(LogString.building(count: count) { _ in false } == nil)
    }
}
