import Foundation
import TestSupport
import Testing

@testable import AuditreeRules

/// `SigmaYAMLReader`, the fast path for Sigma rule files: what it reads must be what Yams
/// composes (same tree, same root line), and what it does not read it must leave to Yams.
@Suite("Sigma YAML reader")
struct SigmaYAMLReaderTests {
    /// Texts the reader reads, each compared with Yams' tree.
    static let read: [String] = [
        "title: t\nid: x\n",
        "title: t # comment\nid: 'a ''quoted'' # not a comment'\nname: \"double 'quoted'\"  # comment\n",
        "# leading comment\n\n   # indented comment\ntitle:   spaced value   \nempty:\nnull: null\ntilde: ~\n",
        "a:\n    b: 1\n    c:\n        - x\n        - 'y'\n        -\n        - z # c\nd: e\n",
        "a:\n- x\n- y\nb: c\n",
        "detection:\n    selection:\n        - Image|endswith: /bash\n          CommandLine|contains|all:\n              - ' -c '\n              - 'x'\n        -   Image: /bin/sh\n    condition: selection\n",
        "list:\n    -\n        a: b\n    - c\n",
        "description: |\n    Line one.\n      Indented line.\n\n    After a blank line.\n\n\nnext: value\n",
        "description: |  # a comment\n  # text, not a comment\n  end\n",
        "in:\n    - |\n      block in a list\n    - plain\n",
        "url: http://example.com/a:b#frag\nwin: C:\\Windows\\System32\\cmd.exe\nstar: a*b?c\ndash: -D\nq: ?x\n",
        "unicode: Ömer Günal — “quoted”\n",
        "on_next_line:\n    the value\nother: x\n",
        "k: v\n\n\n",
        "condition:\n    a and\n    (\n        1 of b*\n\n        or c\n    )\nnext: x\n",
        "key: first\n  second  # comment\nnext: x\n",
        "keywords:\n    '|all':\n        - 'it''s'\n    'quoted key': x\n",
    ]

    /// Texts the reader leaves to Yams (outside its subset, or not valid YAML).
    static let refused: [String] = [
        "",
        "# only a comment\n",
        "- a list at the top\n",
        "---\ntitle: t\n",
        "title: t\ntitle: u\n",
        "tags: [a, b]\n",
        "map: {a: b}\n",
        "anchor: &a x\nalias: *a\n",
        "tagged: !!str x\n",
        "folded: >\n    text\n",
        "keep: |+\n    text\n",
        "multi: a # comment\n    then more\n",
        "multi: a\n    - b\n",
        "quoted: 'on two\n    lines'\n",
        "escaped: \"a\\tb\"\n",
        "tab:\tx\n",
        "crlf: x\r\n",
        "bad: a: b\n",
        "bad: 'x' y\n",
        "a:\n    b: 1\n  c: 2\n",
        "\"double-quoted key\": x\n",
        "'spaced key' : x\n",
        "key : x\n",
        "\u{FEFF}title: t\n",
        "nel: a\u{85}b\n",
        "nested: - - x\n",
        "list:\n    - - nested\n",
        "last: |\n    no final line break",
    ]

    @Test("reads these as Yams does", arguments: read)
    func readsAsYams(_ text: String) throws {
        let fast = try #require(SigmaYAMLReader.read(text), "not read: \(text.debugDescription)")
        let yams = try #require(try SigmaYAMLNode.composed(text))
        #expect(fast.root == yams.root, "\(text.debugDescription)")
        #expect(fast.line == yams.line)
    }

    @Test("leaves these to Yams", arguments: refused)
    func leavesToYams(_ text: String) {
        #expect(SigmaYAMLReader.read(text) == nil, "\(text.debugDescription)")
    }

    /// Every rule file of the repository and of SigmaHQ: read as Yams reads it, and nearly all
    /// read by the fast path (else loading is slow again).
    @Test("rule files read as Yams reads them")
    func ruleFiles() throws {
        var folders = [
            Fixtures.root.appendingPathComponent("fixtures/sigma").path,
            Fixtures.root.appendingPathComponent("fixtures/sigma-auditd").path,
        ]
        // AUDITREE_SIGMA (as tests/sigma/run.sh) for a worktree, where ../shared is not beside the package.
        if let sigmaHQ = ProcessInfo.processInfo.environment["AUDITREE_SIGMA"] ?? SigmaTests.sigmaHQ {
            folders.append(sigmaHQ)
        }
        var fast = 0
        var total = 0
        var refused: [String] = []
        for folder in folders {
            for file in try SigmaRuleSet.files(at: folder) {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                let yams = try SigmaYAMLNode.composed(text)
                total += 1
                guard let read = SigmaYAMLReader.read(text) else {
                    refused.append(file)
                    continue
                }
                fast += 1
                #expect(read.root == yams?.root, "\(file)")
                #expect(read.line == yams?.line, "\(file)")
            }
        }
        #expect(total > 0)
        #expect(fast * 100 >= total * 95, "only \(fast) of \(total) rule files read by the fast path")
        print("SigmaYAMLReader: \(fast) of \(total) rule files read without Yams; left to Yams: \(refused)")
    }
}
