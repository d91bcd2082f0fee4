import Foundation
import TestSupport
import Testing

@testable import AuditreeParser
@testable import AuditreeReport

/// Grouping is presentation: every exec behind a grouped finding reaches every machine format,
/// and the finding numbers the reports show are the ones `auditree tree --finding N` takes.
///
/// benign-busy.log is a real recording of apt, dpkg, debconf and pip runs; with the package
/// exceptions switched off (fixtures/rules/no-package-exceptions.yaml) the same programs start
/// the same shell commands several times (`/bin/sh /usr/bin/lsb_release -a` six times, from six
/// python processes), so the scan groups them.
@Suite("every occurrence, finding numbers, tree --finding and --pid", .serialized)
struct OccurrenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var fixture: String
        var options: [String]
        /// Whether the default scan groups at least one finding (so the test cannot pass vacuously).
        var grouped: Bool
        var testDescription: String { ([fixture] + options).joined(separator: " ") }
    }

    static let rulesOff = ["--rules", "fixtures/rules/no-package-exceptions.yaml"]

    static let cases = [
        Case(fixture: "benign-busy", options: rulesOff, grouped: true),
        Case(fixture: "hostile-argv", options: [], grouped: false),  // one python started nine different shells
        Case(fixture: "enriched-fork", options: [], grouped: false),
        Case(fixture: "webshell-execve", options: [], grouped: false),
    ]

    static func log(_ fixture: String) -> String { "fixtures/recorded/\(fixture).log" }

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The shells of every match, ungrouped: event id -> number.
    static func ungrouped(_ c: Case) throws -> [(event: String, number: Int)] {
        let run = try CLI.run(["scan", "--no-group", "--format", "json"] + c.options + [log(c.fixture)])
        let findings = try #require(try json(run.stdout)["findings"] as? [[String: Any]])
        return try findings.map { finding in
            let process = try #require(finding["process"] as? [String: Any])
            return (try #require(process["event"] as? String), try #require(finding["number"] as? Int))
        }
    }

    @Test("JSON, NDJSON, SARIF and HTML name every occurrence of a grouped finding", arguments: cases)
    func everyOccurrence(_ c: Case) throws {
        let all = try Self.ungrouped(c)
        #expect(!all.isEmpty)
        // Numbers are the places of the log's findings, oldest first, from 1.
        #expect(all.map(\.number) == Array(1...all.count))
        let expected = all.map { "\($0.event)#\($0.number)" }

        let folder = TestProcessFolder.url.appendingPathComponent("occ-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputs = ["json", "ndjson", "sarif", "html"].map { folder.appendingPathComponent("r.\($0)").path }
        let run = try CLI.run(["scan"] + outputs.flatMap { ["--output", $0] } + c.options + [Self.log(c.fixture)])
        #expect(run.status == 1, "\(run.stderr)")

        // JSON: findings[].seen, and occurrences == its length.
        let document = try Self.json(try Data(contentsOf: URL(fileURLWithPath: outputs[0])))
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect((findings.count < all.count) == c.grouped, "grouping as expected")
        var fromJSON: [String] = []
        for finding in findings {
            let seen = try #require(finding["seen"] as? [[String: Any]])
            #expect(finding["occurrences"] as? Int == seen.count)
            #expect(
                finding["number"] as? Int == seen.first?["number"] as? Int, "a group's number is its first occurrence's"
            )
            let process = try #require(finding["process"] as? [String: Any])
            #expect(seen.first?["event"] as? String == process["event"] as? String)
            #expect(seen.first?["pid"] as? Int == process["pid"] as? Int)
            for occurrence in seen {
                #expect(occurrence["time"] is String && occurrence["pid"] is Int && occurrence["spawner_pid"] is Int)
                #expect(occurrence["file"] as? String == Self.log(c.fixture) && occurrence["line"] is Int)
                fromJSON.append("\(occurrence["event"] as? String ?? "?")#\(occurrence["number"] as? Int ?? 0)")
            }
            if seen.count > 1, let last = finding["last"] as? [String: Any] {
                #expect(last["event"] as? String == seen.last?["event"] as? String)
            }
        }
        #expect(fromJSON.sorted() == expected.sorted())

        // NDJSON: auditree.seen on each line.
        // A long value's own line (formats.md) is not a finding.
        let lines = try Data(contentsOf: URL(fileURLWithPath: outputs[1])).split(separator: 0x0A)
            .filter { !String(decoding: $0, as: UTF8.self).contains("\"dataset\":\"auditree.long_value\"") }
        #expect(lines.count == findings.count)
        var fromNDJSON: [String] = []
        for line in lines {
            let auditree = try #require(try Self.json(Data(line))["auditree"] as? [String: Any])
            let seen = try #require(auditree["seen"] as? [[String: Any]])
            #expect(
                auditree["occurrences"] as? Int == seen.count
                    && auditree["number"] as? Int == seen.first?["number"] as? Int)
            fromNDJSON += seen.map { "\($0["event"] as? String ?? "?")#\($0["number"] as? Int ?? 0)" }
        }
        #expect(fromNDJSON.sorted() == expected.sorted())

        // SARIF: occurrenceCount and one related location per occurrence, at its record's line.
        let sarif = try Self.json(try Data(contentsOf: URL(fileURLWithPath: outputs[2])))
        let results = try #require(((sarif["runs"] as? [[String: Any]])?.first)?["results"] as? [[String: Any]])
        #expect(results.count == findings.count)
        var fromSARIF: [String] = []
        for (result, finding) in zip(results, findings) {
            let related = try #require(result["relatedLocations"] as? [[String: Any]])
            #expect(result["occurrenceCount"] as? Int == related.count)
            #expect((result["properties"] as? [String: Any])?["number"] as? Int == finding["number"] as? Int)
            let seen = finding["seen"] as? [[String: Any]] ?? []
            for (location, occurrence) in zip(related, seen) {
                let region = ((location["physicalLocation"] as? [String: Any])?["region"] as? [String: Any])
                #expect(region?["startLine"] as? Int == occurrence["line"] as? Int)
            }
            fromSARIF += related.map { location in
                let properties = location["properties"] as? [String: Any]
                return "\(properties?["event"] as? String ?? "?")#\(properties?["number"] as? Int ?? 0)"
            }
        }
        #expect(fromSARIF.sorted() == expected.sorted())

        // HTML: the page's data block is the JSON report, with every occurrence.
        let page = try String(contentsOf: URL(fileURLWithPath: outputs[3]), encoding: .utf8)
        let block = try #require(HTMLReportTests.block(page, after: HTMLReportTests.dataOpen))
        let embedded = try #require(try Self.json(Data(block.utf8))["findings"] as? [[String: Any]])
        let fromHTML = embedded.flatMap {
            ($0["seen"] as? [[String: Any]] ?? []).map {
                "\($0["event"] as? String ?? "?")#\($0["number"] as? Int ?? 0)"
            }
        }
        #expect(fromHTML.sorted() == expected.sorted())
    }

    @Test(
        "a compact object stays on one line inside a pretty document, nested values included", arguments: [true, false])
    func compactObject(_ pretty: Bool) throws {
        var json = JSONWriter(pretty: pretty)
        json.beginObject()
        json.beginArray("seen")
        for pid in [1, 2] {
            json.beginCompactObject()
            json.number("pid", pid)
            json.beginArray("list")
            json.string(nil, "a\nb")
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.number("after", 3)
        json.endObject()
        let expected =
            pretty
            ? "{\n  \"seen\": [\n    {\"pid\": 1, \"list\": [\"a\\nb\"]},\n    {\"pid\": 2, \"list\": [\"a\\nb\"]}\n  ],\n  \"after\": 3\n}"
            : "{\"seen\":[{\"pid\":1,\"list\":[\"a\\nb\"]},{\"pid\":2,\"list\":[\"a\\nb\"]}],\"after\":3}"
        #expect(json.output == expected)
        #expect(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) is [String: Any])
    }

    @Test("suppressed matches (--show-suppressed) list every occurrence too, without finding numbers")
    func suppressedOccurrences() throws {
        let run = try CLI.run(["scan", "--show-suppressed", "--format", "json", Self.log("benign-busy")])
        let document = try Self.json(run.stdout)
        let suppressed = try #require(document["suppressed"] as? [[String: Any]])
        let summary = try #require(document["summary"] as? [String: Any])
        let seen = suppressed.flatMap { $0["seen"] as? [[String: Any]] ?? [] }
        #expect(suppressed.count < seen.count, "some suppressed matches are grouped")
        #expect(seen.count == summary["suppressed"] as? Int)
        #expect(Set(seen.compactMap { $0["event"] as? String }).count == seen.count)
        #expect(
            suppressed.allSatisfy {
                $0["number"] is NSNull && ($0["seen"] as? [[String: Any]])?.count == $0["occurrences"] as? Int
            })
        #expect(seen.allSatisfy { $0["number"] is NSNull })
        // The findings keep their own numbers, from 1.
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.map { $0["number"] as? Int } == Array(1...findings.count).map { Optional($0) })
    }

    @Test("text: the finding number, and for a group its count with the first and the last")
    func text() throws {
        let c = Self.cases[0]
        let document = try Self.json(
            try CLI.run(["scan", "--format", "json"] + c.options + [Self.log(c.fixture)]).stdout)
        let findings = try #require(document["findings"] as? [[String: Any]])
        let text = try CLI.run(["scan"] + c.options + [Self.log(c.fixture)]).text
        let blocks = text.components(separatedBy: "\n\n").filter { $0.contains("  finding  #") }
        #expect(blocks.count == findings.count)
        var groups = 0
        for (block, finding) in zip(blocks, findings) {
            let number = try #require(finding["number"] as? Int)
            #expect(block.contains("\n  finding  #\(number)\n"))
            let seen = try #require(finding["seen"] as? [[String: Any]])
            guard seen.count > 1, let last = seen.last else {
                #expect(!block.contains("repeated"))
                continue
            }
            groups += 1
            let lastNumber = try #require(last["number"] as? Int)
            #expect(
                block.contains(
                    "  repeated \(seen.count) times (same rule, spawner and command line): first #\(number) below; "
                        + "last #\(lastNumber)  \(last["time"] as? String ?? "?")  event \(last["event"] as? String ?? "?")  pid \(last["pid"] as? Int ?? 0)  "
                        + "at \(Self.log(c.fixture)):\(last["line"] as? Int ?? 0)"))
            // The text stays short: the occurrences between the first and the last are not listed.
            for middle in seen.dropFirst().dropLast() {
                #expect(!block.contains(middle["event"] as? String ?? "?"))
            }
        }
        #expect(groups > 0)
    }

    @Test("numbers do not move when --since narrows the report")
    func numbersAreStable() throws {
        let c = Self.cases[0]
        let all = try Self.ungrouped(c)
        func seconds(_ event: String) -> Int { Int(event.split(separator: ".")[0]) ?? 0 }
        let since = seconds(all[all.count / 2].event)
        let later = try Self.json(
            try CLI.run(
                [
                    "scan", "--no-group", "--format", "json", "--since",
                    TimeFormat.iso8601(EventStamp(seconds: Int64(since), milliseconds: 0, serial: 0)),
                ]
                    + c.options + [Self.log(c.fixture)]
            ).stdout)
        let findings = try #require(later["findings"] as? [[String: Any]])
        #expect(findings.count < all.count && !findings.isEmpty)
        #expect(findings.compactMap { $0["number"] as? Int } == all.filter { seconds($0.event) >= since }.map(\.number))
    }

    // MARK: tree

    struct TreeLine {
        var depth: Int
        var text: Substring
        /// A later exec of the process on the line before ("then ..."): its indentation is not a level.
        var isThen: Bool
    }

    static func treeLines(_ text: String) -> [TreeLine] {
        text.split(separator: "\n").map { line in
            let spaces = line.prefix { $0 == " " }.count
            let text = line.dropFirst(spaces)
            return TreeLine(depth: spaces / 2, text: text, isThen: text.hasPrefix("then "))
        }
    }

    @Test(
        "tree --finding N: every process above the shell, the shell marked with N, and all it ran; for every occurrence",
        arguments: cases)
    func treeFinding(_ c: Case) throws {
        let document = try Self.json(
            try CLI.run(["scan", "--format", "json"] + c.options + [Self.log(c.fixture)]).stdout)
        let findings = try #require(document["findings"] as? [[String: Any]])
        for finding in findings {
            for occurrence in try #require(finding["seen"] as? [[String: Any]]) {
                let number = try #require(occurrence["number"] as? Int)
                let run = try CLI.run(["tree", "--finding", String(number)] + c.options + [Self.log(c.fixture)])
                #expect(run.status == 0, "\(run.stderr)")
                let lines = Self.treeLines(run.text)
                let shell = try #require(
                    lines.firstIndex {
                        $0.text.contains("<- finding #\(number): \(finding["rule"] as? String ?? "?"), the shell")
                    },
                    "finding #\(number): no shell line in\n\(run.text)")
                #expect(lines[shell].text.contains(occurrence["time"] as? String ?? "?"))
                let shellProcess = try #require(lines[...shell].lastIndex { !$0.isThen })
                #expect(lines[shellProcess].text.hasPrefix("pid \(occurrence["pid"] as? Int ?? 0) "))
                // Above the shell: one process a level, from the oldest down.
                let chain = lines[..<shellProcess].filter { !$0.isThen }
                #expect(
                    chain.enumerated().allSatisfy { $0.offset == $0.element.depth }, "finding #\(number):\n\(run.text)")
                #expect(lines[shellProcess].depth == chain.count)
                // Below: only what the shell ran, deeper than it.
                let below = lines[(shell + 1)...]
                #expect(below.allSatisfy { $0.isThen || $0.depth > chain.count }, "finding #\(number):\n\(run.text)")
                // For the group's first occurrence: the chain is the finding's ancestry (one entry per process,
                // oldest first) with the spawner marked, and each process it ran is below.
                guard number == finding["number"] as? Int else { continue }
                var ancestorPids: [Int] = []
                for ancestor in finding["ancestry"] as? [[String: Any]] ?? []
                where (ancestor["generation"] as? Int ?? 0) >= 1 && ancestor["relation"] as? String != "replaced_image"
                {
                    ancestorPids.append(ancestor["pid"] as? Int ?? -1)
                }
                #expect(
                    chain.map { Int($0.text.split(separator: " ")[1]) ?? -2 } == ancestorPids.reversed(),
                    "finding #\(number):\n\(run.text)")
                if let spawner = finding["spawner"] as? [String: Any],
                    spawner["relation"] as? String != "replaced_image"
                {
                    let marked = lines[..<shellProcess].filter { $0.text.contains("<- spawner") }
                    #expect(marked.count == 1, "finding #\(number):\n\(run.text)")
                    let spawnerLine = try #require(lines[..<shellProcess].lastIndex { $0.text.contains("<- spawner") })
                    #expect(
                        lines[...spawnerLine].last { !$0.isThen }?.text.hasPrefix("pid \(spawner["pid"] as? Int ?? 0) ")
                            == true)
                } else {
                    #expect(lines[shell].text.hasSuffix("(spawned by its own earlier image)"))
                }
                for descendant in finding["descendants"] as? [[String: Any]] ?? []
                where (descendant["depth"] as? Int ?? 0) > 0 {
                    #expect(
                        below.contains { $0.text.hasPrefix("pid \(descendant["pid"] as? Int ?? 0) ") },
                        "finding #\(number): pid \(descendant["pid"] ?? "?")")
                    #expect(below.contains { $0.text.contains(descendant["time"] as? String ?? "?") })
                }
            }
        }
    }

    @Test("tree --finding beyond the last number is a usage error")
    func treeFindingOutOfRange() throws {
        let run = try CLI.run(["tree", "--finding", "18", Self.log("enriched-fork")])
        #expect(run.status == 2)
        #expect(
            run.stderr.contains(
                "--finding 18: the log's findings are numbered 1 to 17 (each occurrence of a grouped finding has its own)"
            ))
        #expect(try CLI.run(["tree", "--finding", "17", Self.log("enriched-fork")]).status == 0)
        let zero = try CLI.run(["tree", "--finding", "0", Self.log("enriched-fork")])
        #expect(zero.status == 2 && zero.stderr.contains("--finding 0: the log's findings are numbered 1 to 17"))
        let none = try CLI.run(["tree", "--finding", "1", "fixtures/edge/empty.log"])
        #expect(none.status == 2 && none.stderr.contains("--finding 1: the log has no findings"))
    }

    @Test(
        "tree --pid accepts a process the full tree shows that never exec'd (a forked web server worker)",
        arguments: ["enriched-fork", "raw-fork", "hostile-argv"])
    func treePidOfForkedProcess(_ fixture: String) throws {
        let whole = try CLI.run(["tree", Self.log(fixture)])
        let forked = Self.treeLines(whole.text).filter { $0.text.contains("(no exec in the log") }
        #expect(!forked.isEmpty, "the fixture has processes that never exec'd")
        for line in forked {
            let pid = try #require(Int(line.text.split(separator: " ")[1]))
            let run = try CLI.run(["tree", "--pid", String(pid), Self.log(fixture)])
            #expect(run.status == 0, "pid \(pid): \(run.stderr)")
            let lines = Self.treeLines(run.text)
            #expect(
                lines.first?.text.hasPrefix("pid \(pid) ") == true && lines.first?.depth == 0, "pid \(pid): \(run.text)"
            )
        }
        // A forked apache or php-fpm worker that started a finding's shell shows that shell below it.
        let document = try Self.json(try CLI.run(["scan", "--format", "json", Self.log(fixture)]).stdout)
        let inherited = (document["findings"] as? [[String: Any]] ?? []).filter {
            ($0["spawner"] as? [String: Any])?["origin"] as? String == "inherited"
        }
        if fixture == "enriched-fork" { #expect(!inherited.isEmpty) }
        for finding in inherited {
            let spawner = try #require(finding["spawner"] as? [String: Any])
            let process = try #require(finding["process"] as? [String: Any])
            let run = try CLI.run(["tree", "--pid", String(spawner["pid"] as? Int ?? 0), Self.log(fixture)])
            #expect(run.status == 0)
            #expect(run.text.contains("forked, runs its parent's program as"))
            #expect(
                Self.treeLines(run.text).contains {
                    $0.depth == 1 && $0.text.hasPrefix("pid \(process["pid"] as? Int ?? 0) ")
                })
        }
        let missing = try CLI.run(["tree", "--pid", "999999", Self.log(fixture)])
        #expect(missing.status == 2 && missing.stderr.contains("no process with pid 999999 in the log's process tree"))
    }
}
