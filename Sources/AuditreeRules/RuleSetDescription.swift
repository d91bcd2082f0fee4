import AuditreeBase
import AuditreeTree

/// Text for `auditree rules list` and `auditree rules show`: what is active and where it came from.
public enum RuleSetDescription {
    /// Every active rule with its origin, then disabled rules, the lists, global exceptions and context.
    public static func list(_ set: RuleSet) -> String {
        var out = "Files: \(set.files.map(TextEscaper.escape).joined(separator: ", "))\n\n"
        let active = set.rules
        out += "Rules (\(active.count) active, in the order they are tried):\n"
        for rule in active {
            if let sigma = rule.sigma {
                out +=
                    "  \(rule.id)  [\(rule.severity.rawValue)]  Sigma \(sigma.target.rawValue): \(escape(sigma.title))  by \(escape(sigma.author))"
                    + "  from \(escape(rule.place.description))\n"
                continue
            }
            out +=
                "  \(rule.id)  [\(rule.severity.rawValue)]  \(rule.childList) spawned by \(rule.spawnerList)"
                + "  (\(relationText(rule)))  from \(escape(rule.place.description))\n"
            for exception in rule.exceptions {
                out +=
                    "      exception \(escape(exception.id)): \(escape(exception.reason))  (\(escape(exception.origin.description)))\n"
            }
        }
        let disabled = set.allRules.filter { !$0.enabled }
        if !disabled.isEmpty {
            out += "Disabled rules:\n"
            for rule in disabled { out += "  \(rule.id)  from \(escape(rule.place.description))\n" }
        }
        out += "\nLists:\n"
        for name in set.lists.keys.sorted() {
            let list = set.lists[name]!
            let origins = list.origins.map { escape($0.description) }.joined(separator: ", ")
            out +=
                "  \(name) (\(list.entryDescriptions.count)): \(list.entryDescriptions.map(escape).joined(separator: ", "))  [\(origins)]\n"
        }
        if !set.multicall.isEmpty {
            out += "  multicall: \(set.multicall.sorted().map(escape).joined(separator: ", "))\n"
        }
        out += "\nGlobal exceptions (\(set.exceptions.count)):\n"
        for exception in set.exceptions {
            let scope = exception.rules.map { "rules " + $0.sorted().joined(separator: ", ") } ?? "all rules"
            out += "  \(escape(exception.id))  (\(scope); \(escape(exception.origin.description)))\n"
            out += "      when: \(escape(conditionsText(exception)))\n"
            out += "      reason: \(escape(exception.reason))\n"
        }
        out += "\nContext indicators (\(set.context.count)):\n"
        for indicator in set.context {
            out +=
                "  \(indicator.id)  +\(indicator.raise) on \(indicator.on.map(\.rawValue).sorted().joined(separator: ","))  "
                + "\(escape(indicator.description))  (\(escape(indicator.origin.description)))\n"
        }
        return out
    }

    /// One rule in full, with the lists it uses as they are after every file was loaded.
    public static func show(_ rule: Rule, in set: RuleSet) -> String {
        if let sigma = rule.sigma { return showSigma(rule, sigma, in: set) }
        var out = "id:          \(rule.id)\(rule.enabled ? "" : "  (DISABLED)")\n"
        out += "name:        \(escape(rule.name))\n"
        out += "origin:      \(escape(rule.place.description))\n"
        out += "severity:    \(rule.severity.rawValue)\n"
        out += "category:    \(escape(rule.category))\n"
        out += "mitre:       \(rule.mitre.joined(separator: ", "))\n"
        out += "description: \(escape(rule.description))\n"
        out +=
            "child:       list \(rule.childList)\(rule.childCondition.isEmpty ? "" : " and \(escape(rule.childCondition.summary))")\n"
        out +=
            "spawner:     list \(rule.spawnerList)\(rule.spawnerCondition.isEmpty ? "" : " and \(escape(rule.spawnerCondition.summary))")\n"
        out += "             \(relationText(rule))\(rule.skipList.map { "; looks through \($0)" } ?? "")\n"
        if !rule.inference.isEmpty {
            out += "infer:       when the process above the shell is unknown:\n"
            for clause in rule.inference {
                out +=
                    "             \(clause.all.joined(separator: " + ")) -> confidence \(clause.confidence.rawValue)\n"
            }
        }
        var lists = [rule.childList, rule.spawnerList]
        if let skip = rule.skipList { lists.append(skip) }
        out += "lists:\n"
        for name in lists {
            guard let list = set.lists[name] else { continue }
            out += "  \(name): \(list.entryDescriptions.map(escape).joined(separator: ", "))\n"
        }
        out += "exceptions:\n"
        let global = set.exceptions.filter { $0.rules?.contains(rule.id) ?? true }
        if rule.exceptions.isEmpty && global.isEmpty { out += "  (none)\n" }
        for (scope, exception) in rule.exceptions.map({ ("rule", $0) }) + global.map({ ("global", $0) }) {
            out +=
                "  \(escape(exception.id)) (\(scope), \(escape(exception.origin.description))): when \(escape(conditionsText(exception)))\n"
            out += "      reason: \(escape(exception.reason))\n"
        }
        let context = set.context.filter {
            ($0.rules?.contains(rule.id) ?? true) && !($0.exceptRules?.contains(rule.id) ?? false)
        }
        out += "context:\n"
        if context.isEmpty { out += "  (none)\n" }
        for indicator in context {
            let conditions = indicator.any.map { escape($0.summary) }.joined(separator: " | ")
            out +=
                "  \(indicator.id) (+\(indicator.raise) on \(indicator.on.map(\.rawValue).sorted().joined(separator: ","))): \(conditions)\n"
        }
        return out
    }

