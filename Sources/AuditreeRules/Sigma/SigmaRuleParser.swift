import Foundation

/// A Sigma rule file auditree does not run, and why.
public struct SigmaSkipped: Sendable, Equatable {
    public var file: String
    public var id: String?
    public var title: String?
    public var reason: String
    /// True when the file is not a valid Sigma rule at all (YAML or structure), not merely outside what auditree runs.
    public var isError: Bool
}

/// Reads one Sigma rule file into a `SigmaRule`, or says why auditree cannot run it.
///
/// Anything outside the subset implemented is refused with a reason rather than guessed at,
/// so a rule is either evaluated as its author meant or reported as not run.
public enum SigmaRuleParser {
    public enum Outcome: Sendable {
        case rule(SigmaRule)
        case skipped(SigmaSkipped)
    }

    /// Modifiers of a value, as written after `|`.
    static let supportedModifiers: Set<String> = [
        "contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cased", "exists", "windash", "base64",
        "base64offset", "cidr",
    ]

    /// Sysmon for Linux's process_creation fields that an exec in an audit log gives.
    public static let processCreationFields: Set<String> = [
        "Image", "CommandLine", "ParentImage", "ParentCommandLine", "User", "LogonId", "CurrentDirectory",
        "ProcessId", "ParentProcessId",
    ]

