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

    /// `mitre`'s technique of an ASCII tag; `isASCII` false for another.
    private static func asciiTechnique(_ bytes: Span<UInt8>) -> (isASCII: Bool, technique: String?) {
        for index in bytes.indices where bytes[index] >= 0x80 { return (false, nil) }
        let prefix = "attack.t".utf8
        guard bytes.count > 8, bytes[8] &- 48 < 10 else { return (true, nil) }
        var offset = 0
        for expected in prefix {
            let byte = bytes[offset]
            guard (byte &- 65 < 26 ? byte | 0x20 : byte) == expected else { return (true, nil) }
            offset += 1
        }
        var upper: [UInt8] = []
        upper.reserveCapacity(bytes.count - 7)
        for index in 7..<bytes.count {
            let byte = bytes[index]
            upper.append(byte &- 97 < 26 ? byte & 0xDF : byte)
        }
        return (true, String(decoding: upper, as: UTF8.self))
    }

    /// MITRE ATT&CK technique ids from `attack.tNNNN[.NNN]` tags, upper case (T1059.004).
    public var mitre: [String] {
        tags.compactMap { tag in
            // ASCII (SigmaHQ's tags): compared and upper-cased as bytes, as the Strings below would be.
            let ascii = Self.asciiTechnique(tag.utf8.span)
            if ascii.isASCII { return ascii.technique }
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
