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

    init(origin: Origin, exe: LogString?, comm: LogString?, argv: ArgumentVector, cwd: LogString?, uid: UInt32?, euid: UInt32?,
         auid: UInt32?, ses: UInt32?, tty: LogString?, key: LogString?, userName: String?, loginUserName: String?, node: String?,
         stamp: EventStamp, location: LogLocation) {
        self.origin = origin
        self.exe = exe
        self.comm = comm
        self.argv = argv
        self.cwd = cwd
        self.uid = uid
        self.euid = euid
        self.auid = auid
        self.ses = ses
        self.tty = tty
        self.key = key
        self.userName = userName
        self.loginUserName = loginUserName
        self.node = node
        self.stamp = stamp
        self.location = location
    }

    // Borrowed, not owned (an initializer's default): the caller would copy the whole event
    // and its syscall record (retaining everything they hold) only for this to read a few fields.
    init(origin: Origin, event: borrowing AuditEvent, syscall: borrowing SyscallRecord) {
        self.origin = origin
        exe = syscall.exe
        comm = syscall.comm
        argv = origin == .exec ? Self.commandLine(of: event) : ArgumentVector(arguments: [], isComplete: false)
        cwd = origin == .exec ? event.cwd : nil
        uid = syscall.uid
        euid = syscall.euid
        auid = syscall.auid
        ses = syscall.ses
        tty = syscall.tty
        key = syscall.key
        userName = syscall.userName
        loginUserName = syscall.loginUserName
        node = event.node
        stamp = event.stamp
        location = event.location
    }

    /// EXECVE arguments; PROCTITLE only when no EXECVE was logged (it is cached
    /// per task, so after a same-pid exec it shows the first command line).
    private static func commandLine(of event: AuditEvent) -> ArgumentVector {
        if !event.execve.isEmpty { return event.arguments }
        if let title = event.proctitle?.arguments, !title.isEmpty { return ArgumentVector(arguments: title, isComplete: false) }
        return ArgumentVector(arguments: [], isComplete: false)
    }
}
