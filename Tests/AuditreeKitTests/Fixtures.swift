import Foundation
@testable import AuditreeKit

/// Paths and helpers for the committed fixtures and the built executable.
enum Fixtures {
    /// The package root, found from this file's location.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func recorded(_ name: String) -> String { root.appendingPathComponent("fixtures/recorded/\(name).log").path }
    static func edge(_ name: String) -> String { root.appendingPathComponent("fixtures/edge/\(name)").path }

    static let recordedNames = ["enriched-fork", "raw-fork", "enriched-execve", "raw-execve", "hostile-argv", "benign-busy", "webshell-execve",
                                 "variants-enriched-fork", "variants-raw-execve", "variants-enriched-fork-fresh", "variants-raw-execve-fresh"]

    /// Scans files with the built-in rules.
    static func scan(_ paths: [String]) throws -> ScanReport {
        try Scanner.run(ScanConfiguration(inputs: paths))
    }

    /// Non-blank lines of a file, counted without our parser.
    static func nonBlankLines(_ path: String) throws -> Int {
        nonBlankLines(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func nonBlankLines(_ data: Data) -> Int {
        data.split(separator: 0x0A, omittingEmptySubsequences: false).filter { line in
            line.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }
        }.count
    }

    /// Parses every line of a byte string.
    static func parseLines(_ bytes: [UInt8]) -> [Result<Record, Rejection>] {
        var source = MemoryByteSource(bytes)
        var reader = LineReader()
        var parser = RecordParser()
        var results: [Result<Record, Rejection>] = []
        try! reader.forEachLine(of: &source) { (number: Int, line: Span<UInt8>, _: Bool) throws(Never) in
            if let result = parser.parse(line, lineNumber: number) { results.append(result) }
        }
        return results
    }

    static func parseLine(_ text: String) -> Result<Record, Rejection>? {
        parseLines(Array(text.utf8)).first
    }
}

/// The built `auditree` executable, run as a user would.
enum CLI {
    static var executable: URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("auditree")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return Fixtures.root.appendingPathComponent(".build/debug/auditree")
    }

    struct Run {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs auditree in the package root with `arguments`, feeding `stdin` if given.
    static func run(_ arguments: [String], stdin: Data? = nil, environment extra: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = Fixtures.root
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            // auditree may exit without reading its input (it refuses a pipe it was not asked to
            // read): the write then fails with EPIPE, which must not kill the test process.
            signal(SIGPIPE, SIG_IGN)
            try? input.fileHandleForWriting.write(contentsOf: stdin)
            try? input.fileHandleForWriting.close()
        }
        // Read both pipes to the end before waiting, so a large report cannot block the child.
        let errData = ReadAll(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData.wait(), as: UTF8.self))
    }
}

/// Drains a pipe on another thread.
final class ReadAll: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
