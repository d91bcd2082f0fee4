import Testing
import Yams

@testable import AuditreeRules

/// PackYAMLReader must give the nodes Yams composes (strings, styles, tags, marks, order), or
/// nothing: then the pack is read by Yams.
@Suite("Pack YAML reader")
struct PackYAMLReaderTests {
    /// Every node of a tree, one line each: kind, tag, style, mark and string.
    static func described(
        _ node: Node, _ depth: Int = 0, positions: PackYAMLReader.Positions = PackYAMLReader.Positions(),
        into lines: inout [String]
    ) {
        let pad = String(repeating: " ", count: depth)
        let position = positions[node.tag]
        let mark = node.mark.map { "\($0.line):\($0.column)" } ?? position.map { "\($0.line):\($0.column)" } ?? "-"
        switch node {
        case .scalar(let scalar):
            lines.append(
                "\(pad)scalar \(scalar.tag.description) \(scalar.style) \(mark) \(scalar.string.debugDescription)")
        case .mapping(let mapping):
            lines.append("\(pad)mapping \(mapping.tag.description) \(mapping.style) \(mark)")
            for (key, value) in mapping {
                described(key, depth + 1, positions: positions, into: &lines)
                described(value, depth + 2, positions: positions, into: &lines)
            }
        case .sequence(let sequence):
            lines.append("\(pad)sequence \(sequence.tag.description) \(sequence.style) \(mark)")
            for item in sequence { described(item, depth + 1, positions: positions, into: &lines) }
        case .alias:
            lines.append("\(pad)alias")
        }
    }

    static func both(_ text: String) throws -> (plain: [String]?, yams: [String]) {
        let constructor = RuleFileParser.constructor
        var yams: [String] = []
        if let node = try Yams.compose(yaml: text, .basic, constructor, .utf8) { described(node, into: &yams) }
        var plain: [String]?
        if let read = PackYAMLReader.read(text, resolver: .basic, constructor: constructor) {
            #expect(read.root.mark == nil)
            var lines: [String] = []
            described(read.root, positions: read.positions, into: &lines)
            plain = lines
        }
        return (plain, yams)
    }

    @Test("the built-in pack reads node for node as Yams reads it")
    func builtInPack() throws {
        let (plain, yams) = try Self.both(try RuleSet.builtInText())
        let lines = try #require(plain, "the reader no longer knows the pack's YAML: the pack is read by Yams")
        #expect(lines.count == yams.count)
        for (mine, theirs) in zip(lines, yams) where mine != theirs {
            Issue.record("\(mine)\n  Yams: \(theirs)")
            break
        }
        #expect(lines.count > 500)
    }

    static let supported = [
        "a: 1\nb: two words # comment\n",
        "# head\nlist:\n  - x\n  - 'it''s'\n  - \"(none)\"\nempty:\nlast: [a, 'b c', {k: v}]\n",
        "top:\n- a\n- b\nnext:\n  inner: {x: [1, 2], y: 'z'}\n",
        "rules:\n  - id: r\n    text: >-\n      one line\n      two line\n\n    other: v\n  - id: s\n",
        "m: []\nn: {}\n",
        "- a\n- b: c\n  d: e\n",
    ]

    @Test("what it reads, it reads as Yams does", arguments: supported)
    func sameAsYams(text: String) throws {
        let (plain, yams) = try Self.both(text)
        #expect(plain == yams)
    }

    static let unsupported = [
        "a: 1\na: 2\n",  // duplicate key: Yams reports it
        "a:\tb\n",  // tab
        "a: caf\u{e9}\n",  // not ASCII
        "a: &x 1\nb: *x\n",  // anchor and alias
        "a: !!str 1\n",  // tag
        "a: \"x\\ty\"\n",  // escape
        "a: one\n  two\n",  // multi-line plain scalar
        "a: |\n  x\n",  // literal block scalar
        "a: >\n  x\n",  // folded, clipped
        "a: >-\n  x\n\n  y\n",  // folded over a blank line
        "a: [x,\n  y]\n",  // flow over two lines
        "---\na: 1\n",  // document marker
        "a: b: c\n",  // mapping value inside a plain scalar (a Yams error)
    ]

    @Test("anything else is left to Yams", arguments: unsupported)
    func leftToYams(text: String) {
        #expect(PackYAMLReader.read(text, resolver: .basic, constructor: RuleFileParser.constructor) == nil)
    }
}
