import Foundation
import Testing

@testable import AuditreeRules
@testable import AuditreeScan

/// Builds small ENRICHED audit logs of execs (one second apart), so each engine feature is tested on exact data.
package struct LogBuilder {
    package private(set) var lines: [String] = []
    private var serial = 100
    private var seconds = 1_700_000_000

    package init() {}

    package mutating func exec(
        pid: Int, ppid: Int, exe: String, _ argv: [String], uid: Int = 0, user: String = "root", auid: Int = 1000,
        cwd: String = "/root", key: String = "exec", comm: String? = nil, node: String? = nil
    ) {
        serial += 1
        seconds += 1
        let stamp = "msg=audit(\(seconds).000:\(serial)):"
        let prefix = node.map { "node=\($0) " } ?? ""
        let name = comm ?? String(exe.split(separator: "/").last ?? "")
        lines.append(
            "\(prefix)type=SYSCALL \(stamp) arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=\(ppid) pid=\(pid) "
                + "auid=\(auid) uid=\(uid) gid=\(uid) euid=\(uid) suid=\(uid) fsuid=\(uid) egid=\(uid) sgid=\(uid) fsgid=\(uid) tty=(none) ses=3 "
                + "comm=\"\(name)\" exe=\"\(exe)\" key=\"\(key)\"\u{1D}ARCH=x86_64 SYSCALL=execve AUID=\"user\" UID=\"\(user)\" GID=\"\(user)\""
        )
        let arguments = argv.enumerated().map { index, argument in "a\(index)=\(Self.encode(argument))" }.joined(
            separator: " ")
        lines.append("\(prefix)type=EXECVE \(stamp) argc=\(argv.count) \(arguments)")
        lines.append("\(prefix)type=CWD \(stamp) cwd=\"\(cwd)\"")
    }

    package static func encode(_ argument: String) -> String {
        let plain = !argument.isEmpty && argument.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }
        return plain ? "\"\(argument)\"" : argument.utf8.map { String(format: "%02X", $0) }.joined()
    }

    package var text: String { lines.joined(separator: "\n") + "\n" }

    /// Writes the log to `NAME.log` in the test process's folder (removed at exit) and returns its path.
    package func write(_ name: String) throws -> String {
        let path = TestProcessFolder.path("rules-\(name).log")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// Writes a rule file to `NAME.yaml` in the test process's folder (removed at exit) and returns its path.
package func ruleFile(_ name: String, _ yaml: String) throws -> String {
    let path = TestProcessFolder.path("rules-\(name).yaml")
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

package func scan(
    _ log: LogBuilder, name: String, rules: [String] = [], defaults: Bool = true, group: Bool = false,
    showSuppressed: Bool = true
) throws -> ScanReport {
    var configuration = ScanConfiguration(inputs: [try log.write(name)])
    configuration.ruleFiles = rules
    configuration.useDefaultRules = defaults
    configuration.groupFindings = group
    configuration.showSuppressed = showSuppressed
    return try Scanner.run(configuration)
}

package func commandLine(_ finding: Finding) -> String {
    finding.process.image.map(NameMatcher.commandLine) ?? ""
}

extension ScanConfiguration {
    package func with(_ change: (inout ScanConfiguration) -> Void) -> ScanConfiguration {
        var copy = self
        change(&copy)
        return copy
    }
}
