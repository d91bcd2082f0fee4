extension Array where Element == UInt8 {
    /// Appends the bytes of `span` in one copy. The strict targets cannot reach the span's
    /// memory, and appending byte by byte costs a bounds check and a capacity check per byte;
    /// the scan's reading thread copies every line of the input this way (`LineChunk`).
    public mutating func append(copying span: Span<UInt8>) {
        guard !span.isEmpty else { return }
        span.withUnsafeBufferPointer { self.append(contentsOf: $0) }
    }
}

extension OutputSpan where Element == UInt8 {
    /// Appends the bytes of `span` in one copy (a writer fills an `Array.append(addingCapacity:)`
    /// reservation with runs of bytes it writes as they are). The span must fit in the free
    /// capacity: a precondition, as `append(_:)` has.
    public mutating func append(copying span: Span<UInt8>) {
        let count = span.count
        precondition(count <= freeCapacity, "OutputSpan.append(copying:): not enough free capacity")
        guard count > 0 else { return }
        withUnsafeMutableBufferPointer { buffer, initialized in
            span.withUnsafeBufferPointer { source in
                // Bytes are trivial: initializing them is copying them (one memcpy, however short).
                UnsafeMutableRawPointer(buffer.baseAddress! + initialized).copyMemory(
                    from: source.baseAddress!, byteCount: count)
            }
            initialized += count
        }
    }
}
