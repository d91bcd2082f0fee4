/// A cheap seeded hash for the open-addressing tables written on every event (the assembler's
/// delivered stamps, the tree's pid tables): a multiply-xorshift mix is a few instructions where
/// `Hasher` (SipHash) costs a hundred or more per key.
///
/// The keys come from the log, so an attacker chooses them: the seed is secret (drawn by the
/// standard library's `Hasher`, random per process), so colliding keys cannot be prepared in a
/// log. Under SWIFT_DETERMINISTIC_HASHING the seed is fixed, as `Hasher`'s is, and instruction
/// counts repeat exactly. Only where a key lands depends on the hash, never what a table answers.
package struct TableHash: Sendable {
    private let seed: UInt64

    package init() {
        var hasher = Hasher()
        hasher.combine(0x5441_424C_4548_4153 as UInt64)
        seed = UInt64(UInt(bitPattern: hasher.finalize()))
    }

    /// The hash of one word.
    package func callAsFunction(_ value: UInt64) -> UInt64 { Self.mix(seed, value) }

    /// The hash of two words.
    package func callAsFunction(_ first: UInt64, _ second: UInt64) -> UInt64 {
        Self.mix(Self.mix(seed, first), second)
    }

    private static func mix(_ state: UInt64, _ value: UInt64) -> UInt64 {
        var mixed = (state ^ value) &* 0xFF51_AFD7_ED55_8CCD
        mixed ^= mixed >> 33
        mixed = mixed &* 0xC4CE_B9FE_1A85_EC53
        return mixed ^ (mixed >> 29)
    }
}
