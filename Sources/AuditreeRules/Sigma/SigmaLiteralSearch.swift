/// Finds, in one pass over a field's value, every literal of the Sigma process_creation rules on
/// that field (`SigmaLiteralIndex`'s literals), for the fields a parsing thread scans for every
/// exec (`SigmaExecFieldScanner`).
///
/// Each literal is filed under one pair of its folded bytes, its anchor: the pair least common
/// in paths and command lines, so that the literals starting alike (`/usr/bin/`, `/tmp/`) are
/// not all looked at wherever a value holds such a path. A one-byte literal is filed under every
/// pair it starts. Per field, a bit per pair of folded bytes (65,536) says whether some literal
/// is filed under it: most positions of a value cost the fold of one byte and one bit test, with
/// no copy of the value folded. The literals of a set bit are found by the bit's rank (the set
/// bits before it) and compared in full, folded or as written: the bits are a filter only, so
/// the search finds exactly the literals that occur.
struct SigmaLiteralSearch: Sendable {
    /// A literal filed under a pair: its number, where its bytes are in `storage` (folded
    /// unless cased), its length, where its anchor pair starts in it, whether it is compared as
    /// written, and one more of its bytes (folded) to compare before the others: its last (its
    /// first when the anchor is its last pair), as literals filed together often start alike.
    private struct Candidate: Sendable {
        var literal: Int32
        var start: Int32
        var length: Int32
        var anchor: Int32
        var probeOffset: Int32
        var probe: UInt8
        var cased: Bool
    }

    /// Per Sysmon field: its row of `words`, or -1 when it has no literal here.
    private let rows: [Int]
    /// Per row, 1,024 words: bit `a << 8 | b` is set when a literal is filed under the folded pair `a`, `b`.
    private let words: [UInt64]
    /// Per word: how many bits are set in the words before it (all rows), so that a set bit's
    /// rank numbers its bucket.
    private let ranks: [Int32]
    /// Per bucket, its candidates: `candidates[bucketStarts[b]..<bucketStarts[b + 1]]`.
    private let bucketStarts: [Int32]
    private let candidates: [Candidate]
    private let storage: [UInt8]

    private static let wordsPerRow = 65_536 / 64

    @inline(__always) static func fold(_ byte: UInt8) -> UInt8 { byte &- 65 < 26 ? byte | 0x20 : byte }

    /// `literals` by number; only those on `fields` are searched for.
    init(_ literals: [(field: Int, bytes: [UInt8], cased: Bool)], fields: [Int], fieldCount: Int) {
        var rows = [Int](repeating: -1, count: fieldCount)
        var rowCount = 0
        for field in fields where rows[field] < 0 {
            rows[field] = rowCount
            rowCount += 1
        }
        // Each literal's pairs (its anchor, or every pair a one-byte literal starts), as (row key, candidate).
        var filed: [(key: Int, candidate: Candidate)] = []
        var storage: [UInt8] = []
        for number in literals.indices {
            let row = rows[literals[number].field]
            let length = literals[number].bytes.count
            // An empty literal is never filed: `SigmaLiteralIndex` cannot hold one either.
            guard row >= 0, length > 0 else { continue }
            let start = storage.count
            let cased = literals[number].cased
            for byte in literals[number].bytes { storage.append(cased ? byte : Self.fold(byte)) }
            let base = row * 65_536
            let first = Int(Self.fold(storage[start]))
            if length == 1 {
                let candidate = Candidate(
                    literal: Int32(number), start: Int32(start), length: 1, anchor: 0, probeOffset: 0,
                    probe: UInt8(first), cased: cased)
                for second in 0...255 { filed.append((base | first << 8 | second, candidate)) }
                continue
            }
            let anchor = Self.anchor(storage.span.extracting(start..<(start + length)))
            let probeOffset = anchor + 1 == length - 1 ? 0 : length - 1
            let candidate = Candidate(
                literal: Int32(number), start: Int32(start), length: Int32(length), anchor: Int32(anchor),
                probeOffset: Int32(probeOffset), probe: Self.fold(storage[start + probeOffset]), cased: cased)
            let pair = Int(Self.fold(storage[start + anchor])) << 8 | Int(Self.fold(storage[start + anchor + 1]))
            filed.append((base | pair, candidate))
        }
        var words = [UInt64](repeating: 0, count: rowCount * Self.wordsPerRow)
        for (key, _) in filed { words[key >> 6] |= 1 << UInt64(key & 63) }
        var ranks = [Int32](repeating: 0, count: words.count)
        var total: Int32 = 0
        for index in words.indices {
            ranks[index] = total
            total += Int32(words[index].nonzeroBitCount)
        }
        // Counted, then placed: the buckets in key order, each literal's candidates in number order.
        var bucketStarts = [Int32](repeating: 0, count: Int(total) + 1)
        func bucket(_ key: Int) -> Int {
            Int(ranks[key >> 6]) + (words[key >> 6] & ((1 << UInt64(key & 63)) - 1)).nonzeroBitCount
        }
        for (key, _) in filed { bucketStarts[bucket(key) + 1] += 1 }
        for index in 0..<Int(total) { bucketStarts[index + 1] += bucketStarts[index] }
        var next = bucketStarts
        var candidates = [Candidate](
            repeating: Candidate(literal: 0, start: 0, length: 0, anchor: 0, probeOffset: 0, probe: 0, cased: false),
            count: filed.count)
        for (key, candidate) in filed {
            let slot = bucket(key)
            candidates[Int(next[slot])] = candidate
            next[slot] += 1
        }
        self.rows = rows
        self.words = words
        self.ranks = ranks
        self.bucketStarts = bucketStarts
        self.candidates = candidates
        self.storage = storage
    }

