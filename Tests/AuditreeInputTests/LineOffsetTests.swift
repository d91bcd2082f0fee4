import TestSupport
import Testing

@testable import AuditreeInput

/// The offsets `LineReader` hands on with each line: the pipelined scan keeps the offset of
/// the line a `--strict` scan stopped at as the checkpoint's resume point, so it must be
/// exactly where that line starts, whatever the reads and however long the lines.
@Suite("Line offsets")
struct LineOffsetTests {
    /// Short lines, an empty one, lines over the limit (8 bytes) with and without a newline
    /// soon after the cut, a line of exactly the limit, and a last line without newline.
    static let text = Array(
        "ab\n\ncccccccccccccccccccccc\nddddddd\n12345678\neeeeeeeeeeee\nf\nlong-last-line-no-newline".utf8)

    /// Where each line starts, found without `LineReader`.
    static var starts: [Int] {
        var result = [0]
        for (index, byte) in text.enumerated() where byte == 0x0A { result.append(index + 1) }
        return result
    }

    @Test("each line's offset is where it starts in the source", arguments: [1, 2, 3, 5, 8, 13, 64])
    func offsets(readSize: Int) throws {
        var source = MemoryByteSource(Self.text)
        var reader = LineReader(maxLineLength: 8, readSize: readSize)
        var seen: [(number: Int, offset: Int, truncated: Bool)] = []
        try reader.forEachLine(of: &source, firstLine: 10) {
            (number: Int, offset: Int, _: Span<UInt8>, truncated: Bool) throws(Never) in
            seen.append((number, offset, truncated))
        }
        #expect(seen.map(\.number) == Array(11...18))
        #expect(seen.map(\.offset) == Self.starts)
        #expect(seen.map(\.truncated) == [false, false, true, false, false, true, false, true])
        // After the last newline: what a resumed run would skip.
        #expect(reader.completeBytes == Self.starts.last)
    }

    @Test("the offset of the line a body stops at is completeBytes at that moment", arguments: 1...8)
    func stopAtLine(stop: Int) throws {
        var source = MemoryByteSource(Self.text)
        var reader = LineReader(maxLineLength: 8, readSize: 3)
        var stoppedAt: Int?
        struct Stop: Error {}
        do {
            try reader.forEachLine(of: &source) { (number: Int, offset: Int, _: Span<UInt8>, _: Bool) throws(Stop) in
                if number == stop {
                    stoppedAt = offset
                    throw Stop()
                }
            }
        } catch {}
        #expect(stoppedAt == Self.starts[stop - 1])
        #expect(reader.completeBytes == stoppedAt)
    }
}
