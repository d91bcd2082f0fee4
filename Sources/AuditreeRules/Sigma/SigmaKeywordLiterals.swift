/// The literals of the auditd rules' keywords (folded), found in a record's values in one pass
/// per value: a keyword holds for a record when one of its values contains it, so per record
/// the question is which literals occur in some value, not where.
///
/// A position is tested against the literals that start with its two folded bytes (a 65,536-bit
/// table first, then the bucket of its first byte); one-byte literals are looked for apart; a
/// literal found once is not looked for again in the record, and the pass ends when every
/// literal is found.
struct SigmaKeywordLiterals: Sendable {
    /// Literal n is `storage[starts[n]..<starts[n + 1]]`, folded.
    private let storage: [UInt8]
    private let starts: [Int]
    /// Bit `a << 8 | b`: some literal of two bytes or more starts with the folded bytes a, b.
    private let pairBits: [UInt64]
    /// The literals of two bytes or more starting with byte b: `order[buckets[b]..<buckets[b + 1]]`.
    private let buckets: [Int32]
    private let order: [Int32]
    /// The literals of one byte: their byte and number.
    private let singles: [(byte: UInt8, number: Int)]

    var count: Int { starts.count - 1 }
    /// Words of a bit set with one bit per literal.
    var words: Int { (count + 63) / 64 }

    /// Distinct non-empty folded literals.
    init(_ literals: [[UInt8]]) {
        storage = literals.flatMap { $0 }
        var starts = [0]
        for literal in literals { starts.append(starts[starts.count - 1] + literal.count) }
        self.starts = starts
        var pairBits = [UInt64](repeating: 0, count: 65_536 / 64)
        var buckets: [Int32] = []
        var order: [Int32] = []
        for byte in 0...256 {
            buckets.append(Int32(order.count))
            guard byte < 256 else { break }
            for (number, literal) in literals.enumerated() where literal.count >= 2 && Int(literal[0]) == byte {
                order.append(Int32(number))
                let pair = byte << 8 | Int(literal[1])
                pairBits[pair >> 6] |= 1 << UInt64(pair & 63)
            }
        }
        self.pairBits = pairBits
        self.buckets = buckets
        self.order = order
        singles = literals.enumerated().filter { $0.element.count == 1 }.map { ($0.element[0], $0.offset) }
    }

    /// Marks in `found` each literal `text` contains (its bytes folded on the fly) that was not
    /// found yet, counting `remaining` down; returns at once when it reaches 0. A position is
    /// tested against the literals only when its two bytes start one (one table bit).
    func scan(_ text: Span<UInt8>, found: inout [UInt64], remaining: inout Int) {
        let count = text.count
        for (byte, literal) in singles where found[literal >> 6] >> UInt64(literal & 63) & 1 == 0 {
            for position in 0..<count where SigmaPattern.fold(text[position]) == byte {
                found[literal >> 6] |= 1 << UInt64(literal & 63)
                remaining -= 1
                if remaining == 0 { return }
                break
            }
        }
        guard count >= 2 else { return }
        var first = SigmaPattern.fold(text[0])
        var position = 0
        while position < count - 1 {
            let second = SigmaPattern.fold(text[position + 1])
            let pair = Int(first) << 8 | Int(second)
            if pairBits[pair >> 6] >> UInt64(pair & 63) & 1 != 0 {
                for slot in Int(buckets[Int(first)])..<Int(buckets[Int(first) + 1]) {
                    let literal = Int(order[slot])
                    guard found[literal >> 6] >> UInt64(literal & 63) & 1 == 0,
                        occurs(literal, in: text, at: position)
                    else { continue }
                    found[literal >> 6] |= 1 << UInt64(literal & 63)
                    remaining -= 1
                    if remaining == 0 { return }
                }
            }
            first = second
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
            guard SigmaPattern.fold(text[position + offset]) == storage[start + offset] else { return false }
            offset += 1
        }
        return true
    }

    /// Whether literal `number` occurs in `text` (folded).
    func contains(_ number: Int, in text: Span<UInt8>) -> Bool {
        let length = starts[number + 1] - starts[number]
        guard length <= text.count else { return false }
        for position in 0...(text.count - length)
        where SigmaPattern.fold(text[position]) == storage[starts[number]] && occurs(number, in: text, at: position) {
            return true
        }
        return false
    }
}
