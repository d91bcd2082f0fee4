import AuditreeBase
import AuditreeEvents
import AuditreeParser

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
/// vfork/clone return, a worker's first own record) are known by then, or once
/// `maxWaiting` execs or new processes came after them: the records that matter
/// follow within milliseconds, so only a burst no host sustains is judged early,
/// and memory stays bounded whatever rate of execs a log shows.
///
/// Memory stays bounded by the live processes: nodes hold parents, not
/// children; each keeps its last few images; the pid table forgets the
/// processes seen longest ago beyond `maxProcessesPerHost`, and then the links
/// above `lineageReach` generations of every process still in a table, waiting
/// for the rules or claimable by a finding are cut, so exited generations of a
/// fork chain are freed (`pruneAncestors`).
public final class ProcessTree {
    package static let maxDepth = 128
    static let maxImagesPerProcess = 16
    /// Nested Sigma findings one process is followed for at most (the nearest ones): each one
    /// more costs every exec below them one more entry, and only a forged log nests this deep.
    package static let maxWatches = 16
    /// Generations above a process that anything may still read: a lineage lists at most
    /// `ProcessReference.maxEntries` entries (one generation or more each), and the last one's
    /// inherited image reads one generation further.
    static let lineageReach = ProcessReference.maxEntries + 2
    /// Nodes with a parent link that `pruneAncestors` cut, over the scan (for tests).
    public private(set) var prunedLinks = 0
    private var prunePass = 0

    /// A successful exec that is ready for the rules.
    public struct ExecReady {
        public let process: ProcessReference
        public let imageNumber: Int
        /// The exec happened below a finding's shell: it is that finding's story.
        public var isInsideFinding: Bool {
            guard let collector = process.node.collector else { return false }
            return imageNumber >= process.node.collectorFromImage || collector.shellID != process.id
        }
    }

    public var evaluationDelay: Int64 {
        get { delay }
        set { delay = newValue }
    }
    public var maxProcessesPerHost: Int {
        get { processLimit }
        set { processLimit = newValue }
    }
    /// Execs waiting for the rules, and processes kept for a finding to claim, beyond which the
    /// oldest go on before `evaluationDelay` (docs/hostile-input.md, "Report size and memory").
    public var maxWaiting: Int {
        get { waitingLimit }
        set { waitingLimit = newValue }
    }
    // Stored privately: a public stored property is checked for exclusivity at run time on
    // every read (`swift_beginAccess`), a private one that nothing else can reach is not.
    private var delay: Int64
    private var processLimit: Int
    private var waitingLimit: Int
    public var onExec: (ProcessTree, ExecReady) -> Void {
        get { execHandler }
        set {
            // Swapped in, the old closure released after (see `withQueue`).
            var handler = newValue
            swap(&handler, &execHandler)
        }
    }
    private var execHandler: (ProcessTree, ExecReady) -> Void = { _, _ in }
    public var execCount: Int { execs }
    private var execs = 0

    /// One pid table per `node=` host; the last one used is kept at hand (logs rarely switch hosts)
    /// and handed down through one event's work, which never changes host.
    private final class HostTable {
        let name: String?
        private(set) var processes: PidTable
        /// Set by the first fork/clone record: this host's log audits process creation, so a
        /// reused pid comes with a fork record of its own.
        var forksAudited = false
        /// How this host's kernel shows PROCTITLE after a same-pid exec: nil until the log shows
        /// it, true when it shows the new command line, false when it keeps the task's first.
        var freshTitles: Bool?

        init(name: String?, hash: TableHash) {
            self.name = name
            processes = PidTable(hash: hash)
        }

        /// Enters `node` under its pid and hands back the process that had it. The table is
        /// worked on outside its property, and what it replaces released by the caller: an
        /// access that lasts through a release is checked at run time (see `withQueue`).
        func insert(_ node: ProcessNode) -> ProcessNode? {
            var table = PidTable.standIn(hash: processes.hash)
            swap(&table, &processes)
            let replaced = table.insert(node)
            swap(&table, &processes)
            return replaced
        }

        /// Puts `table` in place of the processes (the old table released by the caller's `table`).
        func replaceProcesses(_ table: inout PidTable) { swap(&table, &processes) }
    }
    private var tables: [String?: HostTable] = [:]
    private var lastHost: (name: String?, table: HostTable)?
    private let hash = TableHash()

