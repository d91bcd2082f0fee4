import CZlib

/// Decompresses a gzip stream while it is read, never holding the whole file.
/// Concatenated gzip members (as `cat a.gz b.gz` makes) are read one after another.
public struct GzipByteSource: ByteSource, ~Copyable {
    private var file: FileByteSource
    private let path: String
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var streamEnded = false
    /// An error met after some bytes were produced: those are returned first, the error on the next read.
    private var pendingError: InputError?

    public init(file: consuming FileByteSource) throws(InputError) {
        path = file.path
        self.file = file
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: 1 << 16, alignment: 16)
        guard auditree_inflate_init_gzip(stream) == Z_OK else {
            throw .readFailed(path: path, reason: "cannot start gzip decompression")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
        file.close()
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if let error = pendingError { throw error }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(min(buffer.count, Int(UInt32.max)))
        while stream.pointee.avail_out > 0 {
            if stream.pointee.avail_in == 0 && !inputEnded {
                let count = try file.read(into: input)
                if count == 0 {
                    inputEnded = true
                } else {
                    stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_in = uInt(count)
                }
            }
            if stream.pointee.avail_in == 0 && inputEnded {
                if !streamEnded {
                    return try deliver(
                        buffer, failing: .readFailed(path: path, reason: "gzip data ends early (truncated file)"))
                }
                break
            }
            if streamEnded {
                // Another gzip member follows the one that ended, or bytes that are not gzip.
                if stream.pointee.next_in.pointee != 0x1F {
                    return try deliver(
                        buffer,
                        failing: .readFailed(
                            path: path,
                            reason:
                                "bytes after the last gzip member are not gzip data (trailing garbage; the members before it were read whole)"
                        ))
                }
                guard inflateReset(stream) == Z_OK else { throw .readFailed(path: path, reason: "gzip reset failed") }
                streamEnded = false
            }
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR: continue
            case Z_STREAM_END: streamEnded = true
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                return try deliver(buffer, failing: .readFailed(path: path, reason: "corrupt gzip data: \(message)"))
            }
        }
        return buffer.count - Int(stream.pointee.avail_out)
    }

    /// Returns what was decompressed before `error`, keeping the error for the next read.
    private mutating func deliver(_ buffer: UnsafeMutableRawBufferPointer, failing error: InputError) throws(InputError)
        -> Int
    {
        let produced = buffer.count - Int(stream.pointee.avail_out)
        guard produced > 0 else { throw error }
        pendingError = error
        return produced
    }

    /// Whether the first bytes of a file are the gzip magic number.
    public static func looksCompressed(_ head: [UInt8]) -> Bool {
        head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B
    }
}
