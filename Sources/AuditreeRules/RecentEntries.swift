import AuditreeParser

/// A small direct-mapped table in front of a cache's dictionary, by a cheap hash of the key's
/// bytes: most execs repeat a program the log ran a moment ago, and hashing their names or
/// command lines with the dictionary's seeded hash cost more than all else the rules do for
/// them. A slot holds the last key that hashed to it; a different key there is a miss, which
/// the dictionary answers (with its seeded hash, so crafted collisions here cost one compare).
/// Bounded by its slot count; cleared with its dictionary, so it keeps nothing the dictionary
/// forgot. `Key` is constrained where it is compared, not on the type: a type generic over an
/// `Equatable` key has its metadata made at run time with a search of every conformance in the
/// binary (about 0.4 M instructions per table at start-up).
struct RecentEntries<Key, Value: AnyObject> {
    /// A key and its value, as one object: a slot is read as a reference and its key compared
    /// in place (an optional key copied out of an array retains each of its parts, and costs
    /// more than the comparison).
    private final class Slot {
        let key: Key
        let value: Value

        init(key: Key, value: Value) {
            self.key = key
            self.value = value
        }
    }

    private static var slotCount: Int { 256 }
    private var slots: [Slot?] = Array(repeating: nil, count: Self.slotCount)

    func value(for key: Key, hash: UInt64) -> Value? where Key: Equatable {
        guard let slot = slots[Self.slot(hash)], slot.key == key else { return nil }
        return slot.value
    }

    mutating func remember(_ key: Key, hash: UInt64, _ value: Value) {
        slots[Self.slot(hash)] = Slot(key: key, value: value)
    }

    mutating func removeAll() {
        for index in slots.indices { slots[index] = nil }
    }

    private static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: (hash ^ (hash >> 29)) & 255) }

    /// FNV-1a of the value's bytes (and of whether there is one), folded into `hash`.
    static func mix(_ hash: inout UInt64, _ value: LogString?) {
        guard let value else {
            hash = (hash ^ 0xff) &* 0x100_0000_01b3
            return
        }
        let seed = hash
        hash = value.withSpan { fnv(seed, $0) }
    }

    /// FNV-1a of the bytes, folded into `seed`.
    private static func fnv(_ seed: UInt64, _ bytes: Span<UInt8>) -> UInt64 {
        var h = (seed ^ UInt64(truncatingIfNeeded: bytes.count)) &* 0x100_0000_01b3
        for index in 0..<bytes.count { h = (h ^ UInt64(bytes[index])) &* 0x100_0000_01b3 }
        return h
    }

    static var seed: UInt64 { 0xcbf2_9ce4_8422_2325 }
}
