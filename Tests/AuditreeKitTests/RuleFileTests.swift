import Foundation
import Testing
@testable import AuditreeKit

@Suite("Rule files")
struct RuleFileTests {
    @Test("the built-in pack loads with both detections and no warnings")
    func builtInPack() throws {
        let pack = try RuleSet.builtIn()
        #expect(pack.rules.map(\.id) == ["interpreter_shell_spawn", "illegitimate_shell"])
        let interpreter = pack.rules[0], web = pack.rules[1]
        #expect(interpreter.severity == .critical && interpreter.category == "execution" && interpreter.mitre == ["T1059", "T1059.004"])
        #expect(web.category == "initial-access" && web.mitre.contains("T1190"))
        #expect(interpreter.relations == [.parent, .replacedImage])
    }

    struct BadFile: Sendable, CustomStringConvertible {
        var yaml: String
        var path: String
        var message: String
        var line: Int
        var description: String { path + ": " + message }
    }

    static let minimal = """
        version: 1
        lists:
          shells: [sh]
          interps: [python]
        rules:
          - id: r1
            severity: high
            child: {list: shells}
            spawner: {list: interps}
        """

    @Test("errors name file, line, column and the key path", arguments: [
        BadFile(yaml: "version: 2\n", path: "version", message: "unsupported version '2': expected 1", line: 1),
        BadFile(yaml: "lists: {}\n", path: "", message: "missing 'version' (this auditree reads version 1)", line: 1),
        BadFile(yaml: minimal.replacingOccurrences(of: "severity: high", with: "severity: urgent"), path: "rules[0].severity",
                message: "unknown severity 'urgent': expected one of info, low, medium, high, critical", line: 7),
        BadFile(yaml: minimal.replacingOccurrences(of: "{list: interps}", with: "{list: nope}"), path: "rules[0].spawner.list",
                message: "no list named 'nope'", line: 9),
        BadFile(yaml: minimal.replacingOccurrences(of: "{list: interps}", with: "{list: interps, relation: [uncle]}"),
                path: "rules[0].spawner.relation[0]", message: "unknown relation 'uncle': expected one of parent, replaced_image, ancestor", line: 9),
        BadFile(yaml: minimal.replacingOccurrences(of: "shells: [sh]", with: "shells: sh"), path: "lists.shells", message: "expected a list", line: 3),
        BadFile(yaml: minimal.replacingOccurrences(of: "    child: {list: shells}\n", with: ""), path: "rules[0]", message: "missing 'child'", line: 6),
        BadFile(yaml: "version: 1\nrules: [\n", path: "", message: "invalid YAML", line: 3),
    ])
    func errors(_ bad: BadFile) {
        #expect {
            _ = try RuleFileParser.parse(bad.yaml, file: "my-rules.yaml")
        } throws: { error in
            guard let error = error as? RuleFileError else { return false }
            #expect(error.file == "my-rules.yaml")
            #expect(error.path == bad.path)
            #expect(error.message.hasPrefix(bad.message), "\(error.message)")
            #expect(error.line == bad.line, "\(error)")
            #expect(error.description.hasPrefix("my-rules.yaml:\(bad.line):"))
            return true
        }
    }

    @Test("unknown keys are warnings with their path, and the file still loads")
    func unknownKeys() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "severity: high", with: "severity: high\n    colour: blue") + "\nextra: 1\n"
        let result = try RuleFileParser.parse(yaml, file: "r.yaml")
        #expect(result.ruleSet.rules.count == 1)
        #expect(result.warnings.map(\.path) == ["extra", "rules[0].colour"])
        #expect(result.warnings.allSatisfy { $0.message.contains("unknown key") })
    }

    @Test("a rule file drives detection: a custom spawner list flags what the pack does not")
    func customRules() throws {
        // awk is in the built-in interpreters; with a pack of only 'bash' as spawner the python cases vanish.
        let yaml = """
            version: 1
            lists:
              shells: [sh, dash]
              spawners: [bash]
            rules:
              - id: bash_spawns_sh
                severity: low
                child: {list: shells}
                spawner: {list: spawners}
            """
        let rules = try RuleFileParser.parse(yaml, file: "custom.yaml").ruleSet
        let report = try Scanner.run(ScanConfiguration(inputs: [Fixtures.recorded("enriched-execve")], ruleSet: rules))
        #expect(!report.findings.isEmpty)
        #expect(report.findings.allSatisfy { $0.rule.id == "bash_spawns_sh" && $0.spawner.image?.exe?.basename == "bash" })
        #expect(report.exitCode(failOn: .medium) == 0)
        #expect(report.exitCode(failOn: .low) == 1)
    }
}

@Suite("Name matching")
struct NameMatcherTests {
    @Test("version suffixes are removed", arguments: [
        ("python3.11", "python"), ("php-fpm8.2", "php-fpm"), ("perl5.36.0", "perl"), ("ruby3.1", "ruby"),
        ("ksh93", "ksh"), ("lua5.4", "lua"), ("node", "node"), ("apache2", "apache"), ("python2", "python"),
    ])
    func versions(_ name: String, _ plain: String) {
        #expect(NameMatcher.withoutVersion(name) == plain)
    }

    @Test("names are matched as written or without version; a login shell's dash is ignored")
    func entries() {
        let names: Set<String> = ["bash", "apache2", "python"]
        #expect(NameMatcher.entry(for: "apache2", in: names) == "apache2")
        #expect(NameMatcher.entry(for: "python3.11", in: names) == "python")
        #expect(NameMatcher.entry(for: "pythonista", in: names) == nil)
        #expect(NameMatcher.plainName("-bash") == "bash")
    }
}
