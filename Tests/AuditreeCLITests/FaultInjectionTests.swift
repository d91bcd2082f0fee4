import Foundation
import TestSupport
import Testing

@testable import AuditreeTree

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
            directory = TestProcessFolder.url.appendingPathComponent("fault-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent("state"), withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        func append(_ lines: some Sequence<Substring>, to file: URL? = nil) throws {
            let target = file ?? log
            let text = lines.map { $0 + "\n" }.joined()
            if !FileManager.default.fileExists(atPath: target.path) {
                FileManager.default.createFile(atPath: target.path, contents: nil)
            }
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
            try CLI.run(
                ["scan", "--format", "json", "--no-group", "--checkpoint", checkpoint] + extra + (files ?? [log.path]))
        }
    }

    static func lines(_ path: String = log) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .isoLatin1).split(separator: "\n")
    }

    /// Each finding as "host|event stamp" from a JSON report; throws when the report is not one.
    static func findings(_ run: CLI.Run) throws -> [String] {
        guard let document = try? JSONSerialization.jsonObject(with: run.stdout) as? [String: Any],
            let findings = document["findings"] as? [[String: Any]]
        else {
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
    static func runIgnoringSIGPIPE(_ arguments: [String], stdout: FileHandle) throws -> (status: Int32, stderr: String)
    {
        let run = try CLI.run(arguments, stdout: stdout, shell: "trap '' PIPE;")
        return (run.status, run.stderr)
    }

    static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Where each delivery-failure test starts: a checkpointed run over the log's first 400
    /// lines, then the rest appended. Returns that run's findings and the checkpoint it saved.
    static func checkpointedRunThenGrow(_ scratch: Scratch) throws -> (reported: [String], saved: Data) {
        let all = try lines()
        try scratch.append(all[0..<400])
        let reported = try findings(scratch.scan())
        let saved = try #require(contents(scratch.checkpoint))
        try scratch.append(all[400...])
        return (reported, saved)
    }

    // MARK: Reports that cannot be delivered

    @Test(
        "a report lost on stdout (/dev/full, a closed pipe with SIGPIPE ignored) fails the run and keeps the checkpoint",
        arguments: ["/dev/full", "closed-pipe"])
    func undeliveredStdout(target: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var (reported, saved) = try Self.checkpointedRunThenGrow(scratch)
        let stdout: FileHandle
        if target == "closed-pipe" {
            let pipe = Pipe()
            try pipe.fileHandleForReading.close()
            stdout = pipe.fileHandleForWriting
        } else {
            stdout = try #require(FileHandle(forWritingAtPath: target))
        }
        let lost = try Self.runIgnoringSIGPIPE(
            ["scan", "--format", "json", "--no-group", "--checkpoint", scratch.checkpoint, scratch.log.path],
            stdout: stdout)
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
        var (reported, saved) = try Self.checkpointedRunThenGrow(scratch)
        let report = scratch.directory.appendingPathComponent("report.json").path
        // RLIMIT_FSIZE of 1 block with SIGXFSZ ignored: writes past 512 bytes fail with EFBIG, as on a full disk.
        let run = try CLI.run(
            ["scan", "--no-group", "--checkpoint", scratch.checkpoint, "--output", report, scratch.log.path],
            stdout: FileHandle.nullDevice, shell: "trap '' XFSZ; ulimit -f 1;")
        let message = run.stderr
        #expect(run.status == 2 && run.signal == nil, "\(message)")
        #expect(message.contains("cannot write the report"), "\(message)")
        #expect(Self.contents(scratch.checkpoint) == saved)
        reported += try scratch.drain()
        #expect(reported.sorted() == (try Self.cleanFindings([Self.log])).sorted())
    }

    @Test("a closed pipe with SIGPIPE at its default: the run dies of it and the checkpoint stays")
    func closedPipeDefaultSIGPIPE() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var (reported, saved) = try Self.checkpointedRunThenGrow(scratch)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // The default disposition whatever the test runner's: a shell cannot undo an inherited
        // SIG_IGN (POSIX), Python's signal module can.
        process.arguments = [
            "python3", "-c",
            "import os, signal, sys; signal.signal(signal.SIGPIPE, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
            CLI.executable.path, "scan", "--format", "json", "--no-group", "--checkpoint", scratch.checkpoint,
            scratch.log.path,
        ]
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        process.standardOutput = pipe.fileHandleForWriting
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGPIPE)
        #expect(Self.contents(scratch.checkpoint) == saved)
        reported += try scratch.drain()
        #expect(reported.sorted() == (try Self.cleanFindings([Self.log])).sorted())
    }

    @Test("a version 1 checkpoint (event-time resume point) is read on: nothing repeated, nothing lost")
    func versionOneCheckpoint() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let all = try Self.lines()
        try scratch.append(all[0..<500])
        var reported = try scratch.drain()
        // What version 1 wrote after the same runs: every event delivered, the offset at the end
        // of the last complete line, no `end`, and a per-host last stamp.
        let saved = try #require(Self.contents(scratch.checkpoint))
        var document = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        var files = try #require(document["files"] as? [[String: Any]])
        #expect(files.first?["offset"] as? Int == files.first?["end"] as? Int, "the drained run still holds events")
        files[0]["end"] = nil
        document["files"] = files
        document["version"] = 1
        document["lastEvents"] = ["": ["seconds": 1_795_432_236, "milliseconds": 0, "serial": 1200]]
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: scratch.checkpoint))
        try scratch.append(all[500...])
        reported += try scratch.drain()
        #expect(reported.sorted() == (try Self.cleanFindings([Self.log])).sorted())
    }

    @Test("a small log growing run after run keeps one position in the checkpoint, not one per run")
    func oneEntryPerFile() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let all = try Self.lines()
        var reported: [String] = []
        // Under 4 KiB at first: the head the position is known by grows with the file.
        for range in [0..<3, 3..<6, 6..<10, 10..<40, 40..<all.count] {
            try scratch.append(all[range])
            reported += try Self.findings(scratch.scan())
        }
        reported += try scratch.drain()
        #expect(reported.sorted() == (try Self.cleanFindings([Self.log])).sorted())
        let saved = try #require(Self.contents(scratch.checkpoint))
        let document = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        #expect((document["files"] as? [Any])?.count == 1)
    }

    // MARK: Logs that other clocks, reboots and hosts wrote

    /// The fixture's lines with every stamp moved by `seconds` (and `serials`), and every pid
    /// (clone's return value included) by `pids`: the same script run by another process, boot or host.
    static func transform(_ lines: some Sequence<Substring>, seconds: Int64 = 0, serials: Int64 = 0, pids: Int = 0)
        -> [Substring]
    {
        lines.map { line in
            var text = String(line)
            if let open = text.range(of: "msg=audit("), let colon = text[open.upperBound...].firstIndex(of: ":"),
                let dot = text[open.upperBound..<colon].firstIndex(of: "."),
                let close = text[colon...].firstIndex(of: ")"),
                let second = Int64(text[open.upperBound..<dot]),
                let serial = Int64(text[text.index(after: colon)..<close])
            {
                text.replaceSubrange(
                    open.upperBound..<close, with: "\(second + seconds)\(text[dot..<colon]):\(serial + serials)")
            }
            if pids != 0 {
                let isClone =
                    text.hasPrefix("type=SYSCALL")
                    && [" syscall=56 ", " syscall=57 ", " syscall=58 ", " syscall=435 "].contains { text.contains($0) }
                for field in [" pid=", " ppid="] + (isClone ? [" exit="] : []) {
                    text = HostOptionTests.shift(field, in: text, by: pids)
                }
            }
            return Substring(text)
        }
    }

    /// Scans `first`, appends `then`, drains: the union of the checkpointed runs' findings must be
    /// the findings of one clean scan of the whole log, and at least `atLeast` of them.
    func expectExactlyOnce(first: [Substring], then: [Substring], atLeast: Int, _ comment: Comment) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.append(first)
        let run = try scratch.scan()
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        var reported = try Self.findings(run)
        try scratch.append(then)
        reported += try scratch.drain()
        let clean = try Self.cleanFindings([scratch.log.path])
        #expect(clean.count >= atLeast, "a clean scan of the whole log lost findings: \(comment)")
        #expect(reported.sorted() == clean.sorted(), "\(comment)")
    }

    @Test("the clock steps back an hour between runs: later events are still reported")
    func clockStepsBack() throws {
        let all = try Self.lines()
        let expected = try Self.cleanFindings([Self.log]).count
        try expectExactlyOnce(
            first: Array(all[..<(all.count / 2)]), then: Self.transform(all[(all.count / 2)...], seconds: -3600),
            atLeast: expected, "clock back")
    }

    @Test("a few records stamped a day ahead before the cut: later events are still reported")
    func clockRanAhead() throws {
        let all = try Self.lines()
        let expected = try Self.cleanFindings([Self.log]).count
        // The last events before the cut again, stamped by a clock a day ahead (another process, so new events).
        let ahead = Self.transform(
            all[(all.count / 2 - 12)..<(all.count / 2)], seconds: 86_400, serials: 100_000, pids: 200_000)
        try expectExactlyOnce(
            first: Array(all[..<(all.count / 2)]) + ahead, then: Array(all[(all.count / 2)...]),
            atLeast: expected, "clock ahead")
    }

    @Test("a reboot whose clock lands inside the range already logged: its events are new, not duplicates")
    func rebootInsideLoggedRange() throws {
        let all = try Self.lines()
        let expected = try Self.cleanFindings([Self.log]).count
        // The same script after a reboot: serials start again, the clock lands 5 s back, other pids.
        let rebooted = Self.transform(all, seconds: -5, pids: 100_000)
        try expectExactlyOnce(first: all, then: rebooted, atLeast: 2 * expected, "reboot")
    }

    @Test("two hosts' logs without node= in one run: both hosts' findings, nothing merged")
    func twoHostsWithoutNode() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let other = scratch.directory.appendingPathComponent("other.log")
        try scratch.append(Self.transform(try Self.lines(), pids: 100_000), to: other)
        let expected = try Self.cleanFindings([Self.log]).count
        let clean = try Self.cleanFindings([Self.log, other.path])
        #expect(clean.count == 2 * expected)
        let reported = try scratch.drain([Self.log, other.path])
        #expect(reported.sorted() == clean.sorted())
    }

    @Test("a log read twice, and a rotated copy overlapping: still each finding once")
    func trueDuplicates() throws {
        let all = try Self.lines()
        let expected = try Self.cleanFindings([Self.log])
        #expect(try Self.cleanFindings([Self.log, Self.log]).sorted() == expected.sorted())
        let scratch = try Scratch()
        defer { scratch.remove() }
        // A copy of the second half again, as an overlapping rotation would leave it.
        let overlap = scratch.directory.appendingPathComponent("overlap.log")
        try scratch.append(all[(all.count / 2)...], to: overlap)
        #expect(try Self.cleanFindings([Self.log, overlap.path]).sorted() == expected.sorted())
    }

    // MARK: Overlapping runs

    @Test("two overlapping runs on one checkpoint: the second waits for the first, each finding once")
    func overlappingRuns() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.append(try Self.lines())
        let arguments = [
            "scan", "--format", "json", "--no-group", "--checkpoint", scratch.checkpoint, scratch.log.path,
        ]
        // Each report goes to a file, not a pipe: whichever run takes the lock first must be able
        // to write its whole report while the others wait, whatever order this test reads them in.
        var processes: [(Process, URL)] = []
        for index in 0..<3 {
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = arguments
            let report = scratch.directory.appendingPathComponent("report-\(index).json")
            FileManager.default.createFile(atPath: report.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: report)
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append((process, report))
        }
        var reported: [String] = []
        for (process, report) in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0 || process.terminationStatus == 1)
            let data = try Data(contentsOf: report)
            reported += try Self.findings(CLI.Run(status: process.terminationStatus, stdout: data, stderr: ""))
        }
        reported += try scratch.drain()
        #expect(reported.sorted() == (try Self.cleanFindings([Self.log])).sorted())
    }

    @Test("a run that finds the checkpoint locked past --lock-timeout exits 2 and changes nothing")
    func lockedCheckpoint() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.append(try Self.lines())
        let holder = open(scratch.checkpoint + ".lock", O_RDWR | O_CREAT, 0o600)
        #expect(holder >= 0)
        #expect(flock(holder, LOCK_EX) == 0)
        let blocked = try scratch.scan(nil, ["--lock-timeout", "0"])
        #expect(blocked.status == 2)
        #expect(blocked.stderr.contains("another auditree run holds this checkpoint"), "\(blocked.stderr)")
        #expect(blocked.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.checkpoint))
        close(holder)
        #expect(try scratch.drain().sorted() == (try Self.cleanFindings([Self.log])).sorted())
    }

    // MARK: Hostile checkpoints

    static var hostileEdits: [(String, (inout [String: Any]) -> Void)] {
        [
            ("headLength -1", { edit(&$0, file: "headLength", -1) }),
            ("lines 2^63-1", { edit(&$0, file: "lines", Int.max) }),
            ("offset 2^62", { edit(&$0, file: "offset", 1 << 62) }),
            ("end before offset", { edit(&$0, file: "end", 0) }),
            ("milliseconds 5000", { editImage(&$0, "milliseconds", 5000) }),
            ("milliseconds -1", { editImage(&$0, "milliseconds", -1) }),
            ("seconds -1", { editImage(&$0, "seconds", -1) }),
            ("firstSeen Int64.min", { editProcess(&$0, "firstSeen", Int.min) }),
            ("pid -5", { editProcess(&$0, "pid", -5) }),
            ("lines a string", { edit(&$0, file: "lines", "many") }),
            ("files missing", { $0["files"] = nil }),
            ("version 99", { $0["version"] = 99 }),
        ]
    }

    static func edit(_ document: inout [String: Any], file key: String, _ value: Any) {
        guard var files = document["files"] as? [[String: Any]], !files.isEmpty else { return }
        files[0][key] = value
        document["files"] = files
    }

    static func editProcess(_ document: inout [String: Any], _ key: String, _ value: Any) {
        guard var processes = document["processes"] as? [[String: Any]], !processes.isEmpty else { return }
        processes[0][key] = value
        document["processes"] = processes
    }

    static func editImage(_ document: inout [String: Any], _ key: String, _ value: Any) {
        guard var processes = document["processes"] as? [[String: Any]],
            let index = processes.firstIndex(where: { ($0["images"] as? [Any])?.isEmpty == false }),
            var images = processes[index]["images"] as? [[String: Any]]
        else { return }
        images[0][key] = value
        processes[index]["images"] = images
        document["processes"] = processes
    }

    @Test("a hostile or damaged checkpoint is refused in one line, never a crash", arguments: 0..<12)
    func hostileCheckpoint(index: Int) throws {
        let (name, change) = Self.hostileEdits[index]
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.append(try Self.lines())
        _ = try scratch.drain()
        let saved = try #require(Self.contents(scratch.checkpoint))
        var document = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        let before = try JSONSerialization.data(withJSONObject: document)
        change(&document)
        let after = try JSONSerialization.data(withJSONObject: document)
        #expect(before != after, "\(name): the edit found nothing to change")
        try after.write(to: URL(fileURLWithPath: scratch.checkpoint))
        let run = try scratch.scan()
        #expect(run.status == 2, "\(name): \(run.stderr)")
        #expect(run.stdout.isEmpty, "\(name)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(name): \(run.stderr)")
        #expect(
            run.stderr.contains("remove it to start over") && !run.stderr.contains("DecodingError")
                && !run.stderr.contains("Swift."), "\(name): \(run.stderr)")
        #expect(Self.contents(scratch.checkpoint) == after, "\(name): the checkpoint was changed")
    }

    @Test("a checkpoint in a missing folder is refused before the scan, once")
    func missingFolder() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.directory.appendingPathComponent("missing/checkpoint.json").path
        let run = try CLI.run(["scan", "--checkpoint", path, Self.log])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty, "the scan ran before the folder was checked")
        #expect(run.stderr.components(separatedBy: "does not exist").count == 2, "\(run.stderr)")
    }

    @Test("the checkpoint keeps at most 64 hosts, those seen last")
    func boundedHosts() {
        let tree = ProcessTree()
        for host in 0..<100 { _ = tree.adopt(host: "host\(host)", pid: 1000, ppid: 1, time: Int64(host) * 1000) }
        let saved = tree.savedState()
        let hosts = Set(saved.compactMap(\.host))
        #expect(hosts.count == ProcessTree.maxSavedHosts)
        #expect(hosts.contains("host99") && !hosts.contains("host0"))
    }

    // MARK: Filtered runs

    @Test(
        "a filtered run with --checkpoint is refused (exit 2) and leaves no checkpoint",
        arguments: [
            ["--node", "web1"], ["--since", "2020-01-01"], ["--until", "2030-01-01"], ["--pid", "1"],
            ["--uid", "0"], ["--key", "auditree-exec"], ["--exe", "sh"], ["--comm", "sh"],
        ])
    func filteredRun(filter: [String]) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.append(try Self.lines())
        let run = try scratch.scan(nil, filter)
        #expect(run.status == 2)
        #expect(run.stderr.contains("--checkpoint cannot be combined with \(filter[0])"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.checkpoint))
        // Unfiltered, the same checkpoint then reports everything once.
        #expect(try scratch.drain().sorted() == (try Self.cleanFindings([Self.log])).sorted())
    }

    // MARK: kill -9 at seeded points over a growing, rotating log

    /// A directory rotated as logrotate does: audit.log -> audit.log.1 -> audit.log.2 ..., some compressed.
    struct RotatingLog {
        let scratch: Scratch
        var rotations = 0
        var compressed = 0

        /// Every log file, oldest first, as a scan of the folder should read them.
        var files: [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: scratch.directory.path)) ?? []
            func number(_ name: String) -> Int {
                let parts = name.split(separator: ".")
                return parts.count >= 3 ? Int(parts[2]) ?? 0 : 0
            }
            return names.filter { $0.hasPrefix("audit.log") }.sorted { number($0) > number($1) }.map {
                scratch.directory.appendingPathComponent($0).path
            }
        }

        mutating func rotate(compress: Bool) throws {
            let manager = FileManager.default
            let names = try manager.contentsOfDirectory(atPath: scratch.directory.path).filter {
                $0.hasPrefix("audit.log.")
            }
            for name in names.sorted(by: { Int($0.split(separator: ".")[2])! > Int($1.split(separator: ".")[2])! }) {
                let parts = name.split(separator: ".")
                let renamed = (["audit", "log", String(Int(parts[2])! + 1)] + parts.dropFirst(3).map(String.init))
                    .joined(separator: ".")
                try manager.moveItem(
                    at: scratch.directory.appendingPathComponent(name),
                    to: scratch.directory.appendingPathComponent(renamed))
            }
            try manager.moveItem(at: scratch.log, to: scratch.directory.appendingPathComponent("audit.log.1"))
            manager.createFile(atPath: scratch.log.path, contents: nil)
            rotations += 1
            if compress {
                let gzip = Process()
                gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
                gzip.arguments = [scratch.directory.appendingPathComponent("audit.log.1").path]
                try gzip.run()
                gzip.waitUntilExit()
                compressed += 1
            }
        }
    }

    /// One checkpointed run of the built binary, killed at `fault` when given (`AUDITREE_FAULT_KILL`).
    static func checkpointedRun(_ files: [String], checkpoint: String, fault: String?) throws -> (
        killed: Bool, findings: [String]
    ) {
        let run = try CLI.run(
            ["scan", "--format", "json", "--no-group", "--checkpoint", checkpoint] + files,
            environment: fault.map { ["AUDITREE_FAULT_KILL": $0] } ?? [:])
        let stderr = run.stderr
        if let signal = run.signal {
            guard signal == SIGKILL else { throw FaultError("died of signal \(signal): \(stderr)") }
            // Killed: whatever it printed was never a delivered report.
            return (true, [])
        }
        guard run.status == 0 || run.status == 1 else { throw FaultError("exit \(run.status): \(stderr)") }
        return (false, try findings(run))
    }

    @Test("kill -9 at 200+ seeded points over a growing, rotating, gzipped log: every finding exactly once")
    func killLoop() throws {
        var all: [Substring] = []
        for name in ["enriched-fork", "raw-fork", "enriched-execve", "raw-execve", "hostile-argv", "webshell-execve"] {
            all += try Self.lines(Fixtures.recorded(name))
        }
        let scratch = try Scratch()
        defer { scratch.remove() }
        FileManager.default.createFile(atPath: scratch.log.path, contents: nil)
        var log = RotatingLog(scratch: scratch)
        var generator = SplitMix(seed: 2_026_120_515)
        var reported: [String] = []
        var (runs, readKills, deliveryKills, position) = (0, 0, 0, 0)
        while position < all.count {
            let next = min(all.count, position + 20 + Int(generator.next() % 100))
            let chunk = all[position..<next]
            try scratch.append(chunk)
            position = next
            if generator.next() % 5 == 0 { try log.rotate(compress: generator.next() % 2 == 0) }
            // Runs killed at seeded points: while reading (after N bytes of lines, N below what was
            // appended since the last saved checkpoint, so the point is inside the run), or after
            // the report is out and before the checkpoint is saved. Each leaves the checkpoint as
            // it was, so the next is killed inside the same range. Any run that is not killed
            // counts like every other.
            let chunkBytes = chunk.reduce(0) { $0 + $1.utf8.count + 1 }
            for _ in 0..<5 {
                let fault = generator.next() % 6 == 0 ? "delivered" : "read:\(generator.next() % UInt64(chunkBytes))"
                let run = try Self.checkpointedRun(log.files, checkpoint: scratch.checkpoint, fault: fault)
                runs += 1
                guard run.killed else {
                    reported += run.findings
                    break
                }
                if fault == "delivered" { deliveryKills += 1 } else { readKills += 1 }
            }
            if generator.next() % 2 == 0 {
                reported += try Self.checkpointedRun(log.files, checkpoint: scratch.checkpoint, fault: nil).findings
                runs += 1
            }
        }
        for _ in 0..<2 {
            reported += try Self.checkpointedRun(log.files, checkpoint: scratch.checkpoint, fault: nil).findings
            runs += 1
        }
        // One clean scan of everything that was appended, as one file.
        let whole = scratch.directory.appendingPathComponent("whole.txt")
        try scratch.append(all, to: whole)
        let clean = try Self.cleanFindings([whole.path])
        #expect(readKills + deliveryKills >= 200)
        #expect(clean.count >= 40)
        #expect(reported.sorted() == clean.sorted())
        let twice = Dictionary(grouping: reported, by: { $0 }).filter { $0.value.count > 1 }.count
        let missing = Set(clean).subtracting(reported).count
        print(
            "fault-injection kill loop: \(runs) runs over \(all.count) lines, \(readKills + deliveryKills) killed with SIGKILL "
                + "(\(readKills) while reading, \(deliveryKills) after delivering the report), \(log.rotations) rotations (\(log.compressed) gzipped); "
                + "findings: \(reported.count) reported, \(clean.count) in one clean scan, \(missing) missing, \(twice) reported twice"
        )
    }
}

struct FaultError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
