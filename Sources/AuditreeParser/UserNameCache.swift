/// The last user name an ENRICHED field (`UID=`, `AUID=`) gave, as its field bytes and the
/// String made from them. Every SYSCALL record of an ENRICHED log names its users, and the
/// names repeat from record to record ("root", "unset"): comparing a few bytes with the last
/// ones costs less than decoding them into a new String each time.
struct UserNameCache {
    private var raw: [UInt8] = []
    private var quote: UInt8 = 0
    private var name: String?
    private var filled = false
    /// The last value as written (`"root"`: with its quotes), packed as `ByteSearch.pack` packs
    /// it, when it is at most seven bytes (`tokenLength` then 1...7; else 0).
    private var token: UInt64 = 0
    private var tokenLength = 0

    /// The name of the last value.
    var lastName: String? { name }

    /// `Bytes.untrusted(line, field)?.lossyString`, from the cache when the field's bytes are the last ones.
    mutating func name(_ line: Span<UInt8>, _ field: Field) -> String? {
        if filled, field.quote == quote, Bytes.equals(line, field.value, raw) { return name }
        let decoded = Bytes.untrusted(line, field)?.lossyString
        // A user name is short; a long value (a hostile line) is not worth a copy to remember.
        guard field.value.count <= 64 else { return decoded }
        raw = Bytes.copy(line, field.value)
        quote = field.quote
        name = decoded
        filled = true
        tokenLength = 0
        let written = field.quote == 0 ? field.value : (field.value.lowerBound - 1)..<(field.value.upperBound + 1)
        if !field.value.isEmpty, written.count <= 7, written.upperBound <= line.count {
            token = Bytes.pack(line, written)
            tokenLength = written.count
        }
        return decoded
    }

    /// Where the last value ends in `word` (the eight bytes where a value starts, first byte
    /// lowest), when `word` starts with it as written: a quoted one at its closing quote, an
    /// unquoted one only where a space or 0x1d follows it (as the field scanner ends a value).
    /// Nil when it does not, or when no value of at most seven bytes is held.
    @inline(__always)
    func token(in word: UInt64) -> Int? {
        guard tokenLength > 0, word & ByteSearch.lowBytes(tokenLength) == token else { return nil }
        if quote != 0 { return tokenLength }
        let next = UInt8(truncatingIfNeeded: word &>> UInt64(tokenLength &* 8))
        return next == FieldScanner.space || next == FieldScanner.groupSeparator ? tokenLength : nil
    }
}
