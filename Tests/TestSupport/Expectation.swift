import Foundation
import Testing

@testable import AuditreeParser
@testable import AuditreeTree

/// One line of a `<fixture>.expected.tsv`, written by fixtures/record/record.sh from its scenario table.
package struct Expectation: Sendable, CustomStringConvertible {
    package var isFinding: Bool
    package var rule: String
    package var spawnerExe: String
    package var shellExe: String
    package var marker: String
    /// 6th column `inferred`: the spawner is never described in the log and can only be inferred from context.
    package var isInferred = false
    /// 6th column `ambiguous`: a look-alike the log cannot tell from a true case (docs/detection.md); not asserted.
    package var isAmbiguous = false

    package var description: String { "\(isFinding ? "finding" : "none") \(marker)" }

    package static func load(_ name: String) throws -> [Expectation] {
        let path = Fixtures.root.appendingPathComponent("fixtures/recorded/\(name).expected.tsv")
        return try String(contentsOf: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 5 else { return nil }
            return Expectation(
                isFinding: columns[0] == "finding", rule: columns[1], spawnerExe: columns[2], shellExe: columns[3],
                marker: columns[4],
                isInferred: columns.count >= 6 && columns[5] == "inferred",
                isAmbiguous: columns.count >= 6 && columns[5] == "ambiguous")
        }
    }
}

/// Whether `marker` stands in `text` as a whole token (tp-php must not match tp-phpfpm).
package func containsToken(_ text: LogString, _ marker: String) -> Bool {
    let haystack = Array(text.bytes)
    let needle = Array(marker.utf8)
    guard needle.count <= haystack.count else { return false }
    func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "-")
    }
    for start in 0...(haystack.count - needle.count) where Array(haystack[start..<start + needle.count]) == needle {
        let before = start == 0 || !isWordByte(haystack[start - 1])
        let end = start + needle.count
        let after = end == haystack.count || !isWordByte(haystack[end])
        if before && after { return true }
    }
    return false
}

package func argvContains(_ image: ProcessImage?, _ marker: String) -> Bool {
    image?.argv.arguments.contains { containsToken($0, marker) } ?? false
}
