import Foundation
import TestSupport
import Testing

/// docs/cli.md is the help of every command as the built binary prints it (scripts/cli-doc.sh).
@Suite("docs/cli.md")
struct CLIDocumentationTests {
    @Test("docs/cli.md is the binary's help, every command and option in it")
    func cliPageIsCurrent() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["scripts/cli-doc.sh", "--print", CLI.executable.path]
        process.currentDirectoryURL = Fixtures.root
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errors = ReadAll(err.fileHandleForReading)
        let generated = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let stderr = String(decoding: errors.wait(), as: UTF8.self)
        try #require(process.terminationStatus == 0, "scripts/cli-doc.sh --print failed: \(stderr)")
        // Every subcommand's help is in it, found from the help itself.
        #expect(generated.contains("## auditree scan\n") && generated.contains("## auditree rules check\n"))
        let committed = try String(contentsOf: Fixtures.root.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        let stale = committed != generated
        let firstDifference =
            zip(
                committed.split(separator: "\n", omittingEmptySubsequences: false),
                generated.split(separator: "\n", omittingEmptySubsequences: false)
            )
            .enumerated().first { $0.element.0 != $0.element.1 }
            .map { "line \($0.offset + 1): committed '\($0.element.0)', help prints '\($0.element.1)'" }
            ?? "the lengths differ"
        #expect(
            !stale,
            "docs/cli.md is stale (\(firstDifference)): run scripts/cli-doc.sh to regenerate it from the help, and commit it"
        )
    }
}
