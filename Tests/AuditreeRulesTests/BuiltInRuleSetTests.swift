import Foundation
import TestSupport
import Testing

@testable import AuditreeRules
@testable import AuditreeTree

@Suite("Built-in rule set")
struct BuiltInRuleSetTests {
    @Test("BuiltInRuleSet.swift is what the parser makes of default-rules.yaml, and builds that set")
    func generatedFromThePack() throws {
        let parsed = try RuleFileParser.parseBuiltIn(RuleSet.builtInText())
        #expect(parsed.warnings.isEmpty && parsed.ruleSet.sigmaSkipped.isEmpty)
        #expect(parsed.ruleSet.allRules.allSatisfy { $0.sigma == nil })
        let source = BuiltInRuleSetSource.render(parsed.ruleSet)
        try GoldenFile.check(
            Data(source.utf8), against: PackageRoot.url.appendingPathComponent(BuiltInRuleSetSource.path))
        let compiled = try RuleSet.builtIn()
        #expect(BuiltInRuleSetSource.render(compiled) == source)
        func described(_ set: RuleSet) -> String {
            RuleSetDescription.list(set) + set.allRules.map { RuleSetDescription.show($0, in: set) }.joined()
                + set.context.map { "\($0.id): \($0.any.map(\.summary))" }.joined(separator: "\n")
        }
        #expect(described(compiled) == described(parsed.ruleSet))
        #expect(try RuleSet.load(files: []).ruleSet.files == [RuleSet.builtInName])
    }

    /// A property added to one of these types must be written by `BuiltInRuleSetSource` too:
    /// otherwise the compiled pack would lose it while the comparison above still passed.
    @Test("the generator knows every stored property of the pack's types")
    func everyProperty() throws {
        func labels(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }
        let pattern = try TextPattern("a")
        let condition = ProcessCondition()
        let origin = RuleOrigin(file: "f", line: 1)
        #expect(
            labels(RuleSet()) == ["lists", "multicall", "allRules", "exceptions", "context", "files", "sigmaSkipped"])
        #expect(labels(NameList(names: [])) == ["names", "patterns", "exePatterns", "includes", "origins"])
        #expect(labels(NamePattern(label: "l", name: "n", argv: pattern)) == ["label", "name", "argv"])
        #expect(labels(ExePattern(label: "l", exe: pattern)) == ["label", "exe"])
        #expect(labels(pattern) == ["source", "program"])
        #expect(labels(origin) == ["file", "line"])
        #expect(
            labels(condition) == [
                "list", "names", "exe", "exePrefix", "uid", "euid", "auid", "tty", "user", "cwdPrefix", "cwdRegex",
                "key", "keyRegex", "argvRegex", "learnedRoot",
            ])
        #expect(
            labels(RuleException(id: "i", reason: "r", origin: origin)) == [
                "id", "reason", "rules", "child", "spawner", "ancestor", "host", "origin",
            ])
        #expect(
            labels(ContextIndicator(id: "i", description: "d", raise: 1, on: [], any: [], rules: nil, origin: origin))
                == ["id", "description", "raise", "on", "any", "rules", "exceptRules", "origin"])
        #expect(labels(InferenceClause(all: [], confidence: .low)) == ["all", "confidence"])
        #expect(
            labels(Rule(id: "i", name: "n", severity: .low, childList: "c", spawnerList: "s", origin: "o")) == [
                "id", "name", "description", "severity", "category", "mitre", "childList", "childCondition",
                "spawnerList", "spawnerCondition", "relations", "skipList", "within", "exceptions", "inference",
                "enabled", "origin", "line", "author", "references", "sigma",
            ])
    }
}
