#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Something the line reader can pull bytes from: a file, stdin, later a gzip stream.
public protocol ByteSource: ~Copyable {
    /// Fills the front of `buffer`; returns the number of bytes read, 0 at the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int
}

extension ByteSource where Self: ~Copyable {
    /// Up to `count` bytes from the start of what is left, fewer at the end or at a read error
    /// (whose bytes before it are kept): for looking into a source (a checkpoint's file hash).
    public mutating func readPrefix(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let read = bytes.withUnsafeMutableBytes { buffer -> Int in
                (try? self.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))) ?? 0
            }
            if read <= 0 { break }
            filled += read
        }
        return Array(bytes.prefix(filled))
    }

    /// The bytes of one `read` of at most `count` bytes; empty at the end. For a thread that
    /// reads a source ahead of its consumer in blocks (`BlockByteSource` hands them on).
    public mutating func readBlock(upTo count: Int) throws(InputError) -> [UInt8] {
        var failure: InputError?
        let block = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(InputError) {
                initialized = try self.read(into: UnsafeMutableRawBufferPointer(buffer))
            } catch { failure = error }
        }
        if let failure { throw failure }
        return block
    }
}

/// The device and inode of an open file: whether two opens of a path reached the same file.
public struct OpenFileIdentity: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64
}

/// A readable file descriptor: a regular file, a FIFO or stdin.
/// Sendable so that the scan's reading thread can be handed one opened (and positioned) by the caller.
public struct FileByteSource: ByteSource, Sendable {
    public let path: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Bytes `peek` read ahead from a stream; `read` hands them out first.
    private var readAhead: [UInt8] = []

    /// Opens `path` for reading; `-` means standard input.
    public init(path: String) throws(InputError) {
        self.path = path
        if path == "-" {
            descriptor = STDIN_FILENO
            ownsDescriptor = false
            return
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .cannotOpen(path: path, reason: Self.errnoText()) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory(path: path) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: Self.errnoText()) }
        descriptor = fd
        ownsDescriptor = true
    }

    /// The first `count` bytes of a file (fewer if it is shorter or unreadable), without consuming a source.
    public static func head(path: String, count: Int) -> [UInt8] {
        // Only a regular file can be looked into without consuming it (a FIFO would also block here).
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return [] }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { _ = Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, 0) }
        return read > 0 ? Array(bytes.prefix(read)) : []
    }

    /// The first `count` bytes of a stream (standard input, a FIFO), fewer at its end, read
    /// ahead and handed out again by `read`: a stream cannot be looked into without consuming it.
    public mutating func peek(_ count: Int) throws(InputError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let read = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, count - filled) }
            if read == 0 { break }
            if read < 0 {
                if errno == EINTR { continue }
                throw .readFailed(path: path, reason: Self.errnoText())
            }
            filled += read
        }
        readAhead = Array(bytes.prefix(filled))
        return readAhead
    }

    /// The device and inode of the open file (`fstat(2)`), nil if it cannot be told.
    public var identity: OpenFileIdentity? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return OpenFileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Moves to `offset` bytes from the start (resuming a checkpointed file).
    public func seek(to offset: Int) -> Bool { lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset) }

    public func close() {
        if ownsDescriptor { _ = Glibc.close(descriptor) }
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if !readAhead.isEmpty, buffer.count > 0 {
            let count = min(buffer.count, readAhead.count)
            readAhead.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            readAhead.removeFirst(count)
            return count
        }
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .readFailed(path: path, reason: Self.errnoText())
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A byte source over bytes already in memory (tests, fuzzing).
public struct MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
        }
        offset += count
        return count
    }
}

/// A byte source over blocks that another thread reads ahead (a gzip file inflated on its own
/// thread): `nextBlock` waits for the next block, returns nil at the end, and throws the
/// error the other thread met after handing on the bytes before it, as the source itself would.
public struct BlockByteSource: ByteSource {
    private let nextBlock: () throws(InputError) -> [UInt8]?
    private var block: [UInt8] = []
    private var position = 0

    public init(nextBlock: @escaping () throws(InputError) -> [UInt8]?) { self.nextBlock = nextBlock }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard buffer.count > 0 else { return 0 }
        while position == block.count {
            guard let next = try nextBlock() else { return 0 }
            block = next
            position = 0
        }
        let count = min(buffer.count, block.count - position)
        block.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<position + count]))
        }
        position += count
        return count
    }
}
