import Foundation
import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeParser
@testable import AuditreeTree

/// Events of calls that only update the tree (clone, exit_group, ...) reach it as `TreeUpdate`s,
/// without an `AuditEvent`: on every real log that must hand on the same events in the same order,
/// count the same, and build the same tree as delivering every event whole.
@Suite("Tree updates without events")
struct TreeUpdateTests {
    /// What one way of delivering made of a log.
    struct Outcome: Equatable {
        /// Every delivery in order: the fields the tree reads, and the records the event holds.
        var deliveries: [String] = []
        var updates = 0
        var counts: [Int] = []
        /// Every process of the tree at the end, with the images it keeps.
        var processes: [String] = []
        /// Every exec handed to the rules, in order.
        var execs: [String] = []

        init(_ records: [Record], updating: Bool) {
            let tree = ProcessTree()
            var execs: [String] = []
            tree.onExec = { _, ready in
                execs.append("\(ready.process.pid) \(ready.imageNumber) \(ready.process.image(ready.imageNumber))")
            }
            var assembler = EventAssembler()
            var deliveries: [String] = []
            var updates = 0
            let emit = { (event: AuditEvent) in
                deliveries.append(
                    Self.describe(event, event.syscall) + " \(event.recordCount) \(event.kinds) \(event.execve.count) "
                        + "\(event.paths.count) \(String(describing: event.cwd)) \(event.isDaemon)")
                tree.ingest(event)
            }
            for record in records {
                if updating {
                    assembler.add(record, file: "log", emit: emit) { update in
                        updates += 1
                        // What the event would have held: its SYSCALL and its PROCTITLE.
                        let kinds = AuditEvent.syscallBit | 1 << UInt64(RecordKind.proctitle.index)
                        deliveries.append(Self.describe(update, update.syscall) + " 2 \(kinds) 0 0 nil false")
                        tree.ingest(update)
                    }
                } else {
                    assembler.add(record, file: "log", emit: emit)
                }
            }
            assembler.flush(emit: emit)
            tree.finish()
            self.deliveries = deliveries
            self.updates = updates
            self.execs = execs
            counts = [assembler.eventCount, assembler.duplicateEvents, assembler.trailingEOEs]
            processes = tree.tablesForSaving().flatMap { host, table in
                table.values.map { "\(host ?? "-") \($0.pid) \(String(describing: $0.ppid)) \($0.keptImages)" }
            }.sorted()
        }

        static func describe(_ event: some ProcessEvent, _ syscall: SyscallRecord?) -> String {
            "\(event.node ?? "-") \(event.stamp) \(event.location) \(String(describing: syscall)) "
                + String(describing: event.proctitle)
        }
    }

    static var logs: [String] { TestPaths.everyLog }

    @Test("the same deliveries, counts and tree as whole events", arguments: logs)
    func sameTree(path: String) throws {
        let parsed = try ParsedLog(path: path)
        let records = parsed.records.keys.sorted().map { parsed.records[$0]! }
        let whole = Outcome(records, updating: false)
        let updating = Outcome(records, updating: true)
        #expect(updating.deliveries == whole.deliveries)
        #expect(updating.counts == whole.counts)
        #expect(updating.processes == whole.processes)
        #expect(updating.execs == whole.execs)
        // A recorded log of process creation (no EOEs: events end at their PROCTITLE) hands its
        // clones on as updates.
        let forks = records.contains { if case .syscall(let call) = $0.body { call.syscall.isFork } else { false } }
        if path.hasPrefix(TestPaths.recordedFixtures.path), forks, !records.contains(where: { $0.kind == .eoe }) {
            #expect(updating.updates > 0)
        }
    }
}