    private func table(_ host: String?) -> HostTable {
        if let last = lastHost, last.name == host { return last.table }
        let table = tables[host] ?? HostTable(name: host, hash: hash)
        tables[host] = table
        lastHost = (host, table)
        return table
    }
    private var queue = ExecQueue()
    private var highWater = Int64.min
    private var nextID = 0

    public init(evaluationDelay: Int64 = 5_000, maxProcessesPerHost: Int = 65_536, maxWaiting: Int = 65_536) {
        delay = evaluationDelay
        processLimit = maxProcessesPerHost
        waitingLimit = maxWaiting
    }

    /// Execs waiting for the rules, and processes a finding may still claim (for tests).
    package var waiting: (execs: Int, claimable: Int) { withQueue { ($0.waitingExecs, $0.claimableCount) } }

    /// Works on the queue moved out of its property. Growing and trimming its arrays releases,
    /// and a release may run any deinit: an access to the property that lasted through one would
    /// be checked at run time (`swift_beginAccess`), where two swaps are checked when compiled.
    /// Nothing here calls out (the rules run between two uses), so nothing sees it away.
    private func withQueue<Result>(_ body: (inout ExecQueue) -> Result) -> Result {
        var taken = ExecQueue()
        swap(&taken, &queue)
        defer { swap(&taken, &queue) }
        return body(&taken)
    }

    public func ingest(_ event: AuditEvent) {
        guard let syscall = event.syscall, !event.isDaemon else { return }
        if syscall.syscall.isExec && (syscall.success ?? true) {
            recordExec(event, syscall, event.stamp.time, in: table(event.node))
            advance(to: event.stamp.time)
        } else {
            learn(from: event, syscall)
        }
    }

    /// An event of a call that only updates the tree (never an exec: `EventAssembler` makes
    /// these), handed over without an `AuditEvent`: learnt as `ingest(_:)` learns the event.
    public func ingest(_ update: TreeUpdate) { learn(from: update, update.syscall) }

    /// What a SYSCALL record other than a successful exec teaches.
    private func learn(from event: borrowing some ProcessEvent, _ syscall: borrowing SyscallRecord) {
        let time = event.stamp.time
        let succeeded = syscall.success ?? true
        let hosts = table(event.node)
        if syscall.syscall.isFork && succeeded, let child = syscall.exit, child > 0, child <= Int64(Int32.max),
            !isThreadClone(syscall)
        {
            hosts.forksAudited = true
            recordFork(event, syscall, child: Int(child), time, in: hosts)
        } else {
            let node = observe(event, syscall, time, in: hosts)
            // A failed exec (PATH search) is the same task trying again; exit_group ends the process.
            if syscall.syscall.isExec { node.lastFailedExec = time }
            if syscall.syscall == .exitGroup { node.exited = true }
        }
        advance(to: time)
    }

    /// The log's clock moved to `time`: execs the delay has passed go to the rules.
    private func advance(to time: Int64) {
        if time > highWater { highWater = time }
        releaseReady(upTo: highWater - evaluationDelay)
    }

    /// The process `pid` on `host` is as the tree knows it now (after the event just ingested),
    /// nil when the log never described it.
    package func process(host: String?, pid: Int) -> ProcessReference? {
        tables[host]?.processes[pid].map(ProcessReference.init)
    }

    /// Hands every exec still waiting to the rules (end of input).
    public func finish() { releaseReady(upTo: .max) }

    /// The pid tables, for a checkpoint.
    func tablesForSaving() -> [(String?, [Int: ProcessNode])] {
        tables.map { host, table in
            (host, Dictionary(uniqueKeysWithValues: table.processes.nodes.map { ($0.pid, $0) }))
        }
    }

    /// A process restored from a checkpoint, entered in its host's table.
    func adopt(host: String?, pid: Int, ppid: Int?, time: Int64) -> ProcessNode {
        let node = makeNode(host: host, pid: pid, ppid: ppid, time: time)
        insert(node, into: table(host))
        return node
    }

    /// Starts observing an exec's descendants: it and everything created below it from now
    /// on, and in the delay already passed, is collected (the rules use it for a finding's story).
    package func observeDescendants(of ready: ExecReady, limit descendantLimit: Int) -> DescendantCollector {
        let shell = ready.process.node
        let collector = DescendantCollector(shellID: shell.id, limit: descendantLimit)
        shell.collector = collector
        shell.collectorFromImage = ready.imageNumber + 1
        shell.collectorDepth = 0
        for number in (ready.imageNumber + 1)..<max(ready.imageNumber + 1, shell.imageCount) {
            if let image = shell.image(number) { collector.add(shell, image: image, depth: 0) }
        }
        // Recent processes are in creation order, so parents are claimed before their children.
        for node in withQueue({ $0.claimable }) where node !== shell { node.inheritCollector() }
        return collector
    }

