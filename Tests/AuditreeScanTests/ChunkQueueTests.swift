import Foundation
import Synchronization
import TestSupport
import Testing

@testable import AuditreeScan

/// The hand-over between the pipeline's reading thread and the scan's thread. Every check
/// is on order and counts, never on time: the threads may run in any interleaving.
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
}
