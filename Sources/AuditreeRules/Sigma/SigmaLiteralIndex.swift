/// The literals of the Sigma process_creation rules (each on one Sysmon field, compared folded
/// or as written), indexed so that one pass over a field's folded bytes finds every literal
/// that occurs in it, whatever its length.
///
/// Literals of three bytes or more are found by a hash of their field and three of their bytes,
/// folded (`gramKey`): a flat table of list heads (-1: none) and, per entry, its literal and the
/// next entry; one table load per byte. The three bytes are the literal's rarest (`gramOffset`):
/// many literals start alike (`/usr/bin/`, `/tmp/`), and keyed by their start they would all be
/// compared wherever a command line holds such a path. Literals of
/// one or two bytes (`-d`, `0`, ` /`) cannot be hashed that way: per field that has some, a
/// bit per pair of folded bytes says whether a short literal can start at a position (a
/// one-byte literal sets every pair it starts; the last byte is paired with 0), so a position
/// costs one bit test and only the rare hits compare the field's short literals. Every
/// candidate found by either table is compared in full, so both are filters only: exact.
struct SigmaLiteralIndex: Sendable {
    /// Per literal: its field, whether it is compared as written, and its bytes (folded unless
    /// cased) at `storage[starts[n]..<starts[n + 1]]`.
    private let fields: [Int32]
    private let cased: [Bool]
    private let storage: [UInt8]
    private let starts: [Int32]
    /// Per literal of three bytes or more: where in it the three bytes of its key start.
    private let gramOffsets: [Int32]
    private let gramHeads: [Int32]
    /// Per entry: its literal at `2 n`, the next entry at `2 n + 1`.
    private let gramEntries: [Int32]
    /// Per field: its row of `pairBits` and `shortStarts` (-1: no short literal).
    private let shortRows: [Int]
    /// Per row, 65,536 bits: bit `a << 8 | b` is set when a short literal of the field can start
    /// at a position holding the folded bytes `a`, `b`.
    private let pairBits: [UInt64]
    /// Per row, the row's short literals by folded first byte: those starting with byte `a` are
    /// `shortLiterals[shortStarts[row * 257 + a]..<shortStarts[row * 257 + a + 1]]`.
    private let shortStarts: [Int32]
    private let shortLiterals: [Int32]
    /// Per entry of `shortLiterals`: the literal's folded second byte, or -1 for a one-byte
    /// literal; compared first, as `-` starts many short literals (`-d`, `-i`, `-R`, ...).
    private let shortSeconds: [Int16]
    /// The fields some literal is on, in field order.
    let scannedFields: [Int]

    static let gramBits = 16
    private static let wordsPerRow = 65_536 / 64

    @inline(__always) static func gramKey(_ field: Int, _ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int {
        let packed = UInt32(a) | UInt32(b) << 8 | UInt32(c) << 16 | UInt32(truncatingIfNeeded: field) << 24
        return Int((packed &* 0x9E37_79B1) >> UInt32(32 - gramBits))
    }

    /// Where the rarest three bytes of a folded literal start: the fewest bytes that are common
    /// in paths and command lines (separators, digits, frequent letters), then the leftmost.
    static func gramOffset(_ folded: [UInt8]) -> Int {
        let common = commonnessTable.span
        var best = 0
        var score = Int(common[Int(folded[0])]) + Int(common[Int(folded[1])]) + Int(common[Int(folded[2])])
        var bestScore = score
        var offset = 1
        while offset + 2 < folded.count {
            score += Int(common[Int(folded[offset + 2])]) - Int(common[Int(folded[offset - 1])])
            if score < bestScore {
                (best, bestScore) = (offset, score)
            }
            offset += 1
        }
        return best
    }

    /// `commonness` of each byte.
    static let commonnessTable: [UInt8] = (0...255).map { UInt8(commonness(UInt8($0))) }

    private static func commonness(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."): 3
        case UInt8(ascii: "0")...UInt8(ascii: "9"): 2
        case UInt8(ascii: "e"), UInt8(ascii: "t"), UInt8(ascii: "a"), UInt8(ascii: "o"), UInt8(ascii: "i"),
            UInt8(ascii: "n"), UInt8(ascii: "s"), UInt8(ascii: "r"):
            2
        case UInt8(ascii: "l"), UInt8(ascii: "c"), UInt8(ascii: "u"), UInt8(ascii: "b"), UInt8(ascii: "p"),
            UInt8(ascii: "m"), UInt8(ascii: "h"), UInt8(ascii: "d"):
            1
        default: 0
        }
    }

