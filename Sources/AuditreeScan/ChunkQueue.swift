import Foundation

/// A bounded first-in first-out hand-over from one producing thread to one consuming thread.
///
/// The producer blocks while `capacity` items wait, so memory stays bounded however far
/// reading runs ahead of the consumer. The consumer can cancel: waiting items are dropped
/// and the producer's next `put` says to stop. The consumer then waits for `producerFinished`
/// so no thread outlives the read it belongs to (the producer owns the open input).
///
/// All state is guarded by one `NSCondition` (a pthread mutex and condition variable, which
/// ThreadSanitizer understands); that is what makes the `@unchecked Sendable` sound.
final class ChunkQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    /// At most `capacity` items, so removing from the front is cheap.
    private var items: [Element] = []
    private var cancelled = false
    private var finished = false

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Producer: appends `item`, waiting for room. False when the consumer cancelled: stop producing.
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Producer: its last act, after it has let go of its input.
    func producerFinished() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next item, waiting for one; nil once the producer has finished and nothing is left.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Consumer: drops what waits, tells the producer to stop, and waits until it has.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
