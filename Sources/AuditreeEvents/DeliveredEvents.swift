import AuditreeBase

/// What was delivered under the most recent keys, for telling a repeated event (a file read
/// twice) from the late rest of an event the window had closed (`EventAssembler.deliver`).
///
/// Written for every event and read almost never (only for a stamp the deduplicator has seen),
/// so the tables are open-addressing arrays with a cheap seeded hash (`TableHash`): an insert is
/// a multiply and a probe or two, where a `Dictionary` hashed each key with SipHash and
/// rehashed it on every growth. Memory stays bounded: two generations of `generation` keys;
/// once the newer holds that many, the older is forgotten and the newer takes its place.
struct DeliveredEvents {
    /// What was delivered under a key: the kinds of its records and a digest of each SYSCALL
    /// record's numbers: the first in place, more (rare: a reboot or another host on the same
    /// stamp) in an array, so the usual event allocates nothing here.
    struct Value {
        var kinds: UInt64
        var digest: Int?
        var more: [Int] = []

        func holds(_ value: Int) -> Bool { digest == value || more.contains(value) }

        mutating func add(_ value: Int) {
            if digest == nil { digest = value } else if !holds(value) { more.append(value) }
        }
    }

    /// Keys per generation.
    let generation: Int
    private var newer = Table()
    private var older = Table()
    private let hash = TableHash()
    /// Whether a generation was dropped: until then, a key missing here was never delivered.
    private(set) var hasForgotten = false

    init(generation: Int = 32_768) { self.generation = generation }

    /// What was delivered under `key`, if it is still remembered.
    func value(for key: EventAssembler.Key) -> Value? {
        let code = hashCode(key)
        return newer.value(for: key, hash: code) ?? older.value(for: key, hash: code)
    }

    /// Remembers what was delivered under `key` (in the newer generation, which it may fill).
    mutating func remember(_ key: EventAssembler.Key, _ value: Value) {
        if newer.count >= generation {
            if older.count > 0 { hasForgotten = true }
            swap(&newer, &older)
            newer.removeAll()
        }
        newer.set(value, for: key, hash: hashCode(key))
    }

    private func hashCode(_ key: EventAssembler.Key) -> UInt64 {
        hash(
            key.stamp.serial,
            UInt64(bitPattern: key.stamp.time) << 17 ^ UInt64(bitPattern: Int64(key.host)) << 1
                ^ (key.isDaemon ? 1 : 0))
    }

    /// One generation: linear probing in a power-of-two array at most half full, never deleted
    /// from (a generation is dropped whole), so an empty slot ends every search. Slots hold no
    /// reference (the rare further digests live in `extraDigests`), so the array is filled,
    /// copied and cleared as plain memory.
    private struct Table {
        private struct Slot {
            var hash: UInt64
            var key: EventAssembler.Key
            var kinds: UInt64
            var digest: Int?
            /// Index of this key's further digests in `extraDigests`, or -1.
            var extra: Int32
        }
        private var slots: [Slot?] = []
        private var extraDigests: [[Int]] = []
        private(set) var count = 0

        func value(for key: EventAssembler.Key, hash: UInt64) -> Value? {
            guard let index = find(key, hash: hash), let slot = slots[index] else { return nil }
            return Value(
                kinds: slot.kinds, digest: slot.digest, more: slot.extra < 0 ? [] : extraDigests[Int(slot.extra)])
        }

        mutating func set(_ value: Value, for key: EventAssembler.Key, hash: UInt64) {
            if (count + 1) * 2 > slots.count { grow() }
            // One walk finds the key's slot or the empty slot that ends its search.
            let mask = slots.count - 1
            var index = Int(truncatingIfNeeded: hash) & mask
            var extra: Int32 = -1
            var found = false
            while let slot = slots[index] {
                if slot.hash == hash && slot.key == key {
                    extra = slot.extra
                    found = true
                    break
                }
                index = (index + 1) & mask
            }
            if !found { count += 1 }
            if !value.more.isEmpty {
                if extra < 0 {
                    extra = Int32(extraDigests.count)
                    extraDigests.append(value.more)
                } else {
                    extraDigests[Int(extra)] = value.more
                }
            } else if extra >= 0 {
                extraDigests[Int(extra)] = []
            }
            slots[index] = Slot(hash: hash, key: key, kinds: value.kinds, digest: value.digest, extra: extra)
        }

        /// The slot holding `key`, if any.
        private func find(_ key: EventAssembler.Key, hash: UInt64) -> Int? {
            guard !slots.isEmpty else { return nil }
            let mask = slots.count - 1
            var index = Int(truncatingIfNeeded: hash) & mask
            while let slot = slots[index] {
                if slot.hash == hash && slot.key == key { return index }
                index = (index + 1) & mask
            }
            return nil
        }

        /// Empties the table, keeping its capacity (the next generation fills it again).
        mutating func removeAll() {
            for index in slots.indices { slots[index] = nil }
            extraDigests.removeAll()
            count = 0
        }

        /// Doubles the array and puts every slot back where its stored hash says.
        private mutating func grow() {
            var old: [Slot?] = Array(repeating: nil, count: max(1024, slots.count * 2))
            swap(&old, &slots)
            let mask = slots.count - 1
            for slot in old {
                guard let slot else { continue }
                var index = Int(truncatingIfNeeded: slot.hash) & mask
                while slots[index] != nil { index = (index + 1) & mask }
                slots[index] = slot
            }
        }
    }
}
