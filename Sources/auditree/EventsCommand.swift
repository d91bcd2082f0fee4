import ArgumentParser
import AuditreeKit

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

    @OptionGroup(title: "Filters (tested on each exec)") var filters: FilterOptions

    func run() throws {
        let filter = try filters.filter()
        let report = try ForensicScan.run(files: files, host: host, filter: filter)
        let execs = filter.isEmpty ? report.execs : report.execs.filter(filter.accepts)
        Console.out(ExecEventsWriter().render(execs))
        if !filter.isEmpty, execs.isEmpty, !report.execs.isEmpty {
            FilterOptions.noteNothingMatched("exec", filters: filters.given, before: report.execs.count)
        }
        throw ExitCode(report.summary.inputErrors > 0 ? 2 : 0)
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

            Filters (--since, --until, --uid/--user, --key, --exe, --comm) keep the execs that \
            match, each with the execs of the processes above it; when they leave none, one line \
            on standard error says so (docs/filters.md).

            Examples:
              auditree tree audit.log                  # everything
              auditree tree --pid 4242 audit.log       # the last process with pid 4242 and what it ran
              auditree tree --finding 1 audit.log      # below the first finding's spawner
            """)

    @Argument(help: "Audit log files, directories or patterns; '-' reads standard input.")
    var files: [String] = []

    @Option(help: "Only the subtree of the last process with this pid.")
    var pid: Int?

    @Option(help: "Only the subtree of the spawner of the Nth finding (as 'auditree scan' numbers them, from 1).")
    var finding: Int?

    @OptionGroup var host: HostOptions

    @OptionGroup(title: "Filters (an exec that matches is shown with the execs of the processes above it)") var filters: FilterOptions

    func run() throws {
        let filter = try filters.filter()
        let report = try ForensicScan.run(files: files, host: host, filter: filter)
        var root: Int?
        if let pid {
            guard let last = report.execs.last(where: { $0.pid == pid }) else {
                throw ValidationError("no exec of pid \(pid) in the log")
            }
            root = last.processID
        } else if let finding {
            guard finding >= 1, finding <= report.findings.count else {
                throw ValidationError("--finding \(finding): the log has \(report.findings.count) finding(s)")
            }
            let shell = report.findings[finding - 1]
            // The spawner's process (it may never have exec'd: a forked worker): its subtree shows the shell.
            let shellExec = report.execs.first { $0.pid == shell.process.pid && $0.image.stamp == shell.process.image?.stamp }
            root = shellExec?.lineage.first(where: { $0.pid == shell.spawner.pid })?.processID ?? shellExec?.processID
        }
        let execs = filter.isEmpty ? report.execs : Self.matchingWithAncestors(report.execs, filter)
        Console.out(ProcessTreeWriter().render(execs, root: root))
        if !filter.isEmpty, execs.isEmpty, !report.execs.isEmpty {
            FilterOptions.noteNothingMatched("exec", filters: filters.given, before: report.execs.count)
        }
        throw ExitCode(report.summary.inputErrors > 0 ? 2 : 0)
    }
}

extension TreeCommand {
    /// The execs that match, and every exec of the processes above them, in log order: the
    /// tree stays connected and each match keeps its ancestry.
    static func matchingWithAncestors(_ execs: [ExecRecord], _ filter: FindingFilter) -> [ExecRecord] {
        var ancestors: Set<Int> = []
        var matching: Set<Int> = []
        for (index, record) in execs.enumerated() where filter.accepts(record) {
            matching.insert(index)
            for entry in record.lineage where entry.generation >= 1 { ancestors.insert(entry.processID) }
        }
        return execs.enumerated().filter { matching.contains($0.offset) || ancestors.contains($0.element.processID) }.map(\.element)
    }
}

/// A scan that keeps every exec, for the forensic commands; `filter` numbers findings as `scan` with it does.
enum ForensicScan {
    static func run(files: [String], host: HostOptions, filter: FindingFilter = FindingFilter()) throws -> ScanReport {
        var configuration = ScanConfiguration(inputs: try DefaultInput.inputs(for: files))
        try host.apply(to: &configuration)
        configuration.collectExecs = true
        configuration.filter = filter
        do {
            return try Scanner.run(configuration) { diagnostic in Console.error(diagnostic.description + "\n") }
        } catch {
            Console.error(error.description + "\n")
            throw ExitCode(2)
        }
    }
}
