import AuditreeParser
import AuditreeTree

/// The process_creation fields of one exec, with Sysmon for Linux's meanings, and the
/// evaluation of Sigma rules on them.
public struct SigmaProcessCreation: Sendable {
    /// The fields in a fixed order, so a rule's field names are resolved once, at load.
    public enum Field: Int, CaseIterable, Sendable {
        case image, commandLine, parentImage, parentCommandLine, user, logonId, currentDirectory, processId,
            parentProcessId

        public var name: String {
            switch self {
            case .image: "Image"
            case .commandLine: "CommandLine"
            case .parentImage: "ParentImage"
            case .parentCommandLine: "ParentCommandLine"
            case .user: "User"
            case .logonId: "LogonId"
            case .currentDirectory: "CurrentDirectory"
            case .processId: "ProcessId"
            case .parentProcessId: "ParentProcessId"
            }
        }

        public init?(name: String) {
            guard let field = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = field
        }
    }

    /// By `Field.rawValue`; nil when the log does not give the value.
    public var values: [SigmaFieldValue?]

    /// Sysmon for Linux's value for an unknown parent.
    public static let unknown = "-"
    private static let unknownValue = SigmaFieldValue(unknown)

    /// `parent` is the image of the process whose pid is the exec's ppid, as it was at the
    /// exec (nil when the log never described it).
    /// `used`: per field, whether to build it (nil: all); a field not built is absent. A scan
    /// builds only the fields its rules read: each one is a copy of bytes, folded.
    public init(image: ProcessImage, pid: Int, ppid: Int?, parent: ProcessImage?, used: [Bool]? = nil) {
        let parentFields = Self.parentFields(parent, used: used)
        var reading: UInt32 = 0
        for field in Field.allCases where used?[field.rawValue] ?? true { reading |= 1 << UInt32(field.rawValue) }
        self.init(
            image: image, pid: pid, ppid: ppid, parentImage: parentFields.image,
            parentCommandLine: parentFields.commandLine, reading: reading)
    }

    /// With the parent's fields already built (`parentFields`): a scan keeps them per parent image.
    /// `reading`: the fields to build, a bit per `Field.rawValue` (the parent's are given).
    init(
        image: borrowing ProcessImage, pid: Int, ppid: Int?, parentImage: SigmaFieldValue?,
        parentCommandLine: SigmaFieldValue?,
        reading: UInt32
    ) {
        values = Array(repeating: nil, count: Field.allCases.count)
        func wanted(_ field: Field) -> Bool { reading & 1 << UInt32(field.rawValue) != 0 }
        if wanted(.image) { values[Field.image.rawValue] = image.exe.map { SigmaFieldValue(bytes: $0.bytes) } }
        if wanted(.commandLine) {
            values[Field.commandLine.rawValue] = SigmaFieldValue(joining: image.argv.arguments)
        }
        values[Field.parentImage.rawValue] = parentImage
        values[Field.parentCommandLine.rawValue] = parentCommandLine
        if wanted(.user) {
            values[Field.user.rawValue] = (image.userName ?? image.uid.map { String($0) }).map(SigmaFieldValue.init)
        }
        if wanted(.logonId) { values[Field.logonId.rawValue] = image.uid.map { SigmaFieldValue(String($0)) } }
        if wanted(.currentDirectory) {
            values[Field.currentDirectory.rawValue] = image.cwd.map { SigmaFieldValue(bytes: $0.bytes) }
        }
        if wanted(.processId) { values[Field.processId.rawValue] = SigmaFieldValue(String(pid)) }
        if wanted(.parentProcessId) {
            values[Field.parentProcessId.rawValue] = ppid.map { SigmaFieldValue(String($0)) }
        }
    }

    /// ParentImage and ParentCommandLine of an exec whose parent ran `parent` (`-` when unknown),
    /// each nil when `used` says no rule reads it.
    static func parentFields(_ parent: ProcessImage?, used: [Bool]?) -> (
        image: SigmaFieldValue?, commandLine: SigmaFieldValue?
    ) {
        func wanted(_ field: Field) -> Bool { used?[field.rawValue] ?? true }
        let unknown = Self.unknownValue
        let image = parent.map { $0.exe.map { SigmaFieldValue(bytes: $0.bytes) } ?? unknown } ?? unknown
        let commandLine = parent.map { SigmaFieldValue(joining: $0.argv.arguments) } ?? unknown
        return (wanted(.parentImage) ? image : nil, wanted(.parentCommandLine) ? commandLine : nil)
    }

    public subscript(field: Field) -> SigmaFieldValue? { values[field.rawValue] }

    /// The values by name, for the events export and tests.
    public var named: [(String, String?)] { Field.allCases.map { ($0.name, values[$0.rawValue]?.string) } }

    /// Whether the rule's condition holds for these values.
    public func matches(_ rule: SigmaRule) -> Bool {
        rule.detection.condition.evaluate { name in
            guard let search = rule.detection.searches[name] else { return false }
            return holds(search)
        }
    }

    func holds(_ search: SigmaSearch) -> Bool {
        switch search {
        case .maps(let maps):
            return maps.contains { tests in
                tests.allSatisfy { test in test.test.matches(Field(name: test.field).flatMap { values[$0.rawValue] }) }
            }
        case .keywords(let test):
            // Sysmon's full text: every field's value.
            return values.contains { $0 != nil && test.matches($0) }
        }
    }
}
