import Foundation
import Testing

/// Golden-file comparison for reporters (fixtures/golden/).
///
/// With `AUDITREE_UPDATE_GOLDEN=1` a golden file whose bytes differ from the output is
/// rewritten and the test fails: a recording is something to review, never a pass (comparing
/// the output with the file just written from it could not fail).
package enum GoldenFile {
    package static let updating = ProcessInfo.processInfo.environment["AUDITREE_UPDATE_GOLDEN"] == "1"

    /// Expects `actual` to equal the golden file at `path`, or records it (see above).
    package static func check(_ actual: Data, against golden: URL, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let expected = try? Data(contentsOf: golden)
        if updating && expected != actual {
            try actual.write(to: golden)
            Issue.record(
                "recorded new golden file \(golden.path), review the diff and rerun without AUDITREE_UPDATE_GOLDEN",
                sourceLocation: sourceLocation)
            return
        }
        guard let expected else {
            Issue.record(
                "\(golden.path) is missing; record it with AUDITREE_UPDATE_GOLDEN=1 and review it",
                sourceLocation: sourceLocation)
            return
        }
        #expect(
            actual == expected, "\(golden.path) differs; rerun with AUDITREE_UPDATE_GOLDEN=1 and review the diff",
            sourceLocation: sourceLocation)
    }
}
