import Foundation
import TestSupport
import Testing

@testable import AuditreeBase
@testable import AuditreeReport
@testable import AuditreeScan

/// The HTML report (docs/html-report.md): golden files, determinism and escaping on the raw page.
/// What the page does once a browser runs it is checked by scripts/browser-test.sh.
@Suite("HTML report", .serialized)
struct HTMLReportTests {
    static let dataOpen = "<script type=\"application/json\" id=\"auditree-data\">"

    static func page(_ fixture: String) throws -> String {
        let run = try CLI.run(["scan", "--format", "html", "fixtures/recorded/\(fixture).log"])
        #expect(run.status == 1, "findings give exit status 1")
        return run.text
    }

    static let execsOpen = "<script type=\"application/json\" id=\"auditree-execs\">"
    static let ownScripts = [
        dataOpen, "<script type=\"application/json\" id=\"auditree-rules\">", execsOpen, "<script>",
    ]

    /// Every `<script` opening tag in the page, in order.
    static func scriptOpenings(_ page: String) -> [String] {
        var found: [String] = []
        var rest = page[...]
        while let start = rest.range(of: "<script") {
            let end = rest.range(of: ">", range: start.upperBound..<rest.endIndex)?.upperBound ?? rest.endIndex
            found.append(String(rest[start.lowerBound..<end]))
            rest = rest[end...]
        }
        return found
    }

    /// The text between an element's opening tag and the next `</script>`.
    static func block(_ page: String, after open: String) -> String? {
        guard let start = page.range(of: open),
            let end = page.range(of: "</script>", range: start.upperBound..<page.endIndex)
        else { return nil }
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test("pages match their golden files", arguments: ["hostile-argv", "enriched-fork"])
    func golden(_ fixture: String) throws {
        let run = try CLI.run(["scan", "--format", "html", "fixtures/recorded/\(fixture).log"])
        let golden = Fixtures.root.appendingPathComponent("fixtures/golden/\(fixture).html")
        try GoldenFile.check(run.stdout, against: golden)
    }

    @Test("matches by location: the page's data holds the exec's PATH record (match.*.file) as the JSON report does")
    func locationEvidence() throws {
        let arguments = [
            "--rules", "fixtures/rules/location-rules-only.yaml", "fixtures/recorded/variants-raw-execve.log",
        ]
        let html = try CLI.run(["scan", "--format", "html"] + arguments)
        let json = try CLI.run(["scan", "--format", "json"] + arguments)
        #expect(html.status == 1 && json.status == 1, "\(html.stderr)\(json.stderr)")
        func matches(_ document: Data) throws -> [NSDictionary] {
            let object = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
            let findings = try #require(object["findings"] as? [[String: Any]])
            return try findings.map { try #require($0["match"] as? NSDictionary) }
        }
        let data = try #require(Self.block(html.text, after: Self.dataOpen))
        let inPage = try matches(Data(data.utf8))
        let inReport = try matches(json.stdout)
        #expect(inPage == inReport)
        // Every finding there is a match by location, of its shell or its spawner, and carries the
        // file (report.js shows it under "Why this is a finding"; scripts/browser-test.sh checks that).
        for match in inPage {
            let files = ["shell", "spawner"].compactMap { (match[$0] as? [String: Any])?["file"] as? [String: Any] }
            #expect(!files.isEmpty && files.allSatisfy { $0["name"] != nil && $0["nametype"] != nil }, "\(match)")
        }
        #expect(!inPage.isEmpty)
        #expect(html.text.contains("function fileEvidence(who, file)"))
    }

    @Test("the same input gives the same bytes, in process and from the CLI")
    func determinism() throws {
        let paths = [Fixtures.recorded("enriched-fork"), Fixtures.recorded("hostile-argv")]
        // With the execs, as `auditree scan` makes it: the tree block is built from dictionaries and sets.
        var configuration = ScanConfiguration(inputs: paths)
        configuration.collectExecs = true
        configuration.showSuppressed = true
        let first = HTMLReporter().render(try Scanner.run(configuration))
        let second = HTMLReporter().render(try Scanner.run(configuration))
        #expect(first == second)
        #expect(first.contains("id=\"auditree-execs\""))
        #expect(try Self.page("hostile-argv") == (try Self.page("hostile-argv")))
    }

    @Test(
        "the data block cannot close its script element and holds the JSON report",
        arguments: ["hostile-argv", "enriched-fork"])
    func dataBlock(_ fixture: String) throws {
        let page = try Self.page(fixture)
        let data = try #require(Self.block(page, after: Self.dataOpen))
        #expect(!data.contains("<"), "no '<' at all, so no </script> and no <!--")
        #expect(!data.contains(">") && !data.contains("&"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let json =
            try JSONSerialization.jsonObject(
                with: Data(try CLI.run(["scan", "--format", "json", "fixtures/recorded/\(fixture).log"]).stdout))
            as? [String: Any]
        #expect(findings.count == (json?["findings"] as? [Any])?.count)
        #expect(
            NSDictionary(dictionary: object).isEqual(to: json ?? [:]), "the embedded data is the --format json document"
        )
        let rules = try #require(Self.block(page, after: "<script type=\"application/json\" id=\"auditree-rules\">"))
        #expect(!rules.contains("<"))
        #expect(try JSONSerialization.jsonObject(with: Data(rules.utf8)) is [String: Any])
    }

    @Test("hostile values never become markup")
    func hostileMarkup() throws {
        let page = try Self.page("hostile-argv")
        // The report's own four script elements (findings, rules, execs of the process tree, code) and nothing else.
        #expect(Self.scriptOpenings(page) == Self.ownScripts)
        #expect(
            page.components(separatedBy: "</script").count - 1 == Self.ownScripts.count,
            "only the closing tags of the report's script elements")
        #expect(!page.lowercased().contains("<img"))
        #expect(!page.contains("<!--"))
        #expect(!page.contains("\u{1B}"), "no raw control characters in the page")
        let data = try #require(Self.block(page, after: Self.dataOpen))
        #expect(data.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"))
        #expect(data.contains("\\u003cimg src=x onerror=alert(1)\\u003e"))
    }

