import Yams

/// Reads a version 1 rule file (see docs/rules.md) from YAML.
///
/// Errors name the file, line, column and key path; unknown keys are warnings,
/// so a newer file still loads in an older auditree as far as it can.
public struct RuleFileParser {
    public struct Result: Sendable {
        public var ruleSet: RuleSet
        public var warnings: [RuleFileError]
    }

    public static let supportedVersion = 1

    private let file: String
    private var warnings: [RuleFileError] = []

    private init(file: String) { self.file = file }

    public static func parse(_ text: String, file: String) throws(RuleFileError) -> Result {
        var parser = RuleFileParser(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
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
        let ruleSet = try parser.document(root)
        return Result(ruleSet: ruleSet, warnings: parser.warnings)
    }

    private mutating func document(_ root: Node) throws(RuleFileError) -> RuleSet {
        let top = try mapping(root, path: "")
        try checkKeys(top, allowed: ["version", "lists", "multicall", "rules"], path: "")
        guard let versionNode = top["version"] else { throw error(root, "", "missing 'version' (this auditree reads version \(Self.supportedVersion))") }
        guard let version = versionNode.int, version == Self.supportedVersion else {
            throw error(versionNode, "version", "unsupported version '\(versionNode.string ?? "?")': expected \(Self.supportedVersion)")
        }
        var lists: [String: Set<String>] = [:]
        if let listsNode = top["lists"] {
            for (name, value) in try mapping(listsNode, path: "lists") {
                lists[name] = Set(try strings(value, path: "lists.\(name)"))
            }
        }
        let multicall = Set(try top["multicall"].map { node throws(RuleFileError) in try strings(node, path: "multicall") } ?? [])
        var rules: [Rule] = []
        if let rulesNode = top["rules"] {
            for (index, node) in try sequence(rulesNode, path: "rules").enumerated() {
                rules.append(try rule(node, path: "rules[\(index)]", lists: lists))
            }
        }
        return RuleSet(lists: lists, multicall: multicall, rules: rules)
    }

    private mutating func rule(_ node: Node, path: String, lists: [String: Set<String>]) throws(RuleFileError) -> Rule {
        let map = try mapping(node, path: path)
        try checkKeys(map, allowed: ["id", "name", "description", "severity", "category", "mitre", "child", "spawner"], path: path)
        let id = try requiredString(map, "id", in: node, path: path)
        let severityText = try requiredString(map, "severity", in: node, path: path)
        guard let severity = Severity(rawValue: severityText) else {
            throw error(map["severity"]!, "\(path).severity", "unknown severity '\(severityText)': expected one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let childNode = map["child"] else { throw error(node, path, "missing 'child'") }
        let child = try mapping(childNode, path: "\(path).child")
        try checkKeys(child, allowed: ["list"], path: "\(path).child")
        let childList = try listReference(child, in: childNode, path: "\(path).child", lists: lists)
        guard let spawnerNode = map["spawner"] else { throw error(node, path, "missing 'spawner'") }
        let spawner = try mapping(spawnerNode, path: "\(path).spawner")
        try checkKeys(spawner, allowed: ["list", "relation", "skip"], path: "\(path).spawner")
        let spawnerList = try listReference(spawner, in: spawnerNode, path: "\(path).spawner", lists: lists)
        var relations: Set<SpawnerRelation> = [.parent]
        if let relationNode = spawner["relation"] {
            relations = []
            for (index, text) in try strings(relationNode, path: "\(path).spawner.relation").enumerated() {
                guard let relation = SpawnerRelation(rawValue: text) else {
                    throw error(relationNode, "\(path).spawner.relation[\(index)]",
                                "unknown relation '\(text)': expected one of \(SpawnerRelation.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                relations.insert(relation)
            }
        }
        var skip: String?
        if let skipNode = spawner["skip"] {
            let name = try scalar(skipNode, path: "\(path).spawner.skip")
            guard lists[name] != nil else { throw error(skipNode, "\(path).spawner.skip", "no list named '\(name)'") }
            skip = name
        }
        return Rule(
            id: id,
            name: try optionalString(map, "name", path: path) ?? id,
            description: try optionalString(map, "description", path: path) ?? "",
            severity: severity,
            category: try optionalString(map, "category", path: path) ?? "",
            mitre: try map["mitre"].map { node throws(RuleFileError) in try strings(node, path: "\(path).mitre") } ?? [],
            childList: childList, spawnerList: spawnerList, relations: relations, skipList: skip, origin: file)
    }

    private func listReference(_ map: [String: Node], in node: Node, path: String, lists: [String: Set<String>]) throws(RuleFileError) -> String {
        guard let listNode = map["list"] else { throw error(node, path, "missing 'list'") }
        let name = try scalar(listNode, path: "\(path).list")
        guard lists[name] != nil else { throw error(listNode, "\(path).list", "no list named '\(name)'") }
        return name
    }

    // MARK: Node access

    private func mapping(_ node: Node, path: String) throws(RuleFileError) -> [String: Node] {
        guard case .mapping(let map) = node else { throw error(node, path, "expected a mapping") }
        var result: [String: Node] = [:]
        for (key, value) in map {
            guard let name = key.string else { throw error(key, path, "expected a string key") }
            result[name] = value
        }
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

    private func requiredString(_ map: [String: Node], _ key: String, in node: Node, path: String) throws(RuleFileError) -> String {
        guard let value = map[key] else { throw error(node, path, "missing '\(key)'") }
        return try scalar(value, path: "\(path).\(key)")
    }

    private func optionalString(_ map: [String: Node], _ key: String, path: String) throws(RuleFileError) -> String? {
        try map[key].map { node throws(RuleFileError) in try scalar(node, path: "\(path).\(key)") }
    }

    private mutating func checkKeys(_ map: [String: Node], allowed: Set<String>, path: String) throws(RuleFileError) {
        for key in map.keys.sorted() where !allowed.contains(key) {
            let at = path.isEmpty ? key : "\(path).\(key)"
            warnings.append(error(map[key]!, at, "unknown key '\(key)' (ignored)"))
        }
    }

    private func error(_ node: Node, _ path: String, _ message: String) -> RuleFileError {
        RuleFileError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, path: path, message: message)
    }

    private func yamlError(_ error: YamlError) -> RuleFileError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            RuleFileError(file: file, line: mark.line, column: mark.column, path: "", message: "invalid YAML: \(problem)")
        default:
            RuleFileError(file: file, line: 1, column: 1, path: "", message: "invalid YAML: \(error)")
        }
    }
}
