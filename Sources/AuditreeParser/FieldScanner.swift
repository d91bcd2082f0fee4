import AuditreeBase

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One `key=value` token of a record, as byte ranges into its line.
package struct Field {
    package var key: Range<Int>
    package var value: Range<Int>
    /// The quote byte around the value (`"` or `'`), or 0 when unquoted.
    package var quote: UInt8
    /// Whether the token comes after the ENRICHED separator (0x1d).
    package var enriched: Bool
    /// The key as `Bytes.pack` packs it (0 for a key longer than 8 bytes).
    package var packedKey: UInt64
}

/// Splits the field part of a record into `key=value` tokens without copying.
///
/// Values are either quoted (`"..."`, `'...'`, no escapes inside, which is how
/// the kernel writes them) or run up to the next space or 0x1d. Tokens without
/// `=` (AVC's `{ read }`) are skipped.
package struct FieldScanner {
    package static let space: UInt8 = 0x20
    static let groupSeparator: UInt8 = 0x1D
    static let equals = UInt8(ascii: "=")
    static let doubleQuote = UInt8(ascii: "\"")
    static let singleQuote = UInt8(ascii: "'")

    package var position: Int
    var enriched = false

    package init(from position: Int) { self.position = position }

    @inline(__always)
    package mutating func next(in line: Span<UInt8>) -> Field? {
        let count = line.count
        while position < count {
            let byte = line[position]
            if byte == Self.space {
                position += 1
                continue
            }
            if byte == Self.groupSeparator {
                enriched = true
                position += 1
                continue
            }
            let keyStart = position
            // The token runs to the next space or 0x1d; its key to its first `=`.
            let tokenEnd = ByteSearch.stop(line, from: position + 1)
            position = ByteSearch.first(Self.equals, line, from: position + 1, to: tokenEnd)
            guard position < tokenEnd else {
                position = tokenEnd
                continue
            }
            let key = keyStart..<position
            position += 1
            var quote: UInt8 = 0
            let value: Range<Int>
            if position < count, line[position] == Self.doubleQuote || line[position] == Self.singleQuote {
                quote = line[position]
                let start = position + 1
                position = ByteSearch.first(quote, line, from: start)
                value = start..<position
                if position < count { position += 1 }  // closing quote; an unterminated value runs to the end
            } else {
                // No space or 0x1d between the `=` and the token's end: the value ends there.
                value = position..<tokenEnd
                position = tokenEnd
            }
            return Field(
                key: key, value: value, quote: quote, enriched: enriched, packedKey: ByteSearch.pack(line, key))
        }
        return nil
    }
}

