import ArgumentParser
import AuditreeKit

#if canImport(Glibc)
import Glibc
#endif

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan audit logs and report shells spawned by interpreters or web servers.",
        discussion: """
            Reads auditd logs (RAW or ENRICHED), rebuilds the process tree from SYSCALL/EXECVE \
            records and reports each shell whose parent, or whose own pid before a same-pid exec, \
            is a language interpreter or a web server.

            Inputs: files, directories (their audit.log* files) and glob patterns, read oldest \
            first by their first record's time, whatever their names. Gzip (known by its first \
            bytes, also on standard input) is decompressed while read. '-' reads standard input. \
            With no file named, \(ScanConfiguration.defaultInput) is read, unless standard input \
            is a pipe or a file: then auditree stops (exit 2) and asks for '-', because cron and \
            ssh hand commands an empty pipe and a scan of nothing must not look clean.

            Diagnostics go to standard error: 'file:line:col: warning: ...' for a line that is \
            not a record, 'file: error: ...' for an input that cannot be read. A file with lines \
            but not one audit record is an input error ('no audit records in N lines: is this an \
            audit log?'); an empty file is not (a freshly rotated audit.log). Audit records \
            without a single execve get a warning, even with --quiet: the audit rules do not log \
            execs, so nothing could be found ('auditree audit-rules' prints rules that do).

            Exit status: 0 no findings at or above --fail-on; 1 findings; 2 a usage error, an \
            input that could not be read or is not an audit log, a bad rule file, a bad line \
            under --strict, or a report that could not be written. An input error wins over \
            findings; the report is still written for what was read.

            Filters (--since, --until, --uid/--user, --key, --exe, --comm, --node, --pid) narrow \
            what is reported; they are tested on each finding's shell, and the whole input is \
            still read. Filters that leave none of the findings there were say so in one line on \
            standard error (not with --quiet); the exit status is then 0 (docs/filters.md).

            Examples:
              auditree scan                                  # /var/log/audit/audit.log
              auditree scan fixtures/recorded/enriched-fork.log
              auditree scan --format json audit.log > report.json
              ausearch --raw | auditree scan -               # standard input
            """)

    @Argument(
        help:
            "Audit log files, directories or patterns; '-' reads standard input. Default: \(ScanConfiguration.defaultInput)."
    )
    var files: [String] = []

    @Option(help: "Report format: \(OutputFormat.allCases.map { $0.rawValue }.joined(separator: ", ")).")
    var format: OutputFormat = .text

    @Option(
        name: .customLong("fail-on"),
        help:
            "Exit 1 when a finding is at least this severe: \(Severity.allCases.map { $0.rawValue }.joined(separator: ", "))."
    )
    var failOn: Severity = .info

    @Flag(help: "Stop with exit status 2 at the first line that cannot be parsed.")
    var strict = false

    @Option(help: "Color the text report: auto (only on a terminal), always, never.")
    var color: ColorMode = .auto

    @Option(
        name: .customLong("output"),
        help: ArgumentHelp(
            "Write the report to this file instead of standard output, atomically; repeat for several reports. "
                + "Format from the extension (.json, .ndjson/.jsonl, .sarif, .xml = junit, .txt, .html; any other is an error), "
                + "--format for a name without one.",
            valueName: "file"))
    var outputs: [String] = []

    @Option(
        help: ArgumentHelp(
            "Accepted findings (from 'auditree baseline create'): reported as baselined, not counted for --fail-on.",
            valueName: "file"))
    var baseline: String?

    @Flag(help: "Print only findings and errors: nothing at all when nothing is found (for cron).")
    var quiet = false

    @OptionGroup(title: "Filters (tested on each finding's shell)") var filters: FilterOptions

    @Option(help: "Report findings of this host only (the log's node= name).")
    var node: String?

    @Option(help: "Report findings whose shell, spawner, ancestry or descendants include this pid.")
    var pid: Int?

    @Option(
        help: ArgumentHelp(
            "Resume where the previous run with this checkpoint stopped reading (file positions), and save where this run stops "
                + "(atomically, only after the report was delivered). Locked for the run. For cron; see docs/operations.md.",
            valueName: "file"))
    var checkpoint: String?

    @Option(
        name: .customLong("lock-timeout"),
        help: ArgumentHelp(
            "With --checkpoint: wait this many seconds for another run that holds it, then exit 2.",
            valueName: "seconds"))
    var lockTimeout: Double = 60

    @OptionGroup var rules: RuleOptions

    @OptionGroup var host: HostOptions

    @Flag(
        name: .customLong("show-suppressed"),
        help: "Also list the matches exceptions suppressed, each with its exception (they are always counted).")
    var showSuppressed = false

    @Flag(
        name: .customLong("no-group"),
        help:
            "Report every finding; by default identical ones (same rule, host, spawner exe, command line) are grouped with a count."
    )
    var noGroup = false

    // Optional, so the help does not print the build machine's CPU count as the default.
    @Option(
        help: ArgumentHelp(
            "1: read, parse and analyse on one thread. n > 1: read and parse on n - 1 threads while the first analyses, "
                + "with n > 2 gzipped files inflating on threads of their own; the report is the same. "
                + "Default: the online CPUs, at most 2 (past that the analysing thread is the bound).",
            valueName: "n"))
    var threads: Int?

    /// The plain values of these options, which validate and run the scan.
    var request: ScanRequest {
        ScanRequest(
            files: files, format: format, failOn: failOn, strict: strict, color: color, outputs: outputs,
            baseline: baseline, quiet: quiet, filters: filters.values, node: node, pid: pid, checkpoint: checkpoint,
            lockTimeout: lockTimeout, ruleFiles: rules.files, sigma: rules.sigma, noDefaultRules: rules.noDefaultRules,
            hosts: host.hosts, showSuppressed: showSuppressed, noGroup: noGroup, threads: threads)
    }

    func validate() throws { try request.validate() }

    func run() throws { try request.run() }
}

enum ColorMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    func enabled(for descriptor: Int32) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .auto: isatty(descriptor) == 1 && Environment.value("NO_COLOR") == nil
        }
    }
}

/// Values are read in any case (`--format JSON`), as they are written in the help: lower case.
protocol CaseInsensitiveArgument: ExpressibleByArgument, CaseIterable, RawRepresentable where RawValue == String {}

extension CaseInsensitiveArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }

    // The values ArgumentParser's defaults for `CaseIterable & RawRepresentable` give (each
    // case's raw value; no descriptions, as no case describes itself other than by its raw
    // value), without their key path (`\.rawValue.defaultValueDescription`) and `reduce(into:)`
    // over the cases: instantiated generically at run time, each asks the Swift runtime a
    // conformance question that it answers by scanning every conformance record of the static
    // binary, once per type and on every run, `scan` included (docs/performance.md).
    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }
    public static var allValueDescriptions: [String: String] { [:] }
}

extension OutputFormat: CaseInsensitiveArgument {}
extension Severity: CaseInsensitiveArgument {}
extension ColorMode: CaseInsensitiveArgument {}

/// Where the fault-injection tests kill a run (`AUDITREE_FAULT_KILL`): `read:N` once N bytes of
/// lines are read, `delivered` after the report is out and before the checkpoint is saved.
enum FaultPoint {
    case read(Int)
    case delivered

    static var current: FaultPoint? {
        guard let value = Environment.value("AUDITREE_FAULT_KILL") else { return nil }
        if value == "delivered" { return .delivered }
        if value.hasPrefix("read:"), let byte = Int(value.dropFirst(5)), byte >= 0 { return .read(byte) }
        return nil
    }
}
