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

/// How a spawner candidate relates to the shell.
public enum SpawnerRelation: String, CaseIterable, Sendable {
    /// The process that created the shell (through any launchers).
    case parent
    /// What the shell's own pid ran before a same-pid exec.
    case replacedImage = "replaced_image"
    /// An earlier generation than the parent.
    case ancestor
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
    /// The list the spawner must match (interpreters, web servers).
    public var spawnerList: String
    public var relations: Set<SpawnerRelation>
    /// A list of launchers the spawner search looks through (env, nice, ...).
    public var skipList: String?
    /// The rule file this rule came from.
    public var origin: String
}

/// A loaded rule pack: named lists and the rules that use them.
public struct RuleSet: Sendable {
    public var lists: [String: Set<String>]
    public var multicall: Set<String>
    public var rules: [Rule]

    public init(lists: [String: Set<String>], multicall: Set<String>, rules: [Rule]) {
        self.lists = lists
        self.multicall = multicall
        self.rules = rules
    }

    /// The pack shipped in the package's resources.
    public static func builtIn() throws(RuleFileError) -> RuleSet {
        guard let url = Bundle.module.url(forResource: "default-rules", withExtension: "yaml") else {
            throw RuleFileError(file: "default-rules.yaml", line: 0, column: 0, path: "", message: "built-in rule pack is missing from the package resources")
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RuleFileError(file: url.path, line: 0, column: 0, path: "", message: "cannot read: \(error)")
        }
        return try RuleFileParser.parse(text, file: "<built-in>").ruleSet
    }
}

import Foundation
