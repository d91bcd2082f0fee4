/// The Sigma process_creation rules of a set, tried on each exec.
struct SigmaExecRules {
    private let rules: [Rule]

    init(_ rules: [Rule]) { self.rules = rules }

    var isEmpty: Bool { rules.isEmpty }

    /// The rules whose detection holds for the exec, in load order.
    func matching(_ fields: SigmaProcessCreation) -> [Rule] {
        var matched: [Rule] = []
        for rule in rules where fields.matches(rule.sigma!) { matched.append(rule) }
        return matched
    }
}
