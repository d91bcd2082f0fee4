import AuditreeParser

/// The literals one parsing thread found in the exec fields it scanned last
/// (`SigmaExecFieldScanner.findLiterals(in:memo:)`): a program, its user and uid, a command line
/// and a working directory repeat constantly in a log, and a value seen again costs a hash and a
/// compare of its bytes instead of a search.
///
/// Bounded whatever the log holds: 256 slots in sets of two, each keyed by one value of at most
/// 512 bytes; a value missed replaces the one of its set used less recently, so an attacker's log
/// can make it miss, never grow. A hit compares the whole key, so the answer is the search's own.
public struct SigmaExecFieldMemo {
    /// What a key is the value of (part of its hash and compared with it).
    enum Part: UInt8 {
        case identity = 1
        case commandLine, directory
    }

    struct Entry {
        var part: UInt8 = 0
        var hash: UInt64 = 0
        var key: [UInt8] = []
        var found = FieldLiterals()
    }

    private var entries: [Entry] = []
    /// Per set, the way used last.
    private var lastUsed: [UInt8] = []

    static let slotCount = 256
    /// The longest key kept.
    static let keyLimit = 512

    public init() {}

    /// The literals in the value `key` stands for: remembered, or `search`ed and remembered.
    mutating func literals(
        _ part: Part, key: Span<UInt8>, search: () -> FieldLiterals
    ) -> FieldLiterals {
        guard key.count <= Self.keyLimit else { return search() }
        // FNV-1a over the part, the length, every fourth byte and the last four: a hit compares
        // the whole key anyway, and values that differ only elsewhere only share a set.
        var hash: UInt64 = (0xCBF2_9CE4_8422_2325 ^ UInt64(part.rawValue)) &* 0x100_0000_01B3
        hash = (hash ^ UInt64(key.count)) &* 0x100_0000_01B3
        var position = 0
        while position < key.count {
            hash = (hash ^ UInt64(key[position])) &* 0x100_0000_01B3
            position += 4
        }
        for position in max(0, key.count - 4)..<key.count { hash = (hash ^ UInt64(key[position])) &* 0x100_0000_01B3 }
        if entries.isEmpty {
            entries = [Entry](repeating: Entry(), count: Self.slotCount)
            lastUsed = [UInt8](repeating: 0, count: Self.slotCount / 2)
        }
        let set = Int(truncatingIfNeeded: (hash ^ hash >> 32) % UInt64(Self.slotCount / 2))
        for way in 0..<2 {
            let slot = 2 * set + way
            if entries[slot].hash == hash, entries[slot].part == part.rawValue, Self.equal(entries[slot].key, key) {
                lastUsed[set] = UInt8(way)
                return entries[slot].found
            }
        }
        let found = search()
        let way = 1 - Int(lastUsed[set])
        lastUsed[set] = UInt8(way)
        let slot = 2 * set + way
        entries[slot].part = part.rawValue
        entries[slot].hash = hash
        entries[slot].key.removeAll(keepingCapacity: true)
        for position in 0..<key.count { entries[slot].key.append(key[position]) }
        entries[slot].found = found
        return found
    }

    private static func equal(_ stored: [UInt8], _ key: Span<UInt8>) -> Bool {
        guard stored.count == key.count else { return false }
        let bytes = stored.span
        for position in 0..<key.count where bytes[position] != key[position] { return false }
        return true
    }
}
