import AuditreeTree
import Foundation

/// Which of a process's three identities a name was read from.
public enum IdentityField: String, CaseIterable, Sendable {
    /// Basename of the executable the kernel ran (`/usr/bin/dash`).
    case exe
    /// The kernel's task name, cut to 15 bytes; a shebang script's own name.
    case comm
    /// Basename of the first argument, as the caller chose it.
    case argv0
    /// The applet a multicall binary (busybox) was asked to be.
    case applet
}

/// Where a line of a rule file came from, for `rules list/show` and suppression reports.
public struct RuleOrigin: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var description: String { line > 0 ? "\(file):\(line)" : file }
}

/// A named list of process names, with optional entries that also need a command-line match
/// (`java` running Tomcat).
public struct NameList: Sendable {
    public var names: Set<String>
    public var patterns: [NamePattern]
    /// Entries that match the executed file's path (`/tmp/...`, `/memfd:...`), whatever its name.
    public var exePatterns: [ExePattern] = []
    /// Other lists whose entries this list also holds, as they are when matched (`{list: interpreters}`).
    public var includes: [String] = []
    /// Files that defined or changed the list, in load order.
    public var origins: [RuleOrigin]

    public init(
        names: Set<String>, patterns: [NamePattern] = [], exePatterns: [ExePattern] = [], includes: [String] = [],
        origins: [RuleOrigin] = []
    ) {
        self.names = names
        self.patterns = patterns
        self.exePatterns = exePatterns
        self.includes = includes
        self.origins = origins
    }

    /// Whether a match depends only on the names an image answers to (so it can be cached by name).
    public var matchesByNameOnly: Bool { patterns.isEmpty && exePatterns.isEmpty && includes.isEmpty }

    /// Entries as written, sorted: plain names, then patterns, exe patterns and included lists.
    public var entryDescriptions: [String] {
        names.sorted() + patterns.map(\.description) + exePatterns.map(\.description) + includes.map { "list \($0)" }
    }
}

/// A list entry that matches the path of the executed file: `{exe_regex: '^/memfd:', label: memfd}`.
public struct ExePattern: Sendable, CustomStringConvertible {
    public var label: String
    public var exe: TextPattern

    public var description: String { "\(label) (exe =~ /\(exe.source)/)" }
}

/// A list entry that needs a process name and a command line: `{name: java, argv: 'org\.apache\.catalina'}`.
public struct NamePattern: Sendable, CustomStringConvertible {
    /// The entry the evidence reports (`tomcat`); the name when not given.
    public var label: String
    public var name: String
    public var argv: TextPattern

    public var description: String { "\(label) (\(name), argv =~ /\(argv.source)/)" }
}

/// A regular expression from a rule file, matched anywhere in a string: ICU syntax without
/// the parts that need backtracking, run in time linear in the string (`RegexProgram`).
public struct TextPattern: Sendable {
    public let source: String
    let program: RegexProgram

    /// `casedPrefilter`: see `RegexProgram.init`.
    public init(_ source: String, casedPrefilter: Bool = false) throws(RegexSyntaxError) {
        self.source = source
        program = try RegexProgram(source, casedPrefilter: casedPrefilter)
    }

    public func matches(_ text: String) -> Bool { program.run(text).matched }

    /// Whether it matches, and the engine's steps: at most (scalars + 1) x `instructionCount` x 2.
    public func matchWithSteps(_ text: String) -> (matched: Bool, steps: Int) { program.run(text) }

    public var instructionCount: Int { program.instructions.count }

    /// Literals one of which (ASCII letters folded to lower case) every match contains; nil when
    /// the pattern gives none.
    var literals: RegexLiterals? { program.literals }

    /// The literals a text is checked for before the engine runs (see `RegexProgram.prefilter`).
    var prefilter: RegexLiterals? { program.prefilter }

    /// The fewest scalars a match consumes.
    var minimumLength: Int { program.minimumLength }
}

