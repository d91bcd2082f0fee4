import Foundation

/// A bounded hand-over of numbered items from producing threads to consuming threads, in
/// the items' order whichever producer finishes its item first.
///
/// A producer first reserves the next sequence number (`reserve`), waiting while `capacity`
/// reserved items are not yet taken, so memory stays bounded however far producers run ahead
/// of the consumers; it may then put the item under that number from any thread, later.
/// `take` hands items out strictly by sequence number and waits for the next one, so several
/// threads may fill numbers out of order (the parsing threads) and the consumer still sees
/// input order. Several consumers may take too (the parsing threads take unparsed chunks in
/// turn): each gets the next number.
///
/// The consumer can cancel: waiting items are dropped, reservations and puts are refused, and
/// the consumer then waits until every producer has said it finished, so no thread outlives
/// the read it belongs to (the reading thread owns the open input).
///
/// All state is guarded by one `NSCondition` (a pthread mutex and condition variable, which
/// ThreadSanitizer understands); that is what makes the `@unchecked Sendable` sound.
final class ChunkQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    /// Item `sequence` waits in `slots[sequence % capacity]`: at most `capacity` are reserved
    /// and not taken, so a reserved number's slot is always free.
    private var slots: [Element?]
    private var nextReserved = 0
    private var nextTaken = 0
    private var producersRunning: Int
    private var cancelled = false

    /// `producers`: how many threads will call `producerFinished`.
    init(capacity: Int, producers: Int = 1) {
        precondition(capacity > 0 && producers > 0)
        self.capacity = capacity
        slots = Array(repeating: nil, count: capacity)
        producersRunning = producers
    }

    /// Producer: the next sequence number, waiting while `capacity` items are reserved and not
    /// taken. nil once the consumer cancelled: stop producing.
    func reserve() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while nextReserved - nextTaken >= capacity && !cancelled { condition.wait() }
        return cancelled ? nil : reserveLocked()
    }

    /// Producer: the next sequence number if one is free now, else nil (never waits).
    func reserveIfFree() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        return cancelled || nextReserved - nextTaken >= capacity ? nil : reserveLocked()
    }

    private func reserveLocked() -> Int {
        defer { nextReserved += 1 }
        return nextReserved
    }

    /// Producer: puts the item reserved as `sequence`. False when the consumer cancelled.
    @discardableResult
    func put(_ item: Element, at sequence: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !cancelled else { return false }
        precondition(sequence >= nextTaken && sequence < nextReserved && slots[sequence % capacity] == nil)
        slots[sequence % capacity] = item
        condition.broadcast()
        return true
    }

    /// Producer: reserves the next number (waiting for room) and puts `item` under it.
    /// False when the consumer cancelled: stop producing.
    @discardableResult
    func put(_ item: Element) -> Bool {
        guard let sequence = reserve() else { return false }
        return put(item, at: sequence)
    }

    /// Producer: its last act, after it has let go of its input.
    func producerFinished() {
        condition.lock()
        producersRunning -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the item with the next sequence number, waiting for it; nil once every producer
    /// has finished and that item never came (everything was taken), or after `cancelAndWait`.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled {
            let slot = nextTaken % capacity
            if let item = slots[slot] {
                slots[slot] = nil
                nextTaken += 1
                condition.broadcast()
                return item
            }
            if producersRunning == 0 { return nil }
            condition.wait()
        }
        return nil
    }

    /// Consumer or producer: drops what waits and refuses what comes, without waiting.
    func cancel() {
        condition.lock()
        cancelLocked()
        condition.unlock()
    }

    private func cancelLocked() {
        cancelled = true
        for index in slots.indices { slots[index] = nil }
        condition.broadcast()
    }

    /// Consumer: drops what waits, tells the producers to stop, and waits until every one has.
    func cancelAndWait() {
        condition.lock()
        cancelLocked()
        while producersRunning > 0 { condition.wait() }
        condition.unlock()
    }
}
