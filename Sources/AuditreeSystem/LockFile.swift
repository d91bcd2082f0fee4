#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive `flock(2)` on a file, held until the value is released; the kernel drops it
/// when the holder exits, killed or not.
public final class LockFile {
    public enum Failure: Error, Equatable {
        /// The file cannot be opened or locked: the errno.
        case system(Int32)
        /// Another process held the lock for the whole timeout.
        case busy
    }

    private let descriptor: Int32

    /// Opens (creating it 0600) and locks `path`, retrying every 50 ms for up to `timeout` seconds.
    public init(path: String, timeout: Double) throws(Failure) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system(errno) }
        let deadline = CalendarTime.monotonicSeconds() + max(timeout, 0)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(fd)
                throw .system(code)
            }
            if CalendarTime.monotonicSeconds() >= deadline {
                close(fd)
                throw .busy
            }
            usleep(50_000)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
