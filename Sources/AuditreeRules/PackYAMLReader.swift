import Yams

/// Reads the YAML the built-in rule pack is written in into the node tree Yams would compose
/// from it (the same strings, styles and tags, and the same positions), at a fraction of the
/// cost: the pack is read on every run, and Yams (libyaml's events, then a node, a tag object
/// and a duplicate-key check per mapping) was a third of its loading (docs/performance.md,
/// "Start-up (s22-startup)").
///
/// It knows only the plain subset the pack uses: block mappings and sequences indented with
/// spaces, plain keys, plain, single- and double-quoted scalars without escapes, `>-` folded
/// paragraphs, one-line flow sequences and mappings, comments. Anything else (tabs and other
/// control bytes, bytes that are not ASCII, anchors, tags, escapes, multi-line plain scalars,
/// duplicate keys, ...) makes it return nil, and the caller reads the text with Yams, which
/// gives the same nodes or the error. PackYAMLReaderTests compares both readers on the pack,
/// node by node.
///
/// Yams keeps `Mark`'s initializer to itself, so the nodes carry no mark: each node's line and
/// column (1-based, as libyaml counts them) come beside the tree, by the node's tag object, of
/// which each node has its own.
struct PackYAMLReader {
    struct Position: Equatable {
        var line: Int
        var column: Int
    }

    /// Each node's position by its tag object, in the order read. A list, not a dictionary:
    /// the rule file parser asks for a few dozen, and a dictionary keyed by `ObjectIdentifier`
    /// would be one more type the runtime must check for `Hashable` on every run.
    struct Positions {
        private var tags: [ObjectIdentifier] = []
        private var positions: [Position] = []

        mutating func reserve(_ count: Int) {
            tags.reserveCapacity(count)
            positions.reserveCapacity(count)
        }

        mutating func append(_ tag: Tag, _ position: Position) {
            tags.append(ObjectIdentifier(tag))
            positions.append(position)
        }

        subscript(_ tag: Tag) -> Position? {
            let key = ObjectIdentifier(tag)
            return tags.firstIndex(of: key).map { positions[$0] }
        }
    }

    private let bytes: [UInt8]
    /// Each line's first byte and the byte after its last (the newline excluded). Not a
    /// `Range<Int>`: an array of ranges is a type whose `Comparable` bound the runtime would
    /// check (a scan of every conformance record) on each run.
    private struct Line {
        var lowerBound: Int
        var upperBound: Int
        /// The spaces before its first other byte.
        var indent = 0
        var count: Int { upperBound - lowerBound }
    }
    private var lines: [Line] = []
    private let resolver: Resolver
    private let constructor: Constructor
    private var positions = Positions()

    private struct Unsupported: Error {}

    static func read(_ text: String, resolver: Resolver, constructor: Constructor) -> (
        root: Node, positions: Positions
    )? {
        var reader = PackYAMLReader(bytes: Array(text.utf8), resolver: resolver, constructor: constructor)
        guard let root = try? reader.document() else { return nil }
        return (root, reader.positions)
    }

    private init(bytes: [UInt8], resolver: Resolver, constructor: Constructor) {
        self.bytes = bytes
        self.resolver = resolver
        self.constructor = constructor
    }

    private mutating func document() throws(Unsupported) -> Node {
        var start = 0
        lines.reserveCapacity(bytes.count / 16)
        for index in bytes.indices {
            // Printable ASCII goes on at one comparison a byte; of the rest only newlines are read.
            let byte = bytes[index]
            if byte &- 0x20 < 0x5f { continue }
            guard byte == UInt8(ascii: "\n") else { throw Unsupported() }
            lines.append(Line(lowerBound: start, upperBound: index))
            start = index + 1
        }
        if start < bytes.count { lines.append(Line(lowerBound: start, upperBound: bytes.count)) }
        for index in lines.indices {
            var column = 0
            while byte(index, column) == UInt8(ascii: " ") { column += 1 }
            lines[index].indent = column
        }
        positions.reserve(lines.count * 2)
        guard let first = nextLine(from: 0), indent(first) == 0 else { throw Unsupported() }
        let (root, next) = try block(at: first, indent: 0)
        guard next == nil else { throw Unsupported() }
        return root
    }

    // MARK: Lines

    private func byte(_ line: Int, _ column: Int) -> UInt8? {
        guard column >= 0 else { return nil }
        let offset = lines[line].lowerBound + column
        return offset < lines[line].upperBound ? bytes[offset] : nil
    }

    private func indent(_ line: Int) -> Int { lines[line].indent }

