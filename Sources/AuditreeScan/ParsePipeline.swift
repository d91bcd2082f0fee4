import AuditreeInput
import AuditreeParser
import AuditreeRules
import Foundation

/// Reads one input and parses it on other threads while the scan's thread assembles events.
///
/// Parsing (line reading included) is a large share of a scan (docs/performance.md), and the
/// event assembler, tree and rules must see records in log order. So the work is cut in
/// stages: a reading thread reads the input (decompressing gzip unless another thread inflates
/// it, `InflateAhead`) and cuts it into chunks of `chunkSize` bytes of whole lines; `parsers`
/// threads parse the chunks, each with its own `RecordParser`; the scan's thread takes the
/// parsed chunks by sequence number, so in input order whichever thread parsed them, and
/// feeds each line to exactly the code the single-threaded path runs.
///
/// The reading thread is one of the parsing threads: a chunk it cannot hand to an idle parsing
/// thread (all busy, or there is none, `parsers` 1) it parses itself, straight from the line
/// reader's buffer; a chunk it hands over is copied out (`LineChunk`). At most `chunksInFlight`
/// chunks are cut and not yet taken by the scan, so memory stays flat however fast the readers are.
///
/// Nothing here decides anything about a line: truncation is `LineReader`'s, parsing is
/// `RecordParser`'s, and accounting, diagnostics and `--strict` stay with the scan's thread.
final class ParsePipeline: Sendable {
    /// 64 KiB of lines parse into records still cached when the scan's thread takes them (docs/performance.md).
    static let defaultChunkSize = 1 << 16

    /// Chunks cut and not yet taken: two per parsing thread (one being parsed, one waiting),
    /// and at least 4, enough to ride out the reader being descheduled for a moment.
    static func defaultChunksInFlight(parsers: Int) -> Int { max(4, 2 * parsers) }

    /// What the reading thread reads.
    enum Source: Sendable {
        /// A plain file or stream, already positioned.
        case plain(FileByteSource)
        /// A gzip file or stream, inflated on the reading thread, which closes it.
        case gzip(FileByteSource)
        /// A gzip file inflated on its own thread (`InflateAhead`), already opened there.
        case inflated(InflatedFile)
    }

    struct Settings: Sendable {
        var maxLineLength: Int
        /// False when checkpointing: a last line without newline may still be being written.
        var deliversUnterminatedLastLine: Bool
        var chunkSize: Int
        var chunksInFlight: Int
        /// Threads that parse, the reading thread included (at least 1).
        var parsers = 1
        var detail: RecordParser.Detail = .scan
        /// Record-level rules (Sigma `service: auditd`) to test each record with, on the parsing threads.
        var recordRules: SigmaAuditdRules? = nil
        /// The exec rules' literals to look for in each record's exec fields, on the parsing threads.
        var execFields: SigmaExecFieldScanner? = nil
    }

    private let parsed: ChunkQueue<ParsedChunk>
    private let parsedSpares: SpareArrays<ParsedChunk.ParsedLine>
    private let recordSpares: SpareArrays<Record>

    /// Starts reading `source` (already positioned) on a new thread, with `settings.parsers - 1`
    /// more threads parsing. `firstLine` is the number of lines before the source's current position.
    /// The thread takes a plain file over only for reading: the caller still closes it, after
    /// `close()`; a gzip stream closes its file itself, on the reading thread.
    init(source: Source, firstLine: Int, settings: Settings) {
        let parsers = max(settings.parsers, 1)
        let capacity = max(settings.chunksInFlight, 1)
        let parsed = ChunkQueue<ParsedChunk>(capacity: capacity, producers: parsers)
        // One per chunk that can be in flight, plus the one being taken.
        let parsedSpares = SpareArrays<ParsedChunk.ParsedLine>(limit: capacity + 1)
        let recordSpares = SpareArrays<Record>(limit: capacity + 1)
        self.parsed = parsed
        self.parsedSpares = parsedSpares
        self.recordSpares = recordSpares
        // Chunks waiting for a parsing thread: one per such thread, else the reader parses.
        let unparsed = parsers > 1 ? ChunkQueue<LineChunk>(capacity: parsers - 1) : nil
        let lineSpares = SpareArrays<LineChunk.Line>(limit: parsers + 1)
        let byteSpares = SpareArrays<UInt8>(limit: parsers + 1)
        let stages = Stages(
            parsed: parsed, unparsed: unparsed, parsedSpares: parsedSpares, recordSpares: recordSpares,
            lineSpares: lineSpares, byteSpares: byteSpares)
        Self.start("auditree-reader") {
            var cutter = ChunkCutter(settings: settings, stages: stages)
            cutter.read(source, firstLine: firstLine)
            // Only now: reading has returned, so a gzip stream and its file are closed.
            unparsed?.producerFinished()
            parsed.producerFinished()
        }
        for _ in 1..<parsers {
            Self.start("auditree-parse") {
                Self.parseHandedChunks(settings: settings, stages: stages)
                parsed.producerFinished()
            }
        }
    }

