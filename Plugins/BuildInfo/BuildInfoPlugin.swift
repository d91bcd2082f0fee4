import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` (the version from the VERSION file and the git commit) before each
/// build of the `auditree` executable, by running scripts/build-info.sh. The script rewrites the
/// file only when its content changes, so an unchanged commit recompiles nothing.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        return [
            .prebuildCommand(
                displayName: "auditree version and commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [root.appending(path: "scripts/build-info.sh").path, root.path, output.path],
                outputFilesDirectory: output)
        ]
    }
}
