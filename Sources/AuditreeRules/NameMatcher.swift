import AuditreeBase
import AuditreeParser
import AuditreeTree

/// Matches a process image's names against the named lists of a rule set.
///
/// A class: the evaluator asks it several times per exec, and a struct holding the rule set
/// would be copied out of the evaluator for each call, retaining every field of the rule set.
public final class NameMatcher: Sendable {
    public let ruleSet: RuleSet
    /// A long command line is matched once per regex.
    public let commandLines = CommandLineMatches()

    public init(_ ruleSet: RuleSet) { self.ruleSet = ruleSet }

    /// The first of the image's names found in `list`, in the order exe, applet, comm, argv0;
    /// then the list's command-line entries (`java` running Tomcat), in file order.
    ///
    /// With `exeOnly`, an image that has an exe answers only to it (and a multicall binary to its
    /// applet): a process is what its executed file is, whatever its comm or argv[0] say.
    /// A list's exe entries match the exe path; included lists are tried last, in order.
    public func match(_ image: ProcessImage, list: String, exeOnly: Bool = false) -> MatchEvidence? {
        match(image, list: list, exeOnly: exeOnly, depth: 0)
    }

    private func match(_ image: ProcessImage, list: String, exeOnly: Bool, depth: Int) -> MatchEvidence? {
        guard let names = ruleSet.lists[list], depth < 8 else { return nil }
        var identities = identities(of: image)
        if exeOnly, image.exe != nil { identities.removeAll { $0.0 == .comm || $0.0 == .argv0 } }
        if let found = nameMatch(image, names, list: list, identities: identities) { return found }
        if !names.exePatterns.isEmpty, let exe = image.exe {
            let path = exe.lossyString
            if let pattern = names.exePatterns.first(where: { $0.exe.matches(path) }) {
                return MatchEvidence(field: .exe, value: path, list: list, entry: pattern.label, byLocation: true)
            }
        }
        for included in names.includes {
            if var found = match(image, list: included, exeOnly: exeOnly, depth: depth + 1) {
                found.entry = "\(found.list): \(found.entry)"
                found.list = list
                return found
            }
        }
        return nil
    }

    private func nameMatch(
        _ image: ProcessImage, _ names: NameList, list: String, identities: [(IdentityField, String)]
    ) -> MatchEvidence? {
        for (field, value) in identities {
            if let entry = Self.entry(for: value, in: names.names) {
                return MatchEvidence(field: field, value: value, list: list, entry: entry)
            }
        }
        guard !names.patterns.isEmpty else { return nil }
        // Each name with its version stripped once (as `entry(for:in:)` would), not per pattern;
        // the command line is built only when a pattern's name matched.
        let stripped = identities.map { Self.withoutVersion($0.1) }
        var commandLine: String?
        for pattern in names.patterns {
            guard
                let index = identities.indices.first(where: {
                    identities[$0].1 == pattern.name || (!stripped[$0].isEmpty && stripped[$0] == pattern.name)
                })
            else { continue }
            guard commandLines.matches(pattern.argv, image, joined: &commandLine) else { continue }
            return MatchEvidence(
                field: identities[index].0, value: identities[index].1, list: list, entry: pattern.label)
        }
        return nil
    }

    /// Whether the image answers to one of `names` (as a list entry would).
    public func answers(_ image: ProcessImage, to names: Set<String>) -> Bool {
        identities(of: image).contains { Self.entry(for: $0.1, in: names) != nil }
    }

    /// Whether every condition given holds for the image.
    public func satisfies(_ image: ProcessImage, _ condition: ProcessCondition) -> Bool {
        if let list = condition.list, match(image, list: list) == nil { return false }
        if let names = condition.names, !answers(image, to: names) { return false }
        if let exe = condition.exe {
            guard let path = image.exe?.lossyString else { return false }
            let base = image.exe.map { $0.basename.lossyString } ?? ""
            if !exe.contains(where: { $0 == path || $0 == base }) { return false }
        }
        if let prefixes = condition.exePrefix, !Self.hasPathPrefix(image.exe?.lossyString, prefixes) { return false }
        if let uids = condition.uid, !(image.uid.map(uids.contains) ?? false) { return false }
        if let euids = condition.euid, !(image.euid.map(euids.contains) ?? false) { return false }
        if let auids = condition.auid, !(image.auid.map(auids.contains) ?? false) { return false }
        if let ttys = condition.tty, !(image.tty.map { ttys.contains($0.lossyString) } ?? false) { return false }
        if let users = condition.user, !(image.userName.map(users.contains) ?? false) { return false }
        if let prefixes = condition.cwdPrefix, !Self.hasPathPrefix(image.cwd?.lossyString, prefixes) { return false }
        if let regex = condition.cwdRegex, !(image.cwd.map { regex.matches($0.lossyString) } ?? false) { return false }
        if let keys = condition.key, !(image.key.map { keys.contains($0.lossyString) } ?? false) { return false }
        if let regex = condition.keyRegex, !(image.key.map { regex.matches($0.lossyString) } ?? false) { return false }
        if let regex = condition.argvRegex, !commandLines.matches(regex, image) { return false }
        // Learned roots are known only to a scan's evaluator (context indicators); elsewhere they never hold.
        if condition.learnedRoot != nil { return false }
        return true
    }

