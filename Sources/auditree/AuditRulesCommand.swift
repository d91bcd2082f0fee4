import ArgumentParser
import AuditreeKit

/// `auditree audit-rules`: the auditctl rules auditree needs, for /etc/audit/rules.d.
struct AuditRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-rules",
        abstract: "Print the auditctl rules that give auditree full process lineage (exec, fork, exit).",
        discussion: """
            The rules carry the key "auditree" and comments on what each gives and costs; see
            docs/audit-rules.md for what is lost with exec-only rules.

            Examples:
              auditree audit-rules > /etc/audit/rules.d/50-auditree.rules && augenrules --load
              auditree audit-rules --machine aarch64
            """)

    @Option(
        help: ArgumentHelp(
            "The machine the rules are for (default: the one auditree was built for).", valueName: "machine"))
    var machine: AuditRules.Machine = .current

    func run() throws {
        try Console.print(AuditRules.text(for: machine))
    }
}

extension AuditRules.Machine: ExpressibleByArgument {}
