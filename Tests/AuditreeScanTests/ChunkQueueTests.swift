import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AuditreeScan

/// The hand-over between the pipeline's reading and parsing threads and the scan's thread.
/// Every check is on order and counts, never on time: the threads may run in any interleaving.
@Suite("Chunk queue")
struct ChunkQueueTests {
    /// Counts shared by the test's producer thread and the test.
    final class Counts: Sendable {
        let put = Mutex(0)
        let refused = Mutex(false)
    }

    /// Starts a thread that puts 0, 1, 2 ... `count - 1` (or until refused), then finishes.
    func startProducer(_ queue: ChunkQueue<Int>, count: Int, counts: Counts) {
        Thread {
            for item in 0..<count {
                guard queue.put(item) else {
                    counts.refused.withLock { $0 = true }
                    break
                }
                counts.put.withLock { $0 += 1 }
            }
            queue.producerFinished()
        }.start()
    }

    @Test(
        "items arrive in order, the producer is never more than the capacity ahead, and the end is seen",
        arguments: [1, 2, 4])
    func orderAndBound(capacity: Int) {
        let queue = ChunkQueue<Int>(capacity: capacity)
        let counts = Counts()
        startProducer(queue, count: 2_000, counts: counts)
        var taken: [Int] = []
        while let item = queue.take() {
            taken.append(item)
            // Puts done so far <= items appended <= taken + what the queue can hold.
            let ahead = counts.put.withLock { $0 } - taken.count
            #expect(ahead <= capacity)
        }
        #expect(taken == Array(0..<2_000))
        queue.cancelAndWait()
        #expect(!counts.refused.withLock { $0 })
    }

    @Test("cancelling stops a producer blocked on a full queue and waits until it has finished")
    func cancel() {
        let queue = ChunkQueue<Int>(capacity: 2)
        let counts = Counts()
        // Far more than the queue holds: the producer must block, then be told to stop.
        startProducer(queue, count: 1_000_000, counts: counts)
        #expect(queue.take() == 0)
        #expect(queue.take() == 1)
        queue.cancelAndWait()
        // cancelAndWait returned, so the producer has finished: it was refused, long before the end.
        #expect(counts.refused.withLock { $0 })
        #expect(counts.put.withLock { $0 } < 1_000_000)
        #expect(queue.take() == nil)
    }

    @Test(
        "numbers reserved in order and filled out of order by several threads come out in order, bounded",
        arguments: [(1, 1), (3, 2), (8, 4)])
    func outOfOrderProducers(capacity: Int, producers: Int) {
        let queue = ChunkQueue<Int>(capacity: capacity, producers: producers)
        let handOut = ChunkQueue<Int>(capacity: max(producers - 1, 1))
        let reserved = Mutex(0)
        // One thread reserves numbers and hands them to the others, which put them back in
        // whatever order they run: the queue's order must be the reservation's.
        Thread {
            while let sequence = queue.reserve(), sequence < 3_000 {
                reserved.withLock { $0 = sequence + 1 }
                if producers == 1 {
                    queue.put(sequence * 2, at: sequence)
                } else if !handOut.put(sequence) {
                    break
                }
            }
            handOut.producerFinished()
            queue.producerFinished()
        }.start()
        for _ in 1..<producers {
            Thread {
                while let sequence = handOut.take() { queue.put(sequence * 2, at: sequence) }
                queue.producerFinished()
            }.start()
        }
        var taken: [Int] = []
        while let item = queue.take() {
            taken.append(item)
            // Reserved numbers not yet taken never exceed the capacity (+1: the number reserved
            // past the end, which is never filled).
            #expect(reserved.withLock { $0 } - taken.count <= capacity)
            if taken.count == 3_000 { break }
        }
        #expect(taken == (0..<3_000).map { $0 * 2 })
        queue.cancelAndWait()
    }

    @Test("reserveIfFree never waits: nil while the queue is full, a number once one was taken")
    func reserveIfFree() {
        let queue = ChunkQueue<Int>(capacity: 2)
        #expect(queue.reserveIfFree() == 0)
        #expect(queue.reserveIfFree() == 1)
        #expect(queue.reserveIfFree() == nil)
        queue.put(10, at: 1)
        queue.put(0, at: 0)
        #expect(queue.take() == 0)
        #expect(queue.reserveIfFree() == 2)
        #expect(queue.take() == 10)
        queue.cancel()
        #expect(queue.reserveIfFree() == nil)
        #expect(queue.take() == nil)
    }

    @Test("cancelling waits for every producer, and refuses their puts")
    func cancelSeveralProducers() {
        let queue = ChunkQueue<Int>(capacity: 4, producers: 3)
        let refused = Mutex(0)
        for _ in 0..<3 {
            Thread {
                while let sequence = queue.reserve() {
                    if !queue.put(sequence, at: sequence) { refused.withLock { $0 += 1 } }
                }
                queue.producerFinished()
            }.start()
        }
        #expect(queue.take() == 0)
        queue.cancelAndWait()
        // Every producer has finished (the call returned), so nothing is put any more.
        #expect(queue.take() == nil)
        #expect(queue.reserve() == nil)
    }
}