    /// The literals by number, as parallel arrays (field, bytes, whether cased); `fieldCount`:
    /// how many Sysmon fields there are.
    init(fields literalFields: [Int], bytes literalBytes: [[UInt8]], cased: [Bool], fieldCount: Int) {
        let count = literalFields.count
        fields = literalFields.map { Int32($0) }
        self.cased = cased
        var storage: [UInt8] = []
        var starts: [Int32] = [0]
        starts.reserveCapacity(count + 1)
        for bytes in literalBytes {
            storage += bytes
            starts.append(Int32(storage.count))
        }
        self.storage = storage
        self.starts = starts
        var heads = [Int32](repeating: -1, count: 1 << Self.gramBits)
        var entries: [Int32] = []
        entries.reserveCapacity(2 * count)
        var offsets = [Int32](repeating: 0, count: count)
        var shortRows = [Int](repeating: -1, count: fieldCount)
        var pairBits: [UInt64] = []
        // The short literals, in number order: their row and folded first byte.
        var shortNumbers: [Int32] = []
        var shortKeys: [Int] = []
        var folded: [UInt8] = []
        for number in 0..<count {
            let field = literalFields[number]
            folded.removeAll(keepingCapacity: true)
            for byte in literalBytes[number] { folded.append(SigmaPattern.fold(byte)) }
            if folded.count >= 3 {
                let offset = Self.gramOffset(folded)
                offsets[number] = Int32(offset)
                let key = Self.gramKey(field, folded[offset], folded[offset + 1], folded[offset + 2])
                entries.append(Int32(number))
                entries.append(heads[key])
                heads[key] = Int32(entries.count / 2 - 1)
                continue
            }
            if shortRows[field] < 0 {
                shortRows[field] = pairBits.count / Self.wordsPerRow
                pairBits += repeatElement(0, count: Self.wordsPerRow)
            }
            let row = shortRows[field]
            shortNumbers.append(Int32(number))
            shortKeys.append(row * 257 + Int(folded[0]))
            if folded.count == 2 {
                let bit = Int(folded[0]) << 8 | Int(folded[1])
                pairBits[row * Self.wordsPerRow + bit >> 6] |= 1 << UInt64(bit & 63)
            } else {
                // Any second byte: the 256 bits of the first byte's four words.
                let word = row * Self.wordsPerRow + Int(folded[0]) << 2
                for offset in 0..<4 { pairBits[word + offset] = .max }
            }
        }
        // Per row and folded first byte, the short literals in number order (a counting sort).
        let rows = pairBits.count / Self.wordsPerRow
        var shortStarts = [Int32](repeating: 0, count: rows * 257)
        for key in shortKeys { shortStarts[key + 1] += 1 }
        if !shortStarts.isEmpty {
            for slot in 1..<shortStarts.count { shortStarts[slot] += shortStarts[slot - 1] }
        }
        var next = shortStarts
        var shortLiterals = [Int32](repeating: 0, count: shortNumbers.count)
        var shortSeconds = [Int16](repeating: -1, count: shortNumbers.count)
        for (number, key) in zip(shortNumbers, shortKeys) {
            let slot = Int(next[key])
            next[key] += 1
            shortLiterals[slot] = number
            let bytes = literalBytes[Int(number)]
            if bytes.count == 2 { shortSeconds[slot] = Int16(SigmaPattern.fold(bytes[1])) }
        }
        gramOffsets = offsets
        gramHeads = heads
        gramEntries = entries
        self.shortRows = shortRows
        self.pairBits = pairBits
        self.shortStarts = shortStarts
        self.shortLiterals = shortLiterals
        self.shortSeconds = shortSeconds
        var scanned = [Bool](repeating: false, count: fieldCount)
        for field in literalFields { scanned[field] = true }
        scannedFields = scanned.indices.filter { scanned[$0] }
    }

