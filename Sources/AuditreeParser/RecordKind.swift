import AuditreeSystem
import CAudit  // the record type numbers (AUDIT_SYSCALL, ...): constants, no calls

/// The record types the engine reads fields from; every other type is counted and skipped.
public enum RecordKind: CaseIterable, Sendable {
    case syscall, execve, cwd, path, proctitle, eoe, other

    /// Position in `allCases`, for counting in an array instead of a dictionary. Inlinable: the
    /// assembler and the scan read it for every record, and a call costs more than the switch.
    @inlinable package var index: Int {
        switch self {
        case .syscall: 0
        case .execve: 1
        case .cwd: 2
        case .path: 3
        case .proctitle: 4
        case .eoe: 5
        case .other: 6
        }
    }

    /// The kernel's type number, from libaudit's headers.
    public var typeNumber: Int32? {
        switch self {
        case .syscall: AUDIT_SYSCALL
        case .execve: AUDIT_EXECVE
        case .cwd: AUDIT_CWD
        case .path: AUDIT_PATH
        case .proctitle: AUDIT_PROCTITLE
        case .eoe: AUDIT_EOE
        case .other: nil
        }
    }

    /// The type name as libaudit prints it (`SYSCALL`, `EXECVE`, ...).
    public var typeName: String? {
        guard let number = typeNumber else { return nil }
        return AuditTables.recordTypeName(number)
    }

    public init(typeNumber: Int32) {
        self = RecordKind.allCases.first { $0.typeNumber == typeNumber } ?? .other
    }

    /// Name bytes of the kinds that have one, for matching `type=NAME` without building strings.
    static let namedKinds: [(name: [UInt8], kind: RecordKind)] = RecordKind.allCases.compactMap { kind in
        kind.typeName.map { (Array($0.utf8), kind) }
    }
}
