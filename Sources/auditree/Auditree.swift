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
        subcommands: [
            ScanCommand.self, TreeCommand.self, EventsCommand.self, BaselineCommand.self, RulesCommand.self,
            AuditRulesCommand.self,
        ],
        defaultSubcommand: ScanCommand.self)

    /// Usage errors exit with 2 (not ArgumentParser's 64), like input errors; see docs/cli.md.
    /// Only errors in the arguments print the usage; an error met while running prints its one line.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = SubcommandTypo.message(for: arguments, subcommands: configuration.subcommands) {
            Console.error("auditree: error: \(message)\n")
            Glibc.exit(2)
        }
        let names = configuration.subcommands.flatMap { [$0._commandName] + $0.configuration.aliases }
        if let scan = PlainScanArguments.request(for: arguments, subcommands: names) {
            do { try scan.run() } catch { fail(error, withUsage: false) }
            return
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            fail(error, withUsage: true)
        }
        do {
            try command.run()
        } catch {
            fail(error, withUsage: false)
        }
    }

    static func fail(_ error: Error, withUsage: Bool) -> Never {
        if let exit = error as? ExitCode { Glibc.exit(exit.rawValue) }
        if let failure = error as? CommandFailure {
            Console.error(failure.description + "\n")
            Glibc.exit(2)
        }
        let code = exitCode(for: error)
        if code == .success || error is CleanExit {
            Self.exit(withError: error)
        }
        Console.error((withUsage ? fullMessage(for: error) : "auditree: error: " + message(for: error)) + "\n")
        Glibc.exit(2)
    }
}