    @Test("values rendered by the template are escaped")
    func templateEscaping() throws {
        // A hostile node name reaches the summary's host list; "<stdin>" the file list.
        let log = try Data(contentsOf: URL(fileURLWithPath: Fixtures.recorded("hostile-argv")))
        var prefixed = Data()
        for line in log.split(separator: 0x0A, omittingEmptySubsequences: false) where !line.isEmpty {
            prefixed.append(contentsOf: Array("node=<svg/onload=alert(1)>\u{1B}[31m ".utf8))
            prefixed.append(contentsOf: line)
            prefixed.append(0x0A)
        }
        let run = try CLI.run(["scan", "--format", "html", "-"], stdin: prefixed)
        let page = run.text
        #expect(run.status == 1)
        #expect(!page.contains("<svg"))
        #expect(page.contains("&lt;svg/onload=alert(1)&gt;\\x1b[31m"))
        #expect(page.contains("&lt;stdin&gt;"))
        #expect(!page.contains("\u{1B}"))
    }

    @Test("a Content-Security-Policy forbids remote loads and pins the inline script and style")
    func contentSecurityPolicy() throws {
        let page = try Self.page("enriched-fork")
        let head = try #require(page.range(of: "</head>")).lowerBound
        let meta = try #require(
            page.range(of: "<meta http-equiv=\"Content-Security-Policy\" content=\"", range: page.startIndex..<head))
        let end = try #require(page.range(of: "\">", range: meta.upperBound..<head))
        let policy = page[meta.upperBound..<end.lowerBound].replacingOccurrences(of: "&#39;", with: "'")
        #expect(policy.hasPrefix("default-src 'none'; "))
        for directive in ["connect-src 'none'", "img-src 'none'", "base-uri 'none'", "form-action 'none'"] {
            #expect(policy.contains(directive))
        }
        #expect(page.range(of: "<style>")!.lowerBound > meta.lowerBound, "the policy comes before any style or script")
        let script = try #require(Self.block(page, after: "<script>"))
        let style = try #require(
            page.range(of: "<style>").flatMap { open in
                page.range(of: "</style>", range: open.upperBound..<page.endIndex).map {
                    String(page[open.upperBound..<$0.lowerBound])
                }
            })
        #expect(policy.contains("script-src \(SHA256.cspSource(script));"))
        #expect(policy.contains("style-src \(SHA256.cspSource(style));"))
        // enriched-fork logs `curl http://127.0.0.1:...`: the data blocks write the second `/` of `//` as `\/`
        // (HTMLReporter.embeddable), so even log values put no URL literal in the file; the page shows them as text.
        #expect(page.contains("http:/\\/127.0.0.1"), "the fixture's logged URLs are in the data, escaped")
        #expect(!page.contains("http://") && !page.contains("https://"), "no URL to anywhere")
        #expect(
            !script.contains("innerHTML") && !script.contains("insertAdjacentHTML")
                && !script.contains("document.write") && !script.contains("eval("))
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        func hex(_ bytes: [UInt8]) -> String { Hex.lowercase(bytes) }
        #expect(
            hex(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            hex(SHA256.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.base64(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw==")
    }

    @Test("embedded JSON is compact and escapes anything that could end the element")
    func embeddable() {
        #expect(
            HTMLReporter.embeddable("{\n  \"a\": \"x y\",\n  \"b\": [\n    1\n  ]\n}") == "{\"a\": \"x y\",\"b\": [1]}")
        #expect(HTMLReporter.embeddable("\"</script><!--&\"") == "\"\\u003c/script\\u003e\\u003c!--\\u0026\"")
        #expect(HTMLReporter.embeddable("\"http://a//b///c /d\"") == "\"http:/\\/a/\\/b/\\/\\/c /d\"")
        let decoded =
            try? JSONSerialization.jsonObject(with: Data(HTMLReporter.embeddable("[\"http://a//b///c\"]").utf8))
            as? [String]
        #expect(decoded == ["http://a//b///c"], "the same string to a JSON parser")
    }

    @Test("a report without findings is a summary page")
    func empty() throws {
        let run = try CLI.run(["scan", "--format", "html", Fixtures.edge("empty.log")])
        #expect(run.status == 0)
        #expect(run.text.contains("No shell spawned by an interpreter or a web server was found"))
        #expect(!run.text.contains("id=\"finding-list\""))
    }

    // MARK: - Full process tree and suppressed matches

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Scans a built log as `auditree scan` does for an HTML output: with the execs.
    static func scanWithExecs(_ log: LogBuilder, name: String) throws -> ScanReport {
        var configuration = ScanConfiguration(inputs: [try log.write(name)])
        configuration.collectExecs = true
        return try Scanner.run(configuration)
    }

    @Test(
        "the tree block holds every exec, cannot close its element, and finds the shell of every finding",
        arguments: ["hostile-argv", "enriched-fork", "webshell-execve"])
    func treeBlock(_ fixture: String) throws {
        let page = try Self.page(fixture)
        let block = try #require(Self.block(page, after: Self.execsOpen))
        #expect(!block.contains("<") && !block.contains(">") && !block.contains("&"))
        let tree = try Self.json(block)
        let report = try Self.json(try CLI.run(["scan", "--format", "json", "fixtures/recorded/\(fixture).log"]).text)
        let findings = try #require(report["findings"] as? [[String: Any]])
        let execs = try #require(tree["execs"] as? [[Any]])
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(
            execs.count == summary["execs"] as? Int, "a recorded fixture is far below the caps: every exec is there")
        let hosts = try #require(tree["hosts"] as? [[Any]])
        #expect(hosts.count == 1 && hosts[0][1] as? Int == execs.count && hosts[0][2] as? Int == execs.count)
        #expect((tree["cut"] as? [Any])?.isEmpty == true)
        // Each finding points at the exec row of its own shell.
        let shells = try #require(tree["findings"] as? [Any])
        #expect(shells.count == findings.count)
        for (finding, shell) in zip(findings, shells) {
            let id = try #require(shell as? Int, "the shell of every finding is in the tree")
            let process = try #require(finding["process"] as? [String: Any])
            // A process can exec more than once (same pid): the row is the one at the shell's time.
            let row = execs.first { $0[0] as? Int == id && $0[4] as? String == process["time"] as? String }
            #expect(row?[2] as? Int == process["pid"] as? Int)
        }
    }

    @Test("hostile command lines reach the tree block only as escaped JSON strings")
    func treeBlockHostile() throws {
        let block = try #require(Self.block(try Self.page("hostile-argv"), after: Self.execsOpen))
        #expect(block.contains("\\u003cimg src=x onerror=alert(1)\\u003e"))
        #expect(block.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"))
        let rows = try #require(try Self.json(block)["execs"] as? [[Any]])
        #expect(
            rows.contains { ($0[7] as? [String])?.contains { $0.contains("<img src=x onerror=alert(1)>") } == true })
    }

    @Test("the tree embeds at most its caps of execs, the paths to the findings on top, and counts what it left out")
    func treeCaps() throws {
        var log = LogBuilder()
        log.exec(pid: 100, ppid: 1, exe: "/usr/bin/python3", ["python3", "app.py"], node: "web")
        for i in 0..<300 { log.exec(pid: 1000 + i, ppid: 100, exe: "/usr/bin/true", ["true", "\(i)"], node: "web") }
        log.exec(pid: 5000, ppid: 100, exe: "/usr/bin/dash", ["sh", "-c", "id"], node: "web")
        log.exec(pid: 5001, ppid: 5000, exe: "/usr/bin/id", ["id"], node: "web")
        for i in 0..<100 { log.exec(pid: 2000 + i, ppid: 1, exe: "/usr/bin/true", ["true"], node: "db") }
        let report = try Self.scanWithExecs(log, name: "html-tree-caps")
        #expect(report.execs.count == 403)
        #expect(report.findings.count == 1, "python3 -> sh")

        let tree = try Self.json(HTMLProcessTree(perHost: 50, inAll: 80).json(report))
        let execs = try #require(tree["execs"] as? [[Any]])
        func row(pid: Int, host: Int) -> [Any]? { execs.first { $0[2] as? Int == pid && $0[3] as? Int == host } }
        // Hosts in name order: db then web. web: the 50 first trues within the cap, plus python3 and sh on the
        // finding's path; db: what is left of the 80 in all (30), in log order.
        #expect((tree["hosts"] as? [[Any]])?.map { "\($0[0]) \($0[1]) \($0[2])" } == ["db 100 30", "web 303 52"])
        #expect(execs.count == 82)
        #expect(execs.filter { $0[3] as? Int == 1 && $0[6] as? String == "/usr/bin/true" }.count == 50)
        #expect(row(pid: 1049, host: 1) != nil && row(pid: 1050, host: 1) == nil, "the first in log order are kept")
        #expect(row(pid: 2029, host: 0) != nil && row(pid: 2030, host: 0) == nil)
        let python = try #require(row(pid: 100, host: 1)?[0] as? Int)
        let shell = try #require(row(pid: 5000, host: 1)?[0] as? Int, "the finding's shell is embedded beyond the cap")
        #expect(row(pid: 5001, host: 1) == nil, "what the shell ran is not on the path: capped like the rest")
        #expect(tree["findings"] as? [Int] == [shell])
        // pid 1 is known only as a parent: a node without exec on each host.
        let stubs = try #require(tree["stubs"] as? [[Any]])
        #expect(stubs.map { "\($0[2]) \($0[3])" }.sorted() == ["1 0", "1 1"])
        let dbInit = try #require(stubs.first { $0[3] as? Int == 0 }?[0] as? Int)
        // The cut is counted where it happened: 250 children of python3, one of the shell, 70 of db's pid 1.
        let cut = try #require(tree["cut"] as? [[Int]])
        #expect(Set(cut.map { $0 }) == [[python, 0, 250], [shell, 0, 1], [dbInit, 0, 70]])

        let uncapped = try Self.json(HTMLProcessTree().json(report))
        #expect((uncapped["execs"] as? [Any])?.count == 403)
        #expect((uncapped["cut"] as? [Any])?.isEmpty == true)
        #expect((uncapped["stubs"] as? [Any])?.count == 2)
    }

    @Test("a long command line is embedded in the tree up to a byte cap, cut at a character boundary")
    func treeCommandCap() throws {
        var log = LogBuilder()
        let long = String(repeating: "\u{E9}", count: 800)  // 1,600 bytes of two-byte characters
        log.exec(pid: 10, ppid: 1, exe: "/usr/bin/printf", ["printf", "-c", long, "tail"])
        let report = try Self.scanWithExecs(log, name: "html-tree-command")
        let tree = try Self.json(HTMLProcessTree(commandBytes: 102).json(report))
        let row = try #require((tree["execs"] as? [[Any]])?.first)
        // "printf -c " is 10 bytes; 92 left hold 46 characters; the 93rd byte would split one.
        #expect(row[7] as? [String] == ["printf", "-c", String(repeating: "\u{E9}", count: 46)])
        #expect(row[8] as? Int == (6 + 1 + 2 + 1 + 1_600 + 1 + 4) - (10 + 92))
        let whole = try Self.json(HTMLProcessTree(commandBytes: 2_000).json(report))
        #expect(((whole["execs"] as? [[Any]])?.first?[7] as? [String]) == ["printf", "-c", long, "tail"])
        #expect(((whole["execs"] as? [[Any]])?.first?[8] as? Int) == 0)
    }

    @Test("suppressed matches are counted in the summary, and listed with exception and reason behind a toggle")
    func suppressed() throws {
        let fixture = "fixtures/recorded/benign-busy.log"
        let listed = try CLI.run(["scan", "--format", "html", "--show-suppressed", fixture])
        #expect(listed.status == 1)
        let report = try Self.json(try CLI.run(["scan", "--format", "json", "--show-suppressed", fixture]).text)
        let summary = try #require(report["summary"] as? [String: Any])
        let count = try #require(summary["suppressed"] as? Int)
        let entries = try #require(report["suppressed"] as? [[String: Any]])
        #expect(count > 0 && !entries.isEmpty)
        let page = listed.text
        #expect(page.contains("<span class=\"count\" id=\"suppressed-count\">\(count)</span>"))
        #expect(page.contains("<a href=\"#suppressed\">\(count) suppressed</a>"), "counted in the summary card")
        #expect(page.contains("<input type=\"checkbox\" id=\"suppressed-toggle\">"))
        #expect(page.contains("<div id=\"suppressed-list\" class=\"finding-list\" hidden>"), "behind the toggle")
        // Each exception with its count and reason, escaped by the template.
        let exception = try #require(entries.first?["suppressed_by"] as? [String: Any])
        let reason = try #require(exception["reason"] as? String)
        #expect(page.contains("<span class=\"muted\">\(reason)</span>"))
        let data = try Self.json(try #require(Self.block(page, after: Self.dataOpen)))
        #expect((data["suppressed"] as? [Any])?.count == entries.count)
        let tree = try Self.json(try #require(Self.block(page, after: Self.execsOpen)))
        #expect((tree["suppressed"] as? [Any])?.count == entries.count)
        #expect(
            (tree["suppressed"] as? [Any])?.allSatisfy { $0 is Int } == true,
            "each suppressed shell can be shown in the tree")

        // Without --show-suppressed they are counted and the page says how to list them.
        let counted = try CLI.run(["scan", "--format", "html", fixture]).text
        #expect(counted.contains("<span class=\"count\" id=\"suppressed-count\">\(count)</span>"))
        #expect(counted.contains("id=\"suppressed-unlisted\"") && !counted.contains("id=\"suppressed-toggle\""))
    }

    @Test("a report made without the execs keeps the labelled placeholder instead of a partial tree")
    func withoutExecs() throws {
        let page = HTMLReporter().render(try Fixtures.scan([Fixtures.recorded("enriched-fork")]))
        #expect(!page.contains(Self.execsOpen))
        #expect(page.contains("not available yet"))
        #expect(Self.scriptOpenings(page) == Self.ownScripts.filter { $0 != Self.execsOpen })
    }
}
