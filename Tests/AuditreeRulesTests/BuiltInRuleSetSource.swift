@testable import AuditreeRules
@testable import AuditreeTree

/// Writes a rule set as the Swift code of `RuleSet.compiledBuiltIn()`
/// (Sources/AuditreeRules/BuiltInRuleSet.swift): statements that build the same lists, rules,
/// exceptions and context indicators without reading YAML. `BuiltInRuleSetTests` renders what
/// `RuleFileParser` makes of default-rules.yaml and expects that file to hold exactly this text,
/// and renders what the compiled code builds and expects the same text again.
///
/// Sets are written sorted, so that the text depends only on what the set holds.
enum BuiltInRuleSetSource {
    static let path = "Sources/AuditreeRules/BuiltInRuleSet.swift"

    static func render(_ set: RuleSet) -> String {
        var writer = Writer()
        writer.line("// swift-format-ignore-file")
        writer.line(
            "// Generated from default-rules.yaml by Tests/AuditreeRulesTests/BuiltInRuleSetSource.swift: do not")
        writer.line("// edit. After changing the pack, regenerate it with")
        writer.line("//   AUDITREE_UPDATE_GOLDEN=1 swift test --filter BuiltInRuleSetTests")
        writer.line("// and review the diff; the test fails while this file is not what the parser makes of the pack.")
        writer.line("")
        writer.line("extension RuleSet {")
        writer.line("    /// The built-in pack as `RuleFileParser.parseBuiltIn` reads default-rules.yaml, built")
        writer.line("    /// without reading YAML (only its regular expressions are compiled).")
        writer.line("    static func compiledBuiltIn() throws(RegexSyntaxError) -> RuleSet {")
        writer.indent = "        "
        writer.line("var set = RuleSet()")
        for name in set.lists.keys.sorted() {
            let list = set.lists[name]!
            writer.line("set.lists[\(literal(name))] = NameList(")
            writer.line("    names: \(strings(list.names.sorted())),")
            writer.list(
                "patterns",
                list.patterns.map {
                    "NamePattern(label: \(literal($0.label)), name: \(literal($0.name)), argv: \(regex($0.argv)))"
                })
            writer.list(
                "exePatterns", list.exePatterns.map { "ExePattern(label: \(literal($0.label)), exe: \(regex($0.exe)))" }
            )
            writer.line("    includes: \(strings(list.includes)),")
            writer.line("    origins: [\(list.origins.map(origin).joined(separator: ", "))])")
        }
        writer.line("set.multicall = \(strings(set.multicall.sorted()))")
        for (index, indicator) in set.context.enumerated() {
            let name = "context\(index)"
            var conditions: [String] = []
            for (number, condition) in indicator.any.enumerated() {
                conditions.append(writer.condition(condition, name: "\(name)Any\(number)"))
            }
            writer.line("var \(name) = ContextIndicator(")
            writer.line("    id: \(literal(indicator.id)), description: \(literal(indicator.description)),")
            writer.line("    raise: \(indicator.raise), on: \(enums(indicator.on)),")
            writer.line("    any: [\(conditions.joined(separator: ", "))], rules: \(optionalStrings(indicator.rules)),")
            writer.line("    origin: \(origin(indicator.origin)))")
            writer.line("\(name).exceptRules = \(optionalStrings(indicator.exceptRules))")
            writer.line("set.context.append(\(name))")
        }
        for (index, exception) in set.exceptions.enumerated() {
            writer.line("set.exceptions.append(\(writer.exception(exception, name: "exception\(index)")))")
        }
        for (index, rule) in set.allRules.enumerated() {
            let name = "rule\(index)"
            let child = writer.condition(rule.childCondition, name: "\(name)Child")
            let spawner = writer.condition(rule.spawnerCondition, name: "\(name)Spawner")
            var exceptions: [String] = []
            for (number, exception) in rule.exceptions.enumerated() {
                exceptions.append(writer.exception(exception, name: "\(name)Exception\(number)"))
            }
            writer.line("var \(name) = Rule(")
            writer.line("    id: \(literal(rule.id)), name: \(literal(rule.name)),")
            writer.line("    description: \(literal(rule.description)),")
            writer.line("    severity: .\(String(describing: rule.severity)), category: \(literal(rule.category)),")
            writer.line("    mitre: \(strings(rule.mitre)),")
            writer.line("    childList: \(literal(rule.childList)), childCondition: \(child),")
            writer.line("    spawnerList: \(literal(rule.spawnerList)), spawnerCondition: \(spawner),")
            writer.line(
                "    relations: \(enums(rule.relations)), skipList: \(optional(rule.skipList)), "
                    + "within: \(rule.within),")
            writer.line("    exceptions: [\(exceptions.joined(separator: ", "))],")
            writer.list(
                "inference",
                rule.inference.map {
                    "InferenceClause(all: \(strings($0.all)), confidence: .\(String(describing: $0.confidence)))"
                })
            writer.line("    enabled: \(rule.enabled), origin: \(literal(rule.origin)), line: \(rule.line))")
            writer.line("\(name).author = \(literal(rule.author))")
            writer.line("\(name).references = \(strings(rule.references))")
            writer.line("set.allRules.append(\(name))")
        }
        writer.line("set.files = \(strings(set.files))")
        writer.line("return set")
        writer.indent = ""
        writer.line("    }")
        writer.line("}")
        return writer.text
    }

