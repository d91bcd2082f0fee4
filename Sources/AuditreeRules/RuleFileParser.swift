import AuditreeTree
import Foundation
import Yams

/// Reads a version 1 rule file (see docs/rules.md) from YAML, on top of the rules loaded before it.
///
/// Errors name the file, line, column and key path. An unknown key, rule id or list name is an
/// error; only in a file declaring a newer version are unknown keys warnings (it then loads
/// in this older auditree as far as it can).
public struct RuleFileParser {
    public struct Result: Sendable {
        public var ruleSet: RuleSet
        public var warnings: [RuleFileError]
    }

    public static let supportedVersion = 1

    static let conditionKeys: Set<String> = [
        "list", "names", "exe", "exe_prefix", "uid", "euid", "auid", "tty", "user", "cwd_prefix", "cwd_regex", "key",
        "key_regex", "argv_regex", "learned_root",
    ]

    private let file: String
    private var warnings: [RuleFileError] = []
    /// The file declares a newer version: unknown keys are warnings, not errors.
    private var newerVersion = false
    private var ruleReferences: [(id: String, node: Node, path: String)] = []
    private var set: RuleSet

    private init(file: String, base: RuleSet) {
        self.file = file
        self.set = base
    }

    /// Parses `text` alone, or on top of `base`: its lists, rules, exceptions and context
    /// extend or replace those of `base`.
    public static func parse(_ text: String, file: String, base: RuleSet = RuleSet()) throws(RuleFileError) -> Result {
        try parse(text, file: file, base: base, resolver: .default)
    }

    /// The built-in pack, read with Yams's basic resolver: it tags every plain scalar as text
    /// instead of trying its bool, int, float, null and timestamp regexes on each mapping key
    /// (compiling them costs more than reading the whole pack). Nothing this parser reads
    /// depends on those tags (`Node.int` and `Node.bool` read the plain scalar; a value's tag is
    /// resolved only when it is hashed, as keys are); they differ only in which keys count as
    /// duplicates (`1` and `'1'`), which the pack has none of. A test reads the pack both ways.
    static func parseBuiltIn(_ text: String) throws(RuleFileError) -> Result {
        try parse(text, file: RuleSet.builtInName, base: RuleSet(), resolver: .basic)
    }

    static func parse(_ text: String, file: String, base: RuleSet, resolver: Resolver) throws(RuleFileError) -> Result {
        var parser = RuleFileParser(file: file, base: base)
        let root: Node
        do {
            // UTF-8 said outright, as in SigmaYAMLNode: Yams's default reads the environment.
            // No construction maps: they serve only `Node.any`, which this parser never asks
            // for, and `.default` builds its dictionaries anew on every call.
            guard let node = try Yams.compose(yaml: text, resolver, Constructor([:], [:], [:]), .utf8) else {
                throw RuleFileError(file: file, line: 1, column: 1, path: "", message: "empty rule file")
            }
            root = node
        } catch let error as RuleFileError {
            throw error
        } catch let error as YamlError {
            throw parser.yamlError(error)
        } catch {
            throw RuleFileError(file: file, line: 1, column: 1, path: "", message: "not YAML: \(error)")
        }
        try parser.document(root)
        parser.set.files.append(file)
        return Result(ruleSet: parser.set, warnings: parser.warnings)
    }

