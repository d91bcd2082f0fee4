import Foundation
import Testing

@testable import AuditreeInput
@testable import AuditreeParser

#if canImport(Glibc)
import Glibc
#endif

/// One `fixtures/malformed/NAME.expected` file.
package struct MalformedExpectation: Sendable, CustomStringConvertible {
    package var name: String
    package var comment: String
    /// Exact stderr lines, in order.
    package var diagnostics: [String]
    /// `key: value` lines: summary counts (`lines`, `records`, `rejected`, `rejected.REASON`,
    /// `events`, `execs`, `duplicate_events`, `findings`), `exit`, and for the first
    /// finding's shell `argv_count` / `argv_complete`.
    package var values: [String: String]
    package var knownIssue: String?

    package var description: String { name }

    package static let directory = Fixtures.root.appendingPathComponent("fixtures/malformed")

    /// The inputs, by name (NAME of NAME.log or NAME.log.gz), sorted.
    package static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.compactMap { file in
            file.hasSuffix(".log")
                ? String(file.dropLast(4)) : file.hasSuffix(".log.gz") ? String(file.dropLast(7)) : nil
        }.sorted()
    }

    package static func isGzip(_ name: String) -> Bool { name.hasPrefix("gzip-") }
    package static func fileName(_ name: String) -> String { isGzip(name) ? "\(name).log.gz" : "\(name).log" }
    package static func relativePath(_ name: String) -> String { "fixtures/malformed/\(fileName(name))" }
    package static func absolutePath(_ name: String) -> String { directory.appendingPathComponent(fileName(name)).path }
    /// Gzip inputs cut or damaged: a copy glued after them cannot be read past the damage.
    package static func isDamagedGzip(_ name: String) -> Bool {
        isGzip(name) && name != "gzip-two-members" && name != "gzip-nul-bomb"
    }

    package static func load(_ name: String) throws -> MalformedExpectation {
        let text = try String(contentsOf: directory.appendingPathComponent("\(name).expected"), encoding: .utf8)
        var result = MalformedExpectation(name: name, comment: "", diagnostics: [], values: [:], knownIssue: nil)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.hasPrefix("# ") {
                result.comment = String(line.dropFirst(2))
            } else if line.hasPrefix("fixtures/malformed/") {
                result.diagnostics.append(line)
            } else if line.hasPrefix("known-issue: ") {
                result.knownIssue = String(line.dropFirst("known-issue: ".count))
            } else if let colon = line.firstIndex(of: ":") {
                result.values[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(
                    in: .whitespaces)
            }
        }
        return result
    }
}

/// What one `auditree scan --format json FILE...` run showed.
package struct ObservedScan {
    package var status: Int32
    package var stderrLines: [String]
    package var summary: [String: Any]
    package var findings: [[String: Any]]
    package var longValues: [[String: Any]]

    package init(status: Int32, stdout: Data, stderr: String) throws {
        self.status = status
        stderrLines = stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let object = try #require(
            try JSONSerialization.jsonObject(with: stdout) as? [String: Any], "stdout is not a JSON object")
        summary = try #require(object["summary"] as? [String: Any])
        findings = object["findings"] as? [[String: Any]] ?? []
        longValues = object["long_values"] as? [[String: Any]] ?? []
    }

    package func count(_ key: String) -> Int? { (summary[key] as? NSNumber)?.intValue }
    package func rejected(_ reason: String) -> Int? {
        ((summary["rejected_by_reason"] as? [String: Any])?[reason] as? NSNumber)?.intValue
    }

    /// The `process` object of the first finding that has one.
    package var firstShell: [String: Any]? { findings.lazy.compactMap { $0["process"] as? [String: Any] }.first }

    /// Every value the expected file can state, as text.
    package func value(_ key: String) -> String? {
        switch key {
        case "exit": return String(status)
        case "argv_count":
            // A long command line is a preview in place and whole in long_values (json-output.md).
            if let ref = firstShell?["argv_ref"] as? Int, ref < longValues.count {
                return (longValues[ref]["argv"] as? [Any]).map { String($0.count) }
            }
            return (firstShell?["argv"] as? [Any]).map { String($0.count) }
        case "argv_complete": return (firstShell?["argv_complete"] as? Bool).map { String($0) }
        default:
            if key.hasPrefix("rejected.") { return rejected(String(key.dropFirst("rejected.".count))).map(String.init) }
            return count(key).map(String.init)
        }
    }

    package static func scan(_ arguments: [String]) throws -> ObservedScan {
        let run = try CLI.run(["scan", "--format", "json"] + arguments)
        return try ObservedScan(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }
}

/// Runs the CLI under a data-segment limit (`ulimit -d`, RLIMIT_DATA: heap and private
/// mappings), so "memory stays bounded" is checked by a size, never a time: a scan that
/// held a 64 MiB line, or every open event of a flood, would fail to allocate and die.
/// (ru_maxrss cannot be used: posix_spawn's child shares the test process's memory until
/// exec, and Linux counts that in the child's peak.) Sanitizer runtimes reserve far more
/// than any such limit, so under `--sanitize` the limit is left off.
package enum BoundedCLI {
    package static var underSanitizer: Bool {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
            || dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil
    }

    package static func scan(_ arguments: [String], dataLimitMiB: Int) throws -> ObservedScan {
        let run = try CLI.run(
            ["scan", "--format", "json"] + arguments, environment: ["SWIFT_BACKTRACE": "enable=no"],
            shell: underSanitizer ? nil : "ulimit -d \(dataLimitMiB * 1024) &&")
        let stderr = run.stderr
        try #require(
            run.signal == nil, "auditree died (signal \(run.status)) under a \(dataLimitMiB) MiB data limit: \(stderr)")
        return try ObservedScan(status: run.status, stdout: run.stdout, stderr: stderr)
    }
}

/// A flag shared with the FIFO writer thread.
package final class FIFODone: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    package init() {}
    package var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
    package func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}

/// Lines of the recorded python -> sh scenario (the base of most malformed inputs).
package enum RecordedSample {
    /// raw-fork.log lines 168...187: one finding (tp-python), 20 lines, 5 events.
    package static var base: [UInt8] {
        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: Fixtures.recorded("raw-fork")))) ?? Data()
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        return lines[167..<187].reduce(into: [UInt8]()) {
            $0 += $1
            $0.append(0x0A)
        }
    }
}

/// What `gzip -dc` writes for a file, damaged or not (it writes what it could decode).
package enum Gunzip {
    package static func bytes(_ path: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}

/// `gzip -n -f PATH`: replaces the file with PATH.gz, as logrotate leaves a rotated log.
package enum Gzip {
    package static func compress(_ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", "-f", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
