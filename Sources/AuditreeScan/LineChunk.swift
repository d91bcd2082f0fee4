import AuditreeSystem

/// Consecutive lines of one input as the reading thread cut them, copied out of the line
/// reader's buffer for a parsing thread to parse (`ParsePipeline` with more than one parsing
/// thread). The lines lie back to back in `bytes`, without their newlines.
struct LineChunk: Sendable {
    /// The number under which the parsed chunk goes to the scan (`ChunkQueue` order).
    var sequence: Int
    var bytes: [UInt8] = []
    var lines: [Line] = []
    /// Set on the input's last chunk only: how the reading ended (handed on to the parsed chunk).
    var end: ParsedChunk.End?
    /// On the last chunk: the number of the last line read, blank lines skipped by the reader included.
    var linesReached = 0

    /// One line as the reader delivered it.
    struct Line: Sendable {
        var number: Int
        /// Where the line starts in the source.
        var offset: Int
        /// Bytes delivered (a cut line counts its first `maxLineLength`).
        var length: Int
        /// Cut by the reader at `maxLineLength`: parsed as its `line-too-long` rejection.
        var truncated: Bool
    }

    /// Appends one line (its bytes are copied: the reader's buffer is reused for the next read).
    mutating func append(number: Int, offset: Int, line: Span<UInt8>, truncated: Bool) {
        bytes.append(copying: line)
        lines.append(Line(number: number, offset: offset, length: line.count, truncated: truncated))
    }
}
