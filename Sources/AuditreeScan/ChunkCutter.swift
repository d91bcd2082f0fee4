import AuditreeInput
import AuditreeParser
import AuditreeRules

/// The reading thread of a `ParsePipeline`: reads the lines of one input, cuts them into
/// chunks of about `chunkSize` bytes of whole lines, and for each chunk either hands it to
/// an idle parsing thread (its lines copied out of the reader's buffer) or, when every
/// parsing thread is busy or there is none, parses it itself, straight from the buffer.
struct ChunkCutter {
    private let settings: ParsePipeline.Settings
    private let stages: ParsePipeline.Stages
    private var parser: RecordParser
    /// The chunk being filled: its number in the scan's order, nil between chunks.
    private var sequence: Int?
    /// Set when the chunk goes to a parsing thread: its place in that queue.
    private var handedSlot: Int?
    /// The chunk's lines, parsed here (`handedSlot` nil) or copied for another thread.
    private var parsed = ParsedChunk()
    private var copied = LineChunk(sequence: 0)
    private var bytes = 0
    /// Lines of the last chunk: the next one is likely as long, so no regrowing of its arrays.
    private var lastLineCount = 0
    private var lastByteCount = 0
    /// The scan no longer wants chunks (`--strict` stopped it, or it is done).
    private(set) var cancelled = false

    /// Thrown out of the line loop when the scan no longer wants chunks.
    private struct Cancelled: Error {}

    init(settings: ParsePipeline.Settings, stages: ParsePipeline.Stages) {
        self.settings = settings
        self.stages = stages
        parser = RecordParser(detail: settings.detail)
    }

    /// The record-level rules' scratch of the reading thread.
    private var scratch = SigmaAuditdScratch()
    /// The exec rules' memo of the reading thread.
    private var memo = SigmaExecFieldMemo()

    /// Reads `source` to its end (or until cancelled), shipping every chunk; the last one says
    /// how reading ended.
    mutating func read(_ source: ParsePipeline.Source, firstLine: Int) {
        switch source {
        case .plain(let file):
            var plain = file
            readLines(from: &plain, firstLine: firstLine)
        case .gzip(let file):
            do {
                var inflating = try GzipByteSource(file: file)
                readLines(from: &inflating, firstLine: firstLine)
            } catch {
                shipEnd(.cannotOpen(error), linesReached: 0)
            }
        case .inflated(let file):
            var inflated = file.byteSource()
            readLines(from: &inflated, firstLine: firstLine)
        }
        // Chunks still waiting for a parsing thread are of no use now.
        if cancelled { stages.unparsed?.cancel() }
    }

    private mutating func readLines<Source: ByteSource & ~Copyable>(from source: inout Source, firstLine: Int) {
        var reader = LineReader(maxLineLength: settings.maxLineLength)
        reader.deliversUnterminatedLastLine = settings.deliversUnterminatedLastLine
        reader.skipsBlankLines = true
        do throws(LineReaderError<Cancelled>) {
            try reader.forEachLine(of: &source, firstLine: firstLine) {
                (number: Int, offset: Int, line: Span<UInt8>, truncated: Bool) throws(Cancelled) in
                try add(number: number, offset: offset, line: line, truncated: truncated)
            }
            shipEnd(.finished(completeBytes: reader.completeBytes), linesReached: reader.linesReached)
        } catch {
            switch error {
            case .input(let failure):
                shipEnd(.failed(failure, completeBytes: reader.completeBytes), linesReached: reader.linesReached)
            case .body: cancelled = true
            }
        }
    }

    private mutating func add(number: Int, offset: Int, line: Span<UInt8>, truncated: Bool) throws(Cancelled) {
        if sequence == nil { try begin() }
        if handedSlot != nil {
            copied.append(number: number, offset: offset, line: line, truncated: truncated)
        } else {
            parsed.parse(
                line, number: number, offset: offset, truncated: truncated, with: &parser, scratch: &scratch,
                memo: &memo,
                settings: settings)
        }
        bytes += line.count + 1
        if bytes >= settings.chunkSize { ship(end: nil, linesReached: 0) }
    }

    /// Starts a chunk: takes its number (waiting while too many chunks are in flight) and
    /// decides who parses it.
    private mutating func begin() throws(Cancelled) {
        guard let number = stages.parsed.reserve() else {
            cancelled = true
            throw Cancelled()
        }
        sequence = number
        bytes = 0
        handedSlot = stages.unparsed?.reserveIfFree()
        let lineCapacity = lastLineCount + lastLineCount / 8
        if handedSlot != nil {
            copied = LineChunk(
                sequence: number, bytes: stages.byteSpares.take(capacity: lastByteCount + lastByteCount / 8),
                lines: stages.lineSpares.take(capacity: lineCapacity))
        } else {
            parsed = stages.emptyChunk(lines: lineCapacity)
        }
    }

    /// Sends the chunk being filled on: to its parsing thread, or parsed to the scan.
    private mutating func ship(end: ParsedChunk.End?, linesReached: Int) {
        guard let number = sequence else { return }
        if let slot = handedSlot, let unparsed = stages.unparsed {
            copied.end = end
            copied.linesReached = linesReached
            lastLineCount = copied.lines.count
            lastByteCount = copied.bytes.count
            var chunk = LineChunk(sequence: 0)
            swap(&chunk, &copied)
            unparsed.put(chunk, at: slot)
        } else {
            lastLineCount = parsed.lines.count
            var chunk = ParsedChunk()
            swap(&chunk, &parsed)
            chunk.end = end
            chunk.linesReached = linesReached
            stages.parsed.put(chunk, at: number)
        }
        sequence = nil
        handedSlot = nil
    }

    /// Ships the last chunk (an empty one if every line went out already) with how reading ended.
    private mutating func shipEnd(_ end: ParsedChunk.End, linesReached: Int) {
        if sequence == nil {
            do { try begin() } catch { return }
        }
        ship(end: end, linesReached: linesReached)
    }
}