    /// Where the least common pair of a literal (two bytes or more) starts, its bytes folded:
    /// the fewest bytes that are common in paths and command lines (separators, digits,
    /// frequent letters), then the leftmost.
    static func anchor(_ literal: Span<UInt8>) -> Int {
        // The index's measure of how common a folded byte is in paths and command lines.
        let table = SigmaLiteralIndex.commonnessTable
        let commonness = table.span
        var best = 0
        var bestScore = UInt8.max
        var previous = commonness[Int(fold(literal[0]))]
        for offset in 1..<literal.count {
            let current = commonness[Int(fold(literal[offset]))]
            if previous + current < bestScore {
                best = offset - 1
                bestScore = previous + current
            }
            previous = current
        }
        return best
    }

    /// Whether `field` has a literal here.
    func searches(_ field: Int) -> Bool { rows[field] >= 0 }

    /// Adds to `hits` every literal of `field` that occurs in `text` (as logged: folded here).
    func scan<Sink: SigmaLiteralSink>(_ field: Int, _ text: Span<UInt8>, into hits: inout Sink) {
        let row = rows[field]
        let count = text.count
        guard row >= 0, count > 0 else { return }
        let words = self.words.span
        let base = row * Self.wordsPerRow
        var previous = Int(Self.fold(text[0]))
        var position = 1
        while position < count {
            let current = Int(Self.fold(text[position]))
            let key = previous << 8 | current
            let word = words[base + key >> 6]
            if word >> UInt64(key & 63) & 1 != 0 {
                check(base + key >> 6, bit: key & 63, at: position - 1, in: text, into: &hits)
            }
            previous = current
            position += 1
        }
        // The last byte, paired with 0: only one-byte literals can start there, and they are
        // filed under every pair they start.
        let key = previous << 8
        if words[base + key >> 6] >> UInt64(key & 63) & 1 != 0 {
            check(base + key >> 6, bit: key & 63, at: count - 1, in: text, into: &hits)
        }
    }

    /// Compares the candidates of the set bit `bit` of word `word` with `text` around `position`,
    /// where their anchor pair is.
    @inline(never)
    private func check<Sink: SigmaLiteralSink>(
        _ word: Int, bit: Int, at position: Int, in text: Span<UInt8>, into hits: inout Sink
    ) {
        let bucket = Int(ranks[word]) + (words[word] & ((1 << UInt64(bit)) - 1)).nonzeroBitCount
        let candidates = self.candidates.span
        let bytes = storage.span
        for slot in Int(bucketStarts[bucket])..<Int(bucketStarts[bucket + 1]) {
            let candidate = candidates[slot]
            let start = position - Int(candidate.anchor)
            let length = Int(candidate.length)
            guard start >= 0, start + length <= text.count,
                Self.fold(text[start + Int(candidate.probeOffset)]) == candidate.probe,
                !hits.has(Int(candidate.literal))
            else { continue }
            let from = Int(candidate.start)
            var offset = 0
            if candidate.cased {
                while offset < length && text[start + offset] == bytes[from + offset] { offset += 1 }
            } else {
                while offset < length && Self.fold(text[start + offset]) == bytes[from + offset] { offset += 1 }
            }
            if offset == length { hits.add(Int(candidate.literal)) }
        }
    }
}