    /// The first line at or after `line` that holds more than spaces and a comment.
    private func nextLine(from line: Int) -> Int? {
        var line = line
        while line < lines.count {
            let first = byte(line, indent(line))
            if first != nil && first != UInt8(ascii: "#") { return line }
            line += 1
        }
        return nil
    }

    /// Nothing but spaces and a comment from `column` to the end of the line.
    private func restIsEmpty(_ line: Int, _ column: Int) -> Bool {
        var column = column
        while byte(line, column) == UInt8(ascii: " ") { column += 1 }
        guard let next = byte(line, column) else { return true }
        return next == UInt8(ascii: "#") && (column == 0 || byte(line, column - 1) == UInt8(ascii: " "))
    }

    private func text(_ line: Int, _ columns: Range<Int>) -> String {
        let base = lines[line].lowerBound
        return String(decoding: bytes[(base + columns.lowerBound)..<(base + columns.upperBound)], as: UTF8.self)
    }

    /// A new node's tag, its position recorded (0-based line and column in).
    private mutating func tag(_ line: Int, _ column: Int) -> Tag {
        let tag = Tag(.implicit, resolver, constructor)
        positions.append(tag, Position(line: line + 1, column: column + 1))
        return tag
    }

    private mutating func scalar(_ string: String, _ style: Node.Scalar.Style, _ line: Int, _ column: Int) -> Node {
        .scalar(Node.Scalar(string, tag(line, column), style))
    }

    // MARK: Block nodes

    /// The block node whose first line is `line`, at `indent`; returns it and the next line
    /// that is not part of it.
    private mutating func block(at line: Int, indent: Int) throws(Unsupported) -> (Node, Int?) {
        if isSequenceEntry(line, indent) { return try sequence(at: line, indent: indent) }
        return try mapping(at: line, column: indent)
    }

    private func isSequenceEntry(_ line: Int, _ column: Int) -> Bool {
        byte(line, column) == UInt8(ascii: "-")
            && (byte(line, column + 1) == nil || byte(line, column + 1) == UInt8(ascii: " "))
    }

    /// A plain key at `column` followed by `:` and a space or the line's end: the column of the colon.
    private func keyEnd(_ line: Int, _ column: Int) -> Int? {
        guard let first = byte(line, column), isPlainStart(first) else { return nil }
        var end = column
        while let next = byte(line, end) {
            if next == UInt8(ascii: ":") {
                let after = byte(line, end + 1)
                return after == nil || after == UInt8(ascii: " ") ? end : nil
            }
            if next == UInt8(ascii: "#") && byte(line, end - 1) == UInt8(ascii: " ") { return nil }
            end += 1
        }
        return nil
    }

