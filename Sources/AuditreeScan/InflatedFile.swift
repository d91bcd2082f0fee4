import AuditreeInput
import Foundation

/// A gzip file inflated on its own thread, ahead of the scan that reads it (`InflateAhead`).
///
/// The thread opens the file, inflates it in blocks of `blockSize` bytes and queues them; at
/// most `blocksAhead` wait, then it blocks, so a file inflated ahead holds at most that much
/// memory however large it is. The scan first asks how the opening went (`opening`), then
/// reads the bytes through `byteSource()`, on any one thread, and finally `close()`s it.
final class InflatedFile: Sendable {
    enum Opening: Sendable, Equatable {
        /// Opened and inflating; the open file's device and inode.
        case opened(OpenFileIdentity?)
        /// Opened, but the gzip stream cannot start: reading it fails with this error.
        case cannotInflate(OpenFileIdentity?, InputError)
        /// Not opened (gone, unreadable): the scan opens it itself and reports what is wrong.
        case notOpened
    }

    private enum Entry: Sendable {
        case opening(Opening)
        case bytes([UInt8])
        /// Met after the bytes before it were queued; reading ends with it.
        case failed(InputError)
    }

    private let entries: ChunkQueue<Entry>

    /// Starts inflating `path` on a new thread.
    init(path: String, blockSize: Int, blocksAhead: Int) {
        // The opening, then the blocks.
        let entries = ChunkQueue<Entry>(capacity: max(blocksAhead, 1) + 1)
        self.entries = entries
        let thread = Thread {
            Thread.current.name = "auditree-gunzip"
            Self.inflate(path: path, blockSize: blockSize, into: entries)
            // Only now: the gzip stream and its file are closed.
            entries.producerFinished()
        }
        thread.stackSize = 1 << 21
        thread.start()
    }

    private static func inflate(path: String, blockSize: Int, into entries: ChunkQueue<Entry>) {
        guard let file = try? FileByteSource(path: path) else {
            entries.put(.opening(.notOpened))
            return
        }
        let identity = file.identity
        var source: GzipByteSource
        do { source = try GzipByteSource(file: file) } catch {
            entries.put(.opening(.cannotInflate(identity, error)))
            return
        }
        guard entries.put(.opening(.opened(identity))) else { return }
        while true {
            let block: [UInt8]
            do { block = try source.readBlock(upTo: blockSize) } catch {
                entries.put(.failed(error))
                return
            }
            guard !block.isEmpty, entries.put(.bytes(block)) else { return }
        }
    }

    /// How the thread's opening of the file went, waiting for it. Call it once, before reading.
    func opening() -> Opening {
        guard case .opening(let opening)? = entries.take() else { return .notOpened }
        return opening
    }

    /// The inflated bytes, each block as the thread queued it, waiting for the next.
    func byteSource() -> BlockByteSource {
        BlockByteSource { [entries] () throws(InputError) -> [UInt8]? in
            switch entries.take() {
            case .bytes(let block)?: return block
            case .failed(let error)?: throw error
            case .opening?, nil: return nil
            }
        }
    }

    /// Stops the thread if it is still inflating and waits until it has closed the file.
    func close() { entries.cancelAndWait() }
}

/// The gzipped regular files of a scan, inflated on their own threads ahead of the reader:
/// one file per thread, at most `concurrentFiles` at once (the one being read included), in
/// the scan's order. A rotated set of gzipped logs then inflates in parallel, and a single
/// one inflates beside the threads that read and parse it instead of on the reading thread.
///
/// Used from the scan's thread only: `take` the input being read, `release` it once read.
final class InflateAhead {
    static let blockSize = 1 << 18
    /// 1 MiB per file ahead: enough that the reader never waits on a file that was started early.
    static let blocksAhead = 4

    private let concurrentFiles: Int
    /// Gzipped inputs not started yet (by their place in the scan), in order.
    private var pending: [(input: Int, path: String)]
    /// Started and not yet taken.
    private var started: [Int: InflatedFile] = [:]
    /// Taken and not yet released.
    private var reading = 0

    /// Looks at the first bytes of every regular file in `paths` (standard input and FIFOs are
    /// read as they come) and starts the first `concurrentFiles` gzipped ones.
    init(paths: [String], concurrentFiles: Int) {
        self.concurrentFiles = max(concurrentFiles, 1)
        pending = paths.enumerated().compactMap { input, path in
            path != "-" && InputSet.isRegularFile(path)
                && GzipByteSource.looksCompressed(FileByteSource.head(path: path, count: 2)) ? (input, path) : nil
        }
        startMore()
    }

    private func startMore() {
        while started.count + reading < concurrentFiles, !pending.isEmpty {
            let next = pending.removeFirst()
            started[next.input] = InflatedFile(
                path: next.path, blockSize: Self.blockSize, blocksAhead: Self.blocksAhead)
        }
    }

    /// The input's inflated bytes if it is a gzipped file inflated here; it is then being read
    /// until `release`.
    func take(input: Int) -> InflatedFile? {
        if started[input] == nil, let index = pending.firstIndex(where: { $0.input == input }) {
            // Reached before its turn came (the scan reads in order, so only after a release was missed).
            let next = pending.remove(at: index)
            started[input] = InflatedFile(path: next.path, blockSize: Self.blockSize, blocksAhead: Self.blocksAhead)
        }
        guard let file = started.removeValue(forKey: input) else { return nil }
        reading += 1
        return file
    }

    /// The scan is done with a taken file: its thread ends and the next file starts.
    func release(_ file: InflatedFile) {
        file.close()
        reading -= 1
        startMore()
    }

    /// Stops every file still inflating (a scan stopped early) and waits for their threads.
    func close() {
        pending = []
        for file in started.values { file.close() }
        started = [:]
    }
}
