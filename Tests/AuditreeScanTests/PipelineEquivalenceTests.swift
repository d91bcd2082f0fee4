import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AuditreeInput
@testable import AuditreeReport
@testable import AuditreeScan

// `threads: N` (N - 1 reading and parsing threads, the scan's thread assembling) must give
// the report `threads: 1` gives, for N = 2, 3 and 4, byte for byte in every format, with the same diagnostics in the
// same order, the same checkpoint and the same progress calls. Checked over every committed
// fixture and the public corpus, with the default chunks and with chunks so small that a
// chunk boundary falls after every line. Nothing here depends on timing: the pipeline's
// order does not, whichever thread runs ahead.

/// Everything a scan lets a caller see.
struct ScanObservation: Equatable, CustomStringConvertible {
    /// The report in the formats asked for.
    var rendered: [String]
    /// The diagnostics as `diagnose` saw them while the scan ran, and as the report lists them.
    var streamed: [String]
    var listed: [String]
    var summary: ScanSummary
    var stoppedEarly: Bool
    var checkpoint: Checkpoint?
    var progress: [String]

    var description: String { listed.joined(separator: "\n") }

    static func of(_ configuration: ScanConfiguration, formats: [OutputFormat] = OutputFormat.allCases) throws
        -> ScanObservation
    {
        let calls = ProgressCalls()
        var configuration = configuration
        configuration.progress = { calls.append($0) }
        var streamed: [String] = []
        let report = try Scanner.run(configuration) { streamed.append($0.description) }
        return ScanObservation(
            rendered: formats.map { $0.render(report) }, streamed: streamed,
            listed: report.diagnostics.map(\.description), summary: report.summary,
            stoppedEarly: report.stoppedEarly, checkpoint: report.checkpoint, progress: calls.entries)
    }
}

/// Progress calls, recorded from whichever thread makes them.
final class ProgressCalls: Sendable {
    private let log = Mutex<[String]>([])

    func append(_ progress: ScanProgress) {
        log.withLock {
            $0.append(
                "\(progress.bytesRead)/\(progress.totalBytes.map(String.init) ?? "-")\(progress.finished ? " done" : "")"
            )
        }
    }

    var entries: [String] { log.withLock { $0 } }
}

/// How a scan is set up, apart from its threads.
enum ScanMode: CaseIterable {
    case plain, strict, checkpointing
    /// A line limit far below the records' length, so many lines are cut (`line-too-long`).
    case shortLines

    /// Every format for the plain scan; the others differ from it only in what is read, which JSON shows whole.
    var formats: [OutputFormat] { self == .plain ? OutputFormat.allCases : [.json] }

    func configuration(_ inputs: [String]) -> ScanConfiguration {
        var configuration = ScanConfiguration(
            inputs: inputs, strict: self == .strict,
            maxLineLength: self == .shortLines ? 200 : LineReader.defaultMaxLineLength)
        configuration.checkpointing = self == .checkpointing
        configuration.groupFindings = true
        return configuration
    }
}

/// The pipelined set-ups compared with `threads: 1`.
struct PipelineShape: CustomStringConvertible {
    var threads: Int
    var chunkSize = ScanConfiguration(inputs: []).chunkSize
    /// nil: the default for `threads`.
    var chunksInFlight: Int?
    var name: String

    var description: String { "\(name), threads \(threads)" }

    /// What the command line uses, with 2, 3 and 4 threads; one line per chunk with the
    /// default chunks in flight, so one-line chunks are parsed out of order by several
    /// threads; one line per chunk and one chunk in flight, so the reader waits on the scan
    /// at every boundary; a few lines per chunk, two in flight.
    static let all: [PipelineShape] =
        [2, 3, 4].flatMap { threads in
            [
                PipelineShape(threads: threads, name: "standard"),
                PipelineShape(threads: threads, chunkSize: 1, name: "line per chunk"),
            ]
        } + [
            PipelineShape(threads: 2, chunkSize: 1, chunksInFlight: 1, name: "line per chunk, one in flight"),
            PipelineShape(threads: 4, chunkSize: 1, chunksInFlight: 1, name: "line per chunk, one in flight"),
            PipelineShape(threads: 3, chunkSize: 1_000, chunksInFlight: 2, name: "small"),
        ]

    func apply(to configuration: inout ScanConfiguration) {
        configuration.threads = threads
        configuration.chunkSize = chunkSize
        configuration.chunksInFlight = chunksInFlight
    }
}

@Suite("Pipelined scan equals the single-threaded one")
struct PipelineEquivalenceTests {
    static var recorded: [String] { TestPaths.recordedFixtureFiles.map(TestPaths.recorded) }
    static var malformed: [String] { MalformedExpectation.names.map(MalformedExpectation.absolutePath) }

    /// Scans `inputs` in every mode with one thread and with each pipeline shape, and compares.
    func expectSame(_ inputs: [String], modes: [ScanMode] = ScanMode.allCases) throws {
        for mode in modes {
            let single = try ScanObservation.of(mode.configuration(inputs), formats: mode.formats)
            for shape in PipelineShape.all {
                var configuration = mode.configuration(inputs)
                shape.apply(to: &configuration)
                let pipelined = try ScanObservation.of(configuration, formats: mode.formats)
                let label = "\(inputs.map { ($0 as NSString).lastPathComponent }) \(mode) \(shape)"
                #expect(pipelined.rendered == single.rendered, "\(label): report differs")
                #expect(pipelined.streamed == single.streamed, "\(label): diagnostics differ")
                #expect(pipelined.listed == single.listed, "\(label): listed diagnostics differ")
                #expect(pipelined.summary == single.summary, "\(label): summary differs")
                #expect(pipelined.stoppedEarly == single.stoppedEarly, "\(label)")
                #expect(pipelined.checkpoint == single.checkpoint, "\(label): checkpoint differs")
                #expect(pipelined.progress == single.progress, "\(label): progress calls differ")
            }
        }
    }

