/// Why a non-blank line was not accepted as a record.
public enum RejectReason: Error, Hashable, Sendable, CustomStringConvertible {
    case notAnAuditRecord
    case missingTimestamp
    case malformedTimestamp
    case lineTooLong(limit: Int)
    case missingField(String)
    case malformedField(String)

    /// A closed set of reason kinds for the summary's per-reason counts.
    public enum Kind: String, CaseIterable, Sendable, Comparable {
        case notAnAuditRecord = "not-an-audit-record"
        case missingTimestamp = "missing-timestamp"
        case malformedTimestamp = "malformed-timestamp"
        case lineTooLong = "line-too-long"
        case missingField = "missing-field"
        case malformedField = "malformed-field"

        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var kind: Kind {
        switch self {
        case .notAnAuditRecord: .notAnAuditRecord
        case .missingTimestamp: .missingTimestamp
        case .malformedTimestamp: .malformedTimestamp
        case .lineTooLong: .lineTooLong
        case .missingField: .missingField
        case .malformedField: .malformedField
        }
    }

    public var description: String {
        switch self {
        case .notAnAuditRecord: "not an audit record: expected 'type=' or 'node=' at the start of the line"
        case .missingTimestamp: "record has no 'msg=audit(SECONDS.MILLIS:SERIAL):' stamp after its type"
        case .malformedTimestamp: "malformed 'msg=audit(SECONDS.MILLIS:SERIAL)' stamp"
        case .lineTooLong(let limit): "line longer than \(limit) bytes; the rest of the line was skipped"
        case .missingField(let name): "record has no '\(name)' field"
        case .malformedField(let name): "field '\(name)' has a malformed value"
        }
    }
}

/// A rejected line with the 1-based column where the problem was found.
public struct Rejection: Error, Sendable, Equatable {
    public var reason: RejectReason
    public var column: Int

    public init(_ reason: RejectReason, column: Int) {
        self.reason = reason
        self.column = column
    }
}
