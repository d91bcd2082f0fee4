import AuditreeSystem

/// An exclusive lock on a checkpoint, held from before it is read until after it is written, so
/// two overlapping runs (a slow nightly scan and the next one) cannot both resume from it and
/// report the same findings. It is `flock` on `CHECKPOINT.lock` beside it: the kernel drops
/// it when the holder exits, killed or not, so a stale lock file never blocks anyone.
public final class CheckpointLock {
    private let file: LockFile
    public let path: String

    /// Takes the lock, waiting up to `timeout` seconds for a run that holds it.
    public init(checkpoint: String, timeout: Double) throws(CheckpointLockError) {
        path = checkpoint + ".lock"
        // 0600: the lock file is empty, but it sits among files holding audit data.
        do { file = try LockFile(path: path, timeout: timeout) } catch {
            switch error {
            case .system(let code): throw .cannotOpen(path: path, reason: systemErrorText(code))
            case .busy: throw .busy(path: path, waited: timeout)
            }
        }
    }
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

extension Double {
    fileprivate var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}
