import Foundation
import Testing

@testable import AuditreeInput
@testable import AuditreeParser

/// Where the tests find their input files.
///
/// The package root is found from this file's own path, so the tests work from
/// any working directory. The public corpus lives outside the repository
/// (`../shared/corpus/public` next to the package root) and is never copied in:
/// tests that need it are enabled with `TestPaths.corpusAvailable` and skip,
/// with a message, when it is absent.
package enum TestPaths {
    /// The directory holding `Package.swift`.
    package static let packageRoot: URL = PackageRoot.url

    /// `fixtures/recorded`: real auditd recordings kept in the repository.
    package static let recordedFixtures: URL = packageRoot.appendingPathComponent("fixtures/recorded")

    /// `../shared/corpus/public` relative to the package root.
    package static let corpusRoot: URL =
        packageRoot
        .deletingLastPathComponent()
        .appendingPathComponent("shared/corpus/public")
        .standardizedFileURL

    package static let corpusSkipMessage: Comment = "../shared/corpus/public is absent: corpus tests skipped"

    /// Whether the public corpus folder exists (with its INDEX.md).
    package static var corpusAvailable: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: corpusRoot.path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    /// Every corpus file, recursively, except INDEX.md, as paths relative to
    /// `corpusRoot` (`owner__repo/file`), sorted; empty when the corpus is absent.
    package static var corpusFiles: [String] {
        guard corpusAvailable,
            let enumerator = FileManager.default.enumerator(atPath: corpusRoot.path)
        else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            guard (relative as NSString).lastPathComponent != "INDEX.md" else { continue }
            var isDirectory: ObjCBool = false
            let full = corpusRoot.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    /// The `.log` files of `fixtures/recorded`, by file name, sorted.
    package static var recordedFixtureFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: recordedFixtures.path)) ?? []
        return names.filter { $0.hasSuffix(".log") }.sorted()
    }

    /// Every recorded, edge and malformed fixture, then the public corpus when present: the
    /// logs a test runs when a change must hold on every input the repository knows.
    package static var everyLog: [String] {
        let fixtures = packageRoot.appendingPathComponent("fixtures")
        var paths = recordedFixtureFiles.map { recordedFixtures.appendingPathComponent($0).path }
        for folder in ["edge", "malformed"] {
            let folderURL = fixtures.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folderURL.path)) ?? []
            paths += names.filter { $0.hasSuffix(".log") }.sorted().map { folderURL.appendingPathComponent($0).path }
        }
        return paths + corpusFiles.map { corpus($0) }
    }

    package static func corpus(_ relative: String) -> String { corpusRoot.appendingPathComponent(relative).path }
    package static func recorded(_ name: String) -> String { recordedFixtures.appendingPathComponent(name).path }
}

// MARK: - Shared loader

/// One log file as our engine reads it: `LineReader` + `RecordParser`, every
/// line kept by number. Shared by the corpus and differential suites.
package struct ParsedLog {
    package let path: String
    /// Accepted records by 1-based line number.
    package var records: [Int: Record] = [:]
    /// Rejected lines by 1-based line number.
    package var rejections: [Int: Rejection] = [:]
    /// Lines `LineReader` cut at its length limit.
    package var truncatedLines: [Int] = []
    package var blankLines = 0
    package var lineCount = 0

    package init(path: String) throws {
        self.path = path
        var source = try FileByteSource(path: path)
        defer { source.close() }
        var reader = LineReader()
        var parser = RecordParser()
        var records: [Int: Record] = [:]
        var rejections: [Int: Rejection] = [:]
        var truncated: [Int] = []
        var blank = 0
        var count = 0
        do {
            try reader.forEachLine(of: &source) { (number: Int, bytes: Span<UInt8>, cut: Bool) throws(Never) in
                count = number
                if cut { truncated.append(number) }
                switch parser.parse(bytes, lineNumber: number) {
                case nil: blank += 1
                case .success(let record)?: records[number] = record
                case .failure(let rejection)?: rejections[number] = rejection
                }
            }
        } catch {
            switch error {
            case .input(let inputError): throw inputError
            case .body(let never): switch never {}
            }
        }
        self.records = records
        self.rejections = rejections
        self.truncatedLines = truncated
        self.blankLines = blank
        self.lineCount = count
    }
}

/// Raw file bytes, split into lines independently of `LineReader`.
package struct RawLines {
    package let lines: [ArraySlice<UInt8>]

    package init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        // A final newline ends the last line; it does not start an empty one.
        if let last = lines.last, last.isEmpty { lines.removeLast() }
        self.lines = lines
    }

    package static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    package var nonBlankCount: Int { lines.count(where: { !Self.isBlank($0) }) }

    /// The 1-based numbers of lines that look like audit records:
    /// they start with `type=` or `node=` and contain `msg=audit(`.
    package var recordLikeLineNumbers: [Int] {
        let marker = Array("msg=audit(".utf8)
        return lines.indices.compactMap { index in
            let line = lines[index]
            guard line.starts(with: Array("type=".utf8)) || line.starts(with: Array("node=".utf8)) else { return nil }
            return Self.contains(line, marker) ? index + 1 : nil
        }
    }

    package static func contains(_ line: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard line.count >= needle.count else { return false }
        var i = line.startIndex
        while i + needle.count <= line.endIndex {
            if line[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
