import ArgumentParser
import Testing

@testable import auditree

/// PlainScanArguments reads the common scan command lines without ArgumentParser: on every line it
/// takes, the request must be the one ArgumentParser's ScanCommand gives; every other line is left
/// to ArgumentParser.
@Suite("plain scan arguments")
struct PlainScanArgumentsTests {
    static let subcommands = Auditree.configuration.subcommands.flatMap {
        [$0._commandName] + $0.configuration.aliases
    }

    /// The plain reader knows scan's options as scan declares them: every long option in scan's
    /// help is one of its valued options (those shown with a value) or flags, apart from help and
    /// version, which it leaves to ArgumentParser; and it knows no option scan does not have. An
    /// option removed from scan, or turned from a value into a flag, fails here.
    @Test("the plain reader's options are scan's options")
    func optionsAreScans() {
        var valued: Set<String> = []
        var flags: Set<String> = []
        for line in ScanCommand.helpMessage(columns: 1000).split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let first = words.first, first.hasPrefix("-") else { continue }
            let names = words.prefix { $0.hasPrefix("-") }.map { $0.hasSuffix(",") ? $0.dropLast() : $0 }
            let takesValue = words.count > names.count && words[names.count].hasPrefix("<")
            for name in names where name.hasPrefix("--") {
                if takesValue {
                    valued.insert(String(name.dropFirst(2)))
                } else {
                    flags.insert(String(name.dropFirst(2)))
                }
            }
        }
        #expect(valued == PlainScanArguments.valued)
        #expect(flags.subtracting(["help", "version"]) == PlainScanArguments.flags)
        #expect(PlainScanArguments.repeatable.isSubset(of: PlainScanArguments.valued))
    }

    static let taken: [[String]] = [
        [],
        ["scan"],
        ["audit.log"],
        ["scan", "--threads", "1", "--format", "json", "/tmp/a.log"],
        ["scan", "--threads", "1", "--format", "json", "--quiet", "input.log"],
        ["--format=JSON", "a.log", "b.log", "-"],
        ["scan", "--fail-on", "high", "--color", "never", "--strict", "--no-group", "--show-suppressed", "x"],
        ["scan", "--output", "r.json", "--output=r.sarif", "--baseline", "b.json", "x.log"],
        [
            "scan", "--since", "2026-11-23", "--until=today", "--uid", "0", "--user", "www-data", "--key", "k1",
            "--key", "k2",
        ],
        ["scan", "--exe", "/usr/bin/dash", "--comm", "sh", "--node", "web1", "--pid", "42", "a.log"],
        ["scan", "--checkpoint", "/tmp/cp.json", "--lock-timeout", "2.5", "a.log"],
        ["scan", "--rules", "r.yaml", "--sigma", "sigma/", "--no-default-rules", "--host", "h1", "a.log"],
        ["scan", "--host", "a.log=h1", "--host=b.log=h2", "a.log", "b.log", "--threads=2"],
        ["scan", "--pid", "+7", "--threads", "08", "a.log"],
    ]

    static let left: [[String]] = [
        ["--help"], ["-h"], ["help"], ["scan", "--help"], ["--version"], ["tree", "a.log"], ["scan", "tree"],
        ["a.log", "events"], ["--key", "tree", "a.log"], ["scan", "--", "a.log"], ["scan", "--format"],
        ["scan", "--format", "yaml"], ["scan", "--format", "json", "--format", "text"], ["scan", "--quiet", "--quiet"],
        ["scan", "--quiet=yes"], ["scan", "--threads", "0"], ["scan", "--threads", "-1"], ["scan", "--threads", "two"],
        ["scan", "--pid", "4x"], ["scan", "--lock-timeout", "100000"], ["scan", "--lock-timeout", "nan"],
        ["scan", "--output", "report.pdf"], ["scan", "--checkpoint", "c.json", "--node", "h"],
        ["scan", "--checkpoint", "c.json", "-"], ["scan", "-q"], ["scan", "--no-such-option"], ["scan", ""],
        ["scan", "--generate-completion-script", "bash"], ["scan", "--since", "-2h"], ["--thread", "1"],
    ]

    @Test("the common scan lines give the command ArgumentParser gives", arguments: taken)
    func sameCommand(arguments: [String]) throws {
        let plain = try #require(PlainScanArguments.request(for: arguments, subcommands: Self.subcommands))
        let parsed = try #require(try Auditree.parseAsRoot(arguments) as? ScanCommand)
        #expect(plain == parsed.request)
    }

    @Test("help, errors and every unusual line are left to ArgumentParser", arguments: left)
    func leftToArgumentParser(arguments: [String]) {
        #expect(PlainScanArguments.request(for: arguments, subcommands: Self.subcommands) == nil)
    }
}