    /// Follows what an exec's process runs from now on, and what it created in the delay already
    /// passed, for a finding that claims nothing (a Sigma finding): unlike `observeDescendants`,
    /// the rules still judge every exec below it, and several such findings may follow one
    /// process (the nearest `maxWatches`).
    package func watchDescendants(of ready: ExecReady, limit descendantLimit: Int) -> DescendantCollector {
        let process = ready.process.node
        let collector = DescendantCollector(shellID: process.id, limit: descendantLimit)
        process.watch(collector, fromImage: ready.imageNumber + 1)
        // Only a process linked below this one can join, then its own children: without one, no
        // recent process is a descendant (most Sigma findings are leaves such as `id` or `curl`).
        guard process.hasLinkedChild else { return collector }
        // Recent processes are in creation order, so parents join before their children.
        for node in withQueue({ $0.claimable }) where node !== process { node.inheritWatch(of: collector) }
        return collector
    }

    /// Follows what a process runs after the event just ingested (its later execs and the
    /// processes it creates from now on), for a Sigma finding on that event.
    package func watchDescendants(of process: ProcessReference, limit descendantLimit: Int) -> DescendantCollector {
        let collector = DescendantCollector(shellID: process.node.id, limit: descendantLimit)
        process.node.watch(collector, fromImage: process.node.imageCount)
        return collector
    }

    // MARK: Learning from records

    private func recordExec(_ event: AuditEvent, _ syscall: SyscallRecord, _ time: Int64, in hosts: HostTable) {
        let image = ProcessImage(origin: .exec, event: event, syscall: syscall)
        let node: ProcessNode
        let found = hosts.processes[syscall.pid]
        let reused: Bool
        if let existing = found, isReused(existing, by: image, title: event.proctitle, time: time, in: hosts) {
            node = newInstance(pid: syscall.pid, ppid: syscall.ppid, time: time, in: hosts)
            reused = true
        } else {
            node = instance(found, pid: syscall.pid, ppid: syscall.ppid, title: nil, time: time, in: hosts)
            reused = false
        }
        if reused || !node.hasTaskTitle || hosts.freshTitles == true {
            node.setTaskTitle(raw: event.proctitle?.raw, isHex: event.proctitle?.isHex ?? false)
        }
        node.lastFailedExec = nil
        let number = node.append(image)
        node.lastSeen = time
        execs += 1
        withQueue { $0.append(exec: node, image: number, time: time) }
    }

    private func recordFork(
        _ event: borrowing some ProcessEvent, _ syscall: borrowing SyscallRecord, child pid: Int, _ time: Int64,
        in hosts: HostTable
    ) {
        let parent = observe(event, syscall, time, in: hosts)
        // With vfork/posix_spawn the child's exec is often logged before the parent's fork returns.
        if let existing = hosts.processes[pid], !existing.forkLinked,
            existing.firstSeen >= time - evaluationDelay,
            existing.ppid == nil || existing.ppid == parent.pid
        {
            existing.forkLinked = true
            existing.ppid = parent.pid
            existing.link(to: parent, time: time)
            return
        }
        let child = makeNode(host: hosts.name, pid: pid, ppid: parent.pid, time: time)
        child.forkLinked = true
        child.link(to: parent, time: time)
        insert(child, into: hosts)
    }

    /// Makes the process of a record known and returns it.
    @discardableResult
    private func observe(
        _ event: borrowing some ProcessEvent, _ syscall: borrowing SyscallRecord, _ time: Int64, in hosts: HostTable
    ) -> ProcessNode {
        let node = instance(
            hosts.processes[syscall.pid], pid: syscall.pid, ppid: syscall.ppid, title: event.proctitle, time: time,
            in: hosts)
        if !node.lastImageRuns(syscall.exe) {
            let origin: ProcessImage.Origin =
                !node.isKnown && runsParentImage(node, exe: syscall.exe) ? .inherited : .observed
            node.append(ProcessImage(origin: origin, seenIn: event, syscall: syscall))
        }
        node.lastSeen = time
        return node
    }

