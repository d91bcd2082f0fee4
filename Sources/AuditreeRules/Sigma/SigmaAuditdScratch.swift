/// What the per-record pass of the auditd rules keeps from one record to the next on one thread
/// (`SigmaAuditdRules.matching(_:scratch:)`), so that a record costs no allocation: the buffer
/// of decoded values, the first value of each field read, the literals and searches found.
/// Each parsing thread holds its own.
public struct SigmaAuditdScratch {
    /// Decoded values of the record at hand (hex, PROCTITLE's NULs as spaces, SYSCALL names).
    var buffer: [UInt8] = []
    /// Per field: where its first value is (in the line, or in `buffer`), valid when `generation` is the record's.
    var views: [View] = []
    var generation: UInt32 = 0
    /// Per keyword literal and per general keyword: whether the record holds it.
    var found: [UInt64] = []
    var generalHolds: [UInt64] = []
    /// Per rule: the searches that hold; `touched` lists the rules with a bit set.
    var masks: [UInt64] = []
    var touched: [Int32] = []
    /// The names a RAW SYSCALL record gets, by arch and number.
    var syscallNames: [UInt64: (name: [UInt8]?, machine: [UInt8]?)] = [:]
    var lastSyscallKey: UInt64 = .max
    var lastSyscallNames: (name: [UInt8]?, machine: [UInt8]?) = (nil, nil)

    struct View {
        var start: Int32 = 0
        var end: Int32 = 0
        var inBuffer = false
        var generation: UInt32 = 0
    }

    public init() {}

    /// Sized for `program` and `rules` rules, and a new record begun.
    mutating func begin(_ program: SigmaAuditdProgram, rules: Int) {
        if views.count != program.fieldCount { views = [View](repeating: View(), count: program.fieldCount) }
        if masks.count != rules { masks = [UInt64](repeating: 0, count: rules) }
        let words = program.keywords.words
        if found.count != words { found = [UInt64](repeating: 0, count: words) }
        for index in found.indices { found[index] = 0 }
        let generalWords = (program.generalKeywords.count + 63) / 64
        if generalHolds.count != generalWords { generalHolds = [UInt64](repeating: 0, count: generalWords) }
        for index in generalHolds.indices { generalHolds[index] = 0 }
        buffer.removeAll(keepingCapacity: true)
        touched.removeAll(keepingCapacity: true)
        if generation == .max {
            for index in views.indices { views[index].generation = 0 }
            generation = 0
        }
        generation += 1
    }
}
