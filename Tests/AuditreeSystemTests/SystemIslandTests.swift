import Foundation
import TestSupport
import Testing

@testable import AuditreeSystem

/// The unsafe island's safe APIs (docs/architecture.md, "Memory safety"), each on real files,
/// locks and libaudit's tables.
struct SystemIslandTests {
    private static func temporaryFolder() throws -> String {
        let path = TestProcessFolder.path("island-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func fileStatusTellsKindsAndSize() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/log"
        try Data("0123456789".utf8).write(to: URL(fileURLWithPath: file))
        let status = try #require(FileStatus.of(file))
        #expect(status.kind == .regular)
        #expect(status.size == 10)
        #expect(FileStatus.of(folder)?.kind == .directory)
        #expect(FileStatus.of(folder + "/missing") == nil)
        // Links are followed, as stat(2) does; two names of one file have one device and inode.
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: file)
        #expect(FileStatus.of(folder + "/link") == status)
        #expect(FileAccess.exists(file))
        #expect(!FileAccess.exists(folder + "/missing"))
        #expect(FileAccess.isWritable(folder))
        #expect(WorkingDirectory.path() == FileManager.default.currentDirectoryPath)
    }

    @Test func fileStatusOfDescriptors() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let handle = try #require(FileHandle(forWritingAtPath: "/dev/null"))
        #expect(FileStatus.of(descriptor: handle.fileDescriptor)?.kind == .other)  // a character device
        let pipe = Pipe()
        #expect(FileStatus.of(descriptor: pipe.fileHandleForReading.fileDescriptor)?.kind == .fifo)
        #expect(FileStatus.of(descriptor: -1) == nil)
    }

    @Test func lockFileExcludesASecondHolder() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/checkpoint.lock"
        var first: LockFile? = try LockFile(path: path, timeout: 0)
        #expect(first != nil)
        // flock belongs to an open file description: a second open of the same file waits.
        #expect(throws: LockFile.Failure.busy) { _ = try LockFile(path: path, timeout: 0.1) }
        first = nil
        _ = try LockFile(path: path, timeout: 0)
        #expect(throws: LockFile.Failure.system(ENOENT)) {
            _ = try LockFile(path: folder + "/no/such/folder", timeout: 0)
        }
        #expect(systemErrorText(ENOENT) == "No such file or directory")
    }

    @Test(arguments: [
        (1970, 1, 1, 0, 0, 0, Int64(0)),
        (2024, 2, 29, 12, 34, 56, Int64(1_709_210_096)),
        (1999, 12, 31, 23, 59, 60, Int64(946_684_800)),  // a leap second is the next minute, as timegm(3)
    ])
    func calendarTimeInUTC(
        year: Int32, month: Int32, day: Int32, hour: Int32, minute: Int32, second: Int32, expected: Int64
    ) {
        let seconds = CalendarTime.utcSeconds(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        #expect(seconds == expected)
        let parts = CalendarTime.utcParts(of: seconds)
        if second < 60 {
            #expect(
                parts.map { [$0.year, $0.month, $0.day, $0.hour, $0.minute, $0.second] } == [
                    year, month, day, hour, minute, second,
                ])
        } else {
            #expect(parts.map { [$0.year, $0.month, $0.day, $0.hour, $0.minute, $0.second] } == [2000, 1, 1, 0, 0, 0])
        }
    }

    @Test func monotonicClockMovesForward() {
        let first = CalendarTime.monotonicSeconds()
        #expect(CalendarTime.monotonicSeconds() >= first)
    }

    @Test(arguments: [
        ("10.1.2.3", [10, 1, 2, 3] as [UInt8]?),
        ("::1", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] as [UInt8]?),
        ("10.1.2", nil),
        ("10.1.2.3/8", nil),
        ("", nil),
    ])
    func internetAddresses(text: String, expected: [UInt8]?) {
        #expect(InternetAddress.bytes(of: text) == expected)
    }

    @Test(arguments: [0, 1, 7, 64, 1000])
    func byteCopiesAppendWholeSpans(count: Int) {
        let source = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var array: [UInt8] = [1, 2]
        array.append(copying: source.span)
        #expect(array == [1, 2] + source)
        // Into a reservation, after bytes appended one at a time and before more.
        var reserved: [UInt8] = [9]
        reserved.append(addingCapacity: count + 2) { out in
            out.append(3)
            out.append(copying: source.span)
            out.append(4)
        }
        #expect(reserved == [9, 3] + source + [4])
    }

    @Test func userDatabaseKnowsRoot() {
        #expect(UserDatabase.uid(named: "root") == 0)
        #expect(UserDatabase.uid(named: "no-such-user-\(UInt32.random(in: 1...UInt32.max))") == nil)
    }

    @Test func environmentIsReadWhenAsked() {
        let name = "AUDITREE_ISLAND_TEST_\(UInt32.random(in: 1...UInt32.max))"
        #expect(Environment.value(name) == nil)
        setenv(name, "a value", 1)
        defer { unsetenv(name) }
        #expect(Environment.value(name) == "a value")
    }

    @Test(arguments: [
        (UInt32(0xC000_003E), 59, "execve" as String?),  // x86_64
        (UInt32(0xC000_00B7), 221, "execve" as String?),  // aarch64
        (UInt32(0xC000_003E), -1, nil),
        (UInt32(0xC000_003E), Int(Int32.max) + 1, nil),
        (UInt32(0x1234), 59, nil),  // no such arch
    ])
    func syscallNamesFromLibaudit(arch: UInt32, number: Int, expected: String?) {
        #expect(AuditTables.syscallName(arch: arch, number: number) == expected)
    }

    @Test func machineAndRecordTypeNamesFromLibaudit() {
        #expect(AuditTables.machineName(arch: 0xC000_003E) == "x86_64")
        #expect(AuditTables.machineName(arch: 0x1234) == nil)
        #expect(AuditTables.recordTypeName(1300) == "SYSCALL")
        #expect(AuditTables.recordTypeName(1309) == "EXECVE")
    }
}