    /// A forked child runs its parent's image until it execs; a record it makes
    /// meanwhile shows that image, which must not pass for a same-pid exec of
    /// the parent's program.
    private func runsParentImage(_ node: ProcessNode, exe: LogString?) -> Bool {
        guard let parent = node.parent, node.parentImageCount > 0,
            node.parentImageCount - 1 >= parent.droppedImages
        else { return false }
        return parent.exe(ofImage: node.parentImageCount - 1) == exe
    }

    /// The live process with this pid, or a new one when the pid was reused.
    ///
    /// A different cached PROCTITLE is a different task. Otherwise same pid and
    /// same ppid is the same process (a same-pid exec keeps its parent); a
    /// different ppid means the pid was reused, unless the process's fork was
    /// logged (then it was re-parented). A placeholder (a pid known only as a
    /// ppid) is adopted by the first record of that pid. `found` is the table's process for `pid`.
    private func instance(
        _ found: ProcessNode?, pid: Int, ppid: Int?, title: Proctitle?, time: Int64, in hosts: HostTable
    ) -> ProcessNode {
        let node = matchingInstance(found, pid: pid, ppid: ppid, title: title, time: time, in: hosts)
        if !node.hasTaskTitle, let title { node.setTaskTitle(raw: title.raw, isHex: title.isHex) }
        return node
    }

    private func matchingInstance(
        _ found: ProcessNode?, pid: Int, ppid: Int?, title: Proctitle?, time: Int64, in hosts: HostTable
    ) -> ProcessNode {
        // A kernel that caches PROCTITLE per task: another value is another task, whatever the ppid says.
        if let existing = found, hosts.freshTitles != true, let title,
            existing.taskTitle(differsFrom: title)
        {
            return newInstance(pid: pid, ppid: ppid, time: time, in: hosts)
        }
        if let existing = found {
            // A process whose fork was logged keeps its creator when re-parented
            // (its parent exited); a reused pid would have come with a new fork record.
            if existing.forkLinked, let ppid, existing.ppid != ppid {
                existing.ppid = ppid
                return existing
            }
            if existing.ppid == nil || ppid == nil || existing.ppid == ppid {
                if existing.ppid == nil, let ppid {
                    existing.ppid = ppid
                    if existing.parent == nil {
                        existing.link(to: parentNode(pid: ppid, time: time, in: hosts), time: time)
                    }
                }
                return existing
            }
        }
        return newInstance(pid: pid, ppid: ppid, time: time, in: hosts)
    }

    /// Whether a successful exec of the pid of `existing` starts a new process (a reused pid)
    /// rather than replacing the image of the same one. Evidence, strongest first:
    /// 1. the process exited (exit_group) since: a new process;
    /// 2. an exec of an exe and argv this pid already ran: a new process (a host or a replayed
    ///    log bringing the same command back under the same pid; re-exec'ing itself identically is rare);
    /// 3. failed execs by this pid just before (a PATH search), or a fork-audited log that showed
    ///    no new fork of the pid: the same task. This also tells how the kernel shows PROCTITLE;
    /// 4. PROCTITLE: equal to the one the task showed, the same task; a title that is not the new
    ///    command line is a cached one, so another value is another task; a title that is the new
    ///    command line says nothing on a kernel that shows fresh titles, and is a new task's first
    ///    title on one that caches them (the default until the log shows otherwise);
    /// 5. otherwise the ppid decides (`matchingInstance`).
    private func isReused(
        _ existing: ProcessNode, by image: borrowing ProcessImage, title: Proctitle?, time: Int64,
        in hostTable: HostTable
    ) -> Bool {
        if existing.exited { return true }
        if existing.hasExecuted(image) { return true }
        let failedJustBefore = existing.lastFailedExec.map { time - $0 <= 2_000 } ?? false
        let noForkSince = hostTable.forksAudited && existing.forkLinked
        // Whether the title shows the new command line is asked only where a title differs
        // from the task's: most execs of a known task show the same one.
        if failedJustBefore || noForkSince {
            if let title, existing.taskTitle(differsFrom: title), existing.isKnown {
                hostTable.freshTitles = Self.title(title, shows: image.argv)
            }
            return false
        }
        guard let title, existing.taskTitle(differsFrom: title) else { return false }
        if !Self.title(title, shows: image.argv) { return true }
        return hostTable.freshTitles != true
    }