    /// The first condition given that does not hold, with the value from the log it was tested
    /// against (for a regex: the string it was matched against); nil when all hold.
    public func unmet(_ image: ProcessImage, _ condition: ProcessCondition) -> ConditionMiss? {
        let names = identities(of: image).map(\.1).joined(separator: " ")
        func listed(_ values: some Sequence<String>) -> String { "[" + values.sorted().joined(separator: ", ") + "]" }
        func ids(_ values: Set<UInt32>) -> String {
            "[" + values.sorted().map(String.init).joined(separator: ", ") + "]"
        }
        if let list = condition.list, match(image, list: list) == nil {
            return ConditionMiss(key: "list", condition: list, value: names)
        }
        if let set = condition.names, !answers(image, to: set) {
            return ConditionMiss(key: "names", condition: listed(set), value: names)
        }
        if let exe = condition.exe {
            let path = image.exe?.lossyString
            let base = image.exe.map { $0.basename.lossyString } ?? ""
            if path == nil || !exe.contains(where: { $0 == path || $0 == base }) {
                return ConditionMiss(key: "exe", condition: listed(exe), value: path)
            }
        }
        if let prefixes = condition.exePrefix, !Self.hasPathPrefix(image.exe?.lossyString, prefixes) {
            return ConditionMiss(key: "exe_prefix", condition: listed(prefixes), value: image.exe?.lossyString)
        }
        if let uids = condition.uid, !(image.uid.map(uids.contains) ?? false) {
            return ConditionMiss(key: "uid", condition: ids(uids), value: image.uid.map { String($0) })
        }
        if let euids = condition.euid, !(image.euid.map(euids.contains) ?? false) {
            return ConditionMiss(key: "euid", condition: ids(euids), value: image.euid.map { String($0) })
        }
        if let auids = condition.auid, !(image.auid.map(auids.contains) ?? false) {
            return ConditionMiss(key: "auid", condition: ids(auids), value: image.auid.map { String($0) })
        }
        if let ttys = condition.tty, !(image.tty.map { ttys.contains($0.lossyString) } ?? false) {
            return ConditionMiss(key: "tty", condition: listed(ttys), value: image.tty?.lossyString)
        }
        if let users = condition.user, !(image.userName.map { users.contains($0) } ?? false) {
            return ConditionMiss(key: "user", condition: listed(users), value: image.userName.map { "\($0)" })
        }
        if let prefixes = condition.cwdPrefix, !Self.hasPathPrefix(image.cwd?.lossyString, prefixes) {
            return ConditionMiss(key: "cwd_prefix", condition: listed(prefixes), value: image.cwd?.lossyString)
        }
        if let regex = condition.cwdRegex, !(image.cwd.map { regex.matches($0.lossyString) } ?? false) {
            return ConditionMiss(key: "cwd_regex", condition: "/\(regex.source)/", value: image.cwd?.lossyString)
        }
        if let keys = condition.key, !(image.key.map { keys.contains($0.lossyString) } ?? false) {
            return ConditionMiss(key: "key", condition: listed(keys), value: image.key?.lossyString)
        }
        if let regex = condition.keyRegex, !(image.key.map { regex.matches($0.lossyString) } ?? false) {
            return ConditionMiss(key: "key_regex", condition: "/\(regex.source)/", value: image.key?.lossyString)
        }
        if let regex = condition.argvRegex, !commandLines.matches(regex, image) {
            return ConditionMiss(
                key: "argv_regex", condition: "/\(regex.source)/", value: CommandLineMatches.shownCommandLine(image))
        }
        return nil
    }

    /// The arguments joined by single spaces, as argv regexes see them.
    public static func commandLine(_ image: ProcessImage) -> String { CommandLineMatches.commandLine(image) }

    /// `path` is one of the prefixes or below one (`/var/www` holds `/var/www/html`, not `/var/wwwx`).
    static func hasPathPrefix(_ path: String?, _ prefixes: [String]) -> Bool {
        guard let path else { return false }
        return prefixes.contains { prefix in
            if prefix.hasSuffix("/") { return path.hasPrefix(prefix) || path + "/" == prefix }
            return path == prefix || path.hasPrefix(prefix + "/")
        }
    }

