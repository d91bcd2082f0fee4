import AuditreeParser
import AuditreeTree

/// The matches of the lists that `ListMatchCache` cannot hold (those with command-line entries:
/// `web_servers` has java running Tomcat, python -m gunicorn) and of the learning lists
/// (`learned_root` conditions), per exe, comm and command line; and the directories the command
/// line names. Matching such a list joins the arguments and runs regexes over them, and the same
/// servers and interpreters are exec'd with the same command lines again and again; the spawner
/// search and the children of a server ask the same of them once more.
///
/// The key is exact (every byte of the exe, comm and arguments: all that `NameMatcher.match`
/// reads), so an answer is what matching would say. Bounded so that a log cannot size it:
/// command lines longer than `maxKeyBytes` are not kept (their entry lives for one question), and
/// the table starts over past `limit` entries or `maxBytes` bytes of keys.
final class CommandLineListCache {
    struct Key: Hashable {
        var exe: LogString?
        var comm: LogString?
        var arguments: [LogString]
    }

    final class Entry {
        /// Per slot (`slot(of:exeOnly:)`): the match, once asked.
        var matches: ListAnswers
        /// `RuleEvaluator.rootsNamed(by:)` of the arguments, once asked.
        var roots: [String]?

        init(slots: Int) { matches = ListAnswers(count: slots) }
    }

    static let limit = 4096
    static let maxBytes = 1 << 20
    static let maxKeyBytes = CommandLineMatches.cachedAbove
    private let numbers: [String: Int]
    private var entries: [Key: Entry] = [:]
    private var recent = RecentEntries<Key, Entry>()
    private var bytes = 0

    init(lists: [String]) {
        var numbers: [String: Int] = [:]
        for list in lists where numbers[list] == nil { numbers[list] = numbers.count }
        self.numbers = numbers
    }

    /// Where a list's match (exe-only or not) is kept in an entry; nil for a list not kept here.
    func slot(of list: String, exeOnly: Bool) -> Int? { numbers[list].map { $0 * 2 + (exeOnly ? 1 : 0) } }

    /// The entry for the image's exe, comm and arguments, made empty when there is none.
    func entry(for image: ProcessImage) -> Entry {
        let size = Self.size(image)
        guard size <= Self.maxKeyBytes else { return Entry(slots: numbers.count * 2) }
        let key = Key(exe: image.exe, comm: image.comm, arguments: image.argv.arguments)
        var hash = RecentEntries<Key, Entry>.seed
        RecentEntries<Key, Entry>.mix(&hash, key.exe)
        RecentEntries<Key, Entry>.mix(&hash, key.comm)
        for argument in key.arguments { RecentEntries<Key, Entry>.mix(&hash, argument) }
        if let known = recent.value(for: key, hash: hash) { return known }
        if let known = entries[key] {
            recent.remember(key, hash: hash, known)
            return known
        }
        let made = Entry(slots: numbers.count * 2)
        if entries.count >= Self.limit || bytes + size > Self.maxBytes {
            entries.removeAll(keepingCapacity: true)
            recent.removeAll()
            bytes = 0
        }
        entries[key] = made
        recent.remember(key, hash: hash, made)
        bytes += size
        return made
    }

    private static func size(_ image: ProcessImage) -> Int {
        var size = (image.exe?.count ?? 0) + (image.comm?.count ?? 0)
        for argument in image.argv.arguments { size += argument.count + 1 }
        return size
    }
}
