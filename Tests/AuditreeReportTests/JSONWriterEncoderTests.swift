import Foundation
import TestSupport
import Testing

@testable import AuditreeReport
@testable import AuditreeScan

/// `Encodable` values written through `JSONWriter` (the checkpoint file): JSON that
/// `JSONDecoder` reads back to the same value, in the writer's layout and escaping.
@Suite("JSONWriter encoder")
struct JSONWriterEncoderTests {
    struct Inner: Codable, Equatable {
        var name: String
        var tags: [String]
    }

    struct Outer: Codable, Equatable {
        var id: Int
        var big: UInt64
        var small: Int32
        var flag: Bool
        var missing: String?
        var present: String?
        var inner: Inner
        var list: [Inner]
        var empty: [Int]
        var matrix: [[Int]]
    }

    @Test("layout: declaration order, nil left out, nested containers closed in place")
    func layout() throws {
        let value = Outer(
            id: -3, big: .max, small: 7, flag: true, missing: nil, present: "a\"<b>\n\u{7F}é",
            inner: Inner(name: "x", tags: ["1", "2"]), list: [Inner(name: "y", tags: [])], empty: [],
            matrix: [[1], [], [2, 3]])
        #expect(
            try JSONWriter.encoded(value)
                == #"{"id":-3,"big":18446744073709551615,"small":7,"flag":true,"present":"a\"\u003cb\u003e\n\u007fé","inner":{"name":"x","tags":["1","2"]},"list":[{"name":"y","tags":[]}],"empty":[],"matrix":[[1],[],[2,3]]}"#
        )
        #expect(try JSONDecoder().decode(Outer.self, from: Data(try JSONWriter.encoded(value).utf8)) == value)
    }

    @Test("a checkpoint with its process table reads back equal")
    func checkpointRoundTrip() throws {
        var configuration = ScanConfiguration(inputs: [Fixtures.recorded("benign-busy")])
        configuration.checkpointing = true
        let checkpoint = try #require(try Scanner.run(configuration).checkpoint)
        #expect(checkpoint.processes.count > 100)
        #expect(checkpoint.processes.contains { $0.images.contains { $0.exe != nil && !$0.argv.isEmpty } })
        let decoded = try JSONDecoder().decode(Checkpoint.self, from: try checkpoint.encoded())
        #expect(decoded == checkpoint)
    }

    @Test("floating-point values are refused, not written as something else")
    func floatingPoint() {
        struct Measured: Encodable { var ratio = 0.5 }
        #expect(throws: EncodingError.self) { try JSONWriter.encoded(Measured()) }
    }
}
