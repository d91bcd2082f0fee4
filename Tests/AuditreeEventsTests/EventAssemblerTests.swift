import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeParser

/// Repeats and late rests of events, record by record, where the deduplicator's memory runs out.
@Suite("Event assembler")
struct EventAssemblerTests {
    /// Feeds records straight to an assembler whose window closes an event once the log moves on.
    struct Feed {
        var assembler = EventAssembler(window: 0)
        var emitted: [AuditEvent] = []
        var line = 0

        /// A record of `kind` and, with `closed`, its EOE, which ends the event at once.
        mutating func add(_ kind: RecordKind, serial: UInt64, milliseconds: Int64, closed: Bool = false) {
            add(kind, serial: serial, milliseconds: milliseconds)
            if closed { add(.eoe, serial: serial, milliseconds: milliseconds) }
        }

        private mutating func add(_ kind: RecordKind, serial: UInt64, milliseconds: Int64) {
            line += 1
            let body: RecordBody = kind == .syscall ? .syscall(SyscallRecord()) : .none
            let record = Record(
                kind: kind, typeNumber: kind.typeNumber, node: nil,
                stamp: EventStamp(
                    seconds: milliseconds / 1000, milliseconds: Int32(milliseconds % 1000), serial: serial),
                isDaemon: false, line: line, body: body)
            var emitted = self.emitted
            assembler.add(record, file: "test") { emitted.append($0) }
            self.emitted = emitted
        }

        mutating func finish() {
            var emitted = self.emitted
            assembler.flush { emitted.append($0) }
            self.emitted = emitted
        }
    }

    @Test("a late rest is passed on and a repeat of it dropped, also after the deduplicator dropped the stamp's run")
    func forgottenRun() {
        var feed = Feed()
        feed.add(.syscall, serial: 1, milliseconds: 0, closed: true)
        // Every other serial, each a run of its own and later than serial 1: the oldest run,
        // serial 1's, is the one dropped when there are more than the deduplicator keeps.
        // One more than that, since the last of them is still open when serial 1 comes back.
        let others = EventDeduplicator.maxRuns + 1
        for index in 1...others { feed.add(.syscall, serial: UInt64(1 + 2 * index), milliseconds: Int64(index)) }
        // Serial 1 again with other kinds: its late rest, passed on.
        feed.add(.path, serial: 1, milliseconds: 0, closed: true)
        // Serial 1's SYSCALL again: a repeat (its kind was delivered under the stamp), dropped.
        feed.add(.syscall, serial: 1, milliseconds: 0, closed: true)
        feed.add(.syscall, serial: 5_000, milliseconds: 5_000)
        feed.finish()
        #expect(feed.assembler.duplicateEvents == 1)
        #expect(feed.emitted.count == 1 + others + 1 + 1)
        #expect(feed.emitted.filter { $0.stamp.serial == 1 }.map(\.recordCount) == [2, 2])
    }

    @Test("without the deduplicator dropping runs: the same late rest and repeat")
    func keptRuns() {
        var feed = Feed()
        feed.add(.syscall, serial: 1, milliseconds: 0, closed: true)
        for index in 1...10 { feed.add(.syscall, serial: UInt64(1 + 2 * index), milliseconds: Int64(index)) }
        feed.add(.path, serial: 1, milliseconds: 0, closed: true)
        feed.add(.syscall, serial: 1, milliseconds: 0, closed: true)
        feed.add(.path, serial: 1, milliseconds: 0, closed: true)
        feed.finish()
        #expect(feed.assembler.duplicateEvents == 2)
        #expect(feed.emitted.count == 1 + 10 + 1)
    }
}
