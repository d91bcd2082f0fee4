import AuditreeInput
import AuditreeParser
import AuditreeRules

/// Consecutive lines of one input, read and parsed on the pipeline's reading thread and
/// handed to the scan in order. Everything the scan needs to account for a line exactly
/// as the single-threaded path does is here, so both paths share the per-line code.
///
/// A line's record is parsed in place into `records` and the scan reads it there (`inout`):
/// a `Record` is about 300 bytes, and every copy of it on the way from one thread to the
/// other (into a `Result`, into the line, out of the chunk, into the scan's variable) is a
/// `memmove` of memory the other core wrote, plus retains through the value witnesses
/// (docs/performance.md, "Parsing on several cores").
struct ParsedChunk: Sendable {
    /// One entry per line delivered, in order.
    var lines: [ParsedLine] = []
    /// The records of the lines whose outcome is `.record`, in line order.
    var records: [Record] = []
    /// The rejections of the lines whose outcome is `.rejected`, in line order.
    var rejections: [Rejection] = []
    /// Set on the input's last chunk only: how the reading ended.
    var end: End?
    /// On the last chunk: the number of the last line read, blank lines skipped by the reader included.
    var linesReached = 0

    /// One line as the reader delivered it.
    struct ParsedLine: Sendable {
        var number: Int
        /// Where the line starts in the source: what the checkpoint keeps when a scan stops here.
        var offset: Int
        /// Bytes delivered (a cut line counts its first `maxLineLength`), for progress.
        var length: Int
        var outcome: Outcome
    }

    /// What a line parsed into; a record or rejection is the next one of its array.
    enum Outcome: Sendable {
        case record
        /// A cut line is already its `line-too-long` rejection.
        case rejected
        case blank
    }

    enum End: Sendable {
        /// Read to the end; `completeBytes` is through the last complete line.
        case finished(completeBytes: Int)
        /// A read failed after the chunk's lines (which still count).
        case failed(InputError, completeBytes: Int)
        /// The input could not be opened for reading (a gzip stream that cannot start); no lines.
        case cannotOpen(InputError)
    }

    /// Parses one line into the chunk, its record in place at the end of `records`, and
    /// sets the record-level rules that hold for it and the exec rules' literals in its fields
    /// (both scan paths do; `scratch` and `memo`: the thread's, for the record-level rules and the
    /// exec rules' literals).
    mutating func parse(
        _ line: Span<UInt8>, number: Int, offset: Int, truncated: Bool, with parser: inout RecordParser,
        scratch: inout SigmaAuditdScratch, memo: inout SigmaExecFieldMemo, settings: ParsePipeline.Settings
    ) {
        records.append(Record.empty)
        let last = records.count - 1
        let outcome: Outcome
        switch parser.parse(
            line, lineNumber: number, truncated: truncated, limit: settings.maxLineLength, into: &records[last])
        {
        case .record:
            if let rules = settings.recordRules { records[last].ruleHits = rules.matching(line, scratch: &scratch) }
            if let scanner = settings.execFields { scanner.findLiterals(in: &records[last], memo: &memo) }
            outcome = .record
        case .rejected(let rejection):
            records.removeLast()
            rejections.append(rejection)
            outcome = .rejected
        case .blank:
            records.removeLast()
            outcome = .blank
        }
        lines.append(ParsedLine(number: number, offset: offset, length: line.count, outcome: outcome))
    }
}
