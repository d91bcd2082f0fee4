import ArgumentParser
import AuditreeKit
import Synchronization

/// `auditree events`: every reconstructed exec with its resolved ancestry, for other tools.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print every successful exec with its resolved ancestry, one JSON object per line.",
        discussion: """
            Fields follow the Elastic Common Schema where it has a name (process.pid, process.executable, \
            process.args, process.parent.pid, user.id, host.name, @timestamp); auditree's own are under \
            auditree.* (process ids that survive pid reuse, the ancestry nearest first, the log record).

            Filters (--since, --until, --uid/--user, --key, --exe, --comm) keep the execs that \
            match; when they leave none of the execs there were, one line on standard error says \
            so (docs/filters.md).

            Examples:
              auditree events --format ndjson /var/log/audit/ > execs.ndjson
              auditree events --format ndjson audit.log | jq 'select(.process.name == "sh")'
            """)

    @Argument(help: "Audit log files, directories or patterns; '-' reads standard input.")
    var files: [String] = []

    @Option(help: "Output format: ndjson.")
    var format: EventsFormat = .ndjson

    @OptionGroup var host: HostOptions

    @OptionGroup var rules: RuleOptions

    @OptionGroup(title: "Filters (tested on each exec)") var filters: FilterOptions

    func run() throws {
        let filter = try filters.filter()
        // Each exec is written as soon as it is resolved, so memory stays flat however long the log.
        let writer = ExecEventsWriter()
        let written = ExecCount()
        let report = try ForensicScan.run(
            files: files, host: host, rules: rules,
            streaming: { record in
                guard filter.isEmpty || filter.accepts(record), !written.failed.load(ordering: .relaxed) else { return }
                do {
                    try Console.out(writer.line(record))
                    written.value.add(1, ordering: .relaxed)
                } catch {
                    // Lost output fails the run (exit 2), said once.
                    Console.error("\(error)\n")
                    written.failed.store(true, ordering: .relaxed)
                }
            })
        if written.failed.load(ordering: .relaxed) { throw ExitCode(2) }
        do { try Console.flushOut() } catch {
            Console.error(error.description + "\n")
            throw ExitCode(2)
        }
        if !filter.isEmpty, written.value.load(ordering: .relaxed) == 0, report.summary.execs > 0 {
            FilterOptions.noteNothingMatched("exec", filters: filters.given, before: report.summary.execs)
        }
        throw ExitCode(report.inputFailed ? 2 : 0)
    }
}

enum EventsFormat: String, CaseInsensitiveArgument, CaseIterable {
    case ndjson
}