    private static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            // Named from inside: Foundation names the system thread only when it is the current one
            // (the name shows in ps -L, top -H, perf and bench/thread-cpu.py; at most 15 bytes).
            Thread.current.name = name
            body()
        }
        // The threads need little stack; a small one keeps them out of tight data limits (ulimit -d).
        thread.stackSize = 1 << 21
        thread.start()
    }

    /// The next chunk in input order, waiting for it. The last one carries `end`; nil only
    /// once the threads have ended and every chunk was taken.
    func next() -> ParsedChunk? { parsed.take() }

    /// Hands a taken chunk's line and record arrays back for a parsing thread to fill again,
    /// leaving them empty. Moved out, so the arrays go back uniquely referenced and keep their buffers.
    func recycle(_ chunk: inout ParsedChunk) {
        var lines: [ParsedChunk.ParsedLine] = []
        swap(&lines, &chunk.lines)
        parsedSpares.give(consume lines)
        var records: [Record] = []
        swap(&records, &chunk.records)
        recordSpares.give(consume records)
    }

    /// Stops the threads if they are still running and waits until every one has ended.
    /// Call it once the scan is done with the input, whether it read to the end or not.
    func close() { parsed.cancelAndWait() }

    /// The queues and spare arrays the threads of one pipeline share.
    struct Stages: Sendable {
        let parsed: ChunkQueue<ParsedChunk>
        /// Chunks the reader cut for the other parsing threads; nil when it parses everything itself.
        let unparsed: ChunkQueue<LineChunk>?
        let parsedSpares: SpareArrays<ParsedChunk.ParsedLine>
        let recordSpares: SpareArrays<Record>
        let lineSpares: SpareArrays<LineChunk.Line>
        let byteSpares: SpareArrays<UInt8>

        /// A chunk to parse into, its arrays taken from the spares, room for `lines` lines.
        func emptyChunk(lines: Int) -> ParsedChunk {
            ParsedChunk(
                lines: parsedSpares.take(capacity: lines), records: recordSpares.take(capacity: lines))
        }
    }

    /// A parsing thread other than the reader: parses the chunks handed to it until the reader
    /// has finished (or the scan cancelled) and none is left.
    private static func parseHandedChunks(settings: Settings, stages: Stages) {
        guard let unparsed = stages.unparsed else { return }
        var parser = RecordParser(detail: settings.detail)
        var scratch = SigmaAuditdScratch()
        var memo = SigmaExecFieldMemo()
        while var chunk = unparsed.take() {
            var done = stages.emptyChunk(lines: chunk.lines.count)
            parse(chunk, with: &parser, scratch: &scratch, memo: &memo, settings: settings, into: &done)
            let sequence = chunk.sequence
            done.end = chunk.end
            done.linesReached = chunk.linesReached
            stages.lineSpares.give(chunk.lines)
            stages.byteSpares.give(chunk.bytes)
            chunk.lines = []
            chunk.bytes = []
            stages.parsed.put(done, at: sequence)
        }
    }

    /// Parses the lines of a chunk the reader cut, as the reader parses the ones it keeps.
    static func parse(
        _ chunk: LineChunk, with parser: inout RecordParser, scratch: inout SigmaAuditdScratch,
        memo: inout SigmaExecFieldMemo, settings: Settings,
        into parsed: inout ParsedChunk
    ) {
        let bytes = chunk.bytes.span
        var start = 0
        for line in chunk.lines {
            let text = bytes.extracting(start..<(start + line.length))
            start += line.length
            parsed.parse(
                text, number: line.number, offset: line.offset, truncated: line.truncated, with: &parser,
                scratch: &scratch, memo: &memo, settings: settings)
        }
    }
}
