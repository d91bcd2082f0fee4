import AuditreeParser
import AuditreeTree

/// Answers, from the bytes of an image's names alone, whether `NameMatcher.match(_:list:)` can
/// find anything for a list: false only when no name the image answers to is an entry of the
/// list (or of a list it includes) or the name of one of its command-line patterns, with or
/// without its version suffix, and no exe pattern can apply. No String is made and nothing is
/// hashed: most execs are of programs no learning list names, and are passed over for the
/// price of reading their names' bytes once.
///
/// It may say yes where `match` would not: a name that is not ASCII passes (`NameMatcher`
/// compares Strings, whose equality is Unicode's; ASCII is compared byte for byte), and a list
/// or multicall name that is not ASCII lets every image (or name) through.
struct ListNameFilter: Sendable {
    /// The names, by length in bytes.
    private let names: [[[UInt8]]]
    /// The multicall binaries' names, by length in bytes.
    private let multicall: [[[UInt8]]]
    /// Every image may match (the list has a name that is not ASCII).
    private let passesAll: Bool
    /// An image with an exe may match (the list has exe patterns).
    private let passesEveryExe: Bool
    /// A multicall name is not ASCII: every exe may be one, or not.
    private let multicallUnsure: Bool

    init(list: String, in ruleSet: RuleSet) {
        var names: Set<[UInt8]> = []
        var passesEveryExe = false
        func collect(_ list: String, depth: Int) {
            // `NameMatcher` stops at depth 8 (nothing is matched there): so does this.
            guard depth < 8, let entries = ruleSet.lists[list] else { return }
            for name in entries.names { names.insert(Array(name.utf8)) }
            for pattern in entries.patterns { names.insert(Array(pattern.name.utf8)) }
            if !entries.exePatterns.isEmpty { passesEveryExe = true }
            for included in entries.includes { collect(included, depth: depth + 1) }
        }
        collect(list, depth: 0)
        let multicall = Set(ruleSet.multicall.map { Array($0.utf8) })
        self.names = Self.byLength(names)
        self.multicall = Self.byLength(multicall)
        self.passesAll = names.contains { $0.contains { $0 >= 0x80 } }
        self.passesEveryExe = passesEveryExe
        self.multicallUnsure = multicall.contains { $0.contains { $0 >= 0x80 } }
    }

    private static func byLength(_ names: Set<[UInt8]>) -> [[[UInt8]]] {
        var byLength: [[[UInt8]]] = []
        for name in names {
            while byLength.count <= name.count { byLength.append([]) }
            byLength[name.count].append(name)
        }
        return byLength
    }

    /// Whether `mayMatch` may read argv[1] of an image whose exe is no multicall binary (a
    /// multicall name is not ASCII); else it reads only the exe, argv[0] and the comm.
    var readsArgv1: Bool { multicallUnsure }

    /// False only when `NameMatcher.match(image, list:)` is nil whatever the command line.
    /// The names tried are those of `NameMatcher.identities(of:)`: a multicall binary's applet
    /// (argv[0], else argv[1]); any other image's exe, comm and argv[0].
    func mayMatch(_ image: ProcessImage) -> Bool {
        if passesAll || (passesEveryExe && image.exe != nil) { return true }
        let arguments = image.argv.arguments
        var isMulticall = multicallUnsure
        if let exe = image.exe {
            let (may, multicall) = examine(exe, basename: true)
            if may { return true }
            isMulticall = isMulticall || multicall
        }
        if arguments.count > 0, examine(arguments[0], basename: true).may { return true }
        if isMulticall, arguments.count > 1, examine(arguments[1], basename: true).may { return true }
        if !isMulticall || multicallUnsure, let comm = image.comm, examine(comm, basename: false).may { return true }
        return false
    }

    /// Whether the name in `value` (its basename when asked, without a leading `-`, as
    /// `NameMatcher.plainName` reads it) may be one of the names, as written or with its
    /// version stripped; and whether it is a multicall binary's.
    private func examine(_ value: LogString, basename: Bool) -> (may: Bool, multicall: Bool) {
        value.withSpan { bytes in
            let count = bytes.count
            var start = count
            var high: UInt8 = 0
            while start > 0 {
                let byte = bytes[start - 1]
                if basename && byte == UInt8(ascii: "/") { break }
                high |= byte
                start -= 1
            }
            if start < count && bytes[start] == UInt8(ascii: "-") { start += 1 }
            if high >= 0x80 { return (true, true) }
            let multicall = Self.contains(self.multicall, bytes, start, count)
            if Self.contains(names, bytes, start, count) { return (true, multicall) }
            // As `NameMatcher.withoutVersion` strips an ASCII name: digits and dots, then - and _.
            var end = count
            while end > start, bytes[end - 1] == UInt8(ascii: ".") || (bytes[end - 1] &- UInt8(ascii: "0")) < 10 {
                end -= 1
            }
            while end > start, bytes[end - 1] == UInt8(ascii: "-") || bytes[end - 1] == UInt8(ascii: "_") { end -= 1 }
            return (end > start && end < count && Self.contains(names, bytes, start, end), multicall)
        }
    }

    private static func contains(_ table: [[[UInt8]]], _ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let length = end - start
        guard length < table.count else { return false }
        for name in table[length] {
            var offset = 0
            while offset < length && bytes[start + offset] == name[offset] { offset += 1 }
            if offset == length { return true }
        }
        return false
    }
}
