import Foundation
import TestSupport
import Testing

@testable import AuditreeInput
@testable import AuditreeScan

/// Blank lines cost what reading them does, not a call each: a gzip member inflating to
/// gigabytes of newlines (docs/hostile-input.md) is counted in bulk by `LineReader`.
@Suite("Blank lines", .serialized)
struct BlankLineTests {
    /// Lines of `text` that are not blank, with their numbers and whether they are cut, found
    /// without `LineReader`: a blank line (spaces, tabs, carriage returns) longer than the limit
    /// is delivered cut, like any over-long line.
    static func expectedLines(_ text: [UInt8], limit: Int) -> [(Int, [UInt8], Bool)] {
        var pieces = text.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if pieces.last?.isEmpty == true { pieces.removeLast() }
        return pieces.enumerated().compactMap { index, line in
            let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            let terminated = index < pieces.count - 1 || text.last == 0x0A
            if blank && line.count <= limit && terminated { return nil }
            return (index + 1, Array(line.prefix(limit)), line.count > limit)
        }
    }

    static let inputs: [[UInt8]] = [
        Array(repeating: 0x0A, count: 100_003) + Array("type=X msg=audit(1.000:1): a=b\n".utf8)
            + Array(repeating: 0x0A, count: 17),
        Array(" \n\t\n\r\n\n\n\nx\n   y\n\n  \n".utf8),
        // Blank lines of exactly the limit (skipped) and one byte over it (cut and delivered).
        Array((String(repeating: " ", count: 16) + "\n" + String(repeating: "\t", count: 17) + "\nz\n").utf8),
        // A last blank line without newline is delivered, as any last line.
        Array("a\n\n\n  ".utf8),
        Array(repeating: 0x0A, count: 64) + Array("\n\n\n\n\n\n\n\nq".utf8),
    ]

    @Test(
        "only non-blank lines reach the body, numbered as in the file, whatever the reads",
        arguments: inputs.indices, [1, 3, 8, 64, 1 << 16])
    func deliveredLines(_ index: Int, readSize: Int) throws {
        let text = Self.inputs[index]
        var source = MemoryByteSource(text)
        var reader = LineReader(maxLineLength: 16, readSize: readSize)
        reader.skipsBlankLines = true
        var seen: [(Int, [UInt8], Bool)] = []
        try reader.forEachLine(of: &source) { (number: Int, bytes: Span<UInt8>, truncated: Bool) throws(Never) in
            var copy: [UInt8] = []
            for i in 0..<bytes.count { copy.append(bytes[i]) }
            seen.append((number, copy, truncated))
        }
        let expected = Self.expectedLines(text, limit: 16)
        #expect(seen.map(\.0) == expected.map(\.0))
        #expect(seen.map(\.1) == expected.map(\.1))
        #expect(seen.map(\.2) == expected.map(\.2))
        let newlines = text.count(where: { $0 == 0x0A })
        #expect(reader.linesReached == newlines + (text.last == 0x0A ? 0 : 1))
        #expect(reader.completeBytes == (text.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0))
    }

    @Test("64 MiB of newlines: the body is called for the one record only")
    func callBudget() throws {
        let text = Array(repeating: UInt8(0x0A), count: 64 << 20) + Array("type=X msg=audit(1.000:1): a=b\n".utf8)
        var source = MemoryByteSource(text)
        var reader = LineReader()
        reader.skipsBlankLines = true
        var calls = 0
        var number = 0
        try reader.forEachLine(of: &source) { (line: Int, _: Span<UInt8>, _: Bool) throws(Never) in
            calls += 1
            number = line
        }
        #expect(calls == 1)
        #expect(number == (64 << 20) + 1)
    }

    /// Newlines as one big gzip member and as many tiny ones, before a real recording.
    @Test(
        "a gzip of blank members before a recording: same findings, line numbers shifted, both pipelines",
        arguments: [1, 2])
    func gzipBlankMembers(threads: Int) throws {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "blank-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let big = 8 << 20
        let tiny = 2000
        var bytes = try gzipped(Data(repeating: 0x0A, count: big), in: directory)
        let one = try gzipped(Data([0x0A]), in: directory)
        for _ in 0..<tiny { bytes.append(one) }
        bytes.append(
            try gzipped(try Data(contentsOf: URL(fileURLWithPath: Fixtures.recorded("raw-fork"))), in: directory))
        let path = directory.appendingPathComponent("audit.log.2.gz")
        try bytes.write(to: path)

        var plain = ScanConfiguration(inputs: [Fixtures.recorded("raw-fork")])
        plain.threads = threads
        var padded = ScanConfiguration(inputs: [path.path])
        padded.threads = threads
        let expected = try Scanner.run(plain)
        let actual = try Scanner.run(padded)
        #expect(actual.summary.inputErrors == 0)
        #expect(actual.summary.lines == expected.summary.lines && actual.summary.records == expected.summary.records)
        #expect(!expected.findings.isEmpty)
        #expect(actual.findings.map(\.location.line) == expected.findings.map { $0.location.line + big + tiny })
        #expect(actual.findings.map { $0.process.image?.stamp } == expected.findings.map { $0.process.image?.stamp })
    }

    private func gzipped(_ data: Data, in directory: URL) throws -> Data {
        let file = directory.appendingPathComponent("piece-\(UUID().uuidString)")
        try data.write(to: file)
        try Gzip.compress(file.path)
        return try Data(contentsOf: URL(fileURLWithPath: file.path + ".gz"))
    }
}
