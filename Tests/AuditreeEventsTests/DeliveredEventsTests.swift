import Testing

@testable import AuditreeEvents
@testable import AuditreeParser

/// `DeliveredEvents` answers exactly as the two dictionaries it replaces: the same values,
/// the same keys forgotten at the same moment, whatever order the keys come in.
@Suite("Delivered events")
struct DeliveredEventsTests {
    /// The replaced structure: two generations of `Dictionary`.
    struct Reference {
        let generation: Int
        var newer: [EventAssembler.Key: DeliveredEvents.Value] = [:]
        var older: [EventAssembler.Key: DeliveredEvents.Value] = [:]
        var hasForgotten = false

        func value(for key: EventAssembler.Key) -> DeliveredEvents.Value? { newer[key] ?? older[key] }

        mutating func remember(_ key: EventAssembler.Key, _ value: DeliveredEvents.Value) {
            if newer.count >= generation {
                if !older.isEmpty { hasForgotten = true }
                older = newer
                newer.removeAll(keepingCapacity: true)
            }
            newer[key] = value
        }
    }

    static func key(serial: UInt64, host: Int, seconds: Int64) -> EventAssembler.Key {
        EventAssembler.Key(
            host: host, stamp: EventStamp(seconds: seconds, milliseconds: Int32(serial % 1000), serial: serial),
            isDaemon: false)
    }

    /// Serials mostly in order with repeats, reused serials and a second host, as logs read twice
    /// or several hosts' logs give them; small generations, so they turn over many times.
    @Test(arguments: [1, 7, 64, 1000])
    func answersAsTwoDictionaries(generation: Int) {
        var table = DeliveredEvents(generation: generation)
        var reference = Reference(generation: generation)
        var random = SplitMix(seed: UInt64(generation))
        var serial: UInt64 = 1
        for step in 0..<20_000 {
            let choice = random.next() % 10
            let key: EventAssembler.Key
            switch choice {
            case 0: key = Self.key(serial: serial &- random.next() % 50, host: 0, seconds: 100)  // a repeat
            case 1: key = Self.key(serial: random.next() % 5000, host: 1, seconds: 200)  // another host
            case 2: key = Self.key(serial: serial, host: 0, seconds: 300)  // a reboot's clock
            default:
                serial += 1
                key = Self.key(serial: serial, host: 0, seconds: 100)
            }
            let before = table.value(for: key)
            #expect(before?.kinds == reference.value(for: key)?.kinds, "step \(step)")
            #expect(before?.digest == reference.value(for: key)?.digest, "step \(step)")
            #expect(before?.more == reference.value(for: key)?.more, "step \(step)")
            var value = before ?? DeliveredEvents.Value(kinds: 0)
            value.kinds |= 1 << (random.next() % 8)
            value.add(Int(truncatingIfNeeded: random.next() % 3))
            table.remember(key, value)
            reference.remember(key, value)
            #expect(table.hasForgotten == reference.hasForgotten, "step \(step)")
        }
    }

    /// A fixed sequence of pseudo-random numbers (the test must fail the same way every time).
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