/// Conditions on one process image; every field given must hold (a list field holds when any value does).
public struct ProcessCondition: Sendable {
    /// The process answers to a name in this named list.
    public var list: String?
    /// The process answers to one of these names (as in a list).
    public var names: Set<String>?
    /// Exact exe path, or exe basename.
    public var exe: [String]?
    public var exePrefix: [String]?
    public var uid: Set<UInt32>?
    public var euid: Set<UInt32>?
    public var auid: Set<UInt32>?
    /// The controlling terminal as logged (`(none)` for a process without one: a daemon, a cron job).
    public var tty: Set<String>?
    /// User name for uid, as the ENRICHED log gives it.
    public var user: Set<String>?
    public var cwdPrefix: [String]?
    public var cwdRegex: TextPattern?
    public var key: Set<String>?
    public var keyRegex: TextPattern?
    /// Matched against the command line, arguments joined by single spaces.
    public var argvRegex: TextPattern?
    /// The cwd, or the script a shell runs, is under a directory named on the command line of a
    /// process of this list exec'd earlier on the same host (`--chdir`, `-t`, `--prefix`, `-f` ...).
    public var learnedRoot: String?

    public init() {}

    public var isEmpty: Bool {
        list == nil && names == nil && exe == nil && exePrefix == nil && uid == nil && euid == nil && auid == nil
            && tty == nil && user == nil
            && cwdPrefix == nil && cwdRegex == nil && key == nil && keyRegex == nil && argvRegex == nil
            && learnedRoot == nil
    }

    /// The fields given, as `key=value` text for `rules show` and reports.
    public var summary: String {
        var parts: [String] = []
        if let list { parts.append("list=\(list)") }
        if let names { parts.append("names=\(names.sorted().joined(separator: ","))") }
        if let exe { parts.append("exe=\(exe.joined(separator: ","))") }
        if let exePrefix { parts.append("exe_prefix=\(exePrefix.joined(separator: ","))") }
        if let uid { parts.append("uid=\(uid.sorted().map(String.init).joined(separator: ","))") }
        if let euid { parts.append("euid=\(euid.sorted().map(String.init).joined(separator: ","))") }
        if let auid { parts.append("auid=\(auid.sorted().map(String.init).joined(separator: ","))") }
        if let tty { parts.append("tty=\(tty.sorted().joined(separator: ","))") }
        if let user { parts.append("user=\(user.sorted().joined(separator: ","))") }
        if let cwdPrefix { parts.append("cwd_prefix=\(cwdPrefix.joined(separator: ","))") }
        if let cwdRegex { parts.append("cwd_regex=/\(cwdRegex.source)/") }
        if let key { parts.append("key=\(key.sorted().joined(separator: ","))") }
        if let keyRegex { parts.append("key_regex=/\(keyRegex.source)/") }
        if let argvRegex { parts.append("argv_regex=/\(argvRegex.source)/") }
        if let learnedRoot { parts.append("learned_root=\(learnedRoot)") }
        return parts.joined(separator: " ")
    }
}

/// A reason not to report a match. Every exception says why (`reason`).
public struct RuleException: Sendable {
    public var id: String
    public var reason: String
    /// Rules a global exception applies to; nil = all. Rule exceptions apply to their rule.
    public var rules: Set<String>?
    /// Conditions on the shell.
    public var child: ProcessCondition?
    /// Conditions on the spawner (never met by an inferred, unknown spawner).
    public var spawner: ProcessCondition?
    /// Conditions one image anywhere above the shell must meet (the spawner included).
    public var ancestor: ProcessCondition?
    /// `node=` values.
    public var host: Set<String>?
    public var origin: RuleOrigin
}

/// Where a context indicator looks.
public enum ContextTarget: String, CaseIterable, Sendable {
    case shell, spawner, descendants
}

/// A fact about a finding that makes it more urgent (a web user, `/dev/tcp`, a binary in /tmp).
public struct ContextIndicator: Sendable {
    public var id: String
    public var description: String
    /// Severity steps added when present (0 only shows it).
    public var raise: Int
    public var on: Set<ContextTarget>
    /// Present when any of these holds for one of the target processes.
    public var any: [ProcessCondition]
    /// Rules it applies to; nil = all.
    public var rules: Set<String>?
    /// Rules it does not apply to (inference clauses may still name it as evidence).
    public var exceptRules: Set<String>? = nil
    public var origin: RuleOrigin
}

/// How sure an inferred spawner is.
public enum InferenceConfidence: String, CaseIterable, Sendable {
    case low, medium
}

