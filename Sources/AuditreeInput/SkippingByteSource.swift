/// A source whose first `skip` bytes are read and dropped: a resumed gzip copy starts where
/// the file it is a copy of was left (a compressed stream cannot seek).
package struct SkippingByteSource<Base: ByteSource & ~Copyable>: ByteSource, ~Copyable {
    private var base: Base
    private var remaining: Int

    package init(base: consuming Base, skip: Int) {
        self.base = base
        remaining = max(skip, 0)
    }

    package mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        while remaining > 0 {
            let count = try base.read(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(min(buffer.count, remaining))))
            if count == 0 { return 0 }
            remaining -= count
        }
        return try base.read(into: buffer)
    }
}
