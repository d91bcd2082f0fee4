import Foundation
import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeReport
@testable import AuditreeScan
@testable import AuditreeTree

/// Memory follows the live processes, not the log: exited generations of a fork chain are
/// freed, and `tree` on a deep chain prints a constant per process.
@Suite("tree memory and output on chains")
struct TreeMemoryTests {
    /// The recorded bash clone (raw-fork.log line 168) as a chain: generation k (pid 2000+k)
    /// clones generation k+1, each a second after the last; then the last one execs the
    /// recorded `sh -c` (line 179).
    static func forkChain(generations: Int) throws -> [String] {
        let recorded = try String(contentsOfFile: Fixtures.recorded("raw-fork"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let clone = recorded[167]
        let exec = recorded[178]
        #expect(
            clone.contains("syscall=56") && clone.contains("exit=16121 ") && clone.contains(" pid=16100 "),
            "the template moved")
        #expect(exec.contains("syscall=59") && exec.contains(" pid=16122 "), "the template moved")
        var lines: [String] = []
        for k in 0..<generations {
            var line = clone.replacingOccurrences(
                of: "audit(1795432246.652:1320)", with: "audit(\(1795432246 + k).652:\(5000 + k))")
            line = line.replacingOccurrences(of: "exit=16121 ", with: "exit=\(2001 + k) ")
            line = line.replacingOccurrences(
                of: " ppid=15747 pid=16100 ", with: " ppid=\(k == 0 ? 15747 : 1999 + k) pid=\(2000 + k) ")
            lines.append(line)
        }
        var last = exec.replacingOccurrences(
            of: "audit(1795432246.668:1323)", with: "audit(\(1795432246 + generations).100:\(5000 + generations))")
        last = last.replacingOccurrences(
            of: " ppid=16121 pid=16122 ", with: " ppid=\(1999 + generations) pid=\(2000 + generations) ")
        lines.append(last)
        return lines
    }

    @Test("a 6,000-generation fork chain keeps only what live processes' lineages reach")
    func forkChainIsFreed() throws {
        let lines = try Self.forkChain(generations: 6_000)
        let tree = ProcessTree(maxProcessesPerHost: 256)
        var lineages: [[LineageEntry]] = []
        tree.onExec = { _, ready in lineages.append(ready.process.lineage(of: ready.imageNumber)) }
        var assembler = EventAssembler()
        // Every 100th generation, watched without keeping it alive.
        final class Watch { weak var node: ProcessNode? }
        var watches: [Watch] = []
        for (number, line) in lines.enumerated() {
            for result in Fixtures.parseLines(Array((line + "\n").utf8)) {
                guard case .success(let record) = result else {
                    Issue.record("not parsed: \(line)")
                    continue
                }
                assembler.add(record, file: "chain.log") { tree.ingest($0) }
            }
            // Events close 10 s of log time after they start: watch a generation 20 s back.
            if number % 100 == 50 {
                let watch = Watch()
                watch.node = tree.tablesForSaving().first?.1[2000 + number - 20]
                #expect(watch.node != nil)
                watches.append(watch)
            }
        }
        assembler.flush { tree.ingest($0) }
        tree.finish()
        let alive = watches.filter { $0.node != nil }.count
        // The table keeps at most 256 processes and their lineages reach lineageReach generations
        // more; the list of recent processes drops its consumed head only past 1,024 entries.
        #expect(
            alive <= (256 + ProcessTree.lineageReach + 2 * 1_024) / 100 + 2,
            "\(alive) of \(watches.count) watched generations still in memory")
        #expect(watches.prefix(watches.count / 2).allSatisfy { $0.node == nil }, "the older half of the chain is freed")
        #expect(tree.prunedLinks > 0)
        // What the live processes need is all there: the shell's lineage is as long as a lineage gets.
        let lineage = try #require(lineages.last)
        #expect(lineage.count == ProcessReference.maxEntries)
        #expect(lineage.allSatisfy { $0.image != nil })
        #expect(lineage.map(\.generation) == Array(1...ProcessReference.maxEntries))
    }

