import AuditreeInput
import AuditreeParser

/// Consecutive lines of one input, read and parsed on the pipeline's reading thread and
/// handed to the scan in order. Everything the scan needs to account for a line exactly
/// as the single-threaded path does is here, so both paths share the per-line code.
struct ParsedChunk: Sendable {
    var lines: [ParsedLine]
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
        /// nil for a blank line; a cut line is already its `line-too-long` rejection.
        var outcome: Result<Record, Rejection>?
    }

    enum End: Sendable {
        /// Read to the end; `completeBytes` is through the last complete line.
        case finished(completeBytes: Int)
        /// A read failed after the chunk's lines (which still count).
        case failed(InputError, completeBytes: Int)
        /// The input could not be opened for reading (a gzip stream that cannot start); no lines.
        case cannotOpen(InputError)
    }
}