/// When the process above a shell is unknown: context indicators that, all present on the
/// shell, let a rule report an inferred spawner.
public struct InferenceClause: Sendable {
    public var all: [String]
    public var confidence: InferenceConfidence
}

/// One detection: a child process of one list spawned by a process of another.
public struct Rule: Sendable {
    public var id: String
    public var name: String
    public var description: String
    public var severity: Severity
    public var category: String
    public var mitre: [String]
    /// The list the spawned process must match (shells).
    public var childList: String
    /// Further conditions on the spawned process.
    public var childCondition: ProcessCondition
    /// The list the spawner must match (interpreters, web servers).
    public var spawnerList: String
    /// Further conditions on the spawner.
    public var spawnerCondition: ProcessCondition
    public var relations: Set<SpawnerRelation>
    /// A list of launchers the spawner search looks through (env, nice, ...).
    public var skipList: String?
    /// With relation `ancestor`: the oldest generation searched (parent = 1).
    public var within: Int
    public var exceptions: [RuleException]
    /// How to infer a spawner the log never describes; empty = never.
    public var inference: [InferenceClause]
    public var enabled: Bool
    /// The rule file this rule came from.
    public var origin: String
    public var line: Int
    /// Who wrote the rule (Sigma's `author`; the DRL asks that each detection names them).
    public var author: String = ""
    public var references: [String] = []
    /// For a Sigma rule: its detection, evaluated instead of the child/spawner lists.
    public var sigma: SigmaRule? = nil

    public init(
        id: String, name: String, description: String = "", severity: Severity, category: String = "",
        mitre: [String] = [],
        childList: String, childCondition: ProcessCondition = ProcessCondition(), spawnerList: String,
        spawnerCondition: ProcessCondition = ProcessCondition(), relations: Set<SpawnerRelation> = [.parent],
        skipList: String? = nil, within: Int = 1, exceptions: [RuleException] = [], inference: [InferenceClause] = [],
        enabled: Bool = true, origin: String, line: Int = 0
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.severity = severity
        self.category = category
        self.mitre = mitre
        self.childList = childList
        self.childCondition = childCondition
        self.spawnerList = spawnerList
        self.spawnerCondition = spawnerCondition
        self.relations = relations
        self.skipList = skipList
        self.within = within
        self.exceptions = exceptions
        self.inference = inference
        self.enabled = enabled
        self.origin = origin
        self.line = line
    }

    public var place: RuleOrigin { RuleOrigin(file: origin, line: line) }

    /// A Sigma rule as a rule of the set: its id, title, level, ATT&CK tags, author and references.
    public init(sigma: SigmaRule) {
        self.init(
            id: sigma.id, name: sigma.title, description: sigma.description, severity: sigma.severity,
            category: "sigma/" + sigma.target.rawValue, mitre: sigma.mitre, childList: "", spawnerList: "",
            origin: sigma.file, line: sigma.line)
        author = sigma.author
        references = sigma.references
        self.sigma = sigma
    }
}

/// A loaded rule pack: named lists and the rules that use them, with exceptions and context.
public struct RuleSet: Sendable {
    public var lists: [String: NameList]
    public var multicall: Set<String>
    /// Every rule in priority order (the first that fires wins), disabled ones included.
    public var allRules: [Rule]
    public var exceptions: [RuleException]
    public var context: [ContextIndicator]
    /// The files loaded, in order (`<built-in>` for the pack).
    public var files: [String]
    /// Sigma rule files read but not run, with why (`rules check --sigma` lists them).
    public var sigmaSkipped: [SigmaSkipped] = []

    public init(
        lists: [String: NameList] = [:], multicall: Set<String> = [], rules: [Rule] = [],
        exceptions: [RuleException] = [],
        context: [ContextIndicator] = [], files: [String] = []
    ) {
        self.lists = lists
        self.multicall = multicall
        self.allRules = rules
        self.exceptions = exceptions
        self.context = context
        self.files = files
    }

    /// Plain name lists, for tests and simple packs.
    public init(lists: [String: Set<String>], multicall: Set<String>, rules: [Rule]) {
        self.init(lists: lists.mapValues { NameList(names: $0) }, multicall: multicall, rules: rules)
    }

