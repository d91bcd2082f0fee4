import Foundation
import Testing
@testable import AuditreeKit

/// Issue 15's fault-injection suite: each fault an operator meets (a report that cannot be
/// delivered, clock steps, reboots, hosts without node=, overlapping runs, hostile
/// checkpoints, filtered runs) either leaves every finding reported exactly once across
/// runs, or fails the run loudly (exit 2, one line) without advancing the checkpoint.
@Suite("Fault injection", .serialized)
struct FaultInjectionTests {
    static let log = Fixtures.recorded("enriched-fork")

    /// A scratch folder with an audit log growing from the recorded fixture and a checkpoint beside it.
    struct Scratch {
        let directory: URL
        var log: URL { directory.appendingPathComponent("audit.log") }
        var checkpoint: String { directory.appendingPathComponent("state/checkpoint.json").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("auditree-fault-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("state"), withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        func append(_ lines: some Sequence<Substring>, to file: URL? = nil) throws {
            let target = file ?? log
            let text = lines.map { $0 + "\n" }.joined()
            if !FileManager.default.fileExists(atPath: target.path) { FileManager.default.createFile(atPath: target.path, contents: nil) }
            let handle = try FileHandle(forWritingTo: target)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }

        /// The last runs of a sequence: the first reads what is left, the second delivers the
        /// events the first held back at its cut (they might still have been being written).
        func drain(_ files: [String]? = nil, _ extra: [String] = []) throws -> [String] {
            var found: [String] = []
            for _ in 0..<2 {
                let run = try scan(files, extra)
                guard run.status == 0 || run.status == 1 else { throw FaultError("exit \(run.status): \(run.stderr)") }
                found += try FaultInjectionTests.findings(run)
            }
            return found
        }

        /// A checkpointed JSON scan of `files` (default: the growing log).
        func scan(_ files: [String]? = nil, _ extra: [String] = []) throws -> CLI.Run {
            try CLI.run(["scan", "--format", "json", "--no-group", "--checkpoint", checkpoint] + extra + (files ?? [log.path]))
        }
    }

    static func lines(_ path: String = log) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .isoLatin1).split(separator: "\n")
    }

    /// Each finding as "host|event stamp" from a JSON report; throws when the report is not one.
    static func findings(_ run: CLI.Run) throws -> [String] {
        guard let document = try? JSONSerialization.jsonObject(with: run.stdout) as? [String: Any],
              let findings = document["findings"] as? [[String: Any]] else {
            throw FaultError("not a JSON report (exit \(run.status)): \(run.stderr)")
        }
        return findings.map { finding in
            let host = finding["host"] as? String ?? "-"
            let event = (finding["process"] as? [String: Any])?["event"] as? String ?? "?"
            return host + "|" + event
        }
    }

    static func cleanFindings(_ files: [String], _ extra: [String] = []) throws -> [String] {
        try findings(CLI.run(["scan", "--format", "json", "--no-group"] + extra + files))
    }

    /// Runs the binary with its standard output on `stdout` (a path, or a pipe whose reader is
    /// gone) and SIGPIPE ignored, as under systemd.
    static func runIgnoringSIGPIPE(_ arguments: [String], stdout: FileHandle) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' PIPE; exec \"$0\" \"$@\"", CLI.executable.path] + arguments
        process.standardOutput = stdout
        let err = Pipe()
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    // MARK: Reports that cannot be delivered

    @Test("a report lost on stdout (/dev/full, a closed pipe with SIGPIPE ignored) fails the run and keeps the checkpoint",
          arguments: ["/dev/full", "closed-pipe"])
    func undeliveredStdout(target: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let all = try Self.lines()
        try scratch.append(all[0..<400])
        var reported = try Self.findings(scratch.scan())
        let saved = try #require(Self.contents(scratch.checkpoint))
        try scratch.append(all[400...])
        let stdout: FileHandle
        if target == "closed-pipe" {
            let pipe = Pipe()
            try pipe.fileHandleForReading.close()
            stdout = pipe.fileHandleForWriting
        } else {
            stdout = try #require(FileHandle(forWritingAtPath: target))
        }
        let lost = try Self.runIgnoringSIGPIPE(["scan", "--format", "json", "--no-group", "--checkpoint", scratch.checkpoint, scratch.log.path], stdout: stdout)
        #expect(lost.status == 2, "\(lost.stderr)")
        #expect(lost.stderr.contains("cannot write the report to standard output"))
        #expect(lost.stderr.split(separator: "\n").count == 1, "\(lost.stderr)")
        #expect(Self.contents(scratch.checkpoint) == saved, "the checkpoint moved past an undelivered report")
        reported += try scratch.drain()
        #expect(reported.sorted() == (try Self.cleanFindings([Self.log])).sorted())
    }

    @Test("a full disk under --output (file size limit) fails the run and keeps the checkpoint")
    func undeliveredOutputFile() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let all = try Self.lines()
        try scratch.append(all[0..<400])
        var reported = try Self.findings(scratch.scan())
        let saved = try #require(Self.contents(scratch.checkpoint))
        try scratch.append(all[400...])
        let report = scratch.directory.appendingPathComponent("report.json").path
        // RLIMIT_FSIZE of 1 block with SIGXFSZ ignored: writes past 512 bytes fail with EFBIG, as on a full disk.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' XFSZ; ulimit -f 1; exec \"$0\" \"$@\"", CLI.executable.path,
                             "scan", "--no-group", "--checkpoint", scratch.checkpoint, "--output", report, scratch.log.path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2, "\(message)")
        #expect(message.contains("cannot write the report"), "\(message)")
        #expect(Self.contents(scratch.checkpoint) == saved)
        reported += try scratch.drain()
        #expect(reported.sorted() == (try Self.cleanFindings([Self.log])).sorted())
    }
}

struct FaultError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
