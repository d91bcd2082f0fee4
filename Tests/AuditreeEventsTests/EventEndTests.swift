import Foundation
import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeParser

/// An event ends at its PROCTITLE (the kernel's last record before EOE): on real logs that
/// must group every record exactly as waiting for the window does, and a log whose kernel
/// writes records after PROCTITLE must lose none of them.
@Suite("Event end at PROCTITLE")
struct EventEndTests {
    /// What an assembler made of a list of records.
    struct Outcome {
        /// (node, stamp, record count, record kinds) of every emitted event, sorted.
        var events: [String] = []
        var eventCount = 0
        var duplicates = 0
        var trailingEOEs = 0
        var recordsInEvents = 0
        var closesAtTitle = true

        init(_ records: [Record], closesAtTitle: Bool) {
            var assembler = EventAssembler(closesAtTitle: closesAtTitle)
            var emitted: [AuditEvent] = []
            for record in records { assembler.add(record, file: "log") { emitted.append($0) } }
            assembler.flush { emitted.append($0) }
            events = emitted.map { "\($0.node ?? "-") \($0.stamp) \($0.recordCount) \($0.kinds)" }.sorted()
            recordsInEvents = emitted.reduce(0) { $0 + $1.recordCount }
            eventCount = assembler.eventCount
            duplicates = assembler.duplicateEvents
            trailingEOEs = assembler.trailingEOEs
            self.closesAtTitle = assembler.closesAtTitle
        }
    }

    static var logs: [String] { TestPaths.everyLog }

    @Test("records per event are those of the window; EOEs after a closed event are counted with it", arguments: logs)
    func sameEvents(path: String) throws {
        let parsed = try ParsedLog(path: path)
        let records = parsed.records.keys.sorted().map { parsed.records[$0]! }
        let waiting = Outcome(records, closesAtTitle: false)
        let ending = Outcome(records, closesAtTitle: true)
        // No real log writes a record after PROCTITLE but an EOE (the malformed fixtures
        // repeat whole events, which start with a SYSCALL); an EOE turns the rule off.
        #expect(ending.closesAtTitle || records.contains { $0.kind == .eoe })
        #expect(ending.eventCount == waiting.eventCount)
        #expect(ending.duplicates == waiting.duplicates)
        #expect(ending.recordsInEvents + ending.trailingEOEs == waiting.recordsInEvents)
        // Without the EOEs (which end an event either way), every event holds the same records.
        let withoutEOE = records.filter { $0.kind != .eoe }
        #expect(
            Outcome(withoutEOE, closesAtTitle: true).events == Outcome(withoutEOE, closesAtTitle: false).events)
    }

    static func record(_ kind: RecordKind, serial: UInt64, line: Int, type: Int32? = nil) -> Record {
        let body: RecordBody =
            switch kind {
            case .syscall: .syscall(SyscallRecord())
            case .proctitle: .proctitle(Proctitle(raw: LogString(bytes: Array("sh".utf8)), isHex: false))
            default: .none
            }
        return Record(
            kind: kind, typeNumber: type ?? kind.typeNumber, node: nil,
            stamp: EventStamp(seconds: 100, milliseconds: 0, serial: serial), isDaemon: false, line: line, body: body)
    }

    @Test("a record after PROCTITLE turns the rule off; it and every other record stay accounted for")
    func recordAfterTitle() {
        // 1420 (MAC_TASK_CONTEXTS) written after PROCTITLE, as some LSM-stacking kernels do.
        let records = (1...3).flatMap { serial in
            [
                Self.record(.syscall, serial: serial, line: 0), Self.record(.proctitle, serial: serial, line: 0),
                Self.record(.other, serial: serial, line: 0, type: 1420), Self.record(.eoe, serial: serial, line: 0),
            ]
        }
        var assembler = EventAssembler()
        var emitted: [AuditEvent] = []
        for record in records { assembler.add(record, file: "log") { emitted.append($0) } }
        assembler.flush { emitted.append($0) }
        #expect(!assembler.closesAtTitle)
        // Serial 1 ended at its PROCTITLE: its 1420 record is a late rest, its EOE ends that.
        // Serials 2 and 3 wait for their EOE, whole.
        #expect(emitted.map(\.stamp.serial) == [1, 1, 2, 3])
        #expect(emitted.map(\.recordCount) == [2, 2, 4, 4])
        #expect(assembler.eventCount == 4)
        #expect(assembler.trailingEOEs == 0)
    }

    @Test("an EOE after the PROCTITLE that closed its event is counted with it, a second one stands alone")
    func trailingEOE() {
        let records = [
            Self.record(.syscall, serial: 1, line: 1), Self.record(.syscall, serial: 2, line: 2),
            Self.record(.proctitle, serial: 1, line: 3), Self.record(.proctitle, serial: 2, line: 4),
            Self.record(.eoe, serial: 2, line: 5), Self.record(.eoe, serial: 1, line: 6),
            Self.record(.eoe, serial: 1, line: 7),
        ]
        var assembler = EventAssembler()
        var emitted: [AuditEvent] = []
        for record in records { assembler.add(record, file: "log") { emitted.append($0) } }
        // Delivered at their PROCTITLE, before the input ends.
        #expect(emitted.map(\.stamp.serial) == [1, 2])
        assembler.flush { emitted.append($0) }
        #expect(emitted.count == 2)
        #expect(assembler.trailingEOEs == 2)
        #expect(assembler.eventCount == 3)
        // A log with EOEs ends its events with them from then on.
        #expect(!assembler.closesAtTitle)
    }

    @Test("at a checkpoint cut, an open event before one its PROCTITLE delivered is delivered, not held")
    func cutAfterDelivered() {
        let records = [
            Self.record(.other, serial: 1, line: 1, type: 1100), Self.record(.syscall, serial: 2, line: 2),
            Self.record(.proctitle, serial: 2, line: 3), Self.record(.syscall, serial: 3, line: 4),
        ]
        var assembler = EventAssembler()
        var emitted: [UInt64] = []
        for (index, record) in records.enumerated() {
            assembler.add(record, file: "log", origin: EventOrigin(offset: index * 100, line: index + 1)) {
                emitted.append($0.stamp.serial)
            }
        }
        let held = assembler.cut(deliverNow: { _ in false }, emit: { emitted.append($0.stamp.serial) })
        // Reading again from serial 1 would deliver serial 2 twice: serial 1 goes now, serial 3 waits.
        #expect(emitted == [2, 1])
        #expect(held == [EventOrigin(offset: 300, line: 4)])
    }
}