/// The byte searches of the field scanner, eight bytes at a time: a record's line is a few
/// hundred bytes of short tokens, and a byte-by-byte loop (a bounds check, a load and a test per
/// byte) was most of the parser's cost. The words are read through the span's buffer, never
/// past its end; the last bytes of a line go one by one.
enum ByteSearch {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// A high bit in each byte of `word` that equals `byte` (exact for the lowest such byte,
    /// which is all the searches use: a borrow can only mark bytes above a true match).
    @inline(__always)
    private static func matches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let v = word ^ (ones &* UInt64(byte))
        return (v &- ones) & ~v & highs
    }

    /// The position of the first space or 0x1d at or after `start`, or the line's end (`start`
    /// when it is past the end), where an unquoted value ends, for the kernel-order SYSCALL
    /// reading and the field scanner. A word's bytes below 0x21 are marked in one subtraction,
    /// exact for every byte (with each byte's high bit set first, no borrow crosses bytes), and
    /// the marked bytes are then checked one by one: the kernel writes no byte below 0x21 but
    /// space and 0x1d outside hex values, so nearly every mark is the stop. Two words are read
    /// here (most values end in them); a longer value goes on in `stopAfter(_:from:)`.
    @inline(__always)
    static func stop(_ line: Span<UInt8>, from start: Int) -> Int {
        let count = line.count
        let position = start
        if position &+ 8 <= count {
            let second = position &+ 16 <= count
            let found: Int? = line.withUnsafeBufferPointer { buffer -> Int? in
                let base = UnsafeRawPointer(buffer.baseAddress!)
                if let index = stop(in: (base + position).loadUnaligned(as: UInt64.self), from: 0) {
                    return position &+ index
                }
                guard second else { return nil }
                if let index = stop(in: (base + (position &+ 8)).loadUnaligned(as: UInt64.self), from: 0) {
                    return position &+ 8 &+ index
                }
                return nil
            }
            if let found { return found }
            return stopAfter(line, from: position &+ (second ? 16 : 8))
        }
        return stopAfter(line, from: position)
    }

    /// `stop(_:from:)` past its first two words: sixteen bytes per compare while sixteen can be
    /// read (a PROCTITLE or a hex argument is most of its line), then the word of the hit or
    /// eight bytes per load, then byte by byte near the line's end.
    @inline(never)
    static func stopAfter(_ line: Span<UInt8>, from start: Int) -> Int {
        let count = line.count
        var position = start
        if position &+ 8 <= count {
            let found: Int? = line.withUnsafeBufferPointer { buffer in
                let base = UnsafeRawPointer(buffer.baseAddress!)
                let spaces = SIMD16<UInt8>(repeating: FieldScanner.space)
                let separators = SIMD16<UInt8>(repeating: FieldScanner.groupSeparator)
                while position &+ 16 <= count {
                    let bytes = (base + position).loadUnaligned(as: SIMD16<UInt8>.self)
                    if any((bytes .== spaces) .| (bytes .== separators)) { break }
                    position &+= 16
                }
                while position &+ 8 <= count {
                    let word = (base + position).loadUnaligned(as: UInt64.self)
                    if let index = stop(in: word, from: 0) { return position &+ index }
                    position &+= 8
                }
                return nil
            }
            if let found { return found }
        }
        while position < count, line[position] != FieldScanner.space, line[position] != FieldScanner.groupSeparator {
            position &+= 1
        }
        return position
    }

    /// The index of the first space or 0x1d among the bytes of `word` (first byte lowest) from
    /// byte `first` (0...7) on, nil when there is none: see `stop(_:from:)`.
    @inline(__always)
    static func stop(in word: UInt64, from first: Int) -> Int? {
        var marked = ~((word | highs) &- ones &* 0x21) & ~word & highs & ~lowBytes(first)
        while marked != 0 {
            let shift = UInt64(marked.trailingZeroBitCount &- 7)
            let byte = UInt8(truncatingIfNeeded: word &>> shift)
            if byte == FieldScanner.space || byte == FieldScanner.groupSeparator { return Int(shift &>> 3) }
            marked &= marked &- 1
        }
        return nil
    }

    /// The position of the first `byte` at or after `start`, or the line's end.
    @inline(__always)
    static func first(_ byte: UInt8, _ line: Span<UInt8>, from start: Int) -> Int {
        first(byte, line, from: start, to: line.count)
    }

    /// The position of the first `byte` in `start..<end` (`end` at most the line's end), or
    /// `end` (`start` when it is past `end`): two words here (a key's `=`, a short quoted
    /// value's quote), the rest in `firstAfter`. Words are read while they can be read from the
    /// line, even past `end` (`matches` is exact for the first hit of a word).
    @inline(__always)
    static func first(_ byte: UInt8, _ line: Span<UInt8>, from start: Int, to end: Int) -> Int {
        precondition(end <= line.count)
        let position = start
        if position < end && position &+ 8 <= line.count {
            let second = position &+ 16 <= line.count
            let found: Int? = line.withUnsafeBufferPointer { buffer -> Int? in
                let base = UnsafeRawPointer(buffer.baseAddress!)
                let marked = matches((base + position).loadUnaligned(as: UInt64.self), byte)
                if marked != 0 { return min(position &+ marked.trailingZeroBitCount &>> 3, end) }
                guard second else { return nil }
                let next = matches((base + (position &+ 8)).loadUnaligned(as: UInt64.self), byte)
                if next != 0 { return min(position &+ 8 &+ next.trailingZeroBitCount &>> 3, end) }
                return nil
            }
            if let found { return found }
            let read = position &+ (second ? 16 : 8)
            return read >= end ? end : firstAfter(byte, line, from: read, to: end)
        }
        return firstAfter(byte, line, from: position, to: end)
    }

    /// `first(_:_:from:to:)` past its first two words: sixteen bytes per compare (a long quoted
    /// path or argument), then the word of the hit or eight bytes per load, then byte by byte.
    @inline(never)
    static func firstAfter(_ byte: UInt8, _ line: Span<UInt8>, from start: Int, to end: Int) -> Int {
        var position = start
        let readable = line.count
        if position < end && position &+ 8 <= readable {
            let found: Int? = line.withUnsafeBufferPointer { buffer in
                let base = UnsafeRawPointer(buffer.baseAddress!)
                let wanted = SIMD16<UInt8>(repeating: byte)
                while position < end && position &+ 16 <= readable {
                    if any((base + position).loadUnaligned(as: SIMD16<UInt8>.self) .== wanted) { break }
                    position &+= 16
                }
                while position < end && position &+ 8 <= readable {
                    let marked = matches((base + position).loadUnaligned(as: UInt64.self), byte)
                    if marked != 0 { return min(position &+ marked.trailingZeroBitCount &>> 3, end) }
                    position &+= 8
                }
                return nil
            }
            if let found { return found }
            if position >= end { return end }
        }
        while position < end, line[position] != byte { position &+= 1 }
        return position
    }

    /// Whether the line holds `bytes` at `start`: sixteen bytes per compare, the last sixteen
    /// (overlapping those before them) in one more, and byte by byte when there are fewer.
    static func hasBytes(_ line: Span<UInt8>, at start: Int, _ bytes: [UInt8]) -> Bool {
        let length = bytes.count
        guard start >= 0, start <= line.count, length <= line.count &- start else { return false }
        guard length >= 16 else {
            for offset in 0..<length where line[start &+ offset] != bytes[offset] { return false }
            return true
        }
        return line.withUnsafeBufferPointer { buffer in
            bytes.withUnsafeBufferPointer { expected in
                let left = UnsafeRawPointer(buffer.baseAddress!) + start
                let right = UnsafeRawPointer(expected.baseAddress!)
                // `all` of a lane-wise compare, in one loop: SIMD's `==`, and an `all` after the
                // loop, compile to calls.
                var offset = 0
                while true {
                    let start = min(offset, length &- 16)
                    guard
                        all(
                            left.loadUnaligned(fromByteOffset: start, as: SIMD16<UInt8>.self)
                                .== right.loadUnaligned(fromByteOffset: start, as: SIMD16<UInt8>.self))
                    else { return false }
                    offset &+= 16
                    if offset >= length { return true }
                }
            }
        }
    }

    /// Whether a key that packs as `key` (`length` bytes) may stand at or after `start`: true for
    /// `key=` anywhere, inside a value or not, and for a NUL before any `=` (NUL bytes pack as
    /// nothing, so `key\0=` packs as `key`). One check per `=`, so a line without such bytes
    /// costs no tokenizing.
    static func hasKey(_ key: UInt64, length: Int, in line: Span<UInt8>, from start: Int) -> Bool {
        let count = line.count
        guard start < count else { return false }
        precondition(start >= 0 && length >= 1 && length <= 8)
        let mask = lowBytes(length)
        return line.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            // Whether the `=` at `position` ends the key or follows a NUL.
            func keyEnds(at position: Int) -> Bool {
                if position > start, buffer[position &- 1] == 0 { return true }
                let keyStart = position &- length
                guard keyStart >= start else { return false }
                if keyStart &+ 8 <= count { return (base + keyStart).loadUnaligned(as: UInt64.self) & mask == key }
                return Bytes.pack(buffer.span, keyStart..<position) == key
            }
            // Sixteen bytes per compare first, with the bytes before them: only an `=` after the
            // key's last byte or after a NUL can end such a key (keys hold no NUL), and a block
            // without one is passed; one with one is read word by word below. An `=` at `start`
            // ends no key (none fits before it).
            var position = start &+ 1
            let equals = SIMD16<UInt8>(repeating: FieldScanner.equals)
            let last = SIMD16<UInt8>(repeating: UInt8(truncatingIfNeeded: key &>> UInt64((length &- 1) &* 8)))
            let nul = SIMD16<UInt8>(repeating: 0)
            while position &+ 16 <= count {
                let bytes = (base + position).loadUnaligned(as: SIMD16<UInt8>.self)
                let before = (base + (position &- 1)).loadUnaligned(as: SIMD16<UInt8>.self)
                if any((bytes .== equals) .& ((before .== last) .| (before .== nul))) {
                    var word = position
                    while word < position &+ 16 {
                        var marked = exactMatches((base + word).loadUnaligned(as: UInt64.self), FieldScanner.equals)
                        while marked != 0 {
                            if keyEnds(at: word &+ marked.trailingZeroBitCount &>> 3) { return true }
                            marked &= marked &- 1
                        }
                        word &+= 8
                    }
                }
                position &+= 16
            }
            // Every `=` of a word in turn (`exactMatches` marks all of them), eight bytes per load.
            while position &+ 8 <= count {
                var marked = exactMatches((base + position).loadUnaligned(as: UInt64.self), FieldScanner.equals)
                while marked != 0 {
                    if keyEnds(at: position &+ marked.trailingZeroBitCount &>> 3) { return true }
                    marked &= marked &- 1
                }
                position &+= 8
            }
            while position < count {
                if buffer[position] == FieldScanner.equals, keyEnds(at: position) { return true }
                position &+= 1
            }
            return false
        }
    }

    /// A high bit in every byte of `word` that equals `byte`, and in no other (unlike `matches`,
    /// no borrow crosses bytes: the low seven bits are added apart from the high one).
    @inline(__always)
    static func exactMatches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let v = word ^ (ones &* UInt64(byte))
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((v & lows) &+ lows) | v) & highs
    }

    /// The eight bytes at `offset` as one word, first byte lowest; `offset + 8` must not pass the end.
    @inline(__always)
    static func word(_ line: Span<UInt8>, at offset: Int) -> UInt64 {
        precondition(offset >= 0 && offset <= line.count &- 8)
        return line.withUnsafeBufferPointer { buffer in
            UnsafeRawPointer(buffer.baseAddress!).loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
    }

    /// The words at `offset` and `offset + 8` (`offset + 16` must not pass the end): one check
    /// for both loads, where `word` twice checks twice.
    @inline(__always)
    static func twoWords(_ line: Span<UInt8>, at offset: Int) -> (UInt64, UInt64) {
        precondition(offset >= 0 && offset <= line.count &- 16)
        return line.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!) + offset
            return (base.loadUnaligned(as: UInt64.self), base.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
    }

    /// The words at `offset`, `offset + 8` and `offset + 15` (`offset + 23` must not pass the
    /// end; the last two overlap by one byte): the stamp's three loads behind one check.
    @inline(__always)
    static func stampWords(_ line: Span<UInt8>, at offset: Int) -> (UInt64, UInt64, UInt64) {
        precondition(offset >= 0 && offset <= line.count &- 23)
        return line.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!) + offset
            return (
                base.loadUnaligned(as: UInt64.self), base.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                base.loadUnaligned(fromByteOffset: 15, as: UInt64.self)
            )
        }
    }

    /// The value of the eight decimal digits at `offset`, nil unless all eight are digits
    /// (`offset + 8` must not pass the end): stamps are read eight digits at a time. The
    /// conversion is simdjson's `parse_eight_digits_unrolled`.
    @inline(__always)
    static func eightDigits(_ line: Span<UInt8>, at offset: Int) -> UInt64? {
        let word = word(line, at: offset)
        guard areDigits(word, ~0) else { return nil }
        return digitsValue(word)
    }

    /// Whether the bytes of `word` that `mask` selects (whole bytes) are all decimal digits.
    @inline(__always)
    static func areDigits(_ word: UInt64, _ mask: UInt64) -> Bool {
        let nibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0 & mask
        let zeros: UInt64 = 0x3030_3030_3030_3030 & mask
        // Once every selected byte is 0x30...0x3F, adding 6 carries out of none of them.
        return word & nibbles == zeros && (word &+ 0x0606_0606_0606_0606) & nibbles == zeros
    }

    /// The value of eight decimal digits, first byte lowest (checked by `areDigits`).
    @inline(__always)
    static func digitsValue(_ word: UInt64) -> UInt64 {
        var value = word &- 0x3030_3030_3030_3030
        value = value &* 10 &+ (value >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        value = ((value & mask) &* 0x000F_4240_0000_0064 &+ ((value >> 16) & mask) &* 0x0000_2710_0000_0001) >> 32
        return value & 0xFFFF_FFFF
    }

    /// The first `count` bytes of `word` (1...7) moved up behind `8 - count` bytes of `0`, so
    /// that a number of `count` digits reads as one of eight.
    @inline(__always)
    static func padded(_ word: UInt64, count: Int) -> UInt64 {
        let shift = UInt64(8 &- count) &* 8
        return word << shift | 0x3030_3030_3030_3030 >> (64 &- shift)
    }

    /// The value of the `count` (1...8) hex digits (either case) at the start of `word`, nil
    /// unless all are hex digits.
    @inline(__always)
    static func hexNumber(_ word: UInt64, count: Int) -> UInt64? {
        let selected = highs & lowBytes(count)
        // Per byte, a high bit where the byte (below 0x80) is below `bound`: no borrow crosses bytes.
        func below(_ bytes: UInt64, _ bound: UInt8) -> UInt64 { ~((bytes | highs) &- ones &* UInt64(bound)) & highs }
        let lower = word | 0x2020_2020_2020_2020
        let digit = below(word, 0x3A) & ~below(word, 0x30)
        let letter = below(lower, 0x67) & ~below(lower, 0x61)
        guard word & selected == 0, (digit | letter) & selected == selected else { return nil }
        let digits = count == 8 ? word : padded(word, count: count)
        // A digit's low four bits, plus 9 for a letter (bit 6 set): one value per byte, first byte highest.
        let nibbles = (digits & 0x0F0F_0F0F_0F0F_0F0F) &+ ((digits >> 6) & 0x0101_0101_0101_0101) &* 9
        let pairs = (nibbles & 0x000F_000F_000F_000F) << 4 | (nibbles >> 8) & 0x000F_000F_000F_000F
        let quads = (pairs & 0x0000_00FF_0000_00FF) << 8 | (pairs >> 16) & 0x0000_00FF_0000_00FF
        return (quads & 0xFFFF) << 16 | (quads >> 32) & 0xFFFF
    }

    /// The position of the lowest byte of `word` that equals `byte`, 8 when none does.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in word: UInt64) -> Int {
        matches(word, byte).trailingZeroBitCount >> 3
    }

    /// A mask of the low `count` bytes of a word (0...8).
    @inline(__always)
    static func lowBytes(_ count: Int) -> UInt64 { count >= 8 ? ~0 : (1 << UInt64(count &* 8)) &- 1 }

    /// `Bytes.pack` of `range` with one load when eight bytes can be read from its start.
    @inline(__always)
    static func pack(_ line: Span<UInt8>, _ range: Range<Int>) -> UInt64 {
        let length = range.count
        guard length <= 8 else { return 0 }
        guard range.lowerBound + 8 <= line.count else { return Bytes.pack(line, range) }
        return word(line, at: range.lowerBound) & lowBytes(length)
    }
}

