import AuditreeParser

/// What the process tree reads of an event besides its SYSCALL record: where and when it
/// happened, and the task's command line as the kernel cached it.
public protocol ProcessEvent {
    var node: String? { get }
    var stamp: EventStamp { get }
    /// Where the SYSCALL record is.
    var location: LogLocation { get }
    var proctitle: Proctitle? { get }
}

extension AuditEvent: ProcessEvent {}

/// An event of a call that only updates the tree (clone, exit_group, any call but an exec),
/// made of a SYSCALL record and its PROCTITLE and nothing else: the assembler hands the tree
/// these fields without building an `AuditEvent` (`EventAssembler.add(_:file:origin:emit:update:)`).
/// Most events of a log that audits process creation are such: three per process.
public struct TreeUpdate: ProcessEvent, Sendable {
    public var node: String?
    public var stamp: EventStamp
    public var location: LogLocation
    public var syscall: SyscallRecord
    public var proctitle: Proctitle?
}