    /// The enabled rules, in priority order.
    public var rules: [Rule] {
        // By index: iterating copies each rule out (every String and list it holds retained);
        // when every rule is enabled, as in most runs, the array itself is the answer.
        guard let first = allRules.indices.first(where: { !allRules[$0].enabled }) else { return allRules }
        var enabled = Array(allRules[..<first])
        for index in allRules.indices[first...] where allRules[index].enabled { enabled.append(allRules[index]) }
        return enabled
    }

    public func rule(_ id: String) -> Rule? { allRules.first { $0.id == id } }

    public static let builtInName = "<built-in>"

    /// The pack compiled into the binary: built by the code generated from default-rules.yaml
    /// (BuiltInRuleSet.swift), which a test keeps equal to what `RuleFileParser` reads from it.
    /// Reading the YAML and checking every key took most of the cost of a scan of a small log.
    public static func builtIn() throws(RuleFileError) -> RuleSet {
        do { return try compiledBuiltIn() } catch {
            throw RuleFileError(
                file: builtInName, line: 0, column: 0, path: "",
                message: "invalid regular expression in the built-in rule pack: \(error.description)")
        }
    }

    /// The pack's YAML (Rules/default-rules.yaml, embedded by SwiftPM), from which
    /// BuiltInRuleSet.swift is generated.
    static func builtInText() throws(RuleFileError) -> String {
        guard let text = String(validating: PackageResources.default_rules_yaml, as: UTF8.self) else {
            throw RuleFileError(
                file: builtInName, line: 0, column: 0, path: "", message: "the built-in rule pack is not UTF-8")
        }
        return text
    }

    /// The built-in pack (unless `includeBuiltIn` is false), then each file in order.
    /// Lists, rules, exceptions and context of a later file extend or replace earlier ones.
    /// Sigma rules (`sigma` paths) come after the pack and before the files, so that a file's
    /// exceptions can name them and `{id, enabled: false}` can switch one off.
    public static func load(files: [String], includeBuiltIn: Bool = true, sigma: [String] = []) throws(RuleFileError)
        -> RuleFileParser.Result
    {
        var result = RuleFileParser.Result(ruleSet: RuleSet(), warnings: [])
        if includeBuiltIn { result.ruleSet = try builtIn() }
        if !sigma.isEmpty {
            let loaded = try SigmaRuleSet.load(paths: sigma)
            let known = Set(result.ruleSet.allRules.map(\.id))
            for rule in loaded.rules {
                if known.contains(rule.id) {
                    throw RuleFileError(
                        file: rule.file, line: rule.line, column: 1, path: "id",
                        message: "Sigma rule id '\(rule.id)' is also a rule of the pack")
                }
                result.ruleSet.allRules.append(Rule(sigma: rule))
            }
            result.ruleSet.sigmaSkipped = loaded.skipped
            result.ruleSet.files += sigma
            let notRun = loaded.skipped.count
            if notRun > 0 {
                let errors = loaded.skipped.filter(\.isError).count
                var details: [String] = []
                if errors > 0 { details.append("\(errors) invalid") }
                result.warnings.append(
                    RuleFileError(
                        file: sigma.joined(separator: ", "), line: 0, column: 0, path: RuleFileError.sigmaSummaryPath,
                        message: "\(notRun) of \(loaded.files.count) Sigma rule file(s) are not run"
                            + (details.isEmpty ? "" : " (" + details.joined(separator: "; ") + ")")
                            + "; 'auditree rules check --sigma PATH' lists each with the reason"))
            }
        }
        for file in files {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                let reason =
                    FileManager.default.fileExists(atPath: file)
                    ? "cannot read as UTF-8 text" : "cannot open: No such file or directory"
                throw RuleFileError(file: file, line: 0, column: 0, path: "", message: reason)
            }
            let next = try RuleFileParser.parse(text, file: file, base: result.ruleSet)
            var ruleSet = next.ruleSet
            ruleSet.sigmaSkipped = result.ruleSet.sigmaSkipped
            result = RuleFileParser.Result(ruleSet: ruleSet, warnings: result.warnings + next.warnings)
        }
        return result
    }
}
