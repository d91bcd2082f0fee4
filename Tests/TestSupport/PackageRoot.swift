import Foundation

/// The directory holding `Package.swift`, found by walking up from this file, so the tests work
/// from any working directory (and in any worktree).
public enum PackageRoot {
    public static let url: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        // The known layout: Tests/TestSupport/PackageRoot.swift.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    public static func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }
}
