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
        func commonness(_ byte: UInt8) -> Int {
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
        let scores = (0...(folded.count - 3)).map { offset in
            commonness(folded[offset]) + commonness(folded[offset + 1]) + commonness(folded[offset + 2])
        }
        return scores.firstIndex(of: scores.min()!)!
    }

    /// `literals` by number; `fieldCount`: how many Sysmon fields there are.
    init(_ literals: [(field: Int, bytes: [UInt8], cased: Bool)], fieldCount: Int) {
        fields = literals.map { Int32($0.field) }
        cased = literals.map(\.cased)
        storage = literals.flatMap(\.bytes)
        var starts: [Int32] = [0]
        for literal in literals { starts.append(starts[starts.count - 1] + Int32(literal.bytes.count)) }
        self.starts = starts
        var heads = [Int32](repeating: -1, count: 1 << Self.gramBits)
        var entries: [Int32] = []
        var offsets = [Int32](repeating: 0, count: literals.count)
        var shortRows = [Int](repeating: -1, count: fieldCount)
        var pairBits: [UInt64] = []
        var shortByRow: [[(first: UInt8, literal: Int32)]] = []
        for (number, literal) in literals.enumerated() {
            let folded = literal.bytes.map(SigmaPattern.fold)
            if folded.count >= 3 {
                let offset = Self.gramOffset(folded)
                offsets[number] = Int32(offset)
                let key = Self.gramKey(literal.field, folded[offset], folded[offset + 1], folded[offset + 2])
                entries += [Int32(number), heads[key]]
                heads[key] = Int32(entries.count / 2 - 1)
                continue
            }
            if shortRows[literal.field] < 0 {
                shortRows[literal.field] = shortByRow.count
                shortByRow.append([])
                pairBits += [UInt64](repeating: 0, count: Self.wordsPerRow)
            }
            let row = shortRows[literal.field]
            shortByRow[row].append((folded[0], Int32(number)))
            let seconds = folded.count == 2 ? [folded[1]] : Array(0...255)
            for second in seconds {
                let bit = Int(folded[0]) << 8 | Int(second)
                pairBits[row * Self.wordsPerRow + bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
        var shortStarts: [Int32] = []
        var shortLiterals: [Int32] = []
        for row in shortByRow {
            for first in 0...256 {
                shortStarts.append(Int32(shortLiterals.count))
                if first < 256 { shortLiterals += row.filter { $0.first == first }.map(\.literal) }
            }
        }
        shortSeconds = shortLiterals.map { literal in
            let bytes = literals[Int(literal)].bytes
            return bytes.count == 2 ? Int16(SigmaPattern.fold(bytes[1])) : -1
        }
        gramOffsets = offsets
        gramHeads = heads
        gramEntries = entries
        self.shortRows = shortRows
        self.pairBits = pairBits
        self.shortStarts = shortStarts
        self.shortLiterals = shortLiterals
        scannedFields = Array(Set(literals.map(\.field))).sorted()
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