    private mutating func document(_ root: Node) throws(RuleFileError) {
        let top = try mapping(root, path: "")
        guard let versionNode = top["version"] else {
            throw error(root, "", "missing 'version' (this auditree reads version \(Self.supportedVersion))")
        }
        guard case .scalar = versionNode, let version = Self.int(versionNode), version >= 1 else {
            throw error(
                versionNode, "version",
                "unsupported version '\(versionNode.string ?? "?")': expected \(Self.supportedVersion)")
        }
        if version > Self.supportedVersion {
            // A file written for a newer auditree loads as far as this one understands it.
            newerVersion = true
            warnings.append(
                error(
                    versionNode, "version",
                    "the file is version \(version), newer than this auditree reads (\(Self.supportedVersion)): "
                        + "keys it does not know are ignored with a warning; upgrade auditree to apply them"))
        }
        try checkKeys(root, allowed: ["version", "lists", "multicall", "context", "exceptions", "rules"], path: "")
        if let listsNode = top["lists"] {
            for (name, value) in try orderedMapping(listsNode, path: "lists") {
                try list(name, value, path: "lists.\(name)")
            }
        }
        if let node = top["multicall"] {
            set.multicall = try nameOperation(node, current: set.multicall, path: "multicall")
        }
        if let node = top["context"] {
            for (index, item) in try sequence(node, path: "context").enumerated() {
                try contextIndicator(item, path: "context[\(index)]")
            }
        }
        if let node = top["exceptions"] {
            for (index, item) in try sequence(node, path: "exceptions").enumerated() {
                guard let parsed = try exception(item, path: "exceptions[\(index)]", rule: nil, index: index) else {
                    continue
                }
                if let existing = set.exceptions.firstIndex(where: { $0.id == parsed.id }) {
                    set.exceptions[existing] = parsed
                } else {
                    set.exceptions.append(parsed)
                }
            }
        }
        if let node = top["rules"] {
            var seen: [String: Int] = [:]
            for (index, item) in try sequence(node, path: "rules").enumerated() {
                try rule(item, path: "rules[\(index)]", seen: &seen)
            }
        }
        try checkRuleReferences()
    }

    /// Rule ids named by exceptions and context indicators, checked once the file's own rules
    /// are loaded (a file may name a rule it defines further down).
    private func checkRuleReferences() throws(RuleFileError) {
        let known = Set(set.allRules.map(\.id))
        for reference in ruleReferences where !known.contains(reference.id) {
            let hint = EditDistance.nearest(to: reference.id, among: known).map { "; did you mean '\($0)'?" } ?? ""
            throw error(reference.node, reference.path, "no rule '\(reference.id)'\(hint)")
        }
    }

    /// Rule ids in `rules:`, `except_rules:` as read, with where they were written.
    private mutating func ruleIDs(_ node: Node, path: String) throws(RuleFileError) -> Set<String> {
        var result: Set<String> = []
        for (index, item) in try sequence(node, path: path).enumerated() {
            let id = try scalar(item, path: "\(path)[\(index)]")
            ruleReferences.append((id, item, "\(path)[\(index)]"))
            result.insert(id)
        }
        return result
    }

    /// `no list named 'x'`, with the nearest list's name when one is near.
    private func noList(_ name: String, _ node: Node, _ path: String, _ advice: String = "") -> RuleFileError {
        let hint = EditDistance.nearest(to: name, among: set.lists.keys).map { "; did you mean '\($0)'?" } ?? ""
        return error(node, path, "no list named '\(name)'\(advice)\(hint)")
    }

    // MARK: Lists

    /// A sequence defines (or replaces) a list; `{add: [...], remove: [...]}` changes the list defined before.
    private mutating func list(_ name: String, _ node: Node, path: String) throws(RuleFileError) {
        let origin = RuleOrigin(file: file, line: node.mark?.line ?? 0)
        if case .mapping = node {
            guard var existing = set.lists[name] else {
                throw noList(name, node, path, " to change: give a sequence to define it")
            }
            let map = try mapping(node, path: path)
            try checkKeys(node, allowed: ["add", "remove"], path: path)
            if let add = map["add"] {
                let added = try entries(add, path: "\(path).add", list: name)
                existing.names.formUnion(added.names)
                existing.patterns += added.patterns
                existing.exePatterns += added.exePatterns
                existing.includes += added.includes.filter { !existing.includes.contains($0) }
            }
            if let remove = map["remove"] {
                let names = Set(try strings(remove, path: "\(path).remove"))
                existing.names.subtract(names)
                existing.patterns.removeAll { names.contains($0.label) || names.contains($0.name) }
                existing.exePatterns.removeAll { names.contains($0.label) }
                existing.includes.removeAll { names.contains($0) }
            }
            existing.origins.append(origin)
            set.lists[name] = existing
            return
        }
        var parsed = try entries(node, path: path, list: name)
        parsed.origins = [origin]
        set.lists[name] = parsed
    }

