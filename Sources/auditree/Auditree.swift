import ArgumentParser
import AuditreeKit

#if canImport(Glibc)
import Glibc
#endif

/// The `auditree` command: parse options, build a configuration, call the library, map the result to an exit code.
@main
struct Auditree: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auditree",
        abstract: "Find shells spawned by language interpreters and web servers in recorded Linux audit logs.",
        version: BuildInfo.versionLine,
        subcommands: [ScanCommand.self, TreeCommand.self, EventsCommand.self, BaselineCommand.self, RulesCommand.self, AuditRulesCommand.self],
        defaultSubcommand: ScanCommand.self)

    /// Usage errors exit with 2 (not ArgumentParser's 64), like input errors; see docs/cli.md.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                Self.exit(withError: error)
            }
            Console.error(fullMessage(for: error) + "\n")
            Glibc.exit(2)
        }
    }
}
