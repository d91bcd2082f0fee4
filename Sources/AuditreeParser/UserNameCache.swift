/// The last user name an ENRICHED field (`UID=`, `AUID=`) gave, as its field bytes and the
/// String made from them. Every SYSCALL record of an ENRICHED log names its users, and the
/// names repeat from record to record ("root", "unset"): comparing a few bytes with the last
/// ones costs less than decoding them into a new String each time.
struct UserNameCache {
    private var raw: [UInt8] = []
    /// `raw` packed (`ByteSearch.pack`) when it is at most eight bytes, compared in one
    /// instruction; 0 otherwise.
    private var packed: UInt64 = 0
    private var quote: UInt8 = 0
    private var name: String?
    private var filled = false

    /// `Bytes.untrusted(line, field)?.lossyString`, from the cache when the field's bytes are the last ones.
    mutating func name(_ line: Span<UInt8>, _ field: Field) -> String? {
        if filled, field.quote == quote, field.value.count == raw.count {
            // Equal lengths of at most eight bytes: equal packed words mean equal bytes.
            if raw.count <= 8 ? ByteSearch.pack(line, field.value) == packed : Bytes.equals(line, field.value, raw) {
                return name
            }
        }
        let decoded = Bytes.untrusted(line, field)?.lossyString
        // A user name is short; a long value (a hostile line) is not worth a copy to remember.
        guard field.value.count <= 64 else { return decoded }
        raw = Bytes.copy(line, field.value)
        packed = raw.count <= 8 ? ByteSearch.pack(line, field.value) : 0
        quote = field.quote
        name = decoded
        filled = true
        return decoded
    }
}
