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
    /// it, in two words (bytes 0..<8 and 8..<16), when it is at most fifteen bytes
    /// (`tokenLength` then 1...15; else 0): `"unknown(4242)"`, as auditd names an id the host
    /// does not know, takes fifteen.
    private var token: (UInt64, UInt64) = (0, 0)
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
        if !field.value.isEmpty, written.count <= 15, written.upperBound <= line.count {
            let split = min(written.lowerBound + 8, written.upperBound)
            token = (Bytes.pack(line, written.lowerBound..<split), Bytes.pack(line, split..<written.upperBound))
            tokenLength = written.count
        }
        return decoded
    }

    /// Where the last value ends in `words` (the sixteen bytes where a value starts, first byte
    /// lowest), when they start with it as written: a quoted one at its closing quote, an
    /// unquoted one only where a space or 0x1d follows it (as the field scanner ends a value).
    /// Nil when they do not, or when no value of at most fifteen bytes is held.
    @inline(__always)
    func token(in words: (UInt64, UInt64)) -> Int? {
        guard tokenLength > 0 else { return nil }
        let next: UInt8
        if tokenLength < 8 {
            guard words.0 & ByteSearch.lowBytes(tokenLength) == token.0 else { return nil }
            next = UInt8(truncatingIfNeeded: words.0 &>> UInt64(tokenLength &* 8))
        } else {
            let rest = tokenLength &- 8
            guard words.0 == token.0, words.1 & ByteSearch.lowBytes(rest) == token.1 else { return nil }
            next = UInt8(truncatingIfNeeded: words.1 &>> UInt64(rest &* 8))
        }
        if quote != 0 { return tokenLength }
        return next == FieldScanner.space || next == FieldScanner.groupSeparator ? tokenLength : nil
    }
}
