#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive lock on a checkpoint, held from before it is read until after it is written, so
/// two overlapping runs (a slow nightly scan and the next one) cannot both resume from it and
/// report the same findings. It is `flock` on `CHECKPOINT.lock` beside it: the kernel drops
/// it when the holder exits, killed or not, so a stale lock file never blocks anyone.
public final class CheckpointLock {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock, waiting up to `timeout` seconds for a run that holds it.
    public init(checkpoint: String, timeout: Double) throws(CheckpointLockError) {
        path = checkpoint + ".lock"
        // 0600: the lock file is empty, but it sits among files holding audit data.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let deadline = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + max(timeout, 0)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(fd)
                throw .cannotOpen(path: path, reason: String(cString: strerror(code)))
            }
            clock_gettime(CLOCK_MONOTONIC, &now)
            if Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 >= deadline {
                close(fd)
                throw .busy(path: path, waited: timeout)
            }
            usleep(50_000)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}

public enum CheckpointLockError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case busy(path: String, waited: Double)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): error: cannot lock the checkpoint: \(reason)"
        case .busy(let path, let waited):
            "\(path): error: another auditree run holds this checkpoint (waited \(waited.formatted) s); "
                + "nothing was read: run again when it has finished, or raise --lock-timeout"
        }
    }
}

private extension Double {
    var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}
