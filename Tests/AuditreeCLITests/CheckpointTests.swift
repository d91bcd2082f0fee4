import Foundation
import TestSupport
import Testing

@testable import AuditreeScan

/// Nightly runs with --checkpoint: each finding reported by exactly one run, across growth,
/// rotation, compression and kill -9 at any moment.
@Suite("Checkpointed runs", .serialized)
struct CheckpointTests {
    static let log = Fixtures.recorded("enriched-fork")

    func lines() throws -> [Substring] {
        try String(contentsOfFile: Self.log, encoding: .isoLatin1).split(separator: "\n")
    }

    func makeDirectory() throws -> URL {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "checkpoint-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func append(_ lines: ArraySlice<Substring>, to file: URL) throws {
        let text = lines.joined(separator: "\n") + "\n"
        if let handle = try? FileHandle(forWritingTo: file) {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        } else {
            try text.write(to: file, atomically: false, encoding: .isoLatin1)
        }
    }

    /// The event stamps of the findings in a JSON report.
    func stamps(_ run: CLI.Run) throws -> [String] {
        guard let document = try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any],
            let findings = document["findings"] as? [[String: Any]]
        else { return [] }
        return findings.compactMap { ($0["process"] as? [String: Any])?["event"] as? String }
    }

    func wholeLogStamps() throws -> [String] {
        try stamps(CLI.run(["scan", "--format", "json", "--no-group", Self.log]))
    }

    @Test("growth, rotation and gzip between runs: every finding once")
    func rotation() throws {
        let all = try lines()
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let current = directory.appendingPathComponent("audit.log")
        let checkpoint = directory.appendingPathComponent("checkpoint.json").path
        func scan(_ names: [String]) throws -> [String] {
            let run = try CLI.run(
                ["scan", "--format", "json", "--no-group", "--checkpoint", checkpoint]
                    + names.map { directory.appendingPathComponent($0).path })
            #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
            return try stamps(run)
        }
        var reported: [String] = []
        try append(all[0..<300], to: current)
        reported += try scan(["audit.log"])
        try append(all[300..<600], to: current)
        reported += try scan(["audit.log"])
        // Rotated: audit.log -> audit.log.1, a new audit.log is started.
        try FileManager.default.moveItem(at: current, to: directory.appendingPathComponent("audit.log.1"))
        try append(all[600...], to: current)
        reported += try scan(["audit.log", "audit.log.1"])
        // Compressed by logrotate afterwards: nothing new, nothing again.
        try Gzip.compress(directory.appendingPathComponent("audit.log.1").path)
        reported += try scan(["audit.log", "audit.log.1.gz"])
        let expected = try wholeLogStamps()
        #expect(expected.count >= 17)
        #expect(reported.sorted() == expected.sorted())
        #expect(Set(reported).count == reported.count, "a finding was reported twice")
    }

    @Test("a run killed with SIGKILL at any moment loses nothing and repeats nothing")
    func killedRuns() throws {
        let all = try lines()
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let current = directory.appendingPathComponent("audit.log")
        let checkpoint = directory.appendingPathComponent("checkpoint.json").path
        var generator = SplitMix(seed: 20_261_123)
        var delivered: [String] = []
        var killed = 0
        var position = 0
        while position < all.count {
            let next = min(all.count, position + 40 + Int(generator.next() % 80))
            try append(all[position..<next], to: current)
            position = next
            // Some runs are killed after a seeded delay; wherever the kill lands, the outcome must hold.
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["scan", "--format", "json", "--no-group", "--checkpoint", checkpoint, current.path]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let kill = generator.next() % 2 == 0
            if kill {
                usleep(UInt32(generator.next() % 40_000))
                Glibc.kill(process.processIdentifier, SIGKILL)
            }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                killed += 1  // its report never reached anyone: the next run must make up for it
            } else {
                delivered += try stamps(CLI.Run(status: process.terminationStatus, stdout: data, stderr: ""))
            }
        }
        let final = try CLI.run(["scan", "--format", "json", "--no-group", "--checkpoint", checkpoint, current.path])
        delivered += try stamps(final)
        #expect(delivered.sorted() == (try wholeLogStamps()).sorted())
        #expect(Set(delivered).count == delivered.count, "a finding was reported twice")
        _ = killed
    }

    @Test("a corrupt checkpoint stops the run instead of reporting everything again")
    func corruptCheckpoint() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = directory.appendingPathComponent("checkpoint.json")
        try "{ not json".write(to: checkpoint, atomically: true, encoding: .utf8)
        let run = try CLI.run(["scan", "--checkpoint", checkpoint.path, Self.log])
        #expect(run.status == 2)
        #expect(run.stderr.contains("remove it to start over"))
        #expect(run.stdout.isEmpty)
    }

    @Test("the saved process table is bounded and keeps ancestors")
    func boundedState() throws {
        let report = try Scanner.run(
            { () -> ScanConfiguration in
                var configuration = ScanConfiguration(inputs: [Self.log])
                configuration.checkpointing = true
                return configuration
            }())
        let saved = try #require(report.checkpoint).processes
        #expect(!saved.isEmpty)
        let ids = Set(saved.map(\.id))
        #expect(saved.allSatisfy { $0.parentID.map(ids.contains) ?? true })
        #expect(saved.allSatisfy { $0.images.count <= 2 })
    }
}
