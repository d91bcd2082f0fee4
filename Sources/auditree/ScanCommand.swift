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

            Exit status: 0 no findings, 1 findings at or above --fail-on, 2 usage or input errors.

            Examples:
              auditree scan                                  # /var/log/audit/audit.log
              auditree scan fixtures/recorded/enriched-fork.log
              auditree scan --format json audit.log > report.json
              ausearch --raw | auditree scan -               # standard input
            """)

    @Argument(help: "Audit log files, read in order; '-' reads standard input. Default: \(ScanConfiguration.defaultInput).")
    var files: [String] = []

    @Option(help: "Report format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .text

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding is at least this severe: \(Severity.allCases.map(\.rawValue).joined(separator: ", ")).")
    var failOn: Severity = .info

    @Flag(help: "Stop with exit status 2 at the first line that cannot be parsed.")
    var strict = false

    @Option(help: "Color the text report: auto (only on a terminal), always, never.")
    var color: ColorMode = .auto

    func run() throws {
        let configuration = ScanConfiguration(inputs: files.isEmpty ? [ScanConfiguration.defaultInput] : files, strict: strict)
        let report: ScanReport
        do {
            report = try Scanner.run(configuration) { diagnostic in
                Console.error(diagnostic.description + "\n")
            }
        } catch {
            Console.error(error.description + "\n")
            throw ExitCode(2)
        }
        let text = format.render(report, color: color.enabled(for: STDOUT_FILENO))
        Console.out(text)
        throw ExitCode(report.exitCode(failOn: failOn))
    }
}

enum ColorMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    func enabled(for descriptor: Int32) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .auto: isatty(descriptor) == 1 && getenv("NO_COLOR") == nil
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}
extension Severity: ExpressibleByArgument {}
