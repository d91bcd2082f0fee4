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

            Examples:
              auditree events --format ndjson /var/log/audit/ > execs.ndjson
              auditree events --format ndjson audit.log | jq 'select(.process.name == "sh")'
            """)

    @Argument(help: "Audit log files, directories or patterns; '-' reads standard input.")
    var files: [String] = []

    @Option(help: "Output format: ndjson.")
    var format: EventsFormat = .ndjson

    func run() throws {
        // Each exec is written as soon as it is resolved, so memory stays flat however long the log.
        let writer = ExecEventsWriter()
        let report = try ForensicScan.run(files: files, streaming: { record in Console.out(writer.line(record)) })
        throw ExitCode(report.summary.inputErrors > 0 ? 2 : 0)
    }
}

enum EventsFormat: String, ExpressibleByArgument, CaseIterable {
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

    func run() throws {
        let report = try ForensicScan.run(files: files)
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
            root = shellExec.flatMap { report.execs.chain(from: $0).first(where: { $0.pid == shell.spawner.pid })?.processID } ?? shellExec?.processID
        }
        Console.out(ProcessTreeWriter().render(report.execs, root: root))
        throw ExitCode(report.summary.inputErrors > 0 ? 2 : 0)
    }
}

/// A scan that keeps every exec, for the forensic commands.
enum ForensicScan {
    /// `streaming`: told each exec instead of keeping them in the report.
    static func run(files: [String], streaming: (@Sendable (ExecRecord) -> Void)? = nil) throws -> ScanReport {
        var configuration = ScanConfiguration(inputs: files.isEmpty ? [ScanConfiguration.defaultInput] : files)
        if let streaming { configuration.onExecRecord = streaming } else { configuration.collectExecs = true }
        do {
            return try Scanner.run(configuration) { diagnostic in Console.error(diagnostic.description + "\n") }
        } catch {
            Console.error(error.description + "\n")
            throw ExitCode(2)
        }
    }
}
