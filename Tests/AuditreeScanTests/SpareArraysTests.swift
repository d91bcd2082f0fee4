import TestSupport
import Testing

@testable import AuditreeScan

/// The pipeline's returned line and record arrays: handed back with their buffers, emptied by
/// the thread that takes them, never more than the limit.
@Suite("Spare arrays")
struct SpareArraysTests {
    final class Probe: Sendable {}

    @Test("what an array given back holds is released when the producer takes it, not before")
    func releasedByTaker() {
        let spares = SpareArrays<Probe>(limit: 2)
        var probe: Probe? = Probe()
        weak let watched = probe
        spares.give([probe!])
        probe = nil
        #expect(watched != nil)
        let reused = spares.take(capacity: 1)
        #expect(reused.isEmpty)
        #expect(watched == nil)
    }

    @Test("an array given back comes out empty, with its buffer, and is asked for room")
    func reuse() {
        let spares = SpareArrays<Int>(limit: 2)
        var array = Array(0..<1_000)
        array.reserveCapacity(2_000)
        let capacity = array.capacity
        let address = array.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        spares.give(consume array)
        let reused = spares.take(capacity: 10)
        #expect(reused.isEmpty)
        #expect(reused.capacity == capacity)
        #expect(reused.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == address)
        // None left: a new one, with the room asked for.
        let fresh = spares.take(capacity: 500)
        #expect(fresh.isEmpty && fresh.capacity >= 500)
    }

    @Test("beyond the limit, arrays given back are dropped")
    func limit() {
        let spares = SpareArrays<Int>(limit: 2)
        for size in [10, 20, 30] { spares.give(Array(repeating: 0, count: size)) }
        let capacities = (0..<3).map { _ in spares.take(capacity: 0).capacity }
        #expect(capacities[0] >= 20 && capacities[1] >= 10)
        #expect(capacities[2] == 0)
    }
}
