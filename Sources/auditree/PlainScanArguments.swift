import ArgumentParser
import AuditreeKit

/// The `scan` command lines that cron, CI and scripts run (`auditree scan --format json
/// --quiet audit.log`), read without ArgumentParser; any other command line goes to
/// ArgumentParser, which gives every help text, error and exit status.
///
/// ArgumentParser finds a command's arguments by reflecting on it (`Mirror`) several times a
/// run, and each type it meets for the first time asks the Swift runtime a conformance
/// question, answered by scanning every conformance record of the static binary: about half
/// the cost of a run on an empty log (docs/performance.md, "Start-up"). This reader builds a
/// ScanRequest without creating a ScanCommand (whose property wrappers are such types) and accepts
/// only what it can read exactly as ArgumentParser does: `scan` first or no subcommand, long
/// options of `scan` (`--name value` or `--name=value`), flags once each, values ArgumentParser
/// would accept and `validate()` passes. Anything else (help, version, a short option, `--`, a
/// repeated single-value option or flag, a value that begins with '-', an argument that names a
/// subcommand or `help`, a value ArgumentParser would refuse) returns nil, and ArgumentParser reads
/// the whole command line as before. Tests/AuditreeCLITests/PlainScanArgumentsTests.swift
/// compares both readers on a table of command lines.
enum PlainScanArguments {
    /// The options that take a value, by long name.
    static let valued: Set<String> = [
        "format", "fail-on", "color", "output", "baseline", "since", "until", "uid", "user", "key", "exe", "comm",
        "node", "pid", "checkpoint", "lock-timeout", "rules", "sigma", "host", "threads",
    ]
    /// Options that may be given several times, each adding a value.
    static let repeatable: Set<String> = [
        "output", "uid", "user", "key", "exe", "comm", "rules", "sigma", "host",
    ]
    static let flags: Set<String> = ["strict", "quiet", "show-suppressed", "no-group", "no-default-rules"]

    /// The scan these arguments (without the program name) ask for, validated; nil when
    /// ArgumentParser must read them.
    static func request(for arguments: [String], subcommands: [String]) -> ScanRequest? {
        var rest = arguments[...]
        if rest.first == "scan" { rest = rest.dropFirst() }
        // ArgumentParser looks for a subcommand among the values too (`--key tree`), and has `help`.
        guard !rest.contains(where: { $0 == "help" || subcommands.contains($0) }) else { return nil }
        var values: [String: [String]] = [:]
        var given: Set<String> = []
        var files: [String] = []
        var index = rest.startIndex
        while index < rest.endIndex {
            let argument = rest[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                guard !argument.isEmpty else { return nil }
                files.append(argument)
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else { return nil }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if flags.contains(name) {
                guard value == nil, given.insert(name).inserted else { return nil }
                continue
            }
            guard valued.contains(name) else { return nil }
            if value == nil {
                guard index < rest.endIndex else { return nil }
                value = rest[index]
                index += 1
            }
            guard let value, !value.hasPrefix("-") else { return nil }
            // --uid and --user are one option.
            let key = name == "user" ? "uid" : name
            guard given.insert(key).inserted || repeatable.contains(key) else { return nil }
            values[key, default: []].append(value)
        }
        return request(files: files, values: values, flags: given)
    }

    private static func request(files: [String], values: [String: [String]], flags: Set<String>) -> ScanRequest? {
        func one(_ name: String) -> String? { values[name]?.first }
        func all(_ name: String) -> [String] { values[name] ?? [] }
        // A value ArgumentParser would refuse: nil, and ArgumentParser reports it.
        func parsed<T>(_ name: String, _ read: (String) -> T?) -> T?? {
            guard let text = one(name) else { return .some(nil) }
            guard let value = read(text) else { return nil }
            return .some(value)
        }
        guard let format = parsed("format", { OutputFormat(argument: $0) }),
            let failOn = parsed("fail-on", { Severity(argument: $0) }),
            let color = parsed("color", { ColorMode(argument: $0) }),
            let pid = parsed("pid", { Int(argument: $0) }),
            let threads = parsed("threads", { Int(argument: $0) }),
            let lockTimeout = parsed("lock-timeout", { Double(argument: $0) })
        else { return nil }

        var request = ScanRequest()
        request.files = files
        request.format = format ?? request.format
        request.failOn = failOn ?? request.failOn
        request.strict = flags.contains("strict")
        request.color = color ?? request.color
        request.outputs = all("output")
        request.baseline = one("baseline")
        request.quiet = flags.contains("quiet")
        request.filters = FilterOptions.Values(
            since: one("since"), until: one("until"), users: all("uid"), key: all("key"), exe: all("exe"),
            comm: all("comm"))
        request.node = one("node")
        request.pid = pid
        request.checkpoint = one("checkpoint")
        request.lockTimeout = lockTimeout ?? request.lockTimeout
        request.ruleFiles = all("rules")
        request.sigma = all("sigma")
        request.noDefaultRules = flags.contains("no-default-rules")
        request.hosts = all("host")
        request.showSuppressed = flags.contains("show-suppressed")
        request.noGroup = flags.contains("no-group")
        request.threads = threads
        // A command line that fails validation goes to ArgumentParser, which prints the error with the usage.
        do { try request.validate() } catch { return nil }
        return request
    }
}