    /// A list's entries: names, `{name, argv}` command-line entries, `{exe_regex}` path entries and
    /// `{list}` inclusions of another list (which must exist and must not include this one).
    private mutating func entries(_ node: Node, path: String, list: String) throws(RuleFileError) -> NameList {
        var result = NameList(names: [])
        for (index, item) in try sequence(node, path: path).enumerated() {
            let at = "\(path)[\(index)]"
            if case .mapping = item {
                let map = try mapping(item, path: at)
                if let includeNode = map["list"] {
                    try checkKeys(item, allowed: ["list"], path: at)
                    let included = try scalar(includeNode, path: "\(at).list")
                    guard included != list else {
                        throw error(includeNode, "\(at).list", "a list cannot include itself")
                    }
                    guard let other = set.lists[included] else { throw noList(included, includeNode, "\(at).list") }
                    guard !other.includes.contains(list) else {
                        throw error(includeNode, "\(at).list", "'\(included)' includes '\(list)'")
                    }
                    if !result.includes.contains(included) { result.includes.append(included) }
                    continue
                }
                if let exeNode = map["exe_regex"] {
                    try checkKeys(item, allowed: ["exe_regex", "label"], path: at)
                    let exe = try pattern(exeNode, path: "\(at).exe_regex")
                    result.exePatterns.append(
                        ExePattern(label: try optionalString(map, "label", path: at) ?? exe.source, exe: exe))
                    continue
                }
                try checkKeys(item, allowed: ["name", "argv", "label"], path: at)
                let name = try requiredString(map, "name", in: item, path: at)
                guard let argvNode = map["argv"] else {
                    throw error(item, at, "missing 'argv' (an entry with only a name is written as a plain string)")
                }
                let argv = try pattern(argvNode, path: "\(at).argv")
                result.patterns.append(
                    NamePattern(label: try optionalString(map, "label", path: at) ?? name, name: name, argv: argv))
            } else {
                result.names.insert(try scalar(item, path: at))
            }
        }
        return result
    }

    private mutating func nameOperation(_ node: Node, current: Set<String>, path: String) throws(RuleFileError) -> Set<
        String
    > {
        guard case .mapping = node else { return Set(try strings(node, path: path)) }
        try checkKeys(node, allowed: ["add", "remove"], path: path)
        let map = try mapping(node, path: path)
        var result = current
        if let add = map["add"] { result.formUnion(try strings(add, path: "\(path).add")) }
        if let remove = map["remove"] { result.subtract(try strings(remove, path: "\(path).remove")) }
        return result
    }

    // MARK: Rules

