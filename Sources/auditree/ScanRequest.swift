import ArgumentParser
import AuditreeKit

#if canImport(Glibc)
import Glibc
#endif

/// What `auditree scan` was asked, as plain values: ScanCommand's options once ArgumentParser has
/// read them, or PlainScanArguments' reading of a common command line (which never touches
/// ArgumentParser's property wrappers, whose types the runtime would have to check at start-up).
/// It validates the request and runs the scan.
struct ScanRequest: Equatable {
    var files: [String] = []
    var format: OutputFormat = .text
    var failOn: Severity = .info
    var strict = false
    var color: ColorMode = .auto
    var outputs: [String] = []
    var baseline: String?
    var quiet = false
    var filters = FilterOptions.Values()
    var node: String?
    var pid: Int?
    var checkpoint: String?
    var lockTimeout: Double = 60
    var ruleFiles: [String] = []
    var sigma: [String] = []
    var noDefaultRules = false
    var hosts: [String] = []
    var showSuppressed = false
    var noGroup = false
    var threads: Int?

    var delivery: ReportDelivery {
        ReportDelivery(format: format, outputs: outputs, baselinePath: baseline, color: color, quiet: quiet)
    }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        for path in outputs { try ReportDelivery.checkExtension(path) }
        guard lockTimeout.isFinite, lockTimeout >= 0, lockTimeout <= 86_400 else {
            throw ValidationError("--lock-timeout must be 0 to 86400 seconds")
        }
        if let checkpoint {
            // A filtered run would move the checkpoint past the findings it does not report.
            var given: [String] = []
            for option in filters.given.map({ String($0.prefix { $0 != " " }) }) + (node == nil ? [] : ["--node"])
                + (pid == nil ? [] : ["--pid"])
            where !given.contains(option) { given.append(option) }
            if !given.isEmpty {
                throw ValidationError(
                    "--checkpoint cannot be combined with \(given.joined(separator: ", ")): the checkpoint would move past the findings "
                        + "the filter hides, and no later run would report them. Run the checkpointed scan unfiltered and filter its report instead."
                )
            }
            if files.contains("-") {
                throw ValidationError(
                    "--checkpoint resumes by file position, and standard input has none: give the log files instead of '-'"
                )
            }
        }
    }

    /// The checkpoint's folder must exist and be writable: found before the scan, not after it.
    static func checkWritable(_ checkpoint: String) throws {
        let slash = checkpoint.lastIndex(of: "/")
        let folder = slash.map { $0 == checkpoint.startIndex ? "/" : String(checkpoint[..<$0]) } ?? "."
        var problem: String?
        if FileStatus.of(folder)?.kind != .directory {
            problem = "its folder \(folder) does not exist; create it first (mkdir -p \(folder))"
        } else if !FileAccess.isWritable(folder) {
            problem = "its folder \(folder) is not writable"
        }
        if let problem {
            Console.error("\(checkpoint): error: cannot keep the checkpoint here: \(problem); nothing was read\n")
            throw ExitCode(2)
        }
    }

    func configuration() throws -> ScanConfiguration {
        var configuration = ScanConfiguration(inputs: try DefaultInput.inputs(for: files), strict: strict)
        configuration.filter = try filters.filter()
        configuration.filter.node = node
        configuration.filter.pid = pid
        // Whatever filters FindingFilter grows, a checkpoint must not move past what they hide (validate names the options).
        if checkpoint != nil && !configuration.filter.isEmpty {
            throw ValidationError(
                "--checkpoint cannot be combined with a finding filter: the checkpoint would move past the findings the filter hides"
            )
        }
        // Only when a person watches stderr: never in pipes, cron or CI logs.
        configuration.progress = ProgressBar.forStderr(enabled: !quiet)
        if let checkpoint {
            configuration.checkpointing = true
            do { configuration.checkpoint = try Checkpoint.load(path: checkpoint) } catch {
                // Starting over would report everything again: refuse, and say how to start over.
                Console.error(
                    "\(checkpoint): error: the checkpoint \(error): remove it to start over (the next run then reports every finding in the logs again)\n"
                )
                throw ExitCode(2)
            }
        }
        RuleOptions.apply(files: ruleFiles, sigma: sigma, noDefaultRules: noDefaultRules, to: &configuration)
        try HostOptions.apply(hosts, to: &configuration)
        configuration.showSuppressed = showSuppressed
        configuration.groupFindings = !noGroup
        // The HTML report embeds the whole process tree of each host (docs/html-report.md).
        let delivery = delivery
        if outputs.isEmpty ? format == .html : outputs.contains(where: { delivery.format(for: $0) == .html }) {
            configuration.collectExecs = true
        }
        configuration.threads = threads ?? ScanConfiguration.defaultThreads
        if case .read(let byte)? = FaultPoint.current { configuration.faultKillAtByte = byte }
        return configuration
    }

    func run() throws {
        // Before anything is read: replacing a log being scanned with its report destroys evidence.
        if let collision = AtomicFile.collision(
            outputs: outputs + (checkpoint.map { [$0] } ?? []),
            inputs: files.isEmpty ? [ScanConfiguration.defaultInput] : files)
        {
            throw CommandFailure(collision)
        }
        let accepted = try delivery.loadBaseline()
        // Held until this process exits: from before the checkpoint is read until after it is written.
        var lock: CheckpointLock?
        if let checkpoint {
            try Self.checkWritable(checkpoint)
            do { lock = try CheckpointLock(checkpoint: checkpoint, timeout: lockTimeout) } catch {
                Console.error(error.description + "\n")
                throw ExitCode(2)
            }
        }
        defer { withExtendedLifetime(lock) {} }
        let configuration = try configuration()
        let report: ScanReport
        do {
            report = try Scanner.run(configuration) { [quiet] diagnostic in
                if !quiet || diagnostic.shownWhenQuiet { Console.error(diagnostic.description + "\n") }
            }
        } catch {
            Console.error(error.description + "\n")
            throw ExitCode(2)
        }
        let status = delivery.deliver(report, baseline: accepted, failOn: failOn)
        if !quiet, !configuration.filter.isEmpty, report.findings.isEmpty, report.unfilteredFindings > 0 {
            let given = filters.given + (node.map { ["--node \($0)"] } ?? []) + (pid.map { ["--pid \($0)"] } ?? [])
            FilterOptions.noteNothingMatched("finding", filters: given, before: report.unfilteredFindings)
        }
        if case .delivered? = FaultPoint.current { raise(SIGKILL) }
        // Only after the report is out: a run killed before this point is simply done again.
        if let checkpoint, let next = report.checkpoint, status != 2 {
            do { try AtomicFile.write(String(decoding: try next.encoded(), as: UTF8.self), to: checkpoint) } catch {
                Console.error("\(checkpoint): error: cannot write the checkpoint: \(error)\n")
                throw ExitCode(2)
            }
        }
        throw ExitCode(status)
    }
}