    private struct Writer {
        var text = ""
        var indent = ""

        mutating func line(_ line: String) {
            text += line.isEmpty ? "\n" : indent + line + "\n"
        }

        /// An argument holding an array, one element a line.
        mutating func list(_ label: String, _ elements: [String]) {
            guard !elements.isEmpty else { return line("    \(label): [],") }
            line("    \(label): [")
            for element in elements { line("        \(element),") }
            line("    ],")
        }

        /// Statements building the condition in a variable; returns its name (or, for a condition
        /// without fields, the expression).
        mutating func condition(_ condition: ProcessCondition, name: String) -> String {
            guard !condition.isEmpty else { return "ProcessCondition()" }
            line("var \(name) = ProcessCondition()")
            let fields: [(String, String?)] = [
                ("list", condition.list.map(literal)),
                ("names", condition.names.map { strings($0.sorted()) }),
                ("exe", condition.exe.map(strings)),
                ("exePrefix", condition.exePrefix.map(strings)),
                ("uid", condition.uid.map(ids)),
                ("euid", condition.euid.map(ids)),
                ("auid", condition.auid.map(ids)),
                ("tty", condition.tty.map { strings($0.sorted()) }),
                ("user", condition.user.map { strings($0.sorted()) }),
                ("cwdPrefix", condition.cwdPrefix.map(strings)),
                ("cwdRegex", condition.cwdRegex.map(regex)),
                ("key", condition.key.map { strings($0.sorted()) }),
                ("keyRegex", condition.keyRegex.map(regex)),
                ("argvRegex", condition.argvRegex.map(regex)),
                ("learnedRoot", condition.learnedRoot.map(literal)),
            ]
            for (field, value) in fields {
                if let value { line("\(name).\(field) = \(value)") }
            }
            return name
        }

        /// Statements building the exception in a variable; returns its name.
        mutating func exception(_ exception: RuleException, name: String) -> String {
            var conditions: [String?] = []
            for (suffix, condition) in [
                ("Child", exception.child), ("Spawner", exception.spawner), ("Ancestor", exception.ancestor),
            ] {
                if let condition {
                    conditions.append(self.condition(condition, name: name + suffix))
                } else {
                    conditions.append(nil)
                }
            }
            line("var \(name) = RuleException(")
            line("    id: \(literal(exception.id)),")
            line("    reason: \(literal(exception.reason)),")
            line("    origin: \(origin(exception.origin)))")
            line("\(name).rules = \(optionalStrings(exception.rules))")
            line("\(name).child = \(conditions[0] ?? "nil")")
            line("\(name).spawner = \(conditions[1] ?? "nil")")
            line("\(name).ancestor = \(conditions[2] ?? "nil")")
            line("\(name).host = \(optionalStrings(exception.host))")
            return name
        }
    }

    /// A Swift string literal of the text: quotes, backslashes and control characters escaped.
    static func literal(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value >= 0x7F {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    private static func strings(_ values: [String]) -> String {
        "[\(values.map(literal).joined(separator: ", "))]"
    }

    private static func optional(_ value: String?) -> String {
        value.map(literal) ?? "nil"
    }

    private static func optionalStrings(_ values: Set<String>?) -> String {
        values.map { strings($0.sorted()) } ?? "nil"
    }

    /// A set of enum cases by their names (`.replacedImage`), sorted.
    private static func enums(_ values: Set<some Hashable>) -> String {
        "[\(values.map { ".\(String(describing: $0))" }.sorted().joined(separator: ", "))]"
    }

    private static func ids(_ values: Set<UInt32>) -> String {
        "[\(values.sorted().map(String.init).joined(separator: ", "))]"
    }

    private static func regex(_ pattern: TextPattern) -> String {
        "try TextPattern(\(literal(pattern.source)))"
    }

    private static func origin(_ origin: RuleOrigin) -> String {
        "RuleOrigin(file: \(literal(origin.file)), line: \(origin.line))"
    }
}
