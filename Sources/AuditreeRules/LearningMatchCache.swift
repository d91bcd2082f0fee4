import AuditreeParser
import AuditreeTree

/// What the learning lists (`learned_root` conditions) said of an exe, comm and command line:
/// whether each list matched, and the directories the command line names. Matching a list with
/// command-line patterns (`web_servers`: java running Tomcat, python -m gunicorn) joins the
/// arguments and runs regexes over them, and the same servers and interpreters are exec'd with
/// the same command lines again and again; their children ask the same of them once more.
///
/// The key is exact (every byte of the exe, comm and arguments), so an answer is what matching
/// would say. Bounded so that a log cannot size it: command lines longer than `maxKeyBytes`
/// are not kept, and the table starts over past `limit` entries or `maxBytes` bytes of keys.
final class LearningMatchCache {
    struct Key: Hashable {
        var exe: LogString?
        var comm: LogString?
        var arguments: [LogString]
    }

    final class Entry {
        /// Per learning list: whether `NameMatcher.match` finds something.
        let matches: [Bool]
        /// `RuleEvaluator.rootsNamed(by:)` of the arguments, once asked.
        var roots: [String]?

        init(matches: [Bool]) { self.matches = matches }
    }

    static let limit = 4096
    static let maxBytes = 1 << 20
    static let maxKeyBytes = CommandLineMatches.cachedAbove
    private var entries: [Key: Entry] = [:]
    private var bytes = 0

    /// The entry for the image's exe, comm and arguments, made by `make` when there is none.
    func entry(for image: ProcessImage, make: () -> Entry) -> Entry {
        let size = Self.size(image)
        guard size <= Self.maxKeyBytes else { return make() }
        let key = Key(exe: image.exe, comm: image.comm, arguments: image.argv.arguments)
        if let known = entries[key] { return known }
        let made = make()
        if entries.count >= Self.limit || bytes + size > Self.maxBytes {
            entries.removeAll(keepingCapacity: true)
            bytes = 0
        }
        entries[key] = made
        bytes += size
        return made
    }

    private static func size(_ image: ProcessImage) -> Int {
        var size = (image.exe?.count ?? 0) + (image.comm?.count ?? 0)
        for argument in image.argv.arguments { size += argument.count + 1 }
        return size
    }
}
