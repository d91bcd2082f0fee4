import Foundation

/// Arrays handed back from the consuming thread to the producing one, for reuse.
///
/// Each chunk's record array is about 100 KB. Made new per chunk, it was allocated on the
/// reading thread and freed on the scan's thread (with glibc's malloc, against the reading
/// thread's arena lock; release builds now link jemalloc, but debug builds do not), and its
/// memory came back cold. Returning the emptied arrays keeps a few buffers going round
/// instead. Neither side ever waits: the producer makes a new array when none is spare, and
/// arrays beyond `limit` are dropped.
///
/// An array comes back with its elements, and the producer empties it when it takes it: the
/// scan's thread is the pipeline's bound, so the releases of what the elements still hold
/// (a chunk's records: their strings and arrays) are done by the reading thread, which also
/// allocated them, so most of that memory is freed on the thread that allocated it.
///
/// All state is guarded by one `NSLock`, which is what makes the `@unchecked Sendable` sound.
final class SpareArrays<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private var arrays: [[Element]] = []

    init(limit: Int) { self.limit = limit }

    /// Consumer: hands back `array` as it is (the producer empties it).
    func give(_ array: consuming [Element]) {
        lock.lock()
        defer { lock.unlock() }
        if arrays.count < limit { arrays.append(array) }
    }

    /// Producer: an empty array with capacity for at least `capacity` elements.
    func take(capacity: Int) -> [Element] {
        lock.lock()
        var array = arrays.popLast() ?? []
        lock.unlock()
        array.removeAll(keepingCapacity: true)
        array.reserveCapacity(capacity)
        return array
    }
}
