/// Reads the block YAML that Sigma rule files are written in straight into `SigmaYAMLNode`s:
/// maps, lists, plain scalars (multi-line ones folded), one-line quoted scalars, `|` literal
/// text and comments. Building
/// libyaml's events and Yams' nodes for these was most of the cost of loading a rule.
///
/// Anything outside that subset (flow collections, anchors, aliases, tags, multi-line quoted
/// scalars, plain continuation lines that begin with an indicator, escapes, tabs, carriage returns, directives and document markers, equal keys)
/// and every malformed file gives nil: `SigmaRuleParser` then reads the file with Yams. So a
/// file reads the same either way (the sigma tests compare both on every SigmaHQ rule), and a
/// bad file gets Yams' message.
struct SigmaYAMLReader {
    /// The file ends outside the subset or is not valid YAML.
    private struct Unsupported: Error {}

    private let bytes: [UInt8]
    /// Per line: where it starts and ends (without its line break), and how many spaces start it.
    private var starts: [Int] = []
    private var ends: [Int] = []
    private var indents: [Int] = []
    private let endsWithBreak: Bool
    /// The line after what was read last, skipping blank and comment lines.
    private var line = 0

    /// The root map and the line its first key is on (1-based, as Yams' mark), or nil.
    static func read(_ text: String) -> (root: SigmaYAMLNode, line: Int)? {
        guard var reader = SigmaYAMLReader(Array(text.utf8)) else { return nil }
        do throws(Unsupported) {
            return try reader.document()
        } catch {
            return nil
        }
    }

    /// Splits the text into lines; nil when it holds a byte libyaml refuses or reads as a line
    /// break other than `\n` (controls, tab, CR, DEL, C1 controls and NEL, LS, PS, BOM, U+FFFE/F).
    private init?(_ bytes: [UInt8]) {
        self.bytes = bytes
        let lines = bytes.count / 32 + 1
        starts.reserveCapacity(lines)
        ends.reserveCapacity(lines)
        indents.reserveCapacity(lines)
        var start = 0
        let count = bytes.count
        let span = bytes.span
        for index in span.indices {
            let byte = span[index]
            // Printable ASCII, nearly every byte: nothing to do.
            if byte &- 0x20 < 0x5F { continue }
            if byte == UInt8(ascii: "\n") {
                var indent = start
                while indent < index && span[indent] == UInt8(ascii: " ") { indent += 1 }
                starts.append(start)
                ends.append(index)
                indents.append(indent - start)
                start = index + 1
            } else if byte < 0x80 {
                return nil
            } else {
                let next = index + 1 < count ? span[index + 1] : 0
                let third = index + 2 < count ? span[index + 2] : 0
                if byte == 0xC2 && next < 0xA0 { return nil }
                if byte == 0xE2 && next == 0x80 && (third == 0xA8 || third == 0xA9) { return nil }
                if byte == 0xEF && ((next == 0xBB && third == 0xBF) || (next == 0xBF && third >= 0xBE)) { return nil }
            }
        }
        endsWithBreak = start == count
        if start < count {
            var indent = start
            while indent < count && span[indent] == UInt8(ascii: " ") { indent += 1 }
            starts.append(start)
            ends.append(count)
            indents.append(indent - start)
        }
    }

    private var lineCount: Int { starts.count }

    private func isBlank(_ line: Int) -> Bool { starts[line] + indents[line] == ends[line] }

    private func isSkipped(_ line: Int) -> Bool {
        isBlank(line) || bytes[starts[line] + indents[line]] == UInt8(ascii: "#")
    }

    private func nextContent(from line: Int) -> Int {
        var line = line
        while line < lineCount && isSkipped(line) { line += 1 }
        return line
    }

    private mutating func document() throws(Unsupported) -> (root: SigmaYAMLNode, line: Int) {
        let first = nextContent(from: 0)
        guard first < lineCount, indents[first] == 0 else { throw Unsupported() }
        let root = try mapping(column: 0, line: first)
        guard line == lineCount else { throw Unsupported() }
        return (root, first + 1)
    }

