import ArgumentParser
import AuditreeKit

/// `--rules FILE` (repeatable) and `--no-default-rules`, shared by `scan` and `rules`.
struct RuleOptions: ParsableArguments {
    @Option(
        name: .customLong("rules"),
        help: ArgumentHelp(
            "Add a rule file after the built-in pack (repeatable; later files extend or override earlier ones).",
            valueName: "file"))
    var files: [String] = []

    @Option(
        name: .customLong("sigma"),
        help: ArgumentHelp(
            "Add Sigma rules: a rule file, or a folder read recursively (repeatable; docs/sigma.md).",
            valueName: "path"))
    var sigma: [String] = []

    @Flag(name: .customLong("no-default-rules"), help: "Do not load the built-in rule pack.")
    var noDefaultRules = false

    func apply(to configuration: inout ScanConfiguration) {
        Self.apply(files: files, sigma: sigma, noDefaultRules: noDefaultRules, to: &configuration)
    }

    /// The rule options' values into `configuration` (ScanRequest has them without the type).
    static func apply(files: [String], sigma: [String], noDefaultRules: Bool, to configuration: inout ScanConfiguration)
    {
        configuration.ruleFiles = files
        configuration.useDefaultRules = !noDefaultRules
        configuration.sigmaPaths = sigma
    }

    /// Loads the rules, printing warnings; a bad file prints its error and exits 2.
    /// `quietSigma` leaves out the warning that some Sigma rules are not run (when the caller lists them).
    func load(extra: [String] = [], quietSigma: Bool = false) throws -> RuleSet {
        do {
            let result = try RuleSet.load(files: files + extra, includeBuiltIn: !noDefaultRules, sigma: sigma)
            for warning in result.warnings where !(quietSigma && warning.isSigmaSummary) {
                Console.error(warning.warningDescription + "\n")
            }
            return result.ruleSet
        } catch {
            Console.error(error.description + "\n")
            throw ExitCode(2)
        }
    }
}

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check, list and show detection rules (built-in pack plus --rules files).",
        discussion: """
            Rule files are versioned YAML; see docs/rules.md.

            Examples:
              auditree rules check my-rules.yaml
              auditree rules list --rules my-rules.yaml
              auditree rules show illegitimate_shell
            """,
        subcommands: [Check.self, List.self, Show.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract:
                "Validate rule files: errors (exit 2) name file:line:column, the key path and the nearest known name.",
            discussion: """
                Examples:
                  auditree rules check my-rules.yaml            # exit 0 valid, 2 invalid
                  auditree rules check a.yaml b.yaml            # later files stack on earlier ones
                """)

        @Argument(help: "Rule files, loaded in order on top of the built-in pack.")
        var ruleFiles: [String] = []

        @OptionGroup var rules: RuleOptions

        func validate() throws {
            if ruleFiles.isEmpty && rules.sigma.isEmpty && rules.files.isEmpty {
                throw ValidationError("name a rule file, or Sigma rules with --sigma PATH")
            }
        }

        func run() throws {
            let set = try rules.load(extra: ruleFiles, quietSigma: true)
            let named = (ruleFiles + rules.files + rules.sigma).joined(separator: ", ")
            try Console.print(
                "ok: \(named): \(set.rules.count) active rule(s), \(set.lists.count) list(s), "
                    + "\(set.exceptions.count + set.rules.reduce(0) { $0 + $1.exceptions.count }) exception(s), \(set.context.count) context indicator(s)\n"
            )
            guard !rules.sigma.isEmpty else { return }
            try Console.print(SigmaCheckReport.text(set))
            if set.sigmaSkipped.contains(where: \.isError) { throw ExitCode(2) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Print every active rule with its origin file, the lists, exceptions and context.",
            discussion: """
                Examples:
                  auditree rules list
                  auditree rules list --rules site.yaml         # the pack with your file on top
                  auditree rules list --no-default-rules --rules site.yaml
                """)

        @OptionGroup var rules: RuleOptions

        func run() throws {
            try Console.print(RuleSetDescription.list(try rules.load()))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print one rule in full: conditions, lists, exceptions, context.",
            discussion: """
                Examples:
                  auditree rules show interpreter_shell_spawn
                  auditree rules show my_rule --rules site.yaml
                """)

        @Argument(help: "The rule id.")
        var id: String

        @OptionGroup var rules: RuleOptions

        func run() throws {
            let set = try rules.load()
            guard let rule = set.rule(id) else {
                let ids = set.allRules.map(\.id)
                let hint = EditDistance.nearest(to: id, among: ids).map { " did you mean '\($0)'?" } ?? ""
                Console.error(
                    "auditree: error: no rule '\(TextEscaper.escape(id))';\(hint) known: \(ids.joined(separator: ", "))\n"
                )
                throw ExitCode(2)
            }
            try Console.print(RuleSetDescription.show(rule, in: set))
        }
    }
}
