import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A folder of one test's own, removed when the test ends, passed or failed.
///
/// Create it and remove it in the same scope:
///
///     let scratch = try TemporaryDirectory("bound")
///     defer { scratch.remove() }
///
/// `defer` runs when the test returns, throws or stops at a failed `#require`. The folder lives
/// in this test process's own folder under `$TMPDIR` (`FileManager.temporaryDirectory`, /tmp when
/// it is unset), `auditree-tests-PID`, which is removed when the process exits, so whatever a test
/// still left there goes too. `scripts/test.sh` runs the suite with `TMPDIR` set to a fresh folder
/// and fails when anything is left in it.
package final class TemporaryDirectory: Sendable {
    package let url: URL

    /// A new, empty folder named `LABEL-UUID`.
    package init(_ label: String = "test") throws {
        url = TestProcessFolder.url.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    package var path: String { url.path }

    /// The path of `name` inside the folder (not created).
    package func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The URL of `name` inside the folder (not created).
    package func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Removes the folder and everything in it; doing it twice is harmless.
    package func remove() { try? FileManager.default.removeItem(at: url) }
}

/// `$TMPDIR/auditree-tests-PID`: the parent of every `TemporaryDirectory` of this test process
/// and of the files the shared helpers write (`LogBuilder.write`, `ruleFile`), removed at exit.
package enum TestProcessFolder {
    package static let url: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("auditree-tests-\(getpid())")
        try? FileManager.default.removeItem(at: url)  // a folder left by a killed process of the same pid
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestProcessFolder.url) }
        return url
    }()

    /// The path of `name` in the process folder: for files the whole process shares.
    package static func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
