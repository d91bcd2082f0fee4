import Foundation
import TestSupport
import Testing

/// `--host NAME` for logs without node= (auditd's default `name_format = none`), issue 16 item 6.
@Suite("--host names logs without node=", .serialized)
struct HostOptionTests {
    static let log = Fixtures.recorded("enriched-fork")

    /// A second host that ran the same script at the same moment: the recorded fixture with every
    /// pid moved by 100000 (clone's return value included). Same stamps, different events.
    static func otherHost(in directory: URL) throws -> String {
        let text = try String(contentsOfFile: log, encoding: .isoLatin1)
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var shifted = String(line)
            let isClone =
                line.hasPrefix("type=SYSCALL")
                && [" syscall=56 ", " syscall=57 ", " syscall=58 ", " syscall=435 "].contains { line.contains($0) }
            for field in [" pid=", " ppid="] + (isClone ? [" exit="] : []) {
                shifted = shift(field, in: shifted, by: 100_000)
            }
            lines.append(shifted)
        }
        let path = directory.appendingPathComponent("other-host.log").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .isoLatin1)
        return path
    }

    static func shift(_ field: String, in line: String, by delta: Int) -> String {
        guard let range = line.range(of: field) else { return line }
        let digits = line[range.upperBound...].prefix { $0.isNumber }
        guard let value = Int(digits) else { return line }
        return line.replacingCharacters(
            in: range.upperBound..<line.index(range.upperBound, offsetBy: digits.count), with: String(value + delta))
    }

    static func findings(_ run: CLI.Run) throws -> [[String: Any]] {
        let document = try #require(
            try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any], "\(run.stderr)")
        return try #require(document["findings"] as? [[String: Any]])
    }

    func directory() throws -> URL {
        let url = TestProcessFolder.url.appendingPathComponent("host-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("two hosts' logs scanned together with different --host values: nothing merges")
    func twoHosts() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let other = try Self.otherHost(in: directory)
        let alone = try Self.findings(CLI.run(["scan", "--format", "json", "--no-group", Self.log]))
        #expect(alone.count >= 17)
        let both = try CLI.run([
            "scan", "--format", "json", "--no-group", "--host", "\(Self.log)=web1", "--host", "\(other)=web2", Self.log,
            other,
        ])
        let found = try Self.findings(both)
        #expect(found.count == 2 * alone.count, "\(both.stderr)")
        #expect(found.filter { $0["host"] as? String == "web1" }.count == alone.count)
        #expect(found.filter { $0["host"] as? String == "web2" }.count == alone.count)
        let summary = try #require(
            (try JSONSerialization.jsonObject(with: both.stdout) as? [String: Any])?["summary"] as? [String: Any])
        #expect(summary["duplicate_events"] as? Int == 0)
        // --node selects one of them by the name --host gave it.
        let one = try Self.findings(
            CLI.run([
                "scan", "--format", "json", "--no-group", "--node", "web2", "--host", "\(Self.log)=web1", "--host",
                "\(other)=web2", Self.log, other,
            ]))
        #expect(one.count == alone.count)
        #expect(one.allSatisfy { $0["host"] as? String == "web2" })
    }

    @Test("--host goes into fingerprints, event identity and host-scoped exceptions")
    func hostEverywhere() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = try CLI.run(["baseline", "create", Self.log])
        let named = try CLI.run(["baseline", "create", "--host", "web1", Self.log])
        #expect(plain.status == 0 && named.status == 0, "\(named.stderr)")
        #expect(plain.text != named.text, "the fingerprints ignore --host")
        #expect(named.text.contains("web1"))
        let events = try CLI.run(["events", "--host", "web1", Self.log])
        let lines = events.text.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.contains(#""host":{"name":"web1""#) })
        let tree = try CLI.run(["tree", "--host", "web1", Self.log])
        #expect(tree.status == 0)
        #expect(tree.text.contains("web1"))
        // An exception for another host does not apply; one for this host does.
        let rules = directory.appendingPathComponent("rules.yaml")
        for (host, expected) in [("web2", false), ("web1", true)] {
            try """
            version: 1
            exceptions:
              - id: quiet-\(host)
                reason: test
                host: [\(host)]
            """.write(to: rules, atomically: true, encoding: .utf8)
            let run = try CLI.run([
                "scan", "--format", "json", "--no-group", "--rules", rules.path, "--host", "web1", Self.log,
            ])
            let suppressed = (try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any]).flatMap {
                ($0["summary"] as? [String: Any])?["suppressed"] as? Int
            }
            #expect((suppressed ?? 0 > 0) == expected, "host \(host): \(run.stderr)")
        }
    }

    @Test("--host FILE=NAME must name an input")
    func unknownInput() throws {
        let run = try CLI.run(["scan", "--host", "/nope.log=web1", Self.log])
        #expect(run.status == 2)
        #expect(run.stderr.contains("is not one of the inputs"))
    }
}
