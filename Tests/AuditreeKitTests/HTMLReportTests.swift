import Foundation
import Testing
@testable import AuditreeKit

/// The HTML report (docs/html-report.md): golden files, determinism and escaping on the raw page.
/// What the page does once a browser runs it is checked by scripts/browser-test.sh.
@Suite("HTML report", .serialized)
struct HTMLReportTests {
    static let update = ProcessInfo.processInfo.environment["AUDITREE_UPDATE_GOLDEN"] == "1"
    static let dataOpen = "<script type=\"application/json\" id=\"auditree-data\">"

    static func page(_ fixture: String) throws -> String {
        let run = try CLI.run(["scan", "--format", "html", "fixtures/recorded/\(fixture).log"])
        #expect(run.status == 1, "findings give exit status 1")
        return run.text
    }

    /// The text between an element's opening tag and the next `</script>`.
    static func block(_ page: String, after open: String) -> String? {
        guard let start = page.range(of: open), let end = page.range(of: "</script>", range: start.upperBound..<page.endIndex) else { return nil }
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test("pages match their golden files", arguments: ["hostile-argv", "enriched-fork"])
    func golden(_ fixture: String) throws {
        let run = try CLI.run(["scan", "--format", "html", "fixtures/recorded/\(fixture).log"])
        let golden = Fixtures.root.appendingPathComponent("fixtures/golden/\(fixture).html")
        if Self.update { try run.stdout.write(to: golden) }
        let expected = try Data(contentsOf: golden)
        #expect(run.stdout == expected, "\(golden.path) differs; rerun with AUDITREE_UPDATE_GOLDEN=1 and review the diff")
    }

    @Test("the same input gives the same bytes, in process and from the CLI")
    func determinism() throws {
        let paths = [Fixtures.recorded("enriched-fork"), Fixtures.recorded("hostile-argv")]
        let first = HTMLReporter().render(try Fixtures.scan(paths))
        let second = HTMLReporter().render(try Fixtures.scan(paths))
        #expect(first == second)
        #expect(try Self.page("hostile-argv") == (try Self.page("hostile-argv")))
    }

    @Test("the data block cannot close its script element and holds the JSON report", arguments: ["hostile-argv", "enriched-fork"])
    func dataBlock(_ fixture: String) throws {
        let page = try Self.page(fixture)
        let data = try #require(Self.block(page, after: Self.dataOpen))
        #expect(!data.contains("<"), "no '<' at all, so no </script> and no <!--")
        #expect(!data.contains(">") && !data.contains("&"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let json = try JSONSerialization.jsonObject(with: Data(try CLI.run(["scan", "--format", "json", "fixtures/recorded/\(fixture).log"]).stdout)) as? [String: Any]
        #expect(findings.count == (json?["findings"] as? [Any])?.count)
        #expect(NSDictionary(dictionary: object).isEqual(to: json ?? [:]), "the embedded data is the --format json document")
        let rules = try #require(Self.block(page, after: "<script type=\"application/json\" id=\"auditree-rules\">"))
        #expect(!rules.contains("<"))
        #expect(try JSONSerialization.jsonObject(with: Data(rules.utf8)) is [String: Any])
    }

    @Test("hostile values never become markup")
    func hostileMarkup() throws {
        let page = try Self.page("hostile-argv")
        #expect(page.components(separatedBy: "</script").count - 1 == 3, "only the closing tags of the three script elements")
        #expect(page.components(separatedBy: "<script").count - 1 == 3)
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
        let meta = try #require(page.range(of: "<meta http-equiv=\"Content-Security-Policy\" content=\"", range: page.startIndex..<head))
        let end = try #require(page.range(of: "\">", range: meta.upperBound..<head))
        let policy = page[meta.upperBound..<end.lowerBound].replacingOccurrences(of: "&#39;", with: "'")
        #expect(policy.hasPrefix("default-src 'none'; "))
        for directive in ["connect-src 'none'", "img-src 'none'", "base-uri 'none'", "form-action 'none'"] { #expect(policy.contains(directive)) }
        #expect(page.range(of: "<style>")!.lowerBound > meta.lowerBound, "the policy comes before any style or script")
        let script = try #require(Self.block(page, after: "<script>"))
        let style = try #require(page.range(of: "<style>").flatMap { open in page.range(of: "</style>", range: open.upperBound..<page.endIndex).map { String(page[open.upperBound..<$0.lowerBound]) } })
        #expect(policy.contains("script-src \(SHA256.cspSource(script));"))
        #expect(policy.contains("style-src \(SHA256.cspSource(style));"))
        #expect(!page.contains("http://") && !page.contains("https://"), "no URL to anywhere")
        #expect(!script.contains("innerHTML") && !script.contains("insertAdjacentHTML") && !script.contains("document.write") && !script.contains("eval("))
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        func hex(_ bytes: [UInt8]) -> String { JSONWriter.hex(bytes) }
        #expect(hex(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.base64(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw==")
    }

    @Test("embedded JSON is compact and escapes anything that could end the element")
    func embeddable() {
        #expect(HTMLReporter.embeddable("{\n  \"a\": \"x y\",\n  \"b\": [\n    1\n  ]\n}") == "{\"a\": \"x y\",\"b\": [1]}")
        #expect(HTMLReporter.embeddable("\"</script><!--&\"") == "\"\\u003c/script\\u003e\\u003c!--\\u0026\"")
    }

    @Test("a report without findings is a summary page")
    func empty() throws {
        let run = try CLI.run(["scan", "--format", "html", Fixtures.edge("empty.log")])
        #expect(run.status == 0)
        #expect(run.text.contains("No shell spawned by an interpreter or a web server was found"))
        #expect(!run.text.contains("id=\"finding-list\""))
    }
}
