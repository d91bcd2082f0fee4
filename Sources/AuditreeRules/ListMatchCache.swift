import AuditreeParser

/// Remembers which lists the names of an image matched: most execs are of programs
/// the log ran many times, and matching builds Strings.
///
/// Only lists without command-line patterns are cached (those depend on the whole
/// argv). The cached lists are numbered when the rules are loaded, so an exec costs
/// one hash of its names for all the rules, and no list name is hashed per exec.
/// Cleared when it grows past `limit`.
final class ListMatchCache {
    /// The names an image answers to, as logged.
    struct Names: Hashable {
        var exe: LogString?
        var comm: LogString?
        var argv0: LogString?
        /// Only for a multicall binary, whose applet may be argv[1].
        var argv1: LogString?
    }

    /// The matches of one set of names, by list number.
    /// A class, so the rules of one exec share it without looking the names up again.
    final class Entry {
        var matches: ListAnswers
        /// In an entry by an exe alone: the comm and argv[0] last asked with it, and the first
        /// learning list that may match those names, -1 for none, -2 before the first question
        /// (`RuleEvaluator.firstLearningFilter`). Fields of their own: an optional tuple is copied
        /// through its value witnesses.
        var learningComm: LogString?
        var learningArgv0: LogString?
        var learningFirst = -2

        init(lists: Int) { matches = ListAnswers(count: lists) }
    }

    static let limit = 16_384
    private let numbers: [String: Int]
    private var entries: [Names: Entry] = [:]
    private var recent = RecentEntries<Names, Entry>()
    /// The same for names that are an exe alone (what the child lists are asked of, `exeOnly`),
    /// by the exe: one value to hash and compare.
    private var recentExes = RecentEntries<LogString, Entry>()

    init(cacheableLists: Set<String>) {
        var numbers: [String: Int] = [:]
        for (number, list) in cacheableLists.sorted().enumerated() { numbers[list] = number }
        self.numbers = numbers
    }

    /// The number of a cached list; nil for a list that is matched every time.
    func number(of list: String) -> Int? { numbers[list] }

    func entry(for names: Names) -> Entry {
        if let exe = names.exe, names.comm == nil, names.argv0 == nil, names.argv1 == nil {
            var hash = RecentEntries<LogString, Entry>.seed
            RecentEntries<LogString, Entry>.mix(&hash, exe)
            if let known = recentExes.value(for: exe, hash: hash) { return known }
            let entry = lookUp(names)
            recentExes.remember(exe, hash: hash, entry)
            return entry
        }
        var hash = RecentEntries<Names, Entry>.seed
        RecentEntries<Names, Entry>.mix(&hash, names.exe)
        RecentEntries<Names, Entry>.mix(&hash, names.comm)
        RecentEntries<Names, Entry>.mix(&hash, names.argv0)
        RecentEntries<Names, Entry>.mix(&hash, names.argv1)
        if let known = recent.value(for: names, hash: hash) { return known }
        let entry = lookUp(names)
        recent.remember(names, hash: hash, entry)
        return entry
    }

    /// The entry in the dictionary, made when there is none.
    private func lookUp(_ names: Names) -> Entry {
        if let known = entries[names] { return known }
        if entries.count >= Self.limit {
            entries.removeAll(keepingCapacity: true)
            recent.removeAll()
            recentExes.removeAll()
        }
        let entry = Entry(lists: numbers.count)
        entries[names] = entry
        return entry
    }
}
