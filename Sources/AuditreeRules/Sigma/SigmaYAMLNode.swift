import Foundation
import Yams

/// A YAML node of a Sigma rule file, as `SigmaRuleParser` reads it: what Yams' `Node` gives
/// with the basic resolver (every scalar is text), without tags, marks or styles beyond
/// whether a scalar is plain (`null`, `true` are read from plain scalars only).
///
/// `SigmaYAMLReader` reads the block YAML rule files are written in straight into this;
/// anything else goes through Yams and `init(_:)`, so that both give the same tree.
enum SigmaYAMLNode: Sendable, Equatable {
    case scalar(String, plain: Bool)
    case mapping([SigmaYAMLEntry])
    case sequence([SigmaYAMLNode])
    /// A node Yams gives that is none of these (an unresolved alias).
    case other

    /// The scalar's text (Yams' `Node.string`, which is nil for a map under the basic resolver).
    var string: String? {
        if case .scalar(let text, _) = self { return text }
        return nil
    }

    var mapping: [SigmaYAMLEntry]? {
        if case .mapping(let entries) = self { return entries }
        return nil
    }

    var sequence: [SigmaYAMLNode]? {
        if case .sequence(let items) = self { return items }
        return nil
    }

    var isScalar: Bool {
        if case .scalar = self { return true }
        return false
    }

    /// A plain `~`, `null`, `Null`, `NULL` or nothing (Yams' `Node.null`).
    var isNull: Bool {
        guard case .scalar(let text, plain: true) = self else { return false }
        switch text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// The root node as Yams composes the text, and the line of its start (1-based); nil for
    /// an empty file.
    static func composed(_ text: String) throws -> (root: SigmaYAMLNode, line: Int)? {
        // The basic resolver: every scalar is text (what a Sigma value is), so Yams does not try
        // its bool, int, float, null and timestamp regexes on each one. `exists: true` and
        // `null` are read from the plain scalar. UTF-8 said outright: Yams's default encoding
        // reads the whole process environment (for YAMS_DEFAULT_ENCODING, which also makes it
        // print to stdout) on every file. No construction maps: they serve only `Node.any`, and
        // `.default` builds its dictionaries anew on every call.
        guard let node = try Yams.compose(yaml: text, .basic, Constructor([:], [:], [:]), .utf8) else { return nil }
        return (SigmaYAMLNode(node), node.mark?.line ?? 1)
    }

    /// The same tree from a node Yams composed with the basic resolver.
    init(_ node: Node) {
        switch node {
        case .scalar(let scalar): self = .scalar(scalar.string, plain: scalar.style == .plain)
        case .mapping(let map):
            self = .mapping(
                map.map { key, value in
                    SigmaYAMLEntry(
                        key: key.string,
                        keyIsText: key.scalar.map { Self.textTags.contains($0.tag.description) } ?? false,
                        value: SigmaYAMLNode(value))
                })
        case .sequence(let list): self = .sequence(list.map(SigmaYAMLNode.init))
        case .alias: self = .other
        }
    }

    /// A scalar's tag as `Tag.description` shows it, when the basic resolver reads the scalar as
    /// text: not resolved yet (implicit), non-specific (`!`), or `!!str` (also a quoted scalar's).
    private static let textTags: Set<String> = ["", "!", Tag.Name.str.rawValue]
}

/// One key and value of a map, in the order written.
struct SigmaYAMLEntry: Sendable, Equatable {
    /// The key's text when it is a scalar (whatever its tag), as Yams' `Node.string`.
    var key: String?
    /// Whether the key reads as text: untagged, quoted or `!!str` (as `Node.Mapping`'s
    /// subscript finds keys).
    var keyIsText: Bool
    var value: SigmaYAMLNode
}

extension [SigmaYAMLEntry] {
    /// The value of a text key (the last of equal keys; readers refuse equal keys anyway), as
    /// `Node.Mapping`'s subscript finds it. A search: a rule's maps hold a dozen keys.
    subscript(textKey key: String) -> SigmaYAMLNode? {
        last { $0.keyIsText && $0.key == key }?.value
    }
}