/// Small byte-level readers shared by the parser.
package enum Bytes {
    /// Packs a key of up to 8 bytes into an integer so keys compare in one instruction.
    @inline(__always)
    static func pack(_ line: Span<UInt8>, _ range: Range<Int>) -> UInt64 {
        guard range.count <= 8 else { return 0 }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for i in range {
            value |= UInt64(line[i]) << shift
            shift += 8
        }
        return value
    }

    static func equals(_ line: Span<UInt8>, _ range: Range<Int>, _ literal: [UInt8]) -> Bool {
        guard range.count == literal.count else { return false }
        var j = 0
        for i in range {
            if line[i] != literal[j] { return false }
            j += 1
        }
        return true
    }

    @inline(__always)
    package static func hasPrefix(_ line: Span<UInt8>, at start: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard start >= 0, start + count <= line.count else { return false }
        let bytes = literal.utf8Start
        for j in 0..<count where line[start + j] != bytes[j] { return false }
        return true
    }

    /// An unsigned decimal number without sign or leading zeros beyond a lone `0`; nil on anything else or overflow.
    package static func decimal(_ line: Span<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.count <= 20 else { return nil }
        // Up to 19 digits cannot overflow: only a 20th digit needs the checked step, so pids,
        // ids and stamps are read without overflow checks.
        var value: UInt64 = 0
        for i in range.lowerBound..<min(range.upperBound, range.lowerBound + 19) {
            let digit = line[i] &- 0x30
            guard digit < 10 else { return nil }
            value = value &* 10 &+ UInt64(digit)
        }
        guard range.count == 20 else { return value }
        let digit = line[range.upperBound - 1] &- 0x30
        guard digit < 10 else { return nil }
        let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
        return overflow1 || overflow2 ? nil : sum
    }

    static func signedDecimal(_ line: Span<UInt8>, _ range: Range<Int>) -> Int64? {
        guard !range.isEmpty else { return nil }
        if line[range.lowerBound] == UInt8(ascii: "-") {
            guard let magnitude = decimal(line, (range.lowerBound + 1)..<range.upperBound),
                magnitude <= UInt64(Int64.max)
            else { return nil }
            return -Int64(magnitude)
        }
        guard let value = decimal(line, range), value <= UInt64(Int64.max) else { return nil }
        return Int64(value)
    }

    package static func hexNumber(_ line: Span<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.count <= 16 else { return nil }
        // arch and a0 of every SYSCALL: eight digits per load, where eight bytes can be read.
        if range.lowerBound + 8 <= line.count {
            guard range.count > 8 else {
                return ByteSearch.hexNumber(ByteSearch.word(line, at: range.lowerBound), count: range.count)
            }
            let highCount = range.count - 8
            guard let high = ByteSearch.hexNumber(ByteSearch.word(line, at: range.lowerBound), count: highCount),
                let low = ByteSearch.hexNumber(ByteSearch.word(line, at: range.lowerBound + highCount), count: 8)
            else { return nil }
            return high << 32 | low
        }
        var value: UInt64 = 0
        // `Hex.digit` by hand, without a call per digit: arch and a0 are read from every SYSCALL.
        for i in range {
            let byte = line[i]
            let digit: UInt8
            if byte &- 0x30 < 10 {
                digit = byte &- 0x30
            } else if (byte | 0x20) &- 0x61 < 6 {
                digit = (byte | 0x20) &- 0x61 &+ 10
            } else {
                return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// Only `0-9A-F`, as the kernel writes hex.
    package static func isUpperHex(_ line: Span<UInt8>, _ range: Range<Int>) -> Bool {
        for i in range {
            let byte = line[i]
            guard byte &- 0x30 < 10 || byte &- 0x41 < 6 else { return false }
        }
        return !range.isEmpty
    }

    /// Whether two byte strings are equal, in one `memcmp`: Array's `==` compares
    /// byte by byte, and the tree compares whole command lines and PROCTITLEs per event.
    static func equal(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard !lhs.isEmpty else { return true }
        return lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0 }
        }
    }

    package static func copy(_ line: Span<UInt8>, _ range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= line.count)
        // One bulk copy instead of an append per byte.
        return line.withUnsafeBufferPointer { Array(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// `array` made the bytes of `range`, in its own storage when it is large enough.
    static func copy(_ line: Span<UInt8>, _ range: Range<Int>, into array: inout [UInt8]) {
        precondition(range.lowerBound >= 0 && range.upperBound <= line.count)
        array.removeAll(keepingCapacity: true)
        line.withUnsafeBufferPointer { array.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// The bytes of `range` as a value, with no intermediate array.
    static func logString(_ line: Span<UInt8>, _ range: Range<Int>) -> LogString {
        precondition(range.lowerBound >= 0 && range.upperBound <= line.count)
        return line.withUnsafeBytes { LogString(copying: UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Decodes an even-length run of hex digits straight into a value; nil if it is not one.
    /// Eight digits per load into four bytes (`ByteSearch.hexNumber`, which takes the digits
    /// `Hex.digit` takes), the pairs left by `Hex.decode`: a long hex argument or name is a few
    /// hundred digits.
    package static func hexDecodedString(_ line: Span<UInt8>, _ range: Range<Int>) -> LogString? {
        guard range.count % 2 == 0 else { return nil }
        return LogString.building(count: range.count / 2) { output in
            var digit = range.lowerBound
            var byte = 0
            while digit &+ 8 <= range.upperBound {
                guard let value = ByteSearch.hexNumber(ByteSearch.word(line, at: digit), count: 8) else { return false }
                // The first digit pair is the value's highest byte and the first byte written.
                output.storeBytes(of: UInt32(truncatingIfNeeded: value).bigEndian, toByteOffset: byte, as: UInt32.self)
                digit &+= 8
                byte &+= 4
            }
            return Hex.decode(
                line.extracting(digit..<range.upperBound),
                into: UnsafeMutableRawBufferPointer(rebasing: output[byte...]))
        }
    }

    /// A value the kernel writes "untrusted": quoted when plain, hex when it holds
    /// spaces, quotes or control bytes, `(null)` when absent.
    @inline(__always)
    static func untrusted(_ line: Span<UInt8>, _ field: Field) -> LogString? {
        if field.quote != 0 { return logString(line, field.value) }
        if isNull(line, field.value) { return nil }
        if !field.value.isEmpty, let decoded = hexDecodedString(line, field.value) { return decoded }
        return logString(line, field.value)
    }

    /// Whether `range` holds `(null)`, in one load.
    @inline(__always)
    static func isNull(_ line: Span<UInt8>, _ range: Range<Int>) -> Bool {
        range.count == 6 && ByteSearch.pack(line, range) == KernelKey.null
    }
}
