#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Streams the lines of a byte source through one reused buffer.
///
/// This is the only place in the engine that touches raw memory: it owns the
/// buffer, finds line ends with `memchr`, and hands every line to the caller as
/// a bounds-checked `Span<UInt8>` that lives only for the duration of the call.
/// No line is ever copied into a `String` here.
public struct LineReader: ~Copyable {
    /// Lines longer than this are cut: the caller sees the first
    /// `maxLineLength` bytes and the full length, the rest is skipped unread.
    public static let defaultMaxLineLength = 1 << 20

    private let storage: UnsafeMutableRawBufferPointer
    private let maxLineLength: Int
    private var start = 0
    private var end = 0
    private var scanFrom = 0
    /// Source bytes dropped from the front of the buffer so far.
    private var dropped = 0
    /// Source bytes up to and including the last newline read: where a later run can resume.
    public private(set) var completeBytes = 0
    /// The number of the last line delivered or skipped as blank (`firstLine` before any),
    /// once `forEachLine` has returned: the line count a later run resumes from.
    public private(set) var linesReached = 0
    /// Whether a last line without a newline is delivered (false when it may still be being written).
    public var deliversUnterminatedLastLine = true
    /// Whether complete blank lines (nothing but spaces, tabs and carriage returns, no longer than
    /// the limit) are counted and skipped in bulk instead of delivered. The scan sets it: a blank
    /// line is no record, and a gzip member inflating to gigabytes of newlines then costs about
    /// what inflating it does, not a call per line (docs/hostile-input.md).
    public var skipsBlankLines = false