    /// Whether a PROCTITLE is (the start of) this command line: the kernel cuts it to 128 bytes.
    static func title(_ title: Proctitle, shows argv: ArgumentVector) -> Bool {
        var shown = title.bytes
        while shown.last == 0 { shown.removeLast() }
        guard !shown.isEmpty else { return false }
        // The command line joined with NUL, only as far as the title reaches (a NUL after the
        // last argument cannot match: the title's trailing NULs are gone).
        var full: [UInt8] = []
        full.reserveCapacity(shown.count + 1)
        for argument in argv.arguments {
            if full.count >= shown.count { break }
            full.append(contentsOf: argument.bytes)
            full.append(0)
        }
        return full.starts(with: shown)
    }

    private func newInstance(pid: Int, ppid: Int?, time: Int64, in hosts: HostTable) -> ProcessNode {
        let node = makeNode(host: hosts.name, pid: pid, ppid: ppid, time: time)
        if let ppid { node.link(to: parentNode(pid: ppid, time: time, in: hosts), time: time) }
        insert(node, into: hosts)
        return node
    }

    /// The process a ppid names right now, or a placeholder for a pid the log never described.
    private func parentNode(pid: Int, time: Int64, in hosts: HostTable) -> ProcessNode {
        if let existing = hosts.processes[pid] { return existing }
        let placeholder = makeNode(host: hosts.name, pid: pid, ppid: nil, time: time)
        insert(placeholder, into: hosts)
        return placeholder
    }

    private func makeNode(host: String?, pid: Int, ppid: Int?, time: Int64) -> ProcessNode {
        defer { nextID += 1 }
        let node = ProcessNode(id: nextID, host: host, pid: pid, ppid: ppid, time: time)
        withQueue { $0.created(node) }
        return node
    }

    private func insert(_ node: ProcessNode, into hostTable: HostTable) {
        _ = hostTable.insert(node)
        if hostTable.processes.count > maxProcessesPerHost { forgetOldest(hostTable) }
    }

    /// Drops the quarter of a host's table seen longest ago. Processes still
    /// referred to (as parents of live ones, or by findings) stay in memory;
    /// only the pid table forgets them.
    private func forgetOldest(_ table: HostTable) {
        let keep = maxProcessesPerHost * 3 / 4
        let byAge = table.processes.nodes.sorted { ($0.lastSeen, $0.id) > ($1.lastSeen, $1.id) }
        var kept = PidTable(hash: hash, capacity: keep)
        for node in byAge.prefix(keep) { kept.insert(node) }
        table.replaceProcesses(&kept)
        pruneAncestors()
    }

    /// Cuts the parent links nothing can follow any more. A process can still be asked
    /// about when it is in a pid table (a record can name it), waits for the rules, or was
    /// created in the last `evaluationDelay` (a finding may claim it); the rules and reports
    /// read at most `lineageReach` generations above it. Every such process marks that many
    /// generations above itself; a marked node whose parent nobody marked loses the link, and
    /// the generations above are freed once nothing else holds them.
    private func pruneAncestors() {
        prunePass += 1
        let pass = prunePass
        var reachable: [ProcessNode] = []
        for table in tables.values { reachable += table.processes.nodes }
        reachable += withQueue { $0.waitingProcesses }
        reachable += withQueue { $0.claimable }
        // Older first: a parent is then marked before its children, whose walks stop at once.
        reachable.sort { $0.id < $1.id }
        var marked: [ProcessNode] = []
        for node in reachable {
            var cursor: ProcessNode? = node
            var left = Self.lineageReach
            while let current = cursor {
                if current.reachPass == pass {
                    if current.reachLeft >= left { break }
                } else {
                    current.reachPass = pass
                    marked.append(current)
                }
                current.reachLeft = left
                guard left > 0 else { break }
                left -= 1
                cursor = current.parent
            }
        }
        for node in marked {
            if let parent = node.parent, parent.reachPass != pass {
                node.forgetParent()
                prunedLinks += 1
            }
        }
    }

    /// clone(2) with CLONE_THREAD makes a thread, not a process. clone3 keeps its
    /// flags in memory the log does not show, so its children are kept as processes.
    private func isThreadClone(_ syscall: SyscallRecord) -> Bool {
        guard syscall.syscall == .clone, let flags = syscall.a0 else { return false }
        return flags & 0x10000 != 0
    }

    private func releaseReady(upTo limit: Int64) {
        let maxWaiting = self.maxWaiting
        // One exec at a time: the rules may call back (`observeDescendants` reads the queue).
        while let (node, image) = withQueue({ $0.nextDue(upTo: limit, maxWaiting: maxWaiting) }) {
            execHandler(self, ExecReady(process: ProcessReference(node), imageNumber: image))
        }
        withQueue { $0.settle(upTo: limit, maxWaiting: maxWaiting) }
    }
}
