// Shared helpers for the libFuzzer targets in Fuzz/. Compiled into the same module as
// the stage targets (Sources/Auditree*/, see scripts/fuzz.sh), so internal API is reachable.
#if canImport(Glibc)
import Glibc
#endif

/// A byte source that hands out the input in small, uneven reads, so the line
/// reader's compaction and refill paths run on every input (a file read never
/// returns this little, a pipe can).
struct ChunkedByteSource: ByteSource {
    let bytes: [UInt8]
    var offset = 0
    var step: Int

    init(_ bytes: [UInt8], seed: Int) {
        self.bytes = bytes
        self.step = seed
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        step = (step &* 1103515245 &+ 12345) & 0x7fff_ffff
        let want = 1 + step % 97
        let count = min(buffer.count, bytes.count - offset, want)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
        }
        offset += count
        return count
    }
}

/// Stops the fuzzer with a message libFuzzer records as a crash.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        fputs("FUZZ INVARIANT: \(message())\n", stderr)
        abort()
    }
}

/// The lines of `bytes` as the LineReader documents them, computed naively:
/// (bytes, truncated) with at most `limit` bytes each; a cut line's rest is skipped.
func referenceLines(_ bytes: [UInt8], limit: Int) -> [(line: [UInt8], truncated: Bool, whole: [UInt8])] {
    var parts = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    if let last = parts.last, last.isEmpty { parts.removeLast() }
    return parts.map { part in
        part.count > limit ? (Array(part.prefix(limit)), true, Array(part)) : (Array(part), false, Array(part))
    }
}

/// Whether a delivered line matches the reference exactly (the two LineReader bugs this
/// oracle once tolerated are fixed: docs/hostile-input.md).
func matchesReference(
    _ got: [UInt8], _ cut: Bool, _ expected: (line: [UInt8], truncated: Bool, whole: [UInt8]),
    limit: Int, readSize: Int
) -> Bool {
    got == expected.line && cut == expected.truncated
}