    public static func parse(_ text: String, file: String) -> Outcome {
        let root: SigmaYAMLNode
        let rootLine: Int
        if let read = SigmaYAMLReader.read(text) {
            (root, rootLine) = read
        } else {
            do {
                guard let composed = try SigmaYAMLNode.composed(text) else {
                    return skip(file, nil, nil, "empty file", error: true)
                }
                (root, rootLine) = composed
            } catch {
                return skip(
                    file, nil, nil, "not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")",
                    error: true)
            }
        }
        guard let rootMap = root.mapping else {
            return skip(file, nil, nil, "not a Sigma rule (the top level is not a map)", error: true)
        }
        let id = rootMap[textKey: "id"]?.string
        let title = rootMap[textKey: "title"]?.string
        if rootMap[textKey: "correlation"] != nil {
            return skip(file, id, title, "correlation rules are not supported", error: false)
        }
        guard let id, !id.isEmpty else { return skip(file, nil, title, "missing 'id'", error: true) }
        guard let title else { return skip(file, id, nil, "missing 'title'", error: true) }
        guard let logsource = rootMap[textKey: "logsource"]?.mapping else {
            return skip(file, id, title, "missing 'logsource'", error: true)
        }
        let category = logsource[textKey: "category"]?.string
        let service = logsource[textKey: "service"]?.string
        let product = logsource[textKey: "product"]?.string
        let target: SigmaRule.Target
        if category == "process_creation", product == nil || product == "linux", service == nil {
            target = .processCreation
        } else if service == "auditd", category == nil {
            target = .auditd
        } else {
            let source = [
                product.map { "product: \($0)" }, category.map { "category: \($0)" }, service.map { "service: \($0)" },
            ].compactMap { $0 }.joined(separator: ", ")
            return skip(
                file, id, title, "logsource \(source): audit logs give only process_creation and auditd events",
                error: false)
        }
        guard let detectionMap = rootMap[textKey: "detection"]?.mapping else {
            return skip(file, id, title, "missing 'detection'", error: true)
        }
        var searches: [String: SigmaSearch] = [:]
        var conditionText: String?
        for entry in detectionMap {
            guard let key = entry.key else { continue }
            let value = entry.value
            if key == "condition" {
                if let text = value.string {
                    conditionText = text
                } else if let list = value.sequence, list.count == 1, let text = list.first?.string {
                    conditionText = text
                } else {
                    return skip(file, id, title, "a list of several conditions is not supported", error: false)
                }
                continue
            }
            if key == "timeframe" {
                return skip(file, id, title, "'timeframe' (aggregation) is not supported", error: false)
            }
            do throws(SigmaConditionParser.Failure) {
                searches[key] = try search(value, target: target, name: key)
            } catch {
                return skip(file, id, title, "detection.\(key): \(error.description)", error: isInvalid(error))
            }
        }
        guard let conditionText else { return skip(file, id, title, "missing 'detection.condition'", error: true) }
        let condition: SigmaCondition
        do throws(SigmaConditionParser.Failure) {
            condition = try SigmaConditionParser.parse(conditionText, searches: Array(searches.keys))
        } catch {
            return skip(file, id, title, "detection.condition: \(error.description)", error: isInvalid(error))
        }
        if target == .auditd,
            let reason = SigmaAuditdRules.refusal(SigmaDetection(searches: searches, condition: condition))
        {
            return skip(file, id, title, "detection.condition: \(reason)", error: false)
        }
        let rule = SigmaRule(
            id: id, title: title, description: rootMap[textKey: "description"]?.string ?? "",
            level: rootMap[textKey: "level"]?.string ?? "informational",
            status: rootMap[textKey: "status"]?.string ?? "", author: rootMap[textKey: "author"]?.string ?? "",
            references: rootMap[textKey: "references"]?.sequence?.compactMap(\.string) ?? [],
            tags: rootMap[textKey: "tags"]?.sequence?.compactMap(\.string) ?? [],
            target: target, detection: SigmaDetection(searches: searches, condition: condition), file: file,
            line: rootLine)
        return .rule(rule)
    }

    private static func isInvalid(_ failure: SigmaConditionParser.Failure) -> Bool {
        if case .invalid = failure { return true }
        return false
    }

    private static func skip(_ file: String, _ id: String?, _ title: String?, _ reason: String, error: Bool) -> Outcome
    {
        .skipped(SigmaSkipped(file: file, id: id, title: title, reason: reason, isError: error))
    }

    private static func search(_ node: SigmaYAMLNode, target: SigmaRule.Target, name: String)
        throws(SigmaConditionParser
        .Failure) -> SigmaSearch
    {
        if let map = node.mapping { return .maps([try fieldTests(map, target: target)]) }
        guard let list = node.sequence else {
            // A single keyword.
            return .keywords(try valueTest([node], modifiers: ["contains"], field: nil))
        }
        if list.allSatisfy({ $0.mapping != nil }) {
            var maps: [[SigmaFieldTest]] = []
            for item in list { maps.append(try fieldTests(item.mapping ?? [], target: target)) }
            return .maps(maps)
        }
        guard list.allSatisfy(\.isScalar) else { throw .unsupported("a list mixing maps and keywords") }
        // Keywords are searched for anywhere in the event text, as pySigma's full-text search does.
        return .keywords(try valueTest(Array(list), modifiers: ["contains"], field: nil))
    }

    private static func fieldTests(_ map: [SigmaYAMLEntry], target: SigmaRule.Target) throws(SigmaConditionParser
        .Failure) -> [SigmaFieldTest]
    {
        var tests: [SigmaFieldTest] = []
        for entry in map {
            guard let key = entry.key else { throw .invalid("a key that is not text") }
            let value = entry.value
            // Most keys name a field without modifiers: no split.
            let pieces =
                key.utf8.contains(UInt8(ascii: "|"))
                ? key.utf8.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false).map {
                    String(Substring($0))
                } : [key]
            let field = pieces[0]
            if field.isEmpty {
                tests.append(
                    SigmaFieldTest(field: "", test: try keywordEntry(value, pieces.dropFirst(), target: target)))
                continue
            }
            if target == .processCreation, !processCreationFields.contains(field) {
                throw .unsupported(
                    "field '\(field)' is not one audit logs give for process_creation (fields: \(processCreationFields.sorted().joined(separator: ", ")))"
                )
            }
            let values = value.sequence ?? [value]
            tests.append(
                SigmaFieldTest(
                    field: field, test: try valueTest(values, modifiers: Array(pieces.dropFirst()), field: field)))
        }
        return tests
    }

    /// A field-less entry inside a map (`'|all': [grep, password]`): keywords searched for in
    /// every value of a record, all of them with `|all` (as pySigma's full-text search, each
    /// keyword anywhere in the record). Only a `service: auditd` rule has a record to search: a
    /// process_creation rule's keyword entry would have to mean the Sysmon event's text.
    private static func keywordEntry(_ value: SigmaYAMLNode, _ modifiers: ArraySlice<String>, target: SigmaRule.Target)
        throws(SigmaConditionParser.Failure) -> SigmaValueTest
    {
        guard target == .auditd else {
            throw .unsupported("a field-less entry inside a map (supported in service: auditd rules only)")
        }
        guard modifiers.allSatisfy({ $0 == "all" }) else {
            throw .unsupported("a field-less entry inside a map with modifiers other than 'all'")
        }
        let values = value.sequence ?? [value]
        return try valueTest(values, modifiers: ["contains"] + modifiers, field: nil)
    }

    /// Builds the matchers of one entry: value transformations (windash, base64, base64offset)
    /// in the order written, then contains/startswith/endswith around each.
    static func valueTest(_ values: [SigmaYAMLNode], modifiers: [String], field: String?) throws(SigmaConditionParser
        .Failure)
        -> SigmaValueTest
    {
        for modifier in modifiers where !supportedModifiers.contains(modifier) {
            throw .unsupported("modifier '\(modifier)' is not supported")
        }
        let wrapping = modifiers.filter { ["contains", "startswith", "endswith"].contains($0) }
        if wrapping.contains(where: { $0 != wrapping[0] }) {
            throw .unsupported("modifiers '\(wrapping.joined(separator: "|"))' together")
        }
        if modifiers.contains("exists") {
            guard values.count == 1, let flag = plainBool(values[0]) else {
                throw .invalid("'exists' takes true or false")
            }
            return SigmaValueTest(matchers: [], requireAll: false, exists: flag)
        }
        let cased = modifiers.contains("cased")
        let before = wrapping.first == "contains" || wrapping.first == "endswith"
        let after = wrapping.first == "contains" || wrapping.first == "startswith"
        // Asked once per entry, not per value.
        let isRegex = modifiers.contains("re")
        let isNetwork = !isRegex && modifiers.contains("cidr")
        let transforms = modifiers.contains { $0 == "windash" || $0 == "base64" || $0 == "base64offset" }
        var matchers: [SigmaValueMatcher] = []
        matchers.reserveCapacity(values.count)
        for node in values {
            if !node.isScalar { throw .invalid("a value that is a list or map") }
            if node.isNull {
                if modifiers.isEmpty {
                    matchers.append(.null)
                    continue
                }
                throw .unsupported("a null value with modifiers")
            }
            guard let text = node.string else { throw .invalid("a value that is not text") }
            if isRegex {
                do throws(RegexSyntaxError) {
                    matchers.append(
                        .regex(
                            try SigmaRegex(
                                text, ignoreCase: modifiers.contains("i"), multiline: modifiers.contains("m"),
                                dotAll: modifiers.contains("s"))))
                } catch {
                    // Backreferences and lookaround cannot run in linear time: not run, with why.
                    throw .unsupported("regex '\(text)': \(error.description)")
                }
                continue
            }
            if isNetwork {
                guard let network = SigmaNetwork(text) else { throw .invalid("'\(text)' is not a network") }
                matchers.append(.cidr(network))
                continue
            }
            // The value's spellings after the last of windash, base64 and base64offset (each
            // works on the value as written); encoded ones are literal bytes, matched as cased.
            var variants: [String]?
            var encoded = false
            for modifier in modifiers where transforms {
                switch modifier {
                case "windash": (variants, encoded) = (windash(text), false)
                case "base64": (variants, encoded) = ([Data(text.utf8).base64EncodedString()], true)
                case "base64offset": (variants, encoded) = (base64Offsets(Array(text.utf8)), true)
                default: break
                }
            }
            guard let variants else {
                matchers.append(
                    .pattern(SigmaPattern.of(text, cased: cased, before: before, after: after, source: text)))
                continue
            }
            for variant in variants {
                // A wrapped value shows as written in the rule; else each spelling as itself.
                let source = before || after ? text : variant
                if encoded {
                    let parts = (before ? [[]] : []) + [variant.utf8.map { Optional($0) }] + (after ? [[]] : [])
                    matchers.append(.pattern(SigmaPattern(parts: parts, cased: true, source: source)))
                } else {
                    matchers.append(
                        .pattern(SigmaPattern.of(variant, cased: cased, before: before, after: after, source: source)))
                }
            }
        }
        return SigmaValueTest(matchers: matchers, requireAll: modifiers.contains("all"), exists: nil)
    }

    /// YAML 1.1's booleans, from an unquoted scalar only (as Yams' default resolver reads them).
    static func plainBool(_ node: SigmaYAMLNode) -> Bool? {
        guard case .scalar(let text, plain: true) = node else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// Every spelling of the value with each dash or slash that starts a word (an option)
    /// written as `-`, `/`, en dash, em dash or horizontal bar (as pySigma's windash).
    static func windash(_ text: String) -> [String] {
        let dashes = ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"]
        var results = [""]
        var previous: Character?
        for character in text {
            if (character == "-" || character == "/") && (previous == nil || previous!.isWhitespace) {
                results = results.flatMap { prefix in dashes.map { prefix + $0 } }
            } else {
                results = results.map { $0 + String(character) }
            }
            previous = character
            if results.count > 625 { break }
        }
        return results
    }

    /// The three base64 encodings of a value at byte offsets 0, 1 and 2 of a longer text,
    /// cut to the characters that do not depend on the bytes around it (as pySigma's base64offset).
    static func base64Offsets(_ bytes: [UInt8]) -> [String] {
        let starts = [0, 2, 3]
        let ends = [0, 3, 2]
        return (0..<3).map { shift in
            let encoded = Array(
                Data(Array(repeating: UInt8(ascii: " "), count: shift) + bytes).base64EncodedString().utf8)
            let end = encoded.count - ends[(bytes.count + shift) % 3]
            return String(decoding: encoded[min(starts[shift], end)..<end], as: UTF8.self)
        }
    }
}
