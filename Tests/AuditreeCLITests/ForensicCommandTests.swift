import Foundation
import TestSupport
import Testing

@Suite("auditree tree and events", .serialized)
struct ForensicCommandTests {
    @Test(
        "events: one valid JSON object per exec, with ECS names and the resolved ancestry",
        arguments: ["enriched-fork", "hostile-argv"])
    func events(_ name: String) throws {
        let run = try CLI.run(["events", "--format", "ndjson", "fixtures/recorded/\(name).log"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: 0x0A)
        let scan = try Fixtures.scan([Fixtures.recorded(name)])
        var execs = 0
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            // Long values are lines of their own (EventsLongValuesTests).
            if (object["event"] as? [String: Any])?["dataset"] as? String == "auditree.long_value" { continue }
            execs += 1
            let process = try #require(object["process"] as? [String: Any])
            #expect(process["pid"] is Int && process["args"] is [Any] && process["executable"] != nil)
            let auditree = try #require(object["auditree"] as? [String: Any])
            #expect(auditree["ancestry"] is [Any])
        }
        #expect(execs == scan.summary.execs)
        // Every finding's shell is among the events, with its spawner in its ancestry.
        let text = run.text
        for finding in scan.findings {
            #expect(text.contains("\"id\":\"\(finding.process.image!.stamp)\""))
        }
    }

    @Test("tree: a CGI shell below the web server that started it, and --pid narrows to one subtree")
    func tree() throws {
        let whole = try CLI.run(["tree", "fixtures/recorded/enriched-execve.log"])
        #expect(whole.status == 0)
        let lines = whole.text.split(separator: "\n")
        let server = try #require(lines.firstIndex { $0.contains("/usr/sbin/lighttpd  lighttpd -D") })
        let cgi = try #require(lines.firstIndex { $0.contains("tp-lighttpd-cgi.cgi") })
        #expect(cgi > server)
        func indent(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }
        #expect(indent(lines[cgi]) == indent(lines[server]) + 2)
        let pid = try #require(Int(lines[server].split(separator: " ").dropFirst().first { !$0.isEmpty }!))
        let subtree = try CLI.run(["tree", "--pid", String(pid), "fixtures/recorded/enriched-execve.log"])
        let sublines = subtree.text.split(separator: "\n")
        #expect(sublines.first?.contains("lighttpd -D") == true)
        #expect(sublines.contains { $0.contains("tp-lighttpd-cgi.cgi") })
        #expect(!sublines.contains { $0.contains("apache2ctl") })
        #expect(try CLI.run(["tree", "--pid", "999999", "fixtures/recorded/enriched-execve.log"]).status == 2)
    }

    @Test("tree of a hostile log stays on one line per exec, escaped")
    func hostileTree() throws {
        let run = try CLI.run(["tree", "fixtures/recorded/hostile-argv.log"])
        #expect(!run.stdout.contains { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F })
        #expect(run.text.contains("\\x1b[31mRED"))
    }
}
