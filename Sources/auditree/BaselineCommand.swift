import ArgumentParser
import AuditreeKit

/// `auditree baseline create`: accept the findings of a scan, so later scans with
/// `--baseline` report them as baselined and do not fail on them.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Manage baselines of accepted findings (see docs/ci-gate.md).",
        discussion: """
            Examples:
              auditree baseline create --output accepted.json test-audit.log
              auditree scan --baseline accepted.json --fail-on high test-audit.log
            """,
        subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Scan audit logs and write every finding's fingerprint to a baseline file.",
            discussion: """
                Entries carry a fingerprint that ignores pids and times, the rule, an example command \
                line, the first time seen and a "reason" for you to fill in. When --output names an \
                existing baseline, its reasons and first-seen times are kept for entries still found.

                Exit status: 0 written, 2 usage, input or write errors (nothing is written then).

                Examples:
                  auditree baseline create --output auditree-baseline.json /var/log/audit/audit.log
                  auditree scan --baseline auditree-baseline.json --fail-on high /var/log/audit/audit.log
                """)

        @Argument(
            help:
                "Audit log files, read in order; '-' reads standard input. Default: \(ScanConfiguration.defaultInput).")
        var files: [String] = []

        @Option(
            help: ArgumentHelp("Write the baseline here (atomically) instead of standard output.", valueName: "file"))
        var output: String?

        @Flag(help: "Stop with exit status 2 at the first line that cannot be parsed.")
        var strict = false

        // The rules of the scans the baseline is for: their exceptions and overrides decide which findings it holds.
        @OptionGroup var rules: RuleOptions

        @OptionGroup var host: HostOptions

        func run() throws {
            let inputs = try DefaultInput.inputs(for: files)
            if let output, let collision = AtomicFile.collision(outputs: [output], inputs: inputs) {
                throw CommandFailure(collision)
            }
            var configuration = ScanConfiguration(inputs: inputs, strict: strict)
            rules.apply(to: &configuration)
            try host.apply(to: &configuration)
            let report: ScanReport
            do {
                report = try Scanner.run(configuration) { diagnostic in Console.error(diagnostic.description + "\n") }
            } catch {
                Console.error(error.description + "\n")
                throw ExitCode(2)
            }
            if report.inputFailed {
                Console.error("auditree: error: not writing a baseline from logs that could not all be read\n")
                throw ExitCode(2)
            }
            var previous: Baseline?
            if let output, let existing = try? Baseline.load(path: output) { previous = existing }
            let baseline = Baseline(report: report, previous: previous)
            let text = baseline.render()
            if let output, output != "-" {
                do { try AtomicFile.write(text, to: output) } catch {
                    Console.error(error.description + "\n")
                    throw ExitCode(2)
                }
                Console.error(
                    "auditree: wrote \(baseline.entries.count) baseline entr\(baseline.entries.count == 1 ? "y" : "ies") for \(report.findings.count) finding(s) to \(output)\n"
                )
            } else {
                try Console.print(text)
            }
        }
    }
}