    /// Not a YAML indicator (nor a space) that a plain scalar cannot start with, or that this
    /// reader leaves to Yams (`-`, `?`, `:` may start some plain scalars).
    private func isPlainStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "'"),
            UInt8(ascii: "\""), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "@"),
            UInt8(ascii: "`"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "#"):
            false
        default: !isFlowIndicator(byte)
        }
    }

    private func isFlowIndicator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"): true
        default: false
        }
    }

    private mutating func sequence(at first: Int, indent: Int) throws(Unsupported) -> (Node, Int?) {
        var items: [Node] = []
        var line: Int? = first
        while let current = line, self.indent(current) == indent, isSequenceEntry(current, indent) {
            var column = indent + 1
            while byte(current, column) == UInt8(ascii: " ") { column += 1 }
            let item: Node
            if restIsEmpty(current, column) {
                (item, line) = try blockValue(
                    after: current, column: indent + 1, parentIndent: indent, allowSequence: false)
            } else if keyEnd(current, column) != nil {
                (item, line) = try mapping(at: current, column: column)
            } else {
                (item, line) = try inlineValue(current, column, parentIndent: indent)
            }
            items.append(item)
        }
        if let line, self.indent(line) > indent { throw Unsupported() }
        return (.sequence(Node.Sequence(items, tag(first, indent), .any)), line)
    }

    /// A block mapping whose first key is at `column` of `first` (the column after `- ` for a
    /// mapping in a sequence entry).
    private mutating func mapping(at first: Int, column: Int) throws(Unsupported) -> (Node, Int?) {
        var pairs: [(Node, Node)] = []
        var keys: [String] = []
        var line: Int? = first
        var keyColumn = column
        while let current = line {
            guard let colon = keyEnd(current, keyColumn) else { throw Unsupported() }
            guard byte(current, colon - 1) != UInt8(ascii: " ") else { throw Unsupported() }
            let name = text(current, keyColumn..<colon)
            guard !keys.contains(name) else { throw Unsupported() }
            keys.append(name)
            let key = scalar(name, .plain, current, keyColumn)
            var valueColumn = colon + 1
            while byte(current, valueColumn) == UInt8(ascii: " ") { valueColumn += 1 }
            let value: Node
            if restIsEmpty(current, valueColumn) {
                (value, line) = try blockValue(
                    after: current, column: colon + 1, parentIndent: column, allowSequence: true)
            } else {
                (value, line) = try inlineValue(current, valueColumn, parentIndent: column)
            }
            pairs.append((key, value))
            guard let next = line else { break }
            let nextIndent = indent(next)
            if nextIndent < column { break }
            guard nextIndent == column else { throw Unsupported() }
            keyColumn = column
        }
        return (.mapping(Node.Mapping(pairs, tag(first, column), .any)), line)
    }

    /// The value of a key or entry that ends its line: the block below it, or an empty plain
    /// scalar marked where libyaml marks it (after the indicator).
    private mutating func blockValue(after line: Int, column: Int, parentIndent: Int, allowSequence: Bool)
        throws(Unsupported)
        -> (Node, Int?)
    {
        let next = nextLine(from: line + 1)
        if let next {
            let nextIndent = indent(next)
            if nextIndent > parentIndent { return try block(at: next, indent: nextIndent) }
            if allowSequence, nextIndent == parentIndent, isSequenceEntry(next, nextIndent) {
                return try sequence(at: next, indent: nextIndent)
            }
        }
        return (scalar("", .plain, line, column), next)
    }

    /// A value that starts on its key's or entry's line at `column`; returns it and the next line.
    private mutating func inlineValue(_ line: Int, _ column: Int, parentIndent: Int) throws(Unsupported) -> (Node, Int?)
    {
        guard let first = byte(line, column) else { throw Unsupported() }
        let node: Node
        var end: Int
        switch first {
        case UInt8(ascii: ">"):
            return try folded(line, column, parentIndent: parentIndent)
        case UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "'"), UInt8(ascii: "\""):
            (node, end) = try flowNode(line, column)
        default:
            guard isPlainStart(first) else { throw Unsupported() }
            end = column
            var last = column
            while let next = byte(line, end) {
                if next == UInt8(ascii: "#") && byte(line, end - 1) == UInt8(ascii: " ") { break }
                if next == UInt8(ascii: ":") && (byte(line, end + 1) == nil || byte(line, end + 1) == UInt8(ascii: " "))
                {
                    throw Unsupported()
                }
                if next != UInt8(ascii: " ") { last = end + 1 }
                end += 1
            }
            node = scalar(text(line, column..<last), .plain, line, column)
        }
        guard restIsEmpty(line, end) else { throw Unsupported() }
        let next = nextLine(from: line + 1)
        // A more indented line below would continue a plain scalar: not read here.
        if let next, indent(next) > parentIndent { throw Unsupported() }
        return (node, next)
    }

    /// A `>-` paragraph: its lines, all at one indentation, joined by spaces.
    private mutating func folded(_ line: Int, _ column: Int, parentIndent: Int) throws(Unsupported) -> (Node, Int?) {
        guard byte(line, column + 1) == UInt8(ascii: "-"), restIsEmpty(line, column + 2),
            byte(line, column + 2) == nil
        else { throw Unsupported() }
        var parts: [String] = []
        var current = line + 1
        var contentIndent: Int?
        while current < lines.count {
            let lineIndent = indent(current)
            guard byte(current, lineIndent) != nil else { break }
            if contentIndent == nil {
                guard lineIndent > parentIndent else { break }
                contentIndent = lineIndent
            }
            guard lineIndent >= contentIndent! else { break }
            guard lineIndent == contentIndent!, byte(current, lines[current].count - 1) != UInt8(ascii: " ") else {
                throw Unsupported()
            }
            parts.append(text(current, lineIndent..<lines[current].count))
            current += 1
        }
        guard !parts.isEmpty else { throw Unsupported() }
        let next = nextLine(from: current)
        // A blank line followed by more of the paragraph would fold into a line break.
        if let next, let contentIndent, indent(next) >= contentIndent { throw Unsupported() }
        return (
            .scalar(Node.Scalar(parts.joined(separator: " "), tag(line, column), .folded)), next
        )
    }

    // MARK: Flow nodes (on one line)

    private func skipSpaces(_ line: Int, _ column: Int) -> Int {
        var column = column
        while byte(line, column) == UInt8(ascii: " ") { column += 1 }
        return column
    }

    /// A flow collection or a quoted scalar at `column`; returns it and the column after it.
    private mutating func flowNode(_ line: Int, _ column: Int) throws(Unsupported) -> (Node, Int) {
        switch byte(line, column) {
        case UInt8(ascii: "'"):
            var value: [UInt8] = []
            var end = column + 1
            while true {
                guard let next = byte(line, end) else { throw Unsupported() }
                if next == UInt8(ascii: "'") {
                    guard byte(line, end + 1) == UInt8(ascii: "'") else { break }
                    end += 1
                }
                value.append(next)
                end += 1
            }
            return (scalar(String(decoding: value, as: UTF8.self), .singleQuoted, line, column), end + 1)
        case UInt8(ascii: "\""):
            var end = column + 1
            while let next = byte(line, end), next != UInt8(ascii: "\"") {
                guard next != UInt8(ascii: "\\") else { throw Unsupported() }
                end += 1
            }
            guard byte(line, end) == UInt8(ascii: "\"") else { throw Unsupported() }
            return (scalar(text(line, (column + 1)..<end), .doubleQuoted, line, column), end + 1)
        case UInt8(ascii: "["):
            var items: [Node] = []
            var at = skipSpaces(line, column + 1)
            if byte(line, at) != UInt8(ascii: "]") {
                while true {
                    let (item, end) = try flowItem(line, at)
                    items.append(item)
                    at = skipSpaces(line, end)
                    if byte(line, at) == UInt8(ascii: "]") { break }
                    guard byte(line, at) == UInt8(ascii: ",") else { throw Unsupported() }
                    at = skipSpaces(line, at + 1)
                }
            }
            return (.sequence(Node.Sequence(items, tag(line, column), .any)), at + 1)
        case UInt8(ascii: "{"):
            var pairs: [(Node, Node)] = []
            var keys: [String] = []
            var at = skipSpaces(line, column + 1)
            if byte(line, at) != UInt8(ascii: "}") {
                while true {
                    guard let colon = flowKeyEnd(line, at) else { throw Unsupported() }
                    let name = text(line, at..<colon)
                    guard !keys.contains(name) else { throw Unsupported() }
                    keys.append(name)
                    let key = scalar(name, .plain, line, at)
                    let (value, end) = try flowItem(line, skipSpaces(line, colon + 1))
                    pairs.append((key, value))
                    at = skipSpaces(line, end)
                    if byte(line, at) == UInt8(ascii: "}") { break }
                    guard byte(line, at) == UInt8(ascii: ",") else { throw Unsupported() }
                    at = skipSpaces(line, at + 1)
                }
            }
            return (.mapping(Node.Mapping(pairs, tag(line, column), .any)), at + 1)
        default:
            throw Unsupported()
        }
    }

    /// A plain key in a flow mapping, ended by `: `: the column of the colon.
    private func flowKeyEnd(_ line: Int, _ column: Int) -> Int? {
        guard let first = byte(line, column), isPlainStart(first) else { return nil }
        var end = column
        while let next = byte(line, end) {
            if next == UInt8(ascii: ":") { return byte(line, end + 1) == UInt8(ascii: " ") ? end : nil }
            if isFlowIndicator(next) || next == UInt8(ascii: "#") || next == UInt8(ascii: "'")
                || next == UInt8(ascii: "\"") || next == UInt8(ascii: " ")
            {
                return nil
            }
            end += 1
        }
        return nil
    }

    /// An entry of a flow collection: a nested flow node, a quoted scalar, or a plain scalar
    /// ended by `,`, `]` or `}`.
    private mutating func flowItem(_ line: Int, _ column: Int) throws(Unsupported) -> (Node, Int) {
        guard let first = byte(line, column) else { throw Unsupported() }
        if first == UInt8(ascii: "[") || first == UInt8(ascii: "{") || first == UInt8(ascii: "'")
            || first == UInt8(ascii: "\"")
        {
            return try flowNode(line, column)
        }
        guard isPlainStart(first) else { throw Unsupported() }
        var end = column
        var last = column
        while let next = byte(line, end), !isFlowIndicator(next) {
            if next == UInt8(ascii: "#") && byte(line, end - 1) == UInt8(ascii: " ") { throw Unsupported() }
            if next == UInt8(ascii: ":") { throw Unsupported() }
            if next != UInt8(ascii: " ") { last = end + 1 }
            end += 1
        }
        return (scalar(text(line, column..<last), .plain, line, column), end)
    }
}
