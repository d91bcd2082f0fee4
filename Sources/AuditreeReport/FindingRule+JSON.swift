import AuditreeRules

extension FindingRule {
    /// `severity`, `category`, `mitre` and, for a rule with an author (Sigma), `author` and
    /// `references`: as the SARIF rule's properties and the HTML report's rule table give them.
    func writeTraits(_ json: inout JSONWriter) {
        json.string("severity", severity.rawValue)
        json.string("category", category)
        json.beginArray("mitre")
        for technique in mitre { json.string(nil, technique) }
        json.endArray()
        if !author.isEmpty {
            json.string("author", author)
            json.beginArray("references")
            for reference in references { json.string(nil, reference) }
            json.endArray()
        }
    }
}