    /// YAML's indicators: a plain scalar or key does not start with one.
    private static func isIndicator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"),
            UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"),
            UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"):
            true
        default: false
        }
    }

    /// Whether `- ` (or a lone `-`) is at this column of the line.
    private func isItem(_ line: Int, column: Int) -> Bool {
        let at = starts[line] + column
        return at < ends[line] && bytes[at] == UInt8(ascii: "-")
            && (at + 1 == ends[line] || bytes[at + 1] == UInt8(ascii: " "))
    }

    /// Where the `:` of a plain or single-quoted key starting at this column is, if the line
    /// holds one there.
    private func keyColon(_ line: Int, column: Int) -> Int? {
        let start = starts[line] + column
        let end = ends[line]
        guard start < end else { return nil }
        if bytes[start] == UInt8(ascii: "'") {
            var index = start + 1
            while index < end {
                if bytes[index] == UInt8(ascii: "'") {
                    if index + 1 < end && bytes[index + 1] == UInt8(ascii: "'") {
                        index += 2
                        continue
                    }
                    let colon = index + 1
                    guard colon < end, bytes[colon] == UInt8(ascii: ":"),
                        colon + 1 == end || bytes[colon + 1] == UInt8(ascii: " ")
                    else { return nil }
                    return colon
                }
                index += 1
            }
            return nil
        }
        guard !Self.isIndicator(bytes[start]) else { return nil }
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") && (index + 1 == end || bytes[index + 1] == UInt8(ascii: " ")) {
                return index
            }
            if byte == UInt8(ascii: "#") && bytes[index - 1] == UInt8(ascii: " ") { return nil }
            index += 1
        }
        return nil
    }

    /// A map whose first key starts at `column` of `line`; its other keys start lines indented by `column`.
    private mutating func mapping(column: Int, line first: Int, colon firstColon: Int? = nil) throws(Unsupported)
        -> SigmaYAMLNode
    {
        var entries: [SigmaYAMLEntry] = []
        var current = first
        var known = firstColon
        while true {
            guard let colon = known ?? keyColon(current, column: column) else { throw Unsupported() }
            known = nil
            let keyStart = starts[current] + column
            // libyaml takes a key of up to 1024 characters on one line; keys end without spaces here.
            guard colon - keyStart <= 1000, bytes[colon - 1] != UInt8(ascii: " ") else { throw Unsupported() }
            let key =
                bytes[keyStart] == UInt8(ascii: "'")
                ? Self.unquoted(bytes[(keyStart + 1)..<(colon - 1)])
                : String(decoding: bytes[keyStart..<colon], as: UTF8.self)
            // Equal keys are an error for Yams: it says which.
            if entries.contains(where: { $0.key == key }) { throw Unsupported() }
            let value = try value(line: current, from: colon + 1, parent: column)
            entries.append(SigmaYAMLEntry(key: key, keyIsText: true, value: value))
            guard line < lineCount, indents[line] >= column else { break }
            guard indents[line] == column else { throw Unsupported() }
            current = line
        }
        return .mapping(entries)
    }

    /// The value after a key's `:` at `from`, on the same line or the lines below.
    private mutating func value(line current: Int, from: Int, parent: Int) throws(Unsupported) -> SigmaYAMLNode {
        let end = ends[current]
        var at = from
        while at < end && bytes[at] == UInt8(ascii: " ") { at += 1 }
        if at == end || bytes[at] == UInt8(ascii: "#") {
            let next = nextContent(from: current + 1)
            line = next
            guard next < lineCount else { return .scalar("", plain: true) }
            if indents[next] > parent { return try block(line: next, parent: parent) }
            if indents[next] == parent && isItem(next, column: parent) {
                return try sequence(column: parent, line: next)
            }
            return .scalar("", plain: true)
        }
        if bytes[at] == UInt8(ascii: "|") { return try literal(line: current, from: at, parent: parent) }
        return try scalarLines(line: current, from: at, parent: parent)
    }

    /// A scalar starting at `from`, and for a plain one the lines indented more than `parent`
    /// that continue it (folded: one space for a line break, a line break for an empty line).
    private mutating func scalarLines(line current: Int, from: Int, parent: Int) throws(Unsupported)
        -> SigmaYAMLNode
    {
        let scalar = try inlineScalar(line: current, from: from)
        line = nextContent(from: current + 1)
        guard line < lineCount, indents[line] > parent else { return scalar }
        // A quoted scalar, or a plain one ended by a comment, is not continued: YAML says error.
        guard case .scalar(let first, plain: true) = scalar, !hasComment(current, from: from) else {
            throw Unsupported()
        }
        var text = Array(first.utf8)
        var next = current + 1
        var breaks = 0
        while next < lineCount {
            if isBlank(next) {
                breaks += 1
                next += 1
                continue
            }
            let at = starts[next] + indents[next]
            guard indents[next] > parent, bytes[at] != UInt8(ascii: "#") else { break }
            guard !Self.isIndicator(bytes[at]),
                case .scalar(let more, plain: true) = try inlineScalar(line: next, from: at)
            else { throw Unsupported() }
            if breaks == 0 {
                text.append(UInt8(ascii: " "))
            } else {
                text.append(contentsOf: repeatElement(UInt8(ascii: "\n"), count: breaks))
            }
            text.append(contentsOf: more.utf8)
            breaks = 0
            next += 1
            if hasComment(next - 1, from: at) { break }
        }
        line = nextContent(from: next)
        // Lines indented further after a comment: YAML says error.
        if line < lineCount && indents[line] > parent { throw Unsupported() }
        return .scalar(String(decoding: text, as: UTF8.self), plain: true)
    }

    /// Whether a comment (` #`) follows a plain scalar starting at `from`.
    private func hasComment(_ current: Int, from: Int) -> Bool {
        var index = from + 1
        while index < ends[current] {
            if bytes[index] == UInt8(ascii: "#") && bytes[index - 1] == UInt8(ascii: " ") { return true }
            index += 1
        }
        return false
    }

    /// A single-quoted scalar's text: `''` is one quote.
    private static func unquoted(_ slice: ArraySlice<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(slice.count)
        var index = slice.startIndex
        while index < slice.endIndex {
            text.append(slice[index])
            index += slice[index] == UInt8(ascii: "'") ? 2 : 1
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A node on lines of their own, indented more than `parent`.
    private mutating func block(line current: Int, parent: Int) throws(Unsupported) -> SigmaYAMLNode {
        let column = indents[current]
        if isItem(current, column: column) { return try sequence(column: column, line: current) }
        if let colon = keyColon(current, column: column) {
            return try mapping(column: column, line: current, colon: colon)
        }
        return try scalarLines(line: current, from: starts[current] + column, parent: parent)
    }

    /// A list whose `-` marks are at `column`, the first on `line`.
    private mutating func sequence(column: Int, line first: Int) throws(Unsupported) -> SigmaYAMLNode {
        var items: [SigmaYAMLNode] = []
        var current = first
        while true {
            let end = ends[current]
            var at = starts[current] + column + 1
            while at < end && bytes[at] == UInt8(ascii: " ") { at += 1 }
            let itemColumn = at - starts[current]
            if at == end || bytes[at] == UInt8(ascii: "#") {
                let next = nextContent(from: current + 1)
                line = next
                if next < lineCount && indents[next] > column {
                    items.append(try block(line: next, parent: column))
                } else {
                    items.append(.scalar("", plain: true))
                }
            } else if bytes[at] == UInt8(ascii: "|") {
                items.append(try literal(line: current, from: at, parent: column))
            } else if isItem(current, column: itemColumn) {
                throw Unsupported()
            } else if let colon = keyColon(current, column: itemColumn) {
                items.append(try mapping(column: itemColumn, line: current, colon: colon))
            } else {
                items.append(try inlineScalar(line: current, from: at))
                line = nextContent(from: current + 1)
            }
            guard line < lineCount, indents[line] >= column else { break }
            guard indents[line] == column else { throw Unsupported() }
            // The same indent without `-`: the next key of the map this list is the value of.
            guard isItem(line, column: column) else { break }
            current = line
        }
        return .sequence(items)
    }

    /// A plain, single-quoted or double-quoted (without escapes) scalar that ends on its line.
    private func inlineScalar(line current: Int, from start: Int) throws(Unsupported) -> SigmaYAMLNode {
        let end = ends[current]
        let first = bytes[start]
        if first == UInt8(ascii: "'") {
            var text: [UInt8] = []
            var index = start + 1
            var quotes = false
            while true {
                guard index < end else { throw Unsupported() }
                if bytes[index] == UInt8(ascii: "'") {
                    if index + 1 < end && bytes[index + 1] == UInt8(ascii: "'") {
                        if !quotes {
                            text = Array(bytes[(start + 1)..<index])
                            quotes = true
                        }
                        text.append(UInt8(ascii: "'"))
                        index += 2
                        continue
                    }
                    break
                }
                if quotes { text.append(bytes[index]) }
                index += 1
            }
            try endOfLine(current, from: index + 1)
            let value =
                quotes
                ? String(decoding: text, as: UTF8.self) : String(decoding: bytes[(start + 1)..<index], as: UTF8.self)
            return .scalar(value, plain: false)
        }
        if first == UInt8(ascii: "\"") {
            var index = start + 1
            while true {
                guard index < end, bytes[index] != UInt8(ascii: "\\") else { throw Unsupported() }
                if bytes[index] == UInt8(ascii: "\"") { break }
                index += 1
            }
            try endOfLine(current, from: index + 1)
            return .scalar(String(decoding: bytes[(start + 1)..<index], as: UTF8.self), plain: false)
        }
        if Self.isIndicator(first) {
            // `-`, `?` and `:` start a plain scalar when something other than a space follows.
            guard first == UInt8(ascii: "-") || first == UInt8(ascii: "?") || first == UInt8(ascii: ":"),
                start + 1 < end, bytes[start + 1] != UInt8(ascii: " ")
            else { throw Unsupported() }
        }
        var stop = end
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") && (index + 1 == end || bytes[index + 1] == UInt8(ascii: " ")) {
                throw Unsupported()
            }
            if byte == UInt8(ascii: "#") && bytes[index - 1] == UInt8(ascii: " ") {
                stop = index
                break
            }
            index += 1
        }
        while stop > start && bytes[stop - 1] == UInt8(ascii: " ") { stop -= 1 }
        return .scalar(String(decoding: bytes[start..<stop], as: UTF8.self), plain: true)
    }

    /// After a quoted scalar: only spaces, or spaces and a comment.
    private func endOfLine(_ current: Int, from: Int) throws(Unsupported) {
        let end = ends[current]
        var index = from
        while index < end && bytes[index] == UInt8(ascii: " ") { index += 1 }
        guard index == end || (index > from && bytes[index] == UInt8(ascii: "#")) else { throw Unsupported() }
    }

    /// A `|` literal scalar (clip: one final line break), its lines indented more than `parent`.
    private mutating func literal(line current: Int, from: Int, parent: Int) throws(Unsupported) -> SigmaYAMLNode {
        // Only a bare `|`: no chomping or indentation indicator; a comment may follow after a space.
        let end = ends[current]
        var at = from + 1
        guard at == end || bytes[at] == UInt8(ascii: " ") else { throw Unsupported() }
        while at < end && bytes[at] == UInt8(ascii: " ") { at += 1 }
        guard at == end || bytes[at] == UInt8(ascii: "#") else { throw Unsupported() }
        let first = current + 1
        guard first < lineCount, !isBlank(first), indents[first] > parent else { throw Unsupported() }
        let indent = indents[first]
        var text: [UInt8] = []
        var last = first  // the last line with text
        var next = first
        while next < lineCount {
            if isBlank(next) {
                // Spaces beyond the indentation would be text of a blank line: not read here.
                guard ends[next] - starts[next] <= indent else { throw Unsupported() }
                next += 1
                continue
            }
            guard indents[next] >= indent else { break }
            if next > first {
                text.append(contentsOf: repeatElement(UInt8(ascii: "\n"), count: next - last))
            }
            text.append(contentsOf: bytes[(starts[next] + indent)..<ends[next]])
            last = next
            next += 1
        }
        // The final line break, when the file has one after the last line.
        guard last + 1 < lineCount || endsWithBreak else { throw Unsupported() }
        text.append(UInt8(ascii: "\n"))
        line = nextContent(from: next)
        return .scalar(String(decoding: text, as: UTF8.self), plain: false)
    }
}
