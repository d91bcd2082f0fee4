/// Rebuilds processes from audit events, in log order.
///
/// Every SYSCALL record teaches something: an exec adds an image to its pid's
/// history, a fork/clone links a child to its creator (even if the child is
/// later re-parented), and any other record makes its process known. Parents
/// are resolved when the child appears, so a pid reused later never rewrites
/// history. A pid seen only as someone's ppid becomes an unknown placeholder.
///
/// Execs are handed to `onExec` only once the log has moved `evaluationDelay`
/// past them, so that records written after the child's exec (the parent's
/// vfork/clone return, a worker's first own record) are known by then.
public final class ProcessTree {
    static let maxDepth = 128

    /// A successful exec that is ready for the rules.
    public struct ExecReady {
        public let process: ProcessReference
        public let imageIndex: Int
    }

    public var evaluationDelay: Int64
    public var onExec: (ExecReady) -> Void = { _ in }
    public private(set) var execCount = 0
    public private(set) var duplicateEvents = 0

    private var tables: [String?: [Int: ProcessNode]] = [:]
    private var seen: Set<EventKey> = []
    private var pending: [(node: ProcessNode, imageIndex: Int, time: Int64)] = []
    private var pendingHead = 0
    private var highWater = Int64.min
    private var nextID = 0

    private struct EventKey: Hashable {
        var node: String?
        var stamp: EventStamp
    }

    public init(evaluationDelay: Int64 = 5_000) {
        self.evaluationDelay = evaluationDelay
    }

    public func ingest(_ event: AuditEvent) {
        guard let syscall = event.syscall, !event.isDaemon else { return }
        // The same event twice (a file concatenated with itself, overlapping rotations) is counted once.
        guard seen.insert(EventKey(node: event.node, stamp: event.stamp)).inserted else {
            duplicateEvents += 1
            return
        }
        let time = event.stamp.time
        let succeeded = syscall.success ?? true
        if syscall.syscall.isExec && succeeded {
            recordExec(event, syscall, time)
        } else if syscall.syscall.isFork && succeeded, let child = syscall.exit, child > 0, child <= Int64(Int32.max),
                  !isThreadClone(syscall) {
            recordFork(event, syscall, child: Int(child), time)
        } else {
            observe(event, syscall, time)
        }
        if time > highWater { highWater = time }
        releaseReady(upTo: highWater - evaluationDelay)
    }

    /// Hands every exec still waiting to the rules (end of input).
    public func finish() { releaseReady(upTo: .max) }

    // MARK: Learning from records

    private func recordExec(_ event: AuditEvent, _ syscall: SyscallRecord, _ time: Int64) {
        let node = instance(host: event.node, pid: syscall.pid, ppid: syscall.ppid, time: time)
        node.images.append(ProcessImage(origin: .exec, event: event, syscall: syscall))
        node.lastSeen = time
        execCount += 1
        pending.append((node, node.images.count - 1, time))
    }

    private func recordFork(_ event: AuditEvent, _ syscall: SyscallRecord, child pid: Int, _ time: Int64) {
        let parent = observe(event, syscall, time)
        var table = tables[event.node, default: [:]]
        defer { tables[event.node] = table }
        // With vfork/posix_spawn the child's exec is often logged before the parent's fork returns.
        if let existing = table[pid], !existing.forkLinked, existing.firstSeen >= time - evaluationDelay,
           existing.ppid == nil || existing.ppid == parent.pid {
            existing.forkLinked = true
            existing.ppid = parent.pid
            existing.link(to: parent)
            return
        }
        let child = makeNode(host: event.node, pid: pid, ppid: parent.pid, time: time)
        child.forkLinked = true
        child.link(to: parent)
        table[pid] = child
    }

    /// Makes the process of a record known and returns it.
    @discardableResult
    private func observe(_ event: AuditEvent, _ syscall: SyscallRecord, _ time: Int64) -> ProcessNode {
        let node = instance(host: event.node, pid: syscall.pid, ppid: syscall.ppid, time: time)
        if node.images.last.map({ $0.exe != syscall.exe }) ?? true {
            let origin: ProcessImage.Origin = node.images.isEmpty && runsParentImage(node, exe: syscall.exe) ? .inherited : .observed
            node.images.append(ProcessImage(origin: origin, event: event, syscall: syscall))
        }
        node.lastSeen = time
        return node
    }

    /// A forked child runs its parent's image until it execs; a record it makes
    /// meanwhile shows that image, which must not pass for a same-pid exec of
    /// the parent's program.
    private func runsParentImage(_ node: ProcessNode, exe: LogString?) -> Bool {
        guard let parent = node.parent, node.parentImageCount > 0 else { return false }
        return parent.images[node.parentImageCount - 1].exe == exe
    }

    /// The live process with this pid, or a new one when the pid was reused.
    ///
    /// Same pid and same ppid is the same process (a same-pid exec keeps its
    /// parent); a different ppid means the pid was reused, unless the process's
    /// fork was logged (then it was re-parented). A placeholder (a pid
    /// known only as a ppid) is adopted by the first record of that pid.
    private func instance(host: String?, pid: Int, ppid: Int?, time: Int64) -> ProcessNode {
        if let existing = tables[host]?[pid] {
            // A process whose fork was logged keeps its creator when re-parented
            // (its parent exited); a reused pid would have come with a new fork record.
            if existing.forkLinked, let ppid, existing.ppid != ppid {
                existing.ppid = ppid
                return existing
            }
            if existing.ppid == nil || ppid == nil || existing.ppid == ppid {
                if existing.ppid == nil, let ppid {
                    existing.ppid = ppid
                    if existing.parent == nil { existing.link(to: parentNode(host: host, pid: ppid, time: time)) }
                }
                return existing
            }
        }
        let node = makeNode(host: host, pid: pid, ppid: ppid, time: time)
        tables[host, default: [:]][pid] = node
        if let ppid { node.link(to: parentNode(host: host, pid: ppid, time: time)) }
        return node
    }

    /// The process a ppid names right now, or a placeholder for a pid the log never described.
    private func parentNode(host: String?, pid: Int, time: Int64) -> ProcessNode {
        if let existing = tables[host]?[pid] { return existing }
        let placeholder = makeNode(host: host, pid: pid, ppid: nil, time: time)
        tables[host, default: [:]][pid] = placeholder
        return placeholder
    }

    private func makeNode(host: String?, pid: Int, ppid: Int?, time: Int64) -> ProcessNode {
        defer { nextID += 1 }
        return ProcessNode(id: nextID, host: host, pid: pid, ppid: ppid, time: time)
    }

    /// clone(2) with CLONE_THREAD makes a thread, not a process. clone3 keeps its
    /// flags in memory the log does not show, so its children are kept as processes.
    private func isThreadClone(_ syscall: SyscallRecord) -> Bool {
        guard syscall.syscall == .clone, let flags = syscall.a0 else { return false }
        return flags & 0x10000 != 0
    }

    private func releaseReady(upTo limit: Int64) {
        while pendingHead < pending.count, pending[pendingHead].time <= limit {
            let item = pending[pendingHead]
            pendingHead += 1
            onExec(ExecReady(process: ProcessReference(item.node), imageIndex: item.imageIndex))
        }
        if pendingHead > 1024 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }
}
