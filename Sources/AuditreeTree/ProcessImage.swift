import AuditreeEvents
import AuditreeParser

/// What a process was running during one stretch of its life: from an exec, or
/// as seen in a record it made before any exec of it was logged.
public struct ProcessImage: Sendable {
    public enum Origin: String, Sendable, CaseIterable {
        /// Started by a successful execve/execveat in the log.
        case exec
        /// Known only from another record the process made (fork, failed exec, other syscalls).
        case observed
        /// Seen in a record made by a forked child before it exec'd: the parent's program,
        /// with the child's own ids (a web-server worker running as www-data).
        case inherited
    }

    public var origin: Origin
    public var exe: LogString?
    public var comm: LogString?
    public var argv: ArgumentVector
    public var cwd: LogString?
    public var uid: UInt32?
    public var euid: UInt32?
    public var auid: UInt32?
    public var ses: UInt32?
    public var tty: LogString?
    public var key: LogString?
    public var userName: String?
    public var loginUserName: String?
    public var node: String?
    public var stamp: EventStamp
    public var location: LogLocation
    /// The executed file as the exec's PATH item 0 showed it (inode, device, mode, nametype), when
    /// the scan reads PATH records (a rule judges programs by where they live) and the log has it.
    public var file: PathRecord? = nil
    /// The exec rules' literals found in `exe`, `argv`, `cwd` and the user by the scan's parsing
    /// threads (`AuditEvent.execFieldLiterals`); not looked for when they were not, and the rules
    /// scan the image.
    public var fieldLiterals = FieldLiterals()
}

// In an extension, so the memberwise initializer (no whole-image copy) still exists (docs/performance.md).
extension ProcessImage {
    // Borrowed, not owned (an initializer's default): the caller would copy the whole event
    // and its syscall record (retaining everything they hold) only for this to read a few fields.
    package init(origin: Origin, event: borrowing AuditEvent, syscall: borrowing SyscallRecord) {
        let exec = origin == .exec
        self.init(
            origin: origin, exe: syscall.exe, comm: syscall.comm,
            argv: exec ? Self.commandLine(of: event) : ArgumentVector(arguments: [], isComplete: false),
            cwd: exec ? event.cwd : nil, uid: syscall.uid, euid: syscall.euid, auid: syscall.auid, ses: syscall.ses,
            tty: syscall.tty, key: syscall.key, userName: syscall.userName, loginUserName: syscall.loginUserName,
            node: event.node, stamp: event.stamp, location: event.location,
            file: exec ? event.executableFile : nil,
            fieldLiterals: exec ? event.execFieldLiterals : FieldLiterals())
    }

    /// What a record other than a successful exec shows of its process (`observed`, `inherited`):
    /// its ids and program, no command line, directory or file (as the initializer above gives them).
    package init(origin: Origin, seenIn event: borrowing some ProcessEvent, syscall: borrowing SyscallRecord) {
        self.init(
            origin: origin, exe: syscall.exe, comm: syscall.comm,
            argv: ArgumentVector(arguments: [], isComplete: false),
            cwd: nil, uid: syscall.uid, euid: syscall.euid, auid: syscall.auid, ses: syscall.ses, tty: syscall.tty,
            key: syscall.key, userName: syscall.userName, loginUserName: syscall.loginUserName, node: event.node,
            stamp: event.stamp, location: event.location)
    }

    /// EXECVE arguments; PROCTITLE only when no EXECVE was logged (it is cached
    /// per task, so after a same-pid exec it shows the first command line).
    private static func commandLine(of event: AuditEvent) -> ArgumentVector {
        if event.hasExecve { return event.arguments }
        if let title = event.proctitle?.arguments, !title.isEmpty {
            return ArgumentVector(arguments: title, isComplete: false)
        }
        return ArgumentVector(arguments: [], isComplete: false)
    }
}

extension ProcessImage {
    /// What an event without a SYSCALL record (a user-space message such as SERVICE_STOP) tells of
    /// the process that made it, when the tree never saw that process: where and when, nothing more.
    package init(describedOnlyBy event: borrowing AuditEvent) {
        self.init(
            origin: .observed, exe: nil, comm: nil, argv: ArgumentVector(arguments: [], isComplete: false), cwd: nil,
            uid: nil,
            euid: nil, auid: nil, ses: nil, tty: nil, key: nil, userName: nil, loginUserName: nil, node: event.node,
            stamp: event.stamp, location: event.location)
    }
}
