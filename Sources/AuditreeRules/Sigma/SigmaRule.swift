/// A Sigma rule auditree can evaluate: its metadata, what it applies to and its detection.
public struct SigmaRule: Sendable {
    /// What kind of log a rule is written for, and so which values it is evaluated on.
    public enum Target: String, Sendable, CaseIterable {
        /// `category: process_creation`: once per successful exec, with Sysmon for Linux's fields.
        case processCreation = "process_creation"
        /// `service: auditd`: once per audit event, over the event's raw records.
        case auditd
    }

    public var id: String
    public var title: String
    public var description: String
    public var level: String
    public var status: String
    public var author: String
    public var references: [String]
    public var tags: [String]
    public var target: Target
    public var detection: SigmaDetection
    public var file: String
    public var line: Int

    /// The Sigma level as a severity (informational -> info).
    public var severity: Severity {
        switch level.lowercased() {
        case "critical": .critical
        case "high": .high
        case "medium": .medium
        case "low": .low
        default: .info
        }
    }

    /// MITRE ATT&CK technique ids from `attack.tNNNN[.NNN]` tags, upper case (T1059.004).
    public var mitre: [String] {
        tags.compactMap { tag in
            // ASCII (SigmaHQ's tags): compared and upper-cased as bytes, as the Strings below would be.
            let bytes = tag.utf8
            if bytes.allSatisfy({ $0 < 0x80 }) {
                guard bytes.count > 8,
                    zip(bytes, "attack.t".utf8).allSatisfy({ ($0 &- 65 < 26 ? $0 | 0x20 : $0) == $1 }),
                    bytes.dropFirst(8).first.map({ $0 &- 48 < 10 }) == true
                else { return nil }
                return String(decoding: bytes.dropFirst(7).map { $0 &- 97 < 26 ? $0 & 0xDF : $0 }, as: UTF8.self)
            }
            let lower = tag.lowercased()
            guard lower.hasPrefix("attack.t"), lower.dropFirst(8).first?.isNumber == true else { return nil }
            return String(tag.dropFirst(7)).uppercased()
        }
    }
}

/// A rule's `detection`: named searches and the condition over them.
public struct SigmaDetection: Sendable {
    public var searches: [String: SigmaSearch]
    public var condition: SigmaCondition
}

/// One named search: field maps (any of them) or keywords (any of them, anywhere in the event).
public enum SigmaSearch: Sendable {
    /// A list of maps holds when one map holds; a single map is a list of one.
    case maps([[SigmaFieldTest]])
    /// Field-less values, matched against the whole event text.
    case keywords(SigmaValueTest)
}

/// One `field|modifiers: values` entry of a map.
public struct SigmaFieldTest: Sendable {
    public var field: String
    public var test: SigmaValueTest
}

/// The values of one entry with their modifiers: any value (all with `|all`) must match.
public struct SigmaValueTest: Sendable {
    public var matchers: [SigmaValueMatcher]
    public var requireAll: Bool
    /// `|exists: true/false`: only whether the field is there.
    public var exists: Bool?

    public func matches(_ value: SigmaFieldValue?) -> Bool {
        if let exists { return (value != nil) == exists }
        // By index: `contains` and `allSatisfy` copy each matcher out, retaining what it holds.
        if requireAll {
            for index in matchers.indices where !matchers[index].matches(value) { return false }
            return !matchers.isEmpty
        }
        for index in matchers.indices where matchers[index].matches(value) { return true }
        return false
    }
}
