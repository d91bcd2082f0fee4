import Foundation
import TestSupport
import Testing

@testable import AuditreeReport

#if canImport(Glibc)
import Glibc
#endif

/// `--output` and the checkpoint write as root: special files are written to, never renamed
/// over; an output that is an input is refused; modes and owners are kept; new files are 0600.
@Suite("output files: what the path names is not harmed")
struct OutputSafetyTests {
    static func status(_ path: String, follow: Bool = true) -> stat? {
        var result = stat()
        return (follow ? stat(path, &result) : lstat(path, &result)) == 0 ? result : nil
    }

    static func type(_ path: String, follow: Bool = true) -> mode_t? {
        status(path, follow: follow).map { $0.st_mode & S_IFMT }
    }

    @Test("/dev/null stays a character device, written through the library and the CLI")
    func devNull() throws {
        try AtomicFile.write("report\n", to: "/dev/null")
        #expect(Self.type("/dev/null") == S_IFCHR)
        let run = try CLI.run(["scan", "--output", "/dev/null", "fixtures/recorded/enriched-fork.log"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(Self.type("/dev/null") == S_IFCHR)
        // A link to a device is followed to the device, which is written, not replaced.
        let scratch = try TemporaryDirectory("out")
        defer { scratch.remove() }
        let directory = scratch.url
        let link = directory.appendingPathComponent("null.json").path
        #expect(symlink("/dev/null", link) == 0)
        try AtomicFile.write("{}\n", to: link)
        #expect(Self.type(link, follow: false) == S_IFLNK)
        #expect(Self.type("/dev/null") == S_IFCHR)
        // A link to /dev/stdout writes to the descriptor (here the test's own standard output).
        let toStdout = directory.appendingPathComponent("out.txt").path
        #expect(symlink("/dev/stdout", toStdout) == 0)
        try AtomicFile.write("", to: toStdout)
        #expect(Self.type(toStdout, follow: false) == S_IFLNK)
    }

    @Test("/dev/stdout is written to, whatever standard output is (here a pipe)")
    func devStdout() throws {
        let run = try CLI.run([
            "scan", "--format", "json", "--output", "/dev/stdout", "fixtures/recorded/enriched-fork.log",
        ])
        #expect(run.status == 1, "\(run.stderr)")
        let report = try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any]
        #expect((report?["findings"] as? [Any])?.isEmpty == false)
    }

    @Test("a FIFO is written to and stays a FIFO")
    func fifo() throws {
        let scratch = try TemporaryDirectory("out")
        defer { scratch.remove() }
        let path = scratch.path("report.txt")
        #expect(mkfifo(path, 0o600) == 0)
        // A reader opened without blocking lets the writer open at once; the text fits the pipe buffer.
        let reader = open(path, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        try AtomicFile.write("through the fifo\n", to: path)
        var buffer = [UInt8](repeating: 0, count: 100)
        let count = read(reader, &buffer, buffer.count)
        #expect(count > 0 && String(decoding: buffer[..<max(0, count)], as: UTF8.self) == "through the fifo\n")
        #expect(Self.type(path) == S_IFIFO)
    }

    @Test("a Unix socket is connected to and written to, not replaced")
    func socketOutput() throws {
        let scratch = try TemporaryDirectory("out")
        defer { scratch.remove() }
        // sun_path holds 107 bytes and a NUL: a longer path (a deep $TMPDIR) fails here with its name.
        let path = scratch.path("r.sock")
        try #require(
            path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path), "\(path) is too long for a socket")
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0 && listen(listener, 1) == 0)
        try AtomicFile.write("to the socket\n", to: path)
        let connection = accept(listener, nil, nil)
        #expect(connection >= 0)
        defer { close(connection) }
        var buffer = [UInt8](repeating: 0, count: 100)
        let count = read(connection, &buffer, buffer.count)
        #expect(count > 0 && String(decoding: buffer[..<max(0, count)], as: UTF8.self) == "to the socket\n")
        #expect(Self.type(path) == S_IFSOCK)
    }

    @Test("an output that is an input is refused before scanning: same name, relative path, symlink, hard link")
    func outputIsInput() throws {
        let scratch = try TemporaryDirectory("out")
        defer { scratch.remove() }
        let directory = scratch.url
        // Named without an extension: `--output` refuses a `.log` name before anything else.
        let log = directory.appendingPathComponent("auditlog").path
        try FileManager.default.copyItem(atPath: Fixtures.recorded("enriched-fork"), toPath: log)
        let original = try Data(contentsOf: URL(fileURLWithPath: log))
        #expect(symlink(log, directory.appendingPathComponent("report.json").path) == 0)
        #expect(link(log, directory.appendingPathComponent("hard.txt").path) == 0)
        // A report name with an extension, made a hard link of the log: same inode, refused too.
        let relative = directory.appendingPathComponent("sub").path
        try FileManager.default.createDirectory(atPath: relative, withIntermediateDirectories: true)
        let cases: [[String]] = [
            ["scan", "--output", log, log],
            ["scan", "--output", relative + "/../auditlog", log],
            ["scan", "--output", directory.appendingPathComponent("report.json").path, log],
            ["scan", "--output", directory.appendingPathComponent("hard.txt").path, log],
            ["scan", "--checkpoint", log, log],
            ["baseline", "create", "--output", log, log],
        ]
        for arguments in cases {
            let run = try CLI.run(arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stderr.contains("refusing to replace a log being scanned"), "\(arguments): \(run.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: log)) == original, "\(arguments)")
        }
        // A directory's audit.log* files are inputs: a hard link to one of them, named as a report, is refused.
        let rotated = directory.appendingPathComponent("rotated")
        try FileManager.default.createDirectory(at: rotated, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: log, toPath: rotated.appendingPathComponent("audit.log").path)
        #expect(link(rotated.appendingPathComponent("audit.log").path, rotated.path + "/../inside.txt") == 0)
        let inside = try CLI.run([
            "scan", "--output", directory.appendingPathComponent("inside.txt").path, rotated.path,
        ])
        #expect(
            inside.status == 2 && inside.stderr.contains("refusing to replace a log being scanned"), "\(inside.stderr)")
        #expect(try Data(contentsOf: rotated.appendingPathComponent("audit.log")) == original)
        // The checkpoint and a report naming one file (not made yet) would overwrite each other.
        let both = directory.appendingPathComponent("both.json").path
        let run = try CLI.run([
            "scan", "--output", both, "--checkpoint", directory.path + "/sub/../both.json",
            Fixtures.recorded("enriched-fork"),
        ])
        #expect(run.status == 2 && run.stderr.contains("name each output once"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: both))
    }

    @Test("a new report or checkpoint is 0600 whatever the umask; an existing file keeps its mode and owner")
    func modes() throws {
        let scratch = try TemporaryDirectory("out")
        defer { scratch.remove() }
        let directory = scratch.url
        let report = directory.appendingPathComponent("report.json").path
        let checkpoint = directory.appendingPathComponent("state.json").path
        let previous = umask(0o022)
        defer { umask(previous) }
        let run = try CLI.run([
            "scan", "--output", report, "--checkpoint", checkpoint, Fixtures.recorded("enriched-fork"),
        ])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(Self.status(report).map { $0.st_mode & 0o7777 } == 0o600)
        #expect(Self.status(checkpoint).map { $0.st_mode & 0o7777 } == 0o600)

        #expect(chmod(report, 0o640) == 0)
        let owned = geteuid() == 0
        if owned { #expect(chown(report, 4242, 4343) == 0) }
        try AtomicFile.write("again\n", to: report)
        let after = try #require(Self.status(report))
        #expect(after.st_mode & 0o7777 == 0o640)
        if owned { #expect(after.st_uid == 4242 && after.st_gid == 4343) }
        // Set-id bits are not carried over to a report.
        #expect(chmod(report, 0o4755) == 0)
        try AtomicFile.write("again\n", to: report)
        #expect(Self.status(report).map { $0.st_mode & 0o7777 } == 0o755)
    }

    @Test("a symbolic link is written through: the target is replaced, the link stays")
    func symlinks() throws {
        let scratch = try TemporaryDirectory("out")
        defer { scratch.remove() }
        let directory = scratch.url
        let target = directory.appendingPathComponent("today.json").path
        let link = directory.appendingPathComponent("report.json").path
        try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
        #expect(chmod(target, 0o644) == 0)
        #expect(symlink("today.json", link) == 0)
        try AtomicFile.write("new\n", to: link)
        #expect(Self.type(link, follow: false) == S_IFLNK)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\n")
        #expect(Self.status(target).map { $0.st_mode & 0o7777 } == 0o644)
        // A link to a file not made yet makes that file.
        let dangling = directory.appendingPathComponent("next.json").path
        #expect(symlink("made-by-us.json", dangling) == 0)
        try AtomicFile.write("made\n", to: dangling)
        #expect(Self.type(dangling, follow: false) == S_IFLNK)
        #expect(
            try String(contentsOfFile: directory.appendingPathComponent("made-by-us.json").path, encoding: .utf8)
                == "made\n")
    }

    @Test(
        "a link another user planted in a sticky world-writable directory is refused",
        .enabled(if: geteuid() == 0, "making a link owned by another user needs root"))
    func plantedLink() throws {
        let sharedScratch = try TemporaryDirectory("out")
        defer { sharedScratch.remove() }
        let shared = sharedScratch.url
        #expect(chmod(shared.path, 0o1777) == 0)
        let victimScratch = try TemporaryDirectory("out")
        defer { victimScratch.remove() }
        let victim = victimScratch.path("victim")
        try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
        let link = shared.appendingPathComponent("report.json").path
        #expect(symlink(victim, link) == 0)
        #expect(lchown(link, 4242, 4242) == 0)
        #expect(throws: OutputError.self) { try AtomicFile.write("report\n", to: link) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(Self.type(link, follow: false) == S_IFLNK)
    }

    @Test(
        "a regular file under /dev/shm is replaced, not appended to",
        .enabled(if: FileManager.default.fileExists(atPath: "/dev/shm"), "this machine has no /dev/shm"))
    func devShm() throws {
        let path = "/dev/shm/auditree-output-\(UUID().uuidString).json"
        defer { unlink(path) }
        try AtomicFile.write("first\n", to: path)
        try AtomicFile.write("second\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
        #expect(Self.status(path).map { $0.st_mode & 0o7777 } == 0o600)
    }

    @Test("a directory is an error, and nothing is left behind")
    func directory() throws {
        let scratch = try TemporaryDirectory("out")
        defer { scratch.remove() }
        let directory = scratch.url
        #expect(throws: OutputError.self) { try AtomicFile.write("x\n", to: directory.path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
