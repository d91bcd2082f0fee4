/// The literals of the auditd rules' keywords (folded), found in a record's values in one pass
/// per value: a keyword holds for a record when one of its values contains it, so per record
/// the question is which literals occur in some value, not where.
///
/// A position is tested against the literals that start with its folded byte (a 256-bit table
/// first, then the bucket of that byte); a literal found once is not looked for again in the
/// record, and the pass ends when every literal is found.
struct SigmaKeywordLiterals: Sendable {
    /// Literal n is `storage[starts[n]..<starts[n + 1]]`, folded.
    private let storage: [UInt8]
    private let starts: [Int]
    /// Bit b: some literal starts with the folded byte b.
    private let firstBytes: [UInt64]
    /// The literals starting with byte b: `order[buckets[b]..<buckets[b + 1]]`.
    private let buckets: [Int32]
    private let order: [Int32]

    var count: Int { starts.count - 1 }
    /// Words of a bit set with one bit per literal.
    var words: Int { (count + 63) / 64 }

    /// Distinct non-empty folded literals.
    init(_ literals: [[UInt8]]) {
        storage = literals.flatMap { $0 }
        var starts = [0]
        for literal in literals { starts.append(starts[starts.count - 1] + literal.count) }
        self.starts = starts
        var firstBytes = [UInt64](repeating: 0, count: 4)
        var buckets: [Int32] = []
        var order: [Int32] = []
        for byte in 0...256 {
            buckets.append(Int32(order.count))
            guard byte < 256 else { break }
            for (number, literal) in literals.enumerated() where Int(literal[0]) == byte {
                order.append(Int32(number))
                firstBytes[byte >> 6] |= 1 << UInt64(byte & 63)
            }
        }
        self.firstBytes = firstBytes
        self.buckets = buckets
        self.order = order
    }

    /// Marks in `found` each literal `text` contains (its bytes folded on the fly) that was not
    /// found yet, counting `remaining` down; returns at once when it reaches 0.
    func scan(_ text: Span<UInt8>, found: inout [UInt64], remaining: inout Int) {
        let count = text.count
        var position = 0
        while position < count {
            let byte = SigmaSpanMatcher.fold(text[position])
            if firstBytes[Int(byte >> 6)] >> UInt64(byte & 63) & 1 != 0 {
                for slot in Int(buckets[Int(byte)])..<Int(buckets[Int(byte) + 1]) {
                    let literal = Int(order[slot])
                    guard found[literal >> 6] >> UInt64(literal & 63) & 1 == 0,
                        occurs(literal, in: text, at: position)
                    else { continue }
                    found[literal >> 6] |= 1 << UInt64(literal & 63)
                    remaining -= 1
                    if remaining == 0 { return }
                }
            }
            position += 1
        }
    }

    /// Whether literal `number` is at `position` in `text` (folded), its first byte already seen.
    @inline(__always)
    private func occurs(_ number: Int, in text: Span<UInt8>, at position: Int) -> Bool {
        let start = starts[number]
        let length = starts[number + 1] - start
        guard position + length <= text.count else { return false }
        var offset = 1
        while offset < length {
            guard SigmaSpanMatcher.fold(text[position + offset]) == storage[start + offset] else { return false }
            offset += 1
        }
        return true
    }

    /// Whether literal `number` occurs in `text` (folded).
    func contains(_ number: Int, in text: Span<UInt8>) -> Bool {
        let length = starts[number + 1] - starts[number]
        guard length <= text.count else { return false }
        for position in 0...(text.count - length)
        where SigmaSpanMatcher.fold(text[position]) == storage[starts[number]] && occurs(number, in: text, at: position) {
            return true
        }
        return false
    }
}