    static func relationText(_ rule: Rule) -> String {
        let relations = SpawnerRelation.allCases.filter(rule.relations.contains).map(\.rawValue).joined(separator: ", ")
        return rule.relations.contains(.ancestor) ? "\(relations) within \(rule.within) generation(s)" : relations
    }

    static func showSigma(_ rule: Rule, _ sigma: SigmaRule, in set: RuleSet) -> String {
        var out = "id:          \(rule.id)\(rule.enabled ? "" : "  (DISABLED)")\n"
        out += "name:        \(escape(rule.name))\n"
        out +=
            "origin:      \(escape(rule.place.description))  (Sigma, \(sigma.target.rawValue), status \(escape(sigma.status)))\n"
        out += "author:      \(escape(sigma.author))\n"
        out += "severity:    \(rule.severity.rawValue)  (level \(escape(sigma.level)))\n"
        out += "mitre:       \(rule.mitre.joined(separator: ", "))\n"
        out += "tags:        \(sigma.tags.map(escape).joined(separator: ", "))\n"
        out += "description: \(escape(rule.description))\n"
        for reference in sigma.references { out += "reference:   \(escape(reference))\n" }
        out += "detection:\n"
        for name in sigma.detection.searches.keys.sorted() {
            out += "  \(escape(name)): \(searchText(sigma.detection.searches[name]!))\n"
        }
        out += "  condition: \(conditionText(sigma.detection.condition))\n"
        let global = set.exceptions.filter { $0.rules?.contains(rule.id) ?? true }
        out += "exceptions:\n"
        if global.isEmpty { out += "  (none)\n" }
        for exception in global {
            out +=
                "  \(escape(exception.id)) (global, \(escape(exception.origin.description))): when \(escape(conditionsText(exception)))\n"
            out += "      reason: \(escape(exception.reason))\n"
        }
        return out
    }

    static func searchText(_ search: SigmaSearch) -> String {
        func values(_ test: SigmaValueTest) -> String {
            if let exists = test.exists { return "exists \(exists)" }
            let shown = test.matchers.map { matcher -> String in
                switch matcher {
                case .null: "null"
                case .pattern(let pattern):
                    "'\(escape(pattern.source))'\(pattern.shape == .exact ? "" : " (\(pattern.shape))")\(pattern.cased ? " cased" : "")"
                case .regex(let regex): "/\(escape(regex.source))/"
                case .cidr(let network): "cidr \(escape(network.source))"
                }
            }
            return (test.requireAll ? "all of " : "") + "[" + shown.joined(separator: ", ") + "]"
        }
        switch search {
        case .keywords(let test): return "keywords " + values(test)
        case .maps(let maps):
            return maps.map { tests in
                "{"
                    + tests.map { "\($0.field.isEmpty ? "keywords" : $0.field): \(values($0.test))" }.joined(
                        separator: "; ")
                    + "}"
            }.joined(separator: " or ")
        }
    }

    static func conditionText(_ condition: SigmaCondition) -> String {
        switch condition {
        case .search(let name): escape(name)
        case .and(let left, let right): "(\(conditionText(left)) and \(conditionText(right)))"
        case .or(let left, let right): "(\(conditionText(left)) or \(conditionText(right)))"
        case .not(let inner): "not \(conditionText(inner))"
        case .oneOf(let names): "1 of [\(names.map(escape).joined(separator: ", "))]"
        case .allOf(let names): "all of [\(names.map(escape).joined(separator: ", "))]"
        }
    }

    static func conditionsText(_ exception: RuleException) -> String {
        var parts: [String] = []
        if let child = exception.child { parts.append("child{\(child.summary)}") }
        if let spawner = exception.spawner { parts.append("spawner{\(spawner.summary)}") }
        if let ancestor = exception.ancestor { parts.append("ancestor{\(ancestor.summary)}") }
        if let host = exception.host { parts.append("host{\(host.sorted().joined(separator: ","))}") }
        return parts.joined(separator: " ")
    }

    /// Rule-file text (regexes above all) is shown as written: backslashes single, control characters escaped.
    static func escape(_ text: String) -> String { TextEscaper.escapeRuleText(text) }
}