    /// The names a process answers to. A multicall binary (busybox) answers
    /// only to its applet, so `busybox wget` is not a shell but `busybox sh` is.
    public func identities(of image: ProcessImage) -> [(IdentityField, String)] {
        var result: [(IdentityField, String)] = []
        let exe = image.exe.map { Self.plainName($0.basename) }
        let argv0 = image.argv.arguments.first.map { Self.plainName($0.basename) }
        if let exe, ruleSet.multicall.contains(exe) {
            if let argv0, argv0 != exe, !argv0.isEmpty {
                result.append((.applet, argv0))
            } else if image.argv.arguments.count > 1 {
                result.append((.applet, Self.plainName(image.argv.arguments[1].basename)))
            }
            return result
        }
        if let exe { result.append((.exe, exe)) }
        if let comm = image.comm { result.append((.comm, Self.plainName(comm))) }
        if let argv0 { result.append((.argv0, argv0)) }
        return result
    }

    /// A list entry equal to `name`, or to `name` without its version suffix.
    static func entry(for name: String, in names: Set<String>) -> String? {
        if names.contains(name) { return name }
        let stripped = withoutVersion(name)
        if stripped != name, !stripped.isEmpty, names.contains(stripped) { return stripped }
        return nil
    }

    /// `python3.11` -> `python`, `php-fpm8.2` -> `php-fpm`, `perl5.36.0` -> `perl`, `ksh93` -> `ksh`.
    static func withoutVersion(_ name: String) -> String {
        // An ASCII name (nearly every one) is stripped on its bytes: each byte is a Character
        // and only 0-9 among them are numbers. Character by character, this cost more than the
        // rest of matching a name (Unicode properties and grapheme breaks per call).
        let utf8 = name.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            var end = utf8.endIndex
            while end > utf8.startIndex {
                let last = utf8[utf8.index(before: end)]
                guard (last >= UInt8(ascii: "0") && last <= UInt8(ascii: "9")) || last == UInt8(ascii: ".") else {
                    break
                }
                end = utf8.index(before: end)
            }
            while end > utf8.startIndex {
                let last = utf8[utf8.index(before: end)]
                guard last == UInt8(ascii: "-") || last == UInt8(ascii: "_") else { break }
                end = utf8.index(before: end)
            }
            return end == utf8.endIndex ? name : String(name[..<end])
        }
        var scalars = Substring(name)
        while let last = scalars.last, last.isNumber || last == "." { scalars.removeLast() }
        while let last = scalars.last, last == "-" || last == "_" { scalars.removeLast() }
        return String(scalars)
    }

    /// A login shell's argv[0] is `-bash`; names are compared without that dash.
    static func plainName(_ value: LogString) -> String {
        var name = value.lossyString
        if name.hasPrefix("-") { name.removeFirst() }
        return name
    }
}

/// Which list entry matched which of a process's names.
public struct MatchEvidence: Sendable, Equatable {
    public var field: IdentityField
    public var value: String
    public var list: String
    public var entry: String
    /// Matched by where the executable lives (an `exe_regex` entry), not by a name: the
    /// finding then shows the file's identity from the exec's PATH record.
    public var byLocation = false
}

/// The condition of an exception that did not hold, and what it was tested against.
public struct ConditionMiss: Sendable, Equatable {
    /// The condition's key: `argv_regex`, `exe`, `list`, ...
    public var key: String
    /// The condition as written in the rule file: `/^sh -c id$/`, `[33, 48]`, a list's name.
    public var condition: String
    /// The value from the log (the command line for `argv_regex`, cut after 4 KiB; the names
    /// for `list`); nil when the log does not give it. Unescaped: reports escape it and shorten it.
    public var value: String?

    /// The value as a report shows it: escaped, and cut at 200 bytes so a log cannot size the report.
    public var shownValue: String {
        guard let value else { return "nothing (the log does not give it)" }
        let bytes = Array(value.utf8)
        let limit = 200
        if bytes.count <= limit { return "\"\(TextEscaper.escape(bytes))\"" }
        return "\"\(TextEscaper.escape(Array(bytes.prefix(limit))))\"... (\(bytes.count) bytes)"
    }

    /// `argv_regex /^sh -c id$/ did not match "sh -c uname -a"`, for the text report. The
    /// condition comes from the rule file and is shown as written (backslashes single).
    public var explanation: String {
        let verb = key.hasSuffix("_regex") ? "did not match" : "does not hold for"
        return "\(key) \(TextEscaper.escapeRuleText(condition)) \(verb) \(shownValue)"
    }
}