    @Test("every recorded fixture", arguments: Self.recorded)
    func recordedFixture(path: String) throws {
        try expectSame([path])
    }

    @Test("every malformed fixture, gzip ones included", arguments: Self.malformed)
    func malformedFixture(path: String) throws {
        try expectSame([path])
    }

    @Test("all recorded fixtures in one scan, then all malformed ones: state carried across files")
    func manyFilesInOneScan() throws {
        try #require(!Self.recorded.isEmpty && !Self.malformed.isEmpty)
        try expectSame(Self.recorded)
        // --strict stops at the first bad line of the first bad file: the files after it are not read.
        try expectSame(Self.malformed)
    }

    @Test(
        "every public corpus file", .enabled(if: TestPaths.corpusAvailable, TestPaths.corpusSkipMessage),
        arguments: TestPaths.corpusFiles)
    func corpusFile(file: String) throws {
        try expectSame([TestPaths.corpus(file)])
    }

    @Test("a run resumed from a checkpoint reads on from the same place with either path")
    func resumedRun() throws {
        let scratch = try TemporaryDirectory("pipeline")
        defer { scratch.remove() }
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.recorded("enriched-fork.log"))))
        let lines = whole.split(separator: 0x0A, omittingEmptySubsequences: false)
        let path = scratch.path("audit.log")
        // The first run sees half the log and a last line still being written (no newline yet).
        var first = lines[0..<(lines.count / 2)].reduce(into: [UInt8]()) {
            $0 += $1
            $0.append(0x0A)
        }
        first += Array(lines[lines.count / 2].prefix(40))
        try Data(first).write(to: URL(fileURLWithPath: path))
        var start = ScanMode.checkpointing.configuration([path])
        let checkpoint = try #require(try Scanner.run(start).checkpoint)
        // Read through the last complete line; resumed at the first record of the oldest event still open.
        let half = try #require(checkpoint.files.first)
        #expect(half.end == lines[0..<(lines.count / 2)].reduce(0) { $0 + $1.count + 1 })
        #expect(half.lines <= lines.count / 2)
        #expect(half.offset == lines[0..<half.lines].reduce(0) { $0 + $1.count + 1 })
        try Data(whole).write(to: URL(fileURLWithPath: path))
        start.checkpoint = checkpoint
        let single = try ScanObservation.of(start)
        for shape in PipelineShape.all {
            var resumed = start
            shape.apply(to: &resumed)
            #expect(try ScanObservation.of(resumed) == single, "\(shape)")
        }
        // The resumed run numbers lines as in the file, not from where it started.
        let end = try #require(single.checkpoint?.files.first)
        #expect(end.end == whole.count)
        #expect(end.lines > half.lines && end.offset == lines[0..<end.lines].reduce(0) { $0 + $1.count + 1 })
    }

    @Test("auditree scan --threads 1, 2, 3 and 4 print the same, from a file and from standard input")
    func commandLine() throws {
        for path in [TestPaths.recorded("raw-fork.log"), MalformedExpectation.absolutePath("stamp-letters")] {
            for format in ["json", "text", "sarif"] {
                let one = try CLI.run(["scan", "--threads", "1", "--format", format, path])
                for threads in ["2", "3", "4"] {
                    let more = try CLI.run(["scan", "--threads", threads, "--format", format, path])
                    #expect(
                        one.stdout == more.stdout && one.stderr == more.stderr && one.status == more.status,
                        "\(path) \(format) --threads \(threads)")
                }
            }
            let input = try Data(contentsOf: URL(fileURLWithPath: path))
            let one = try CLI.run(["scan", "--threads", "1", "--format", "json", "-"], stdin: input)
            for threads in ["2", "4"] {
                let more = try CLI.run(["scan", "--threads", threads, "--format", "json", "-"], stdin: input)
                #expect(
                    one.stdout == more.stdout && one.stderr == more.stderr && one.status == more.status,
                    "\(path) on stdin, --threads \(threads)")
            }
        }
        let refused = try CLI.run(["scan", "--threads", "0", TestPaths.recorded("raw-fork.log")])
        #expect(refused.status == 2 && refused.stderr.contains("--threads must be at least 1"))
    }

    /// A recorded log cut into `parts` files, each gzipped (as a rotated set), oldest first.
    static func rotatedGzipSet(in scratch: TemporaryDirectory, parts: Int) throws -> [String] {
        let whole = try Data(contentsOf: URL(fileURLWithPath: TestPaths.recorded("enriched-fork.log")))
        let lines = whole.split(separator: 0x0A, omittingEmptySubsequences: false)
        let perPart = (lines.count + parts - 1) / parts
        return try (0..<parts).map { part in
            let slice = lines[min(part * perPart, lines.count)..<min((part + 1) * perPart, lines.count)]
            let text = slice.map { Data($0) + Data([0x0A]) }.reduce(Data(), +)
            let path = scratch.path("audit.log.\(parts - part)")
            try text.write(to: URL(fileURLWithPath: path))
            try Gzip.compress(path)
            return path + ".gz"
        }
    }

    @Test("a rotated set of gzipped files, inflated ahead on their own threads, reads as with one thread")
    func rotatedGzipFiles() throws {
        let scratch = try TemporaryDirectory("rotated-gzip")
        defer { scratch.remove() }
        let files = try Self.rotatedGzipSet(in: scratch, parts: 5)
        try expectSame(files, modes: [.plain, .checkpointing, .strict])
        // The directory, as a user names /var/log/audit: the files are ordered by their first record.
        try expectSame([scratch.path], modes: [.plain])
    }
}