    private mutating func rule(_ node: Node, path: String, seen: inout [String: Int]) throws(RuleFileError) {
        let map = try mapping(node, path: path)
        try checkKeys(
            node,
            allowed: [
                "id", "enabled", "name", "description", "severity", "category", "mitre", "child", "spawner",
                "exceptions", "infer",
            ],
            path: path)
        let id = try requiredString(map, "id", in: node, path: path)
        let line = node.mark?.line ?? 0
        if let first = seen[id] {
            throw error(map["id"]!, "\(path).id", "duplicate rule id '\(id)' (first at line \(first))")
        }
        seen[id] = line
        let enabled = try optionalBool(map, "enabled", path: path) ?? true
        let existing = set.allRules.firstIndex { $0.id == id }
        // `{id: x, enabled: false}` switches a rule loaded before on or off without repeating it.
        if Set(map.keys).isSubset(of: ["id", "enabled"]) {
            guard let existing else {
                throw error(
                    node, path,
                    "no rule '\(id)' loaded before to enable or disable; a new rule needs 'severity', 'child' and 'spawner'"
                )
            }
            set.allRules[existing].enabled = enabled
            return
        }
        let severityText = try requiredString(map, "severity", in: node, path: path)
        guard let severity = Severity(rawValue: severityText) else {
            throw error(
                map["severity"]!, "\(path).severity",
                "unknown severity '\(severityText)': expected one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        guard let childNode = map["child"] else { throw error(node, path, "missing 'child'") }
        let child = try mapping(childNode, path: "\(path).child")
        try checkKeys(childNode, allowed: Self.conditionKeys, path: "\(path).child")
        var childCondition = try condition(child, path: "\(path).child")
        guard let childList = childCondition.list else { throw error(childNode, "\(path).child", "missing 'list'") }
        childCondition.list = nil

        guard let spawnerNode = map["spawner"] else { throw error(node, path, "missing 'spawner'") }
        let spawner = try mapping(spawnerNode, path: "\(path).spawner")
        try checkKeys(
            spawnerNode, allowed: Self.conditionKeys.union(["relation", "skip", "within"]), path: "\(path).spawner")
        var spawnerCondition = try condition(spawner, path: "\(path).spawner")
        guard let spawnerList = spawnerCondition.list else {
            throw error(spawnerNode, "\(path).spawner", "missing 'list'")
        }
        spawnerCondition.list = nil
        var relations: Set<SpawnerRelation> = [.parent]
        if let relationNode = spawner["relation"] {
            relations = []
            for (index, text) in try strings(relationNode, path: "\(path).spawner.relation").enumerated() {
                guard let relation = SpawnerRelation(rawValue: text) else {
                    throw error(
                        relationNode, "\(path).spawner.relation[\(index)]",
                        "unknown relation '\(text)': expected one of \(SpawnerRelation.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                relations.insert(relation)
            }
        }
        var within = relations.contains(.ancestor) ? 3 : 1
        if let withinNode = spawner["within"] {
            within = try integer(withinNode, path: "\(path).spawner.within", range: 1...ProcessTree.maxDepth)
            relations.insert(.ancestor)
        }
        var skip: String?
        if let skipNode = spawner["skip"] {
            let name = try scalar(skipNode, path: "\(path).spawner.skip")
            guard set.lists[name] != nil else { throw noList(name, skipNode, "\(path).spawner.skip") }
            skip = name
        }
        var exceptions: [RuleException] = []
        if let exceptionsNode = map["exceptions"] {
            for (index, item) in try sequence(exceptionsNode, path: "\(path).exceptions").enumerated() {
                if let parsed = try exception(item, path: "\(path).exceptions[\(index)]", rule: id, index: index) {
                    exceptions.append(parsed)
                }
            }
        }
        var inference: [InferenceClause] = []
        if let inferNode = map["infer"] {
            for (index, item) in try sequence(inferNode, path: "\(path).infer").enumerated() {
                inference.append(try inferenceClause(item, path: "\(path).infer[\(index)]"))
            }
        }
        let parsed = Rule(
            id: id,
            name: try optionalString(map, "name", path: path) ?? id,
            description: try optionalString(map, "description", path: path) ?? "",
            severity: severity,
            category: try optionalString(map, "category", path: path) ?? "",
            mitre: try map["mitre"].map { node throws(RuleFileError) in try strings(node, path: "\(path).mitre") }
                ?? [],
            childList: childList, childCondition: childCondition, spawnerList: spawnerList,
            spawnerCondition: spawnerCondition,
            relations: relations, skipList: skip, within: within, exceptions: exceptions, inference: inference,
            enabled: enabled, origin: file, line: line)
        // A rule with the id of one loaded before replaces it, keeping its place in the order.
        if let existing { set.allRules[existing] = parsed } else { set.allRules.append(parsed) }
    }

    private mutating func inferenceClause(_ node: Node, path: String) throws(RuleFileError) -> InferenceClause {
        let map = try mapping(node, path: path)
        try checkKeys(node, allowed: ["all", "confidence"], path: path)
        guard let allNode = map["all"] else { throw error(node, path, "missing 'all'") }
        let ids = try strings(allNode, path: "\(path).all")
        guard !ids.isEmpty else { throw error(allNode, "\(path).all", "expected at least one context indicator") }
        for (index, id) in ids.enumerated() where !set.context.contains(where: { $0.id == id }) {
            throw error(allNode, "\(path).all[\(index)]", "no context indicator '\(id)'")
        }
        let text = try requiredString(map, "confidence", in: node, path: path)
        guard let confidence = InferenceConfidence(rawValue: text) else {
            throw error(
                map["confidence"]!, "\(path).confidence",
                "unknown confidence '\(text)': expected one of \(InferenceConfidence.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return InferenceClause(all: ids, confidence: confidence)
    }

    // MARK: Exceptions and context

    /// Nil for `enabled: false` (a global one then also removes an earlier exception of that id).
    private mutating func exception(_ node: Node, path: String, rule: String?, index: Int) throws(RuleFileError)
        -> RuleException?
    {
        let map = try mapping(node, path: path)
        var allowed: Set<String> = ["id", "reason", "enabled", "child", "spawner", "ancestor", "host"]
        if rule == nil { allowed.insert("rules") }
        let warningsBefore = warnings.count
        try checkKeys(node, allowed: allowed, path: path)
        let line = node.mark?.line ?? 0
        let id = try optionalString(map, "id", path: path) ?? (rule.map { "\($0)#\(index + 1)" } ?? "\(file):\(line)")
        if try optionalBool(map, "enabled", path: path) == false {
            if rule == nil { set.exceptions.removeAll { $0.id == id } }
            return nil
        }
        guard let reasonNode = map["reason"] else {
            throw error(node, path, "missing 'reason': every exception says why it is safe")
        }
        let reason = try scalar(reasonNode, path: "\(path).reason")
        guard !reason.unicodeScalars.allSatisfy(Self.isBlank) else {
            throw error(reasonNode, "\(path).reason", "empty reason")
        }
        var result = RuleException(id: id, reason: reason, origin: RuleOrigin(file: file, line: line))
        if let rulesNode = map["rules"] { result.rules = try ruleIDs(rulesNode, path: "\(path).rules") }
        for key in ["child", "spawner", "ancestor"] {
            guard let conditionNode = map[key] else { continue }
            let conditionMap = try mapping(conditionNode, path: "\(path).\(key)")
            try checkKeys(conditionNode, allowed: Self.conditionKeys, path: "\(path).\(key)")
            let parsed = try condition(conditionMap, path: "\(path).\(key)")
            switch key {
            case "child": result.child = parsed
            case "spawner": result.spawner = parsed
            default: result.ancestor = parsed
            }
        }
        if let hostNode = map["host"] { result.host = Set(try stringOrStrings(hostNode, path: "\(path).host")) }
        if result.child == nil && result.spawner == nil && result.ancestor == nil && result.host == nil {
            throw error(node, path, "an exception needs at least one of 'child', 'spawner', 'ancestor', 'host'")
        }
        // A newer file's exception with a key this auditree cannot check would suppress more than
        // it was written to: it is not applied at all (its matches are reported).
        if warnings.count > warningsBefore {
            warnings.append(
                error(node, path, "exception '\(id)' is not applied: it uses keys this auditree does not know"))
            return nil
        }
        return result
    }

    private mutating func contextIndicator(_ node: Node, path: String) throws(RuleFileError) {
        let map = try mapping(node, path: path)
        try checkKeys(
            node, allowed: ["id", "description", "raise", "on", "when", "any", "rules", "except_rules", "enabled"],
            path: path)
        let id = try requiredString(map, "id", in: node, path: path)
        if try optionalBool(map, "enabled", path: path) == false {
            set.context.removeAll { $0.id == id }
            return
        }
        var any: [ProcessCondition] = []
        if let whenNode = map["when"] {
            let conditionMap = try mapping(whenNode, path: "\(path).when")
            try checkKeys(whenNode, allowed: Self.conditionKeys, path: "\(path).when")
            any.append(try condition(conditionMap, path: "\(path).when"))
        }
        if let anyNode = map["any"] {
            for (index, item) in try sequence(anyNode, path: "\(path).any").enumerated() {
                let conditionMap = try mapping(item, path: "\(path).any[\(index)]")
                try checkKeys(item, allowed: Self.conditionKeys, path: "\(path).any[\(index)]")
                any.append(try condition(conditionMap, path: "\(path).any[\(index)]"))
            }
        }
        guard !any.isEmpty else { throw error(node, path, "missing 'when' or 'any'") }
        var on: Set<ContextTarget> = [.shell, .descendants]
        if let onNode = map["on"] {
            on = []
            for (index, text) in try stringOrStrings(onNode, path: "\(path).on").enumerated() {
                guard let target = ContextTarget(rawValue: text) else {
                    throw error(
                        onNode, "\(path).on[\(index)]",
                        "unknown target '\(text)': expected one of \(ContextTarget.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                on.insert(target)
            }
        }
        var indicator = ContextIndicator(
            id: id, description: try optionalString(map, "description", path: path) ?? id,
            raise: try map["raise"].map { node throws(RuleFileError) in
                try integer(node, path: "\(path).raise", range: 0...4)
            } ?? 1,
            on: on, any: any,
            rules: try map["rules"].map { node throws(RuleFileError) in try ruleIDs(node, path: "\(path).rules") },
            origin: RuleOrigin(file: file, line: node.mark?.line ?? 0))
        indicator.exceptRules = try map["except_rules"].map { node throws(RuleFileError) in
            try ruleIDs(node, path: "\(path).except_rules")
        }
        if let existing = set.context.firstIndex(where: { $0.id == id }) {
            set.context[existing] = indicator
        } else {
            set.context.append(indicator)
        }
    }

    private func condition(_ map: [String: Node], path: String) throws(RuleFileError) -> ProcessCondition {
        var result = ProcessCondition()
        if let node = map["list"] {
            let name = try scalar(node, path: "\(path).list")
            guard set.lists[name] != nil else { throw noList(name, node, "\(path).list") }
            result.list = name
        }
        if let node = map["names"] { result.names = Set(try stringOrStrings(node, path: "\(path).names")) }
        if let node = map["exe"] { result.exe = try stringOrStrings(node, path: "\(path).exe") }
        if let node = map["exe_prefix"] { result.exePrefix = try stringOrStrings(node, path: "\(path).exe_prefix") }
        if let node = map["uid"] { result.uid = try ids(node, path: "\(path).uid") }
        if let node = map["euid"] { result.euid = try ids(node, path: "\(path).euid") }
        if let node = map["auid"] { result.auid = try ids(node, path: "\(path).auid") }
        if let node = map["tty"] { result.tty = Set(try stringOrStrings(node, path: "\(path).tty")) }
        if let node = map["user"] { result.user = Set(try stringOrStrings(node, path: "\(path).user")) }
        if let node = map["cwd_prefix"] { result.cwdPrefix = try stringOrStrings(node, path: "\(path).cwd_prefix") }
        if let node = map["cwd_regex"] { result.cwdRegex = try pattern(node, path: "\(path).cwd_regex") }
        if let node = map["key"] { result.key = Set(try stringOrStrings(node, path: "\(path).key")) }
        if let node = map["key_regex"] { result.keyRegex = try pattern(node, path: "\(path).key_regex") }
        if let node = map["argv_regex"] { result.argvRegex = try pattern(node, path: "\(path).argv_regex") }
        if let node = map["learned_root"] {
            let name = try scalar(node, path: "\(path).learned_root")
            guard set.lists[name] != nil else { throw noList(name, node, "\(path).learned_root") }
            result.learnedRoot = name
        }
        return result
    }

    // MARK: Node access

    private func orderedMapping(_ node: Node, path: String) throws(RuleFileError) -> [(String, Node)] {
        guard case .mapping(let map) = node else { throw error(node, path, "expected a mapping") }
        var result: [(String, Node)] = []
        for (key, value) in map {
            guard let name = key.string else { throw error(key, path, "expected a string key") }
            result.append((name, value))
        }
        return result
    }

    private func mapping(_ node: Node, path: String) throws(RuleFileError) -> [String: Node] {
        var result: [String: Node] = [:]
        for (key, value) in try orderedMapping(node, path: path) { result[key] = value }
        return result
    }

    private func sequence(_ node: Node, path: String) throws(RuleFileError) -> [Node] {
        guard case .sequence(let items) = node else { throw error(node, path, "expected a list") }
        return Array(items)
    }

    private func scalar(_ node: Node, path: String) throws(RuleFileError) -> String {
        guard case .scalar(let value) = node else { throw error(node, path, "expected a string") }
        return value.string
    }

    private func strings(_ node: Node, path: String) throws(RuleFileError) -> [String] {
        var result: [String] = []
        for (index, item) in try sequence(node, path: path).enumerated() {
            result.append(try scalar(item, path: "\(path)[\(index)]"))
        }
        return result
    }

    /// One string or a list of strings.
    private func stringOrStrings(_ node: Node, path: String) throws(RuleFileError) -> [String] {
        if case .scalar(let value) = node { return [value.string] }
        guard case .sequence = node else { throw error(node, path, "expected a string or a list of strings") }
        return try strings(node, path: path)
    }

    private func integer(_ node: Node, path: String, range: ClosedRange<Int>) throws(RuleFileError) -> Int {
        guard case .scalar = node, let value = Self.int(node) else { throw error(node, path, "expected an integer") }
        guard range.contains(value) else {
            throw error(node, path, "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    /// One user id or a list of them.
    private func ids(_ node: Node, path: String) throws(RuleFileError) -> Set<UInt32> {
        let items: [(Node, String)]
        if case .sequence = node {
            items = try sequence(node, path: path).enumerated().map { ($1, "\(path)[\($0)]") }
        } else {
            items = [(node, path)]
        }
        var result: Set<UInt32> = []
        for (item, at) in items {
            guard case .scalar = item, let value = Self.int(item), let id = UInt32(exactly: value) else {
                throw error(item, at, "expected an integer user id")
            }
            result.insert(id)
        }
        return result
    }

    /// `node.int`, read here when the scalar is a plain decimal number without a leading zero
    /// (every number of the built-in pack, `0` included): Yams's `Int.construct` first removes `_` separators
    /// with Foundation's `replacingOccurrences` (a trip through NSString) on every call. Anything
    /// else (signs, `0x`, `0o`, octal `0…`, `_`, `1:30`, quoted, too long) still goes to Yams,
    /// so both read the same numbers.
    static func int(_ node: Node) -> Int? {
        if case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any {
            let digits = scalar.string.utf8
            if let first = digits.first, first != UInt8(ascii: "0") || digits.count == 1, digits.count <= 18,
                digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            {
                return Int(scalar.string)
            }
        }
        return node.int
    }

    /// Foundation's `CharacterSet.whitespaces`: tab, zero width space and the space separators
    /// (category Zs). A test compares the two over every scalar.
    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
    }

    private func pattern(_ node: Node, path: String) throws(RuleFileError) -> TextPattern {
        let source = try scalar(node, path: path)
        do { return try TextPattern(source) } catch {
            throw self.error(node, path, "invalid regular expression '\(source)': \(error.description)")
        }
    }

    private func requiredString(_ map: [String: Node], _ key: String, in node: Node, path: String) throws(RuleFileError)
        -> String
    {
        guard let value = map[key] else { throw error(node, path, "missing '\(key)'") }
        return try scalar(value, path: "\(path).\(key)")
    }

    private func optionalString(_ map: [String: Node], _ key: String, path: String) throws(RuleFileError) -> String? {
        try map[key].map { node throws(RuleFileError) in try scalar(node, path: "\(path).\(key)") }
    }

    private func optionalBool(_ map: [String: Node], _ key: String, path: String) throws(RuleFileError) -> Bool? {
        guard let node = map[key] else { return nil }
        guard case .scalar = node, let value = node.bool else {
            throw error(node, "\(path).\(key)", "expected true or false")
        }
        return value
    }

    /// An unknown key is an error (a typo would otherwise widen an exception or drop a condition),
    /// located at the key itself and with the nearest allowed key; a warning only in a file of a
    /// newer version, whose new keys this auditree cannot know.
    private mutating func checkKeys(_ node: Node, allowed: Set<String>, path: String) throws(RuleFileError) {
        guard case .mapping(let map) = node else { return }
        for (keyNode, _) in map {
            guard let key = keyNode.string, !allowed.contains(key) else { continue }
            let at = path.isEmpty ? key : "\(path).\(key)"
            if newerVersion {
                warnings.append(error(keyNode, at, "unknown key '\(key)' (ignored)"))
                continue
            }
            let hint =
                EditDistance.nearest(to: key, among: allowed).map { "did you mean '\($0)'?" }
                ?? "expected one of \(allowed.sorted().joined(separator: ", "))"
            throw error(keyNode, at, "unknown key '\(key)'; \(hint)")
        }
    }

    private func error(_ node: Node, _ path: String, _ message: String) -> RuleFileError {
        RuleFileError(
            file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, path: path, message: message)
    }

    private func yamlError(_ error: YamlError) -> RuleFileError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            RuleFileError(
                file: file, line: mark.line, column: mark.column, path: "", message: "invalid YAML: \(problem)")
        default:
            RuleFileError(file: file, line: 1, column: 1, path: "", message: "invalid YAML: \(error)")
        }
    }
}
