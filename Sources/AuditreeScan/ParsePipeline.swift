import AuditreeInput
import AuditreeParser
import AuditreeRules
import Foundation

/// Reads and parses one input on its own thread while the scan's thread assembles events.
///
/// Parsing (line reading included) is a large share of a scan (docs/performance.md), and the
/// event assembler, tree and rules must see records in log order. So the work is cut in two
/// stages: this thread reads the input (decompressing gzip), cuts it into chunks of
/// `chunkSize` bytes of whole lines, parses every line of a chunk with its own
/// `RecordParser`, and queues the chunk; the scan's thread takes chunks in order and feeds
/// each line to exactly the code the single-threaded path runs. At most `chunksInFlight`
/// chunks wait in the queue, so memory stays flat however fast the reader is.
///
/// Nothing here decides anything about a line: truncation is `LineReader`'s, parsing is
/// `RecordParser`'s, and accounting, diagnostics and `--strict` stay with the scan's thread.
final class ParsePipeline: Sendable {
    /// 64 KiB of lines parse into records still cached when the scan's thread takes them (docs/performance.md).
    static let defaultChunkSize = 1 << 16
    /// Enough to ride out the reader being descheduled for a moment on a busy machine.
    static let defaultChunksInFlight = 4

    struct Settings: Sendable {
        var maxLineLength: Int
        /// False when checkpointing: a last line without newline may still be being written.
        var deliversUnterminatedLastLine: Bool
        var chunkSize: Int
        var chunksInFlight: Int
        var detail: RecordParser.Detail = .scan
        /// Record-level rules (Sigma `service: auditd`) to test each record with, on this thread.
        var recordRules: SigmaAuditdRules? = nil
    }

    private let queue: ChunkQueue<ParsedChunk>
    private let spares: SpareArrays<ParsedChunk.ParsedLine>

    /// Starts reading `file` (already positioned) on a new thread. `gzip`: decompress it while
    /// reading. `firstLine` is the number of lines before the file's current position.
    /// The thread takes `file` over only for reading: the caller still closes a plain file,
    /// after `close()`; a gzip stream closes its file itself, on the reading thread.
    init(file: FileByteSource, gzip: Bool, firstLine: Int, settings: Settings) {
        let queue = ChunkQueue<ParsedChunk>(capacity: max(settings.chunksInFlight, 1))
        // One per chunk that can be queued, plus the one being read and the one being taken.
        let spares = SpareArrays<ParsedChunk.ParsedLine>(limit: max(settings.chunksInFlight, 1) + 2)
        self.queue = queue
        self.spares = spares
        let thread = Thread {
            Self.produce(file: file, gzip: gzip, firstLine: firstLine, settings: settings, into: queue, spares: spares)
            // Only now: `produce` has returned, so a gzip stream and its file are closed.
            queue.producerFinished()
        }
        // The reader needs little stack; a small one keeps it out of tight data limits (ulimit -d).
        thread.stackSize = 1 << 21
        thread.name = "auditree-reader"
        thread.start()
    }

    /// The next chunk in input order, waiting for it. The last one carries `end`; nil only
    /// once the reading thread has ended and every chunk was taken.
    func next() -> ParsedChunk? { queue.take() }

    /// Hands a taken chunk's line array back for the reading thread to fill again, leaving
    /// `lines` empty. Moved out, so the array goes back uniquely referenced and keeps its buffer.
    func recycle(_ lines: inout [ParsedChunk.ParsedLine]) {
        var taken: [ParsedChunk.ParsedLine] = []
        swap(&taken, &lines)
        spares.give(consume taken)
    }

    /// Stops the reading thread if it is still running and waits until it has ended.
    /// Call it once the scan is done with the input, whether it read to the end or not.
    func close() { queue.cancelAndWait() }

    /// Sets on a parsed record the record-level rules that hold for its line (both scan paths).
    static func markRuleHits(_ outcome: inout Result<Record, Rejection>?, line: Span<UInt8>, rules: SigmaAuditdRules) {
        guard case .success(var record)? = outcome, let hits = rules.matching(line) else { return }
        record.ruleHits = hits
        outcome = .success(record)
    }

    /// Thrown out of the line loop when the scan no longer wants chunks (`--strict` stopped it).
    private struct Cancelled: Error {}

    private static func produce(
        file: FileByteSource, gzip: Bool, firstLine: Int, settings: Settings, into queue: ChunkQueue<ParsedChunk>,
        spares: SpareArrays<ParsedChunk.ParsedLine>
    ) {
        if gzip {
            var source: GzipByteSource
            do { source = try GzipByteSource(file: file) } catch {
                _ = queue.put(ParsedChunk(lines: [], end: .cannotOpen(error)))
                return
            }
            produceLines(from: &source, firstLine: firstLine, settings: settings, into: queue, spares: spares)
        } else {
            var source = file
            produceLines(from: &source, firstLine: firstLine, settings: settings, into: queue, spares: spares)
        }
    }

    private static func produceLines<Source: ByteSource & ~Copyable>(
        from source: inout Source, firstLine: Int, settings: Settings, into queue: ChunkQueue<ParsedChunk>,
        spares: SpareArrays<ParsedChunk.ParsedLine>
    ) {
        var reader = LineReader(maxLineLength: settings.maxLineLength)
        reader.deliversUnterminatedLastLine = settings.deliversUnterminatedLastLine
        reader.skipsBlankLines = true
        var parser = RecordParser(detail: settings.detail)
        var lines: [ParsedChunk.ParsedLine] = []
        var bytes = 0
        do throws(LineReaderError<Cancelled>) {
            try reader.forEachLine(of: &source, firstLine: firstLine) {
                (number: Int, offset: Int, line: Span<UInt8>, truncated: Bool) throws(Cancelled) in
                var outcome = parser.parse(
                    line, lineNumber: number, truncated: truncated, limit: settings.maxLineLength)
                if let rules = settings.recordRules { markRuleHits(&outcome, line: line, rules: rules) }
                lines.append(
                    ParsedChunk.ParsedLine(number: number, offset: offset, length: line.count, outcome: outcome))
                bytes += line.count + 1
                if bytes >= settings.chunkSize {
                    let count = lines.count
                    guard queue.put(ParsedChunk(lines: lines, end: nil)) else { throw Cancelled() }
                    // The next chunk is likely as long: no regrowing (and recopying) of the array.
                    lines = spares.take(capacity: count + count / 8)
                    bytes = 0
                }
            }
            _ = queue.put(
                ParsedChunk(
                    lines: lines, end: .finished(completeBytes: reader.completeBytes), linesReached: reader.linesReached
                ))
        } catch {
            switch error {
            case .input(let failure):
                _ = queue.put(
                    ParsedChunk(
                        lines: lines, end: .failed(failure, completeBytes: reader.completeBytes),
                        linesReached: reader.linesReached))
            case .body:
                return
            }
        }
    }
}