    @Test("tree on a 3,000-deep chain: indentation capped, the depth written, output linear")
    func deepTree() throws {
        // The same recorded clone and exec, but each generation execs before it clones the next.
        let recorded = try String(contentsOfFile: Fixtures.recorded("raw-fork"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let exec = recorded[178]
        let execve = recorded[180]
        #expect(execve.hasPrefix("type=EXECVE"), "the template moved")
        var lines: [String] = []
        let depth = 3_000
        for k in 0..<depth {
            let stamp = "audit(\(1795432246 + k / 1000).\(String(format: "%03d", k % 1000)):\(5000 + k))"
            lines.append(
                exec.replacingOccurrences(of: "audit(1795432246.668:1323)", with: stamp)
                    .replacingOccurrences(of: " ppid=16121 pid=16122 ", with: " ppid=\(1999 + k) pid=\(2000 + k) "))
            lines.append(execve.replacingOccurrences(of: "audit(1795432246.668:1323)", with: stamp))
        }
        let scratch = try TemporaryDirectory("deep")
        defer { scratch.remove() }
        let path = scratch.path("deep.log")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        var configuration = ScanConfiguration(inputs: [path])
        configuration.collectExecs = true
        let report = try Scanner.run(configuration)
        #expect(report.execs.count == depth)
        // Kept records hold their lineage only up to the nearest exec'd ancestor...
        #expect(report.execs.allSatisfy { $0.lineage.count <= 1 })
        // ...and the whole lineage is still there through the records.
        let deepest = try #require(report.execs.last)
        let chain = report.execs.chain(from: deepest)
        #expect(chain.count == ProcessReference.maxEntries)
        #expect(chain.map(\.pid) == (1..<(ProcessReference.maxEntries + 1)).map { 2000 + depth - 1 - $0 })
        let text = ProcessTreeWriter().render(report.execs)
        let output = text.split(separator: "\n")
        #expect(output.count == depth + 1)  // the unknown root, then one line per exec
        let widest = output.map(\.utf8.count).max() ?? 0
        #expect(widest < 2 * ProcessTreeWriter.maxIndentLevels + 150, "a line of \(widest) bytes")
        #expect(output.last?.contains("[depth \(depth)] pid \(2000 + depth - 1) ") == true)
    }

    /// A burst of execs faster than any host (all in one second of log time): execs wait for the
    /// rules at most `maxWaiting` deep, and so do the processes kept for a finding to claim;
    /// every exec is still handed on, once, in log order. Counts, never timings.
    @Test(
        "execs wait for the rules by count as well as by time",
        arguments: [(execs: 1_000, maxWaiting: 100), (execs: 1_000, maxWaiting: 65_536)])
    func waitingIsBoundedByCount(execs: Int, maxWaiting: Int) throws {
        let recorded = try String(contentsOfFile: Fixtures.recorded("raw-fork"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let exec = recorded[178]
        #expect(
            exec.contains("audit(1795432246.668:1323)") && exec.contains(" ppid=16121 pid=16122 "), "the template moved"
        )
        let tree = ProcessTree(maxWaiting: maxWaiting)
        var handed: [Int] = []
        tree.onExec = { _, ready in handed.append(ready.process.pid) }
        var mostWaiting = (execs: 0, claimable: 0)
        for k in 0..<execs {
            // One exec per millisecond, each of a new process (pid 3000 + k, child of 16121).
            var line = exec.replacingOccurrences(
                of: "audit(1795432246.668:1323)",
                with: "audit(1795432246.\(String(format: "%03d", k % 1000)):\(9000 + k))")
            line = line.replacingOccurrences(of: " ppid=16121 pid=16122 ", with: " ppid=16121 pid=\(3000 + k) ")
            var assembler = EventAssembler()
            for result in Fixtures.parseLines(Array((line + "\n").utf8)) {
                guard case .success(let record) = result else {
                    Issue.record("not parsed: \(line)")
                    continue
                }
                assembler.add(record, file: "burst.log") { tree.ingest($0) }
            }
            assembler.flush { tree.ingest($0) }
            mostWaiting = (
                max(mostWaiting.execs, tree.waiting.execs), max(mostWaiting.claimable, tree.waiting.claimable)
            )
        }
        let handedEarly = handed.count
        tree.finish()
        // The claimable processes are the execs' and their parent's placeholder (pid 16121), so
        // that bound is met one exec before the bound on waiting execs.
        let waitingBound = maxWaiting - 1
        #expect(mostWaiting.execs == min(execs, waitingBound))
        #expect(mostWaiting.claimable == min(execs + 1, maxWaiting))
        #expect(handedEarly == max(0, execs - waitingBound), "handed on before the log moved 5 s")
        #expect(handed == (0..<execs).map { 3000 + $0 }, "every exec once, in log order")
    }
}