/// `auditree tree`: the process tree, whole or below one process or finding.
struct TreeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Print the reconstructed process tree with each process's execs, users and times.",
        discussion: """
            Without --pid or --finding the whole tree of every host is printed, roots first. \
            Values from the log are escaped; a parent the log never describes is shown as unknown.

            Finding numbers are those 'auditree scan' shows ("finding #N"; "number" in JSON and NDJSON) \
            for the same files and rules: every shell a rule matched, oldest first, counted before \
            grouping and before --since, --until, --node or --pid narrow the report, so each \
            occurrence of a grouped finding has its own number.

            Filters (--since, --until, --uid/--user, --key, --exe, --comm) keep the execs that \
            match, each with the execs of the processes above it; when they leave none, one line \
            on standard error says so (docs/filters.md). They do not renumber findings.

            Examples:
              auditree tree audit.log                  # everything
              auditree tree --pid 4242 audit.log       # the last process with pid 4242 and what it ran
              auditree tree --finding 1 audit.log      # finding #1, its ancestry and below
            """)

    @Argument(help: "Audit log files, directories or patterns; '-' reads standard input.")
    var files: [String] = []

    @Option(
        help:
            "Only the subtree of the last process with this pid (one that exec'd, or a forked process the tree shows above one)."
    )
    var pid: Int?

    @Option(
        help:
            "Only finding number N (as 'auditree scan' numbers them, from 1): every process above its shell, the shell, and all it ran."
    )
    var finding: Int?

    @OptionGroup var rules: RuleOptions

    @OptionGroup var host: HostOptions

    @OptionGroup(title: "Filters (an exec that matches is shown with the execs of the processes above it)") var filters:
        FilterOptions

    func validate() throws {
        if pid != nil && finding != nil { throw ValidationError("--pid and --finding cannot be combined: give one") }
    }

    func run() throws {
        let filter = try filters.filter()
        let report = try ForensicScan.run(files: files, host: host, rules: rules)
        let writer = ProcessTreeWriter()
        var root: Int?
        var marks: [Int: ProcessTreeWriter.Mark] = [:]
        var spawnerMark: (pid: Int, mark: ProcessTreeWriter.Mark)?
        if let pid {
            guard let process = writer.lastProcess(pid: pid, in: report.execs) else {
                throw ValidationError("no process with pid \(pid) in the log's process tree")
            }
            root = process
        } else if let finding {
            // The scan here does not group, so every occurrence is a finding with its own number.
            guard let shell = report.findings.first(where: { $0.number == finding }) else {
                let highest = report.findings.compactMap(\.number).max()
                throw ValidationError(
                    "--finding \(finding): "
                        + (highest.map {
                            "the log's findings are numbered 1 to \($0) (each occurrence of a grouped finding has its own)"
                        }
                            ?? "the log has no findings"))
            }
            guard
                let shellExec = report.execs.first(where: {
                    $0.pid == shell.process.pid && $0.host == shell.host && $0.image.stamp == shell.process.image?.stamp
                })
            else {
                throw ValidationError(
                    "--finding \(finding): its shell (pid \(shell.process.pid)) is not in the log's process tree")
            }
            root = shellExec.processID
            marks[shellExec.processID] = .init(
                stamp: shellExec.image.stamp, note: "finding #\(finding): \(shell.rule.id), the shell")
            if shell.spawnerRelation == .replacedImage {
                marks[shellExec.processID]?.note += " (spawned by its own earlier image)"
            } else {
                spawnerMark = (
                    shell.spawner.pid,
                    .init(
                        stamp: shell.spawner.image?.stamp,
                        note: shell.inference == nil ? "spawner" : "spawner (inferred)")
                )
            }
        }
        let execs = filter.isEmpty ? report.execs : Self.matchingWithAncestors(report.execs, filter)
        try Console.print(
            writer.render(execs, root: root, withAncestors: finding != nil, marks: marks, ancestorMark: spawnerMark))
        if !filter.isEmpty, execs.isEmpty, !report.execs.isEmpty {
            FilterOptions.noteNothingMatched("exec", filters: filters.given, before: report.execs.count)
        }
        throw ExitCode(report.inputFailed ? 2 : 0)
    }
}

extension TreeCommand {
    /// The execs that match, and every exec of the processes above them, in log order: the
    /// tree stays connected and each match keeps its ancestry.
    static func matchingWithAncestors(_ execs: [ExecRecord], _ filter: FindingFilter) -> [ExecRecord] {
        var ancestors: Set<Int> = []
        var matching: Set<Int> = []
        // Kept records' lineages end at the nearest exec'd ancestor: `chain` goes on through its record.
        var byImage: [[ExecRecord].ImageKey: Int] = [:]
        for (index, record) in execs.enumerated() {
            byImage[.init(process: record.processID, stamp: record.image.stamp)] = index
        }
        for (index, record) in execs.enumerated() where filter.accepts(record) {
            matching.insert(index)
            for entry in execs.chain(from: record, byImage: byImage) where entry.generation >= 1 {
                ancestors.insert(entry.processID)
            }
        }
        return execs.enumerated().filter { matching.contains($0.offset) || ancestors.contains($0.element.processID) }
            .map(\.element)
    }
}

/// The execs `events` wrote (the scan hands them on from the calling thread; atomic for Swift 6's checks).
final class ExecCount: Sendable {
    let value = Atomic<Int>(0)
    /// A write to standard output failed: nothing more is written.
    let failed = Atomic<Bool>(false)
}

/// A scan that keeps every exec, for the forensic commands.
enum ForensicScan {
    /// `streaming`: told each exec (with its whole lineage) instead of keeping them in the report.
    static func run(
        files: [String], host: HostOptions, rules: RuleOptions? = nil,
        streaming: (@Sendable (ExecRecord) -> Void)? = nil
    ) throws -> ScanReport {
        var configuration = ScanConfiguration(inputs: try DefaultInput.inputs(for: files))
        try host.apply(to: &configuration)
        if let streaming { configuration.onExecRecord = streaming } else { configuration.collectExecs = true }
        rules?.apply(to: &configuration)
        do {
            return try Scanner.run(configuration) { diagnostic in Console.error(diagnostic.description + "\n") }
        } catch {
            Console.error(error.description + "\n")
            throw ExitCode(2)
        }
    }
}
