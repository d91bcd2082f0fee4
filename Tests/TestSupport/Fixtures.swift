import Foundation

@testable import AuditreeInput
@testable import AuditreeParser
@testable import AuditreeScan

/// Paths and helpers for the committed fixtures and the built executable.
package enum Fixtures {
    /// The package root.
    package static let root: URL = PackageRoot.url

    package static func recorded(_ name: String) -> String {
        root.appendingPathComponent("fixtures/recorded/\(name).log").path
    }
    package static func edge(_ name: String) -> String { root.appendingPathComponent("fixtures/edge/\(name)").path }

    package static let recordedNames = [
        "enriched-fork", "raw-fork", "enriched-execve", "raw-execve", "hostile-argv", "benign-busy", "webshell-execve",
        "variants-enriched-fork", "variants-raw-execve", "variants-enriched-fork-fresh", "variants-raw-execve-fresh",
    ]

    /// Scans files with the built-in rules.
    package static func scan(_ paths: [String]) throws -> ScanReport {
        try Scanner.run(ScanConfiguration(inputs: paths))
    }

    /// Non-blank lines of a file, counted without our parser.
    package static func nonBlankLines(_ path: String) throws -> Int {
        nonBlankLines(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    package static func nonBlankLines(_ data: Data) -> Int {
        data.split(separator: 0x0A, omittingEmptySubsequences: false).filter { line in
            line.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }
        }.count
    }

    /// Parses every line of a byte string.
    package static func parseLines(_ bytes: [UInt8]) -> [Result<Record, Rejection>] {
        var source = MemoryByteSource(bytes)
        var reader = LineReader()
        var parser = RecordParser()
        var results: [Result<Record, Rejection>] = []
        try! reader.forEachLine(of: &source) { (number: Int, line: Span<UInt8>, _: Bool) throws(Never) in
            if let result = parser.parse(line, lineNumber: number) { results.append(result) }
        }
        return results
    }

    package static func parseLine(_ text: String) -> Result<Record, Rejection>? {
        parseLines(Array(text.utf8)).first
    }
}