    /// What a scan found for one exec: the literals, each once. `seen` is kept between execs, so
    /// that clearing it costs nothing: a literal was seen in this exec when its entry equals
    /// `generation`.
    struct Hits: SigmaLiteralSink {
        private(set) var found: [Int32] = []
        private var seen: [UInt32]
        private var generation: UInt32 = 0

        init(literalCount: Int) { seen = [UInt32](repeating: 0, count: literalCount) }

        /// Starts a new exec.
        mutating func reset() {
            found.removeAll(keepingCapacity: true)
            if generation == .max {
                for index in seen.indices { seen[index] = 0 }
                generation = 0
            }
            generation += 1
        }

        @inline(__always) func has(_ literal: Int) -> Bool { seen[literal] == generation }

        @inline(__always) mutating func add(_ literal: Int) {
            guard seen[literal] != generation else { return }
            seen[literal] = generation
            found.append(Int32(literal))
        }
    }

    /// Adds to `hits` every literal of `field` that occurs in the value (`folded`: its bytes with
    /// ASCII letters folded; `raw`: as they are, for the cased literals).
    func scan<Sink: SigmaLiteralSink>(_ field: Int, folded: Span<UInt8>, raw: Span<UInt8>, into hits: inout Sink) {
        let row = shortRows[field]
        if row >= 0 { scanShort(field, row: row, folded: folded, raw: raw, into: &hits) }
        let count = folded.count
        guard count >= 3 else { return }
        let heads = gramHeads.span
        let entries = gramEntries.span
        for position in 0..<(count - 2) {
            var entry = heads[Self.gramKey(field, folded[position], folded[position + 1], folded[position + 2])]
            while entry >= 0 {
                let literal = Int(entries[2 * Int(entry)])
                entry = entries[2 * Int(entry) + 1]
                let start = position - Int(gramOffsets[literal])
                if start >= 0, Int(fields[literal]) == field, !hits.has(literal),
                    occurs(literal, in: cased[literal] ? raw : folded, at: start)
                {
                    hits.add(literal)
                }
            }
        }
    }

    private func scanShort<Sink: SigmaLiteralSink>(
        _ field: Int, row: Int, folded: Span<UInt8>, raw: Span<UInt8>, into hits: inout Sink
    ) {
        let bits = pairBits.span
        let base = row * Self.wordsPerRow
        let count = folded.count
        for position in 0..<count {
            let second = position + 1 < count ? folded[position + 1] : 0
            let bit = Int(folded[position]) << 8 | Int(second)
            guard bits[base + bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { continue }
            let first = row * 257 + Int(folded[position])
            for slot in Int(shortStarts[first])..<Int(shortStarts[first + 1]) {
                let expected = shortSeconds[slot]
                guard expected < 0 || expected == Int16(second) else { continue }
                let literal = Int(shortLiterals[slot])
                if !hits.has(literal), occurs(literal, in: cased[literal] ? raw : folded, at: position) {
                    hits.add(literal)
                }
            }
        }
    }

    /// The literals by number, as `init` took them.
    var literals: [(field: Int, bytes: [UInt8], cased: Bool)] {
        fields.indices.map { (Int(fields[$0]), Array(storage[Int(starts[$0])..<Int(starts[$0 + 1])]), cased[$0]) }
    }

    /// Whether literal `number` is in `text` at `position`.
    @inline(__always) private func occurs(_ number: Int, in text: Span<UInt8>, at position: Int) -> Bool {
        let start = Int(starts[number])
        let length = Int(starts[number + 1]) - start
        guard position + length <= text.count else { return false }
        let bytes = storage.span
        var offset = 0
        while offset < length && text[position + offset] == bytes[start + offset] { offset += 1 }
        return offset == length
    }
}

/// Where `SigmaLiteralIndex.scan` puts the literals it finds: each literal once.
protocol SigmaLiteralSink {
    func has(_ literal: Int) -> Bool
    mutating func add(_ literal: Int)
}