    public init(maxLineLength: Int = LineReader.defaultMaxLineLength, readSize: Int = 1 << 20) {
        precondition(maxLineLength > 0 && readSize > 0)
        self.maxLineLength = maxLineLength
        self.storage = .allocate(byteCount: maxLineLength + readSize, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Calls `body(lineNumber, bytes, truncated)` for every line of `source`,
    /// without its newline. A line longer than `maxLineLength` arrives once, cut
    /// to that length, with `truncated` set; its remaining bytes are skipped.
    /// A last line without a newline is still delivered.
    /// `firstLine` is the number of lines before the source's first byte (when resuming).
    public mutating func forEachLine<Source: ByteSource & ~Copyable, E: Error>(
        of source: inout Source,
        firstLine: Int = 0,
        _ body: (_ lineNumber: Int, _ bytes: Span<UInt8>, _ truncated: Bool) throws(E) -> Void
    ) throws(LineReaderError<E>) {
        try forEachLine(of: &source, firstLine: firstLine) {
            (number: Int, _: Int, bytes: Span<UInt8>, truncated: Bool) throws(E) in
            try body(number, bytes, truncated)
        }
    }

    /// `forEachLine`, also telling where each line starts in the source (counted from the
    /// source's first byte). That offset is `completeBytes` as it stands while the line is
    /// delivered: a reader on another thread (the scan's pipeline) hands it on with the line,
    /// so a scan that stops at this line can resume exactly there.
    public mutating func forEachLine<Source: ByteSource & ~Copyable, E: Error>(
        of source: inout Source,
        firstLine: Int = 0,
        _ body: (_ lineNumber: Int, _ offset: Int, _ bytes: Span<UInt8>, _ truncated: Bool) throws(E) -> Void
    ) throws(LineReaderError<E>) {
        var lineNumber = firstLine
        defer { linesReached = lineNumber }
        var skipping = false  // inside the unread tail of an over-long line
        start = 0
        end = 0
        scanFrom = 0
        dropped = 0
        completeBytes = 0
        while true {
            while true {
                if !skipping { skipBlankLines(&lineNumber) }
                guard let newline = findNewline() else { break }
                if skipping {
                    skipping = false
                } else {
                    lineNumber += 1
                    // The cut depends on the line's length only, never on where a read ended.
                    let cut = newline - start > maxLineLength
                    do {
                        try deliver(lineNumber, start, cut ? start + maxLineLength : newline, truncated: cut, body)
                    } catch { throw .body(error) }
                }
                start = newline + 1
                scanFrom = start
                completeBytes = dropped + start
            }
            // Longer than the limit with no newline yet: cut now and skip the rest unread
            // (a line of exactly the limit waits for its newline).
            if !skipping && end - start > maxLineLength {
                lineNumber += 1
                skipping = true
                do { try deliver(lineNumber, start, start + maxLineLength, truncated: true, body) } catch {
                    throw .body(error)
                }
            }
            if skipping {
                start = end
                scanFrom = end
            }
            compact()
            let count: Int
            do { count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...])) } catch {
                // The bytes read before a read error (a truncated or corrupt gzip) are still a
                // line to account for, as at the end of a file.
                try deliverUnterminated(&lineNumber, skipping: skipping, body)
                throw .input(error)
            }
            if count == 0 {
                try deliverUnterminated(&lineNumber, skipping: skipping, body)
                return
            }
            end += count
        }
    }

    private func deliverUnterminated<E: Error>(
        _ lineNumber: inout Int, skipping: Bool, _ body: (Int, Int, Span<UInt8>, Bool) throws(E) -> Void
    ) throws(LineReaderError<E>) {
        guard !skipping && end > start && deliversUnterminatedLastLine else { return }
        lineNumber += 1
        do { try deliver(lineNumber, start, end, truncated: false, body) } catch { throw .body(error) }
    }

    /// Counts and steps over the complete blank lines at `start` when `skipsBlankLines` is set.
    /// Runs of empty lines go eight bytes at a time. Stops at a byte that makes a line non-blank
    /// (that line starts at the last newline passed), at a blank line longer than the limit (it
    /// is delivered cut, as any over-long line), or at the end of what was read.
    private mutating func skipBlankLines(_ lineNumber: inout Int) {
        guard skipsBlankLines, start < end, let base = storage.baseAddress else { return }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        // Nearly every line starts with a byte that makes it non-blank: one test, no loop.
        let first = bytes[start]
        guard first == 0x0A || first == 0x20 || first == 0x09 || first == 0x0D else { return }
        var position = start
        var lineStart = start
        var skipped = 0
        while position < end {
            if position == lineStart && end - position >= 8
                && (base + position).loadUnaligned(as: UInt64.self) == 0x0A0A_0A0A_0A0A_0A0A
            {
                skipped += 8
                position += 8
                lineStart = position
                continue
            }
            let byte = bytes[position]
            if byte == 0x0A {
                skipped += 1
                position += 1
                lineStart = position
            } else if (byte == 0x20 || byte == 0x09 || byte == 0x0D) && position - lineStart < maxLineLength {
                position += 1
            } else {
                break
            }
        }
        guard skipped > 0 else { return }
        lineNumber += skipped
        start = lineStart
        scanFrom = lineStart
        completeBytes = dropped + lineStart
    }

    private mutating func findNewline() -> Int? {
        guard scanFrom < end, let base = storage.baseAddress else { return nil }
        guard let hit = memchr(base + scanFrom, 0x0A, end - scanFrom) else {
            scanFrom = end
            return nil
        }
        return base.distance(to: UnsafeMutableRawPointer(hit))
    }

    private mutating func compact() {
        guard start > 0, let base = storage.baseAddress else { return }
        let live = end - start
        if live > 0 { memmove(base, base + start, live) }
        dropped += start
        scanFrom -= start
        end = live
        start = 0
    }

    private func deliver<E: Error>(
        _ lineNumber: Int, _ from: Int, _ to: Int, truncated: Bool,
        _ body: (Int, Int, Span<UInt8>, Bool) throws(E) -> Void
    ) throws(E) {
        let bytes = UnsafeBufferPointer<UInt8>(
            start: storage.baseAddress.map { ($0 + from).assumingMemoryBound(to: UInt8.self) },
            count: to - from)
        // Every line starts just after the last newline read (or at the source's start), so
        // its offset equals `completeBytes` here, including for a line cut before its newline.
        try body(lineNumber, dropped + from, bytes.span, truncated)
    }
}

/// Why `LineReader.forEachLine` stopped early.
public enum LineReaderError<BodyError: Error>: Error {
    case input(InputError)
    case body(BodyError)
}
