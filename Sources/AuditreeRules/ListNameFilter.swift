import AuditreeParser
import AuditreeTree

/// Answers, from the bytes of an image's names alone, whether `NameMatcher.match(_:list:)` can
/// find anything for a list: false only when no name the image could answer to is an entry of
/// the list (or of a list it includes) or the name of one of its command-line patterns, with or
/// without its version suffix, and no exe pattern can apply. No String is made and nothing is
/// hashed: most execs are of programs no learning list names, and are passed over for the
/// price of comparing a few bytes.
///
/// It says yes more often than `match` would: it tries the exe's, comm's, argv[0]'s and
/// argv[1]'s names whether or not the image is a multicall binary, and any name that is not
/// ASCII (`NameMatcher` compares Strings, whose equality is Unicode's; ASCII is compared
/// byte for byte). A list with a name that is not ASCII lets everything through.
struct ListNameFilter: Sendable {
    /// The names, by length in bytes.
    private let names: [[[UInt8]]]
    /// Every image may match (the list has a name that is not ASCII).
    private let passesAll: Bool
    /// An image with an exe may match (the list has exe patterns).
    private let passesEveryExe: Bool

    init(list: String, in ruleSet: RuleSet) {
        var names: Set<[UInt8]> = []
        var passesAll = false
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
        if names.contains(where: { $0.contains { $0 >= 0x80 } }) { passesAll = true }
        var byLength: [[[UInt8]]] = []
        for name in names {
            while byLength.count <= name.count { byLength.append([]) }
            byLength[name.count].append(name)
        }
        self.names = byLength
        self.passesAll = passesAll
        self.passesEveryExe = passesEveryExe
    }

    /// False only when `NameMatcher.match(image, list:)` is nil whatever the command line.
    func mayMatch(_ image: ProcessImage) -> Bool {
        if passesAll || (passesEveryExe && image.exe != nil) { return true }
        if let exe = image.exe, mayName(exe, basename: true) { return true }
        if let comm = image.comm, mayName(comm, basename: false) { return true }
        let arguments = image.argv.arguments
        if arguments.count > 0, mayName(arguments[0], basename: true) { return true }
        if arguments.count > 1, mayName(arguments[1], basename: true) { return true }
        return false
    }

    /// Whether the name in `value` (its basename, when asked; without a leading `-`, as
    /// `NameMatcher.plainName` reads it) is one of the names, or is once its version is stripped.
    private func mayName(_ value: LogString, basename: Bool) -> Bool {
        value.withSpan { bytes in
            var start = 0
            if basename {
                start = bytes.count
                while start > 0 && bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
            }
            if start < bytes.count && bytes[start] == UInt8(ascii: "-") { start += 1 }
            for index in start..<bytes.count where bytes[index] >= 0x80 { return true }
            // As `NameMatcher.withoutVersion` strips an ASCII name: digits and dots, then - and _.
            var end = bytes.count
            if contains(bytes, start, end) { return true }
            while end > start, bytes[end - 1] == UInt8(ascii: ".") || (bytes[end - 1] &- UInt8(ascii: "0")) < 10 {
                end -= 1
            }
            while end > start, bytes[end - 1] == UInt8(ascii: "-") || bytes[end - 1] == UInt8(ascii: "_") { end -= 1 }
            return end > start && end < bytes.count && contains(bytes, start, end)
        }
    }

    private func contains(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let length = end - start
        guard length < names.count else { return false }
        for name in names[length] {
            var offset = 0
            while offset < length && bytes[start + offset] == name[offset] { offset += 1 }
            if offset == length { return true }
        }
        return false
    }
}
