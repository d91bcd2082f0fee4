extension Array where Element == UInt8 {
    /// Appends the bytes of `span` in one copy. The strict targets cannot reach the span's
    /// memory, and appending byte by byte costs a bounds check and a capacity check per byte;
    /// the scan's reading thread copies every line of the input this way (`LineChunk`).
    public mutating func append(copying span: Span<UInt8>) {
        guard !span.isEmpty else { return }
        span.withUnsafeBufferPointer { self.append(contentsOf: $0) }
    }
}
