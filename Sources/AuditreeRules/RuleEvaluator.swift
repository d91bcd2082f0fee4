import AuditreeEvents
import AuditreeParser
import AuditreeTree

/// Applies a rule set to each exec as the tree releases it, and remembers the findings.
///
/// A shell is a finding when the first process above it that is not a
/// launcher is a spawner of the rule's list, related as the rule allows (with
/// relation `ancestor`, the nearest spawner within `within` generations). Only
/// the first shell below a spawner is a finding: anything below a finding's
/// shell (other shells included) is that finding's story, not a new finding.
///
/// A match an exception covers is kept as suppressed (counted, listed on
/// request) and claims nothing below it: a shell under it is judged on its own.
/// When the process above a shell is unknown, a rule with `infer` clauses may
/// report an inferred spawner from the shell's context.
public final class RuleEvaluator {
    public let ruleSet: RuleSet
    private let rules: [Rule]
    private let matcher: NameMatcher
    private let descendantLimit: Int
    package private(set) var matches: [RuleMatch] = []
    /// The matches an exception suppressed, kept only when they are listed (`keepsSuppressed`):
    /// otherwise a log whose background an exception covers (a package manager's shells every
    /// few seconds) would keep a match, with its image and lineage, per suppressed shell.
    private(set) var suppressedMatches: [RuleMatch] = []
    /// Whether `suppressed(group:)` is asked for; without it only the counts are kept.
    private let keepsSuppressed: Bool
    /// The rules matched so far, and with `foldsMatches` every match, folded (`MatchFolding`).
    private var folding: MatchFolding
    /// The most matches held whole at once (`heldMatchCount`), read after the scan.
    package private(set) var peakHeldMatches = 0
    /// Whether only `groupedFindings()` is asked for: then the matches go to `folding`, not
    /// `matches`, and each but the oldest of its group keeps only what folding reads.
    private let foldsMatches: Bool
    /// Suppressed matches per exception id (`""` when none is named), kept or not.
    public private(set) var suppressedByException: [String: Int] = [:]
    public private(set) var suppressedCount = 0
    /// Shells no rule could judge with certainty because the log never described the process above them.
    public private(set) var shellsWithUnknownParent = 0

    private let listMatches: ListMatchCache
    /// Lists whose exec'd processes teach directories (`learned_root` conditions), and what they taught, per host.
    private let learnedRootLists: [String]
    /// Per learning list (same index), which images it can match at all, read from their names' bytes.
    private let learningFilters: [ListNameFilter]
    /// Whether a learning filter may read argv[1] of an image whose exe is no multicall binary
    /// (`ListNameFilter.readsArgv1`): then its answers are not kept by exe, comm and argv[0].
    private let learningFiltersReadArgv1: Bool
    /// Per learning list (same index), its slot in a `commandLineLists` entry.
    private let learningSlots: [Int]
    /// Matches of the lists `listMatches` cannot hold, and of the learning lists, per command line.
    private let commandLineLists: CommandLineListCache
    /// The last spawner `learnChildDirectory` asked about (a process and its image number; images
    /// never change once added) and what the learning lists said: a shell or a server runs its
    /// children one after another, and its image need not be copied out for each.
    private var lastSpawner: (node: ProcessNode, number: Int, learning: CommandLineListCache.Entry?)?
    private var learnedRoots: [String?: [String: [String]]] = [:]
    /// Changes with every root learned: context answers hold for one version.
    private var learnedRootsVersion = 0
    /// Whether the global exceptions' `ancestor` conditions and the context indicators' conditions
    /// hold for an image, by the image's condition fields: a finding's lineage is mostly the same
    /// few processes (a cron shell, a login shell), and the findings of one rule mostly the same
    /// command, tried by every exception and indicator.
    private var subjectAnswers: [ConditionSubject: ConditionAnswers] = [:]
    /// How many `ConditionAnswers` were made: the next one's serial.
    private var answersMade = 0
    /// The subjects `subjects(image:lineage:)` met last, most recent first, compared in place before
    /// `subjectAnswers` is asked: a Sigma rule fires on every exec of one command under the same
    /// parents, and hashing a subject (every argument's bytes) costs more than comparing it with
    /// a few, most of which differ in a field's length (`RecentSubject.Shape`).
    private var recentSubjects: [RecentSubject] = []
    static let recentSubjectsKept = 16
    /// `exceptionsChecked`'s answers by rule and the subjects of the shell, its spawner and its
    /// lineage: the findings of one rule mostly repeat one command under one parent, and each
    /// would try every exception again and make its misses again.
    private var exceptionOutcomes: [ExceptionsKey: (suppression: Suppression?, misses: [ExceptionMiss])] = [:]
    private var exceptionKeyScratch: [Int] = []
    /// `context`'s hits (indicator numbers and places) by rule and the places' targets and
    /// subjects, for `contextOutcomesVersion` of the learned roots.
    private var contextOutcomes: [SubjectsKey: [(indicator: Int, place: Int)]] = [:]
    private var contextOutcomesVersion = 0
    /// `scoped(_:)`'s answers, by rule id (one entry per rule of the set at most).
    private var scopedByRule: [String: (exceptions: [Int], indicators: [Int])] = [:]
    /// Per context indicator, the slot of its first alternative in a `ConditionAnswers`; and the slots in all.
    private let contextSlotBase: [Int]
    private let contextSlots: Int
    static let maxConditionAnswers = 16_384
    static let maxLearnedRoots = 256
    /// Inferences made for a shell whose parent the log never describes, by that parent's process
    /// in the tree (one pid between its creation and its reuse, on one host and boot): a later
    /// shell of the same parent carries it, said so in its evidence.
    private var inferredByParent: [Int: (rule: String, pid: Int, inference: SpawnerInference)] = [:]
    static let maxInferredParents = 4096
    /// Per rule (same index), the cache numbers of its lists: nil for a list matched every time.
    private let listNumbers: [(child: Int?, spawner: Int?, skip: Int?)]
    /// Per rule (same index), what the spawner search reads of it on every candidate, answered
    /// once: a Set lookup per relation and a condition copied out of the rule cost more than
    /// the cached list matches they guard.
    private let searches: [SpawnerSearchPlan]
    /// Multicall binary names by length: a basename is compared in place with those of its
    /// length, where a Set lookup needs it copied into an Array on every exec with arguments.
    private let multicallNames: [[[UInt8]]]

    /// Enabled Sigma process_creation rules, tried on every exec (inside findings too).
    private let sigmaRules: SigmaExecRules
    /// Per Sigma process_creation rule (by its number in `sigmaRules`), whether it has
    /// exceptions of its own or global ones that name it (-1: not asked yet): asked of every
    /// match, and a `Rule` read out of its `SharedRule` for `scoped(_:)` is a copy of all its
    /// fields. Answered at a rule's first match, so that loading copies no rule.
    private var sigmaChecksExceptions: [Int8]
    /// Enabled Sigma service: auditd rules, tried on every record as it is parsed; nil when none.
    public let recordRules: SigmaAuditdRules?
    /// Finds the Sigma process_creation rules' literals in an exec's records as they are parsed;
    /// nil when no such rule is enabled.
    package let execFields: SigmaExecFieldScanner?

    /// `settleLook`: how many folded matches wait before the first look for those that can be
    /// settled (`MatchFolding.settle`).
    public init(
        ruleSet: RuleSet, descendantLimit: Int = 200, keepsSuppressed: Bool = true, foldsMatches: Bool = false,
        settleLook: Int = 256
    ) {
        self.folding = MatchFolding(firstLook: settleLook)
        self.keepsSuppressed = keepsSuppressed
        self.foldsMatches = foldsMatches
        self.ruleSet = ruleSet
        let enabled = ruleSet.rules  // filtered on each read: once here
        // By index, not `filter`: iterating copies each rule out (every String and list it holds retained).
        let nonSigma = enabled.indices.filter { enabled[$0].sigma == nil }.map { enabled[$0] }
        self.rules = nonSigma
        let sigmaRules = SigmaExecRules(
            enabled.indices.filter { enabled[$0].sigma?.target == .processCreation }.map { enabled[$0] })
        self.sigmaRules = sigmaRules
        self.recordRules = SigmaAuditdRules(enabled)
        self.execFields = sigmaRules.isEmpty ? nil : sigmaRules.fieldScanner
        self.matcher = NameMatcher(ruleSet)
        self.descendantLimit = descendantLimit
        self.sigmaChecksExceptions = Array(repeating: -1, count: sigmaRules.count)
        let cache = ListMatchCache(
            cacheableLists: Set(ruleSet.lists.keys.filter { Self.dependsOnNamesAndExe($0, in: ruleSet) }))
        self.listMatches = cache
        var learned: [String] = []
        for indicator in ruleSet.context {
            for condition in indicator.any {
                if let list = condition.learnedRoot, !learned.contains(list) { learned.append(list) }
            }
        }
        self.learnedRootLists = learned
        let commandLineLists = CommandLineListCache(
            lists: ruleSet.lists.keys.sorted().filter { !Self.dependsOnNamesAndExe($0, in: ruleSet) } + learned)
        self.commandLineLists = commandLineLists
        self.learningFilters = learned.map { ListNameFilter(list: $0, in: ruleSet) }
        self.learningFiltersReadArgv1 = learningFilters.contains { $0.readsArgv1 }
        self.learningSlots = learned.map { commandLineLists.slot(of: $0, exeOnly: false)! }
        var bases: [Int] = []
        var slots = 0
        for indicator in ruleSet.context {
            bases.append(slots)
            slots += indicator.any.count
        }
        self.contextSlotBase = bases
        self.contextSlots = slots
        self.listNumbers = nonSigma.map { rule in
            (
                cache.number(of: rule.childList), cache.number(of: rule.spawnerList),
                rule.skipList.flatMap(cache.number(of:))
            )
        }
        self.searches = nonSigma.map(SpawnerSearchPlan.init)
        var multicallNames: [[[UInt8]]] = []
        for name in Set(ruleSet.multicall.map { Array($0.utf8) }) {
            while multicallNames.count <= name.count { multicallNames.append([]) }
            multicallNames[name.count].append(name)
        }
        self.multicallNames = multicallNames
    }

    /// Whether a rule judges a program by where it lives (its child or spawner list has `exe_regex`
    /// entries): then the scan reads the exec's PATH item 0, the file's identity, for the evidence.
    public var readsExecutableFiles: Bool {
        rules.contains {
            Self.hasExePatterns($0.childList, in: ruleSet) || Self.hasExePatterns($0.spawnerList, in: ruleSet)
        }
    }

    static func hasExePatterns(_ list: String, in ruleSet: RuleSet, depth: Int = 0) -> Bool {
        guard let names = ruleSet.lists[list], depth < 8 else { return false }
        return !names.exePatterns.isEmpty
            || names.includes.contains { hasExePatterns($0, in: ruleSet, depth: depth + 1) }
    }

    /// Whether a list's matches depend only on the names and the exe path of an image (no
    /// command-line entries, also in the lists it includes), so they can be cached by those.
    static func dependsOnNamesAndExe(_ list: String, in ruleSet: RuleSet, depth: Int = 0) -> Bool {
        guard let names = ruleSet.lists[list], depth < 8 else { return false }
        return names.patterns.isEmpty
            && names.includes.allSatisfy { dependsOnNamesAndExe($0, in: ruleSet, depth: depth + 1) }
    }

    /// A list matched against the image, from the cache by names when the list allows, else from
    /// the cache by command line (`exact`: the image's entry there, looked up once it is needed).
    /// An entry made from `exeNames` answers exe-only matches (`NameMatcher.match(_:list:exeOnly:)`).
    private func cachedMatch(
        _ image: ProcessImage, list: String, number: Int?, in entry: ListMatchCache.Entry,
        exact: inout CommandLineListCache.Entry?, exeOnly: Bool = false
    ) -> MatchEvidence? {
        guard let number else {
            guard let slot = commandLineLists.slot(of: list, exeOnly: exeOnly) else {
                return matcher.match(image, list: list, exeOnly: exeOnly)
            }
            let kept = exact ?? commandLineLists.entry(for: image)
            exact = kept
            if kept.matches.isKnown(slot) { return kept.matches.match(slot) }
            let evidence = matcher.match(image, list: list, exeOnly: exeOnly)
            kept.matches.set(slot, evidence)
            return evidence
        }
        if entry.matches.isKnown(number) { return entry.matches.match(number) }
        let evidence = matcher.match(image, list: list, exeOnly: exeOnly)
        entry.matches.set(number, evidence)
        return evidence
    }

    /// The names an exe-only match reads: the exe alone when there is one (a multicall binary
    /// keeps its applet); `exeOnly` says which.
    private func exeNames(_ image: ProcessImage) -> (names: ListMatchCache.Names, exeOnly: Bool) {
        guard let exe = image.exe, !isMulticall(exe) else { return (childNames(image), false) }
        return (ListMatchCache.Names(exe: exe, comm: nil, argv0: nil, argv1: nil), true)
    }

    private func childNames(_ image: ProcessImage) -> ListMatchCache.Names {
        let arguments = image.argv.arguments
        var names = ListMatchCache.Names(exe: image.exe, comm: image.comm, argv0: arguments.first, argv1: nil)
        if arguments.count > 1, let exe = image.exe, isMulticall(exe) { names.argv1 = arguments[1] }
        return names
    }

    private func isMulticall(_ exe: LogString) -> Bool {
        exe.withSpan { exe in
            var start = exe.count
            while start > 0 && exe[start - 1] != UInt8(ascii: "/") { start -= 1 }
            if start < exe.count, exe[start] == UInt8(ascii: "-") { start += 1 }  // as NameMatcher.plainName
            let length = exe.count - start
            guard length < multicallNames.count else { return false }
            for name in multicallNames[length] {
                var offset = 0
                while offset < length && exe[start + offset] == name[offset] { offset += 1 }
                if offset == length { return true }
            }
            return false
        }
    }

    public func evaluate(_ ready: ProcessTree.ExecReady, in tree: ProcessTree) {
        // Borrowed once for both kinds of rules, and not copied again: an image holds a dozen
        // references to retain per copy (and `withImage` makes one).
        ready.process.node.withImage(ready.imageNumber) { image in
            if !sigmaRules.isEmpty { evaluateSigma(ready, image: image, in: tree) }
            evaluateBuiltIn(ready, image: image, in: tree)
        }
    }

    /// The built-in rules on one exec: the roots it teaches, whether it is a finding's shell,
    /// and what its directory teaches of its parent.
    private func evaluateBuiltIn(_ ready: ProcessTree.ExecReady, image: borrowing ProcessImage, in tree: ProcessTree) {
        // The child is what its executed file is: a Python script named `sh` is not a shell.
        let (names, exeOnly) = exeNames(image)
        let entry = listMatches.entry(for: names)
        let learns = !learnedRootLists.isEmpty
        if learns { learnRoots(from: image, names: exeOnly ? entry : nil) }
        // A child's directory is learned after the child is judged, and only from a child that is
        // no finding (a finding's context is read at its end: it would vouch for itself).
        let recorded = !ready.isInsideFinding && judge(ready, image: image, names: entry, in: tree)
        if learns, !recorded { learnChildDirectory(of: ready, image: image) }
    }

    /// Records the match when the exec is a finding's shell (or an exception's); returns whether
    /// it recorded one. `entry` is the image's entry in `listMatches` by `exeNames`.
    private func judge(
        _ ready: ProcessTree.ExecReady, image: borrowing ProcessImage, names entry: ListMatchCache.Entry,
        in tree: ProcessTree
    ) -> Bool {
        var candidates: [(rule: Int, child: MatchEvidence)] = []
        var exact: CommandLineListCache.Entry?
        // Rules are read in place (a Rule is large; copying one retains all its fields).
        for index in rules.indices {
            guard
                let child = cachedMatch(
                    image, list: rules[index].childList, number: listNumbers[index].child, in: entry, exact: &exact,
                    exeOnly: true),
                searches[index].anyChild || matcher.satisfies(image, rules[index].childCondition)
            else { continue }
            candidates.append((index, child))
        }
        guard !candidates.isEmpty else { return false }
        let lineage = ready.process.lineage(of: ready.imageNumber)
        var unknown: [(rule: Int, child: MatchEvidence, index: Int?, launchers: [Int])] = []
        for (ruleIndex, child) in candidates {
            switch spawner(in: lineage, rule: ruleIndex) {
            case .unknown(let index, let launchers):
                unknown.append((ruleIndex, child, index, launchers))
            case .none:
                continue
            case .found(let index, let evidence, let relation, let launchers):
                var match = RuleMatch(
                    rule: rules[ruleIndex], pid: ready.process.pid, ppid: ready.process.ppid, image: copy image,
                    lineage: lineage,
                    spawnerIndex: index, relation: relation, launchersSkipped: launchers.count, childEvidence: child,
                    spawnerEvidence: evidence)
                match.launcherIndices = launchers
                record(match, ready: ready, tree: tree)
                return true
            }
        }
        guard !unknown.isEmpty else { return false }
        shellsWithUnknownParent += 1
        for (ruleIndex, child, index, launchers) in unknown where !rules[ruleIndex].inference.isEmpty {
            let rule = rules[ruleIndex]
            let parent = index.map { lineage[$0].processID }
            var inference = infer(rule, image: image, pid: ready.process.pid)
            if inference == nil, let parent, let made = inferredByParent[parent], made.rule == rule.id {
                inference = carried(made.inference, from: made.pid, parentPid: index.map { lineage[$0].pid } ?? 0)
            } else if let inference, let parent, inferredByParent[parent] == nil,
                inferredByParent.count < Self.maxInferredParents
            {
                inferredByParent[parent] = (rule.id, ready.process.pid, inference)
            }
            guard let inference else { continue }
            var match = RuleMatch(
                rule: rule, pid: ready.process.pid, ppid: ready.process.ppid, image: copy image, lineage: lineage,
                spawnerIndex: index, relation: .parent, launchersSkipped: launchers.count, childEvidence: child,
                spawnerEvidence: nil, inference: inference)
            match.launcherIndices = launchers
            record(match, ready: ready, tree: tree)
            return true
        }
        return false
    }

    /// Sigma rules see every exec, as Sysmon logs every process creation: one finding per rule
    /// that matches. The parent is the ppid process as it was at the exec. The findings of one
    /// exec share what ran below it, followed without claiming it (`watchDescendants`): the
    /// rules still judge every exec there.
    private func evaluateSigma(
        _ ready: ProcessTree.ExecReady, image borrowed: borrowing ProcessImage, in tree: ProcessTree
    ) {
        let matched = sigmaRules.matching(borrowed, of: ready.process)
        guard !matched.isEmpty else { return }
        // Copied only for an exec some rule matches (few are): its matches keep it.
        let image = copy borrowed
        let lineage = ready.process.lineage(of: ready.imageNumber)
        let parentIndex = lineage.firstIndex { $0.generation == 1 }
        var below: DescendantCollector?
        // The findings of one exec share its image and lineage, so their answers too.
        var subjects: MatchSubjects?
        let exeName = image.exe?.basename.lossyString ?? ""
        // Made and handed to `admit` in one expression: a match kept in a variable is copied
        // into admit's parameter, retaining all it holds.
        func match(_ number: Int, subjects: MatchSubjects?) -> RuleMatch {
            var match = RuleMatch(
                sigma: sigmaRules.sharedRule(number), pid: ready.process.pid, ppid: ready.process.ppid, image: image,
                lineage: lineage, spawnerIndex: parentIndex,
                childEvidence: MatchEvidence(
                    field: .exe, value: exeName, list: "sigma", entry: sigmaRules.id(of: number)))
            match.subjects = subjects
            return match
        }
        for number in matched {
            subjects = admit(match(number, subjects: subjects), checksExceptions: sigmaChecksExceptions(number)) {
                watched(&below) { tree.watchDescendants(of: ready, limit: self.descendantLimit) }
            }
        }
    }

    /// `sigmaChecksExceptions[number]`, answered the first time it is asked.
    private func sigmaChecksExceptions(_ number: Int) -> Bool {
        if sigmaChecksExceptions[number] < 0 {
            let rule = sigmaRules.sharedRule(number).rule
            sigmaChecksExceptions[number] = !rule.exceptions.isEmpty || !scoped(rule).exceptions.isEmpty ? 1 : 0
        }
        return sigmaChecksExceptions[number] == 1
    }

    /// The collector in `below`, made by `start` the first time a finding needs it.
    private func watched(_ below: inout DescendantCollector?, _ start: () -> DescendantCollector)
        -> DescendantCollector
    {
        if let below { return below }
        let made = start()
        below = made
        return made
    }

    /// Record-level Sigma rules: one finding per rule whose condition holds for the event, over
    /// the searches its records made hold. The process is the one that made the event (the
    /// SYSCALL record's pid, else a record's `pid=`) as the tree knows it after the event, with
    /// its ancestry; a process the log never described is shown with what the event says of it.
    /// What ran below is what that process runs and creates after the event.
    public func evaluateRecordRules(_ event: AuditEvent, in tree: ProcessTree) {
        guard let recordRules else { return }
        // Most events hold no search of a rule that its condition needs (`gates`): nothing to evaluate.
        guard
            event.ruleHits.contains(where: { hits in
                zip(hits.rules, hits.searches).contains { recordRules.gates[Int($0)] & $1 != 0 }
            })
        else { return }
        var masks: [Int32: UInt64] = [:]
        var order: [Int32] = []
        for hits in event.ruleHits {
            for (rule, mask) in zip(hits.rules, hits.searches) {
                if masks[rule] == nil { order.append(rule) }
                masks[rule, default: 0] |= mask
            }
        }
        let pid = event.syscall?.pid ?? event.ruleHits.lazy.compactMap(\.pid).first ?? 0
        var below: DescendantCollector?
        for number in order.sorted() where recordRules.holds(rule: Int(number), searches: masks[number]!) {
            let rule = recordRules.rules[Int(number)]
            var image: ProcessImage
            var lineage: [LineageEntry] = []
            let process = tree.process(host: event.node, pid: pid)
            if let process, process.node.imageCount > 0, let current = process.image(process.node.imageCount - 1) {
                image = current
                lineage = process.lineage(of: process.node.imageCount - 1)
            } else if let syscall = event.syscall {
                image = ProcessImage(origin: .observed, event: event, syscall: syscall)
            } else {
                image = ProcessImage(describedOnlyBy: event)
            }
            // The finding is the event: its time and place, whatever the process ran since.
            image.stamp = event.stamp
            image.location = event.location
            let match = RuleMatch(
                rule: rule, pid: pid, ppid: event.syscall?.ppid ?? process?.ppid, image: image, lineage: lineage,
                spawnerIndex: lineage.firstIndex { $0.generation == 1 }, relation: .parent, launchersSkipped: 0,
                childEvidence: MatchEvidence(
                    field: .exe, value: image.exe?.basename.lossyString ?? "", list: "sigma", entry: rule.id),
                spawnerEvidence: nil)
            admit(match) {
                process.map { process in
                    watched(&below) { tree.watchDescendants(of: process, limit: self.descendantLimit) }
                }
            }
        }
    }

    private func record(_ match: consuming RuleMatch, ready: ProcessTree.ExecReady, tree: ProcessTree) {
        admit(match) { tree.observeDescendants(of: ready, limit: self.descendantLimit) }
    }

    /// Suppresses the match when an exception applies; else keeps it with the exceptions that did
    /// not apply, and with what `descendants` starts collecting, if anything. Returns the match's
    /// subjects (nil when no exception needed them), for another finding of the same exec.
    ///
    /// A Sigma match fetches the answers of all its images and looks its exceptions' outcome up by
    /// rule and images: a Sigma rule fires on every exec of one command, so its findings repeat
    /// the same images. A built-in rule's findings mostly differ (a shell under an interpreter or
    /// a server is rare), so the lookup would cost more than it saves: its exceptions fetch an
    /// image's answers only when one asks for them, and stop at the first that applies.
    ///
    /// `checksExceptions`: for a Sigma process_creation match, whether its rule has exceptions,
    /// answered at load (`sigmaChecksExceptions`); its `SharedRule` is then the one made at load,
    /// which `folding` need not look up.
    @discardableResult
    private func admit(
        _ match: consuming RuleMatch, checksExceptions: Bool? = nil, descendants: () -> DescendantCollector? = { nil }
    ) -> MatchSubjects? {
        if checksExceptions == nil { match.shared = folding.shared(match.shared) }
        // Read in the shared rule: `match.rule` copies the whole rule.
        if checksExceptions
            ?? (!match.shared.rule.exceptions.isEmpty || !scoped(match.shared.rule).exceptions.isEmpty)
        {
            let suppression: Suppression?
            let misses: [ExceptionMiss]
            if match.shared.rule.sigma != nil {
                let subjects = match.subjects ?? subjects(image: match.image, lineage: match.lineage)
                match.subjects = subjects
                // The key read from the match's parts: most matches find their outcome, and the
                // match itself is handed on only to check its exceptions.
                let key = exceptionsKey(
                    match.shared, subjects, spawnerIndex: match.spawnerIndex, inferred: match.inference != nil)
                if let known = exceptionOutcomes[key] {
                    (suppression, misses) = known
                } else {
                    (suppression, misses) = exceptionsChecked(for: match, subjects: subjects, key: key)
                }
            } else {
                var lineage = [ConditionAnswers?](repeating: nil, count: match.lineage.count)
                (suppression, misses) = exceptionsChecked(for: match, lineage: &lineage)
            }
            if let suppression {
                match.suppression = suppression
                let subjects = match.subjects
                suppress(match)
                return subjects
            }
            match.exceptionsNotApplied = misses
        }
        match.collector = descendants()
        let subjects = match.subjects
        if foldsMatches {
            folding.add(consume match)
            folding.settle(all: false, key: sketchKey(for:), sketch: sketch(for:))
            peakHeldMatches = max(peakHeldMatches, folding.heldCount)
        } else {
            matches.append(match)
            peakHeldMatches = max(peakHeldMatches, matches.count)
        }
        return subjects
    }

    private enum SpawnerSearch {
        /// `launchers`: the lineage indices of the launchers looked through, nearest first.
        case found(index: Int, evidence: MatchEvidence, relation: SpawnerRelation, launchers: [Int])
        /// The search met a process the log never described (at `index` of the lineage, nil when there is none).
        case unknown(index: Int?, launchers: [Int])
        case none
    }

    /// The first lineage entry that is not a launcher, if it is a spawner of rule `number`; with
    /// relation `ancestor`, the nearest spawner up to generation `within`.
    private func spawner(in lineage: [LineageEntry], rule number: Int) -> SpawnerSearch {
        let numbers = listNumbers[number]
        let plan = searches[number]
        var passedOthers = false
        var launchers: [Int] = []
        // Entries are read in place: a lineage entry holds an image, a dozen references to retain per copy.
        for index in lineage.indices {
            guard let image = lineage[index].image else { return .unknown(index: index, launchers: launchers) }
            let generation = lineage[index].generation
            // What a forked child ran before its own exec is its parent's program: that parent,
            // next in the lineage, is the spawner (with its own pid), not this copy of it.
            if generation > 0, lineage[index].relation == .replacedImage, image.origin == .inherited { continue }
            let cached = listMatches.entry(for: childNames(image))
            var exact: CommandLineListCache.Entry?
            // A process whose exe is of the child's kind (a shell) is that, whatever its comm or
            // argv[0] claim: `exec -a python3 sh` and a shell script named python3 are shells.
            let isChildKind =
                cachedMatch(
                    image, list: rules[number].childList, number: numbers.child,
                    in: listMatches.entry(for: exeNames(image).names), exact: &exact, exeOnly: true) != nil
            if let skip = plan.skipList,
                let evidence = cachedMatch(image, list: skip, number: numbers.skip, in: cached, exact: &exact),
                !isChildKind || evidence.field == .exe
            {
                launchers.append(index)
                continue
            }
            if passedOthers && generation > plan.within { return .none }
            let relation: SpawnerRelation = generation == 0 ? .replacedImage : passedOthers ? .ancestor : .parent
            if plan.allows(relation),
                let evidence = cachedMatch(
                    image, list: rules[number].spawnerList, number: numbers.spawner, in: cached, exact: &exact),
                !isChildKind || evidence.field == .exe,
                plan.anySpawner || matcher.satisfies(image, rules[number].spawnerCondition)
            {
                return .found(index: index, evidence: evidence, relation: relation, launchers: launchers)
            }
            guard plan.searchesAncestors else { return .none }
            if generation > 0 { passedOthers = true }
        }
        return lineage.isEmpty ? .unknown(index: nil, launchers: []) : .none
    }

    /// Only launchers are looked through, so a spawner above the shell's own pid
    /// is its parent however many launchers stood between them.
    static func relation(of entry: LineageEntry) -> SpawnerRelation {
        entry.generation == 0 ? .replacedImage : .parent
    }

    // MARK: Learned roots

    /// Flags whose value names a directory of the server (its document root, prefix, working
    /// directory), and flags whose value is a configuration file (its directory is learned).
    static let rootFlags: Set<String> = [
        "-t", "-d", "--directory", "--chdir", "-p", "--prefix", "--root", "--docroot",
        "--document-root", "--static-dir",
    ]
    static let configFlags: Set<String> = ["-f", "-c", "-C", "--config", "--conf", "--ini"]

    /// Directories an exec'd server names on its command line: `-t DIR`, `--chdir=DIR`, `-f FILE` (its directory), ...
    static func rootsNamed(by arguments: [String]) -> [String] {
        var roots: [String] = []
        var index = 1
        while index < arguments.count {
            var flag = arguments[index]
            var value: String?
            if let equals = flag.firstIndex(of: "="), flag.hasPrefix("--") {
                value = String(flag[flag.index(after: equals)...])
                flag = String(flag[..<equals])
            } else if index + 1 < arguments.count {
                value = arguments[index + 1]
            }
            if let value, value.hasPrefix("/"), value.count > 1 {
                if rootFlags.contains(flag) {
                    roots.append(value.hasSuffix("/") ? String(value.dropLast()) : value)
                } else if configFlags.contains(flag), let slash = value.lastIndex(of: "/"), slash > value.startIndex {
                    roots.append(String(value[..<slash]))
                }
            }
            index += 1
        }
        return roots
    }

    /// The image's entry in `commandLineLists` with every learning list's match in it; nil when
    /// none can match, by its names. `names`: the image's entry in `listMatches` by its exe alone,
    /// when there is one (the filters' answer is kept there).
    private func learning(_ image: ProcessImage, names: ListMatchCache.Entry?) -> CommandLineListCache.Entry? {
        guard let first = firstLearningFilter(image, names: names) else { return nil }
        let entry = commandLineLists.entry(for: image)
        for (index, list) in learnedRootLists.enumerated() {
            let slot = learningSlots[index]
            guard !entry.matches.isKnown(slot) else { continue }
            let possible = index >= first && (index == first || learningFilters[index].mayMatch(image))
            entry.matches.set(slot, possible ? matcher.match(image, list: list) : nil)
        }
        return entry
    }

    /// The first learning list that may match the image by its names (`ListNameFilter`). With
    /// the entry of its exe, the answer is kept for the comm and argv[0] asked last: the filters
    /// read only those and the exe (a multicall exe has no such entry), and most execs repeat
    /// a program's names.
    private func firstLearningFilter(_ image: ProcessImage, names entry: ListMatchCache.Entry?) -> Int? {
        guard let entry, !learningFiltersReadArgv1 else { return learningFilters.firstIndex { $0.mayMatch(image) } }
        let argv0 = image.argv.arguments.first
        if entry.learningFirst != -2, entry.learningComm == image.comm, entry.learningArgv0 == argv0 {
            return entry.learningFirst < 0 ? nil : entry.learningFirst
        }
        let first = learningFilters.firstIndex { $0.mayMatch(image) }
        entry.learningComm = image.comm
        entry.learningArgv0 = argv0
        entry.learningFirst = first ?? -1
        return first
    }

    /// Whether learning list `number` matched, in an entry made by `learning`.
    private func learned(_ number: Int, in entry: CommandLineListCache.Entry) -> Bool {
        entry.matches.matched(learningSlots[number])
    }

    /// `names`: as `learning` takes it.
    private func learnRoots(from image: ProcessImage, names: ListMatchCache.Entry?) {
        guard image.origin == .exec, let learning = learning(image, names: names) else { return }
        for (number, list) in learnedRootLists.enumerated() where learned(number, in: learning) {
            let roots = learning.roots ?? Self.rootsNamed(by: image.argv.arguments.map(\.lossyString))
            learning.roots = roots
            guard !roots.isEmpty else { continue }
            var known = learnedRoots[image.node, default: [:]][list, default: []]
            let before = known.count
            for root in roots where !known.contains(root) && known.count < Self.maxLearnedRoots { known.append(root) }
            // The version stands for what was learned: a server that names the roots it named
            // before (every restart does) leaves the context answers and sketches kept for it valid.
            guard known.count > before else { continue }
            learnedRoots[image.node, default: [:]][list] = known
            learnedRootsVersion += 1
        }
    }

    /// The working directory of an exec'd child of a process of a learning list (a CGI, a piped
    /// logger, a worker's command): the server ran it there, so it is the server's directory.
    /// `/` teaches nothing (every daemon's default).
    private func learnChildDirectory(of ready: ProcessTree.ExecReady, image: ProcessImage) {
        // The parent's learning first: it is mostly known (`lastSpawner`), and mostly nil.
        guard image.origin == .exec, let cwd = image.cwd,
            let parent = ready.process.node.parent, ready.process.node.parentImageCount > 0,
            let learning = spawnerLearning(parent, number: ready.process.node.parentImageCount - 1),
            ready.imageNumber == 0
                || ready.process.node.withImage(ready.imageNumber - 1, { $0.origin }) != .exec,
            Self.isDirectoryBelowRoot(cwd)
        else { return }
        let path = cwd.lossyString
        let root = path.hasSuffix("/") ? String(path.dropLast()) : path
        for (number, list) in learnedRootLists.enumerated() where learned(number, in: learning) {
            var known = learnedRoots[image.node, default: [:]][list, default: []]
            guard !known.contains(root), known.count < Self.maxLearnedRoots else { continue }
            known.append(root)
            learnedRoots[image.node, default: [:]][list] = known
            learnedRootsVersion += 1
        }
    }

    /// `learning` of the parent's image `number`, nil when it has none.
    private func spawnerLearning(_ parent: ProcessNode, number: Int) -> CommandLineListCache.Entry? {
        if let last = lastSpawner, last.node === parent, last.number == number { return last.learning }
        let answer = parent.withImage(number) { spawner in
            let (names, exeOnly) = exeNames(spawner)
            return learning(spawner, names: exeOnly ? listMatches.entry(for: names) : nil)
        }
        lastSpawner = (parent, number, answer ?? nil)
        return answer ?? nil
    }

    /// Whether the path, as text, starts with `/` and has more than one Character: on its bytes
    /// when it is ASCII (each byte a Character, but for CR LF, which cannot follow a lone `/`).
    static func isDirectoryBelowRoot(_ path: LogString) -> Bool {
        let ascii = path.withSpan { bytes in
            for index in 0..<bytes.count where bytes[index] >= 0x80 { return false }
            return true
        }
        guard ascii else {
            let text = path.lossyString
            return text.hasPrefix("/") && text.count > 1
        }
        return path.withSpan { $0.count > 1 && $0[0] == UInt8(ascii: "/") }
    }

    /// A sibling's inference, carried to a shell of the same unknown parent: never more than low.
    private func carried(_ inference: SpawnerInference, from sibling: Int, parentPid: Int) -> SpawnerInference {
        let basis = inference.evidence.map(\.id).joined(separator: ", ")
        let hit = ContextHit(
            id: "sibling_inference",
            description: "the same unknown parent (pid \(parentPid)) spawned shell pid \(sibling) earlier, inferred as "
                + "\(inference.list) (confidence \(inference.confidence.rawValue)) from \(basis)",
            raise: 0, on: .shell, pid: sibling)
        return SpawnerInference(list: inference.list, confidence: .low, evidence: [hit])
    }

    /// A condition, with its `learned_root` part answered from what this scan learned.
    private func holds(_ image: ProcessImage, _ condition: ProcessCondition) -> Bool {
        guard condition.learnedRoot != nil else { return matcher.satisfies(image, condition) }
        guard let check = rootCheck(image, condition) else { return false }
        return learnedRootsCover(check, on: image.node)
    }

    /// Whether a root learned so far on `node` for the check's list covers one of its paths.
    private func learnedRootsCover(_ check: ContextSketch.RootCheck, on node: String?) -> Bool {
        let roots = learnedRoots[node]?[check.list] ?? []
        return !roots.isEmpty && check.paths.contains { NameMatcher.hasPathPrefix($0, roots) }
    }

    // MARK: Exceptions

    /// The first exception that applies, and the ones checked before it with why they did not;
    /// kept by rule and the subjects of the shell and of its lineage (the spawner is one of them).
    private func exceptionsChecked(for match: RuleMatch, subjects: MatchSubjects, key: ExceptionsKey)
        -> (suppression: Suppression?, misses: [ExceptionMiss])
    {
        var lineage = subjects.lineage
        let outcome = exceptionsChecked(for: match, lineage: &lineage)
        if exceptionOutcomes.count >= Self.maxConditionAnswers { exceptionOutcomes.removeAll(keepingCapacity: true) }
        exceptionOutcomes[key] = outcome
        return outcome
    }

    /// What `exceptionsChecked(for:subjects:key:)`'s outcome is kept by: the rule, the subjects,
    /// and what else the exceptions read of the match (which entry is the spawner, and whether it
    /// is inferred). Built in a kept buffer: the key is made for every match, and kept only on a miss.
    private func exceptionsKey(_ shared: SharedRule, _ subjects: MatchSubjects, spawnerIndex: Int?, inferred: Bool)
        -> ExceptionsKey
    {
        var read = exceptionKeyScratch
        exceptionKeyScratch = []
        read.removeAll(keepingCapacity: true)
        read.append(subjects.shell.serial)
        read.append(spawnerIndex ?? -1)
        read.append(inferred ? 1 : 0)
        for answers in subjects.lineage { read.append(answers?.serial ?? -1) }
        exceptionKeyScratch = read
        // The shared rule stands for the rule: `admit` hands every match the one object of its
        // rule, kept for the whole scan (`MatchFolding.SketchKey`).
        return ExceptionsKey(rule: ObjectIdentifier(shared), subjects: read)
    }

    /// The kept answers of the image's condition fields, made when there are none.
    private func answers(for image: ProcessImage) -> ConditionAnswers {
        let subject = ConditionSubject(image)
        if let known = subjectAnswers[subject] { return known }
        if subjectAnswers.count >= Self.maxConditionAnswers { subjectAnswers.removeAll(keepingCapacity: true) }
        answersMade += 1
        let made = ConditionAnswers(serial: answersMade)
        subjectAnswers[subject] = made
        return made
    }

    /// The kept answers of a match's shell and lineage images.
    private func subjects(image: borrowing ProcessImage, lineage entries: [LineageEntry]) -> MatchSubjects {
        var lineage: [ConditionAnswers?] = []
        lineage.reserveCapacity(entries.count)
        let span = entries.span
        for index in span.indices { lineage.append(lineageAnswers(span[index])) }
        return MatchSubjects(shell: recentAnswers(for: image), lineage: lineage)
    }

    /// `recentAnswers(for:)` of a lineage entry's image, kept by the image's place: its process
    /// and the event that made it (stamp, line, origin; a process has one image per event). The
    /// findings of one script's commands share its processes above them, so their lineages
    /// repeat images by place, which are found here without their fields compared.
    /// Direct-mapped: a fixed number of slots, an entry replaced when another maps to its slot.
    private func lineageAnswers(_ entry: borrowing LineageEntry) -> ConditionAnswers? {
        guard let stamp = entry.image?.stamp, let line = entry.image?.location.line, let origin = entry.image?.origin
        else { return nil }
        var hash = UInt(bitPattern: entry.processID) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ UInt(truncatingIfNeeded: stamp.serial)) &* 0x0000_0100_0000_01B3
        hash = (hash ^ UInt(bitPattern: line)) &* 0x0000_0100_0000_01B3
        let slot = Int(truncatingIfNeeded: hash >> 40) & (Self.lineageSlotCount - 1)
        if lineageSlots.isEmpty { lineageSlots = Array(repeating: nil, count: Self.lineageSlotCount) }
        if let kept = lineageSlots[slot], kept.process == entry.processID, kept.stamp == stamp, kept.line == line,
            kept.origin == origin
        {
            return kept.answers
        }
        guard let image = entry.image else { return nil }
        let answers = recentAnswers(for: image)
        lineageSlots[slot] = LineageSlot(
            process: entry.processID, stamp: stamp, line: line, origin: origin, answers: answers)
        return answers
    }

    private struct LineageSlot {
        var process: Int
        var stamp: EventStamp
        var line: Int
        var origin: ProcessImage.Origin
        var answers: ConditionAnswers
    }
    private static let lineageSlotCount = 256
    /// Made at the first Sigma match: a scan without one never pays for the table.
    private var lineageSlots: [LineageSlot?] = []

    /// `answers(for:)`, from `recentSubjects` when the image is one of them.
    private func recentAnswers(for image: ProcessImage) -> ConditionAnswers {
        let shape = RecentSubject.Shape(image)
        for index in recentSubjects.indices {
            let recent = recentSubjects[index]
            guard recent.shape == shape, recent.describes(image) else { continue }
            if index > 0 {
                recentSubjects.remove(at: index)
                recentSubjects.insert(recent, at: 0)
            }
            return recent.answers
        }
        let answers = answers(for: image)
        if recentSubjects.count == Self.recentSubjectsKept { recentSubjects.removeLast() }
        recentSubjects.insert(RecentSubject(image, shape: shape, answers: answers), at: 0)
        return answers
    }

    /// The first exception that applies, and the ones checked before it with why they did not:
    /// `lineage` holds the kept answers of each lineage image, fetched when first asked for.
    private func exceptionsChecked(for match: RuleMatch, lineage: inout [ConditionAnswers?])
        -> (suppression: Suppression?, misses: [ExceptionMiss])
    {
        var misses: [ExceptionMiss] = []
        /// Nil when the exception does not apply (the miss is noted), else the suppression.
        func check(_ exception: RuleException, number: Int?, scope: String) -> Suppression? {
            if let failed = firstFailing(exception, number: number, for: match, lineage: &lineage) {
                misses.append(
                    ExceptionMiss(
                        exceptionID: exception.id, scope: scope, failed: failed,
                        detail: detail(failed, exception, match)))
                return nil
            }
            return Suppression(
                exceptionID: exception.id, reason: exception.reason, scope: scope, origin: exception.origin)
        }
        for exception in match.rule.exceptions {
            if let suppression = check(exception, number: nil, scope: "rule") { return (suppression, misses) }
        }
        for number in scoped(match.rule).exceptions {
            if let suppression = check(ruleSet.exceptions[number], number: number, scope: "global") {
                return (suppression, misses)
            }
        }
        return (nil, misses)
    }

    /// The global exceptions and the context indicators that apply to the rule (their places in
    /// the rule set), kept per rule id: most findings come from a few rules.
    private func scoped(_ rule: Rule) -> (exceptions: [Int], indicators: [Int]) {
        if let known = scopedByRule[rule.id] { return known }
        let made = (
            exceptions: ruleSet.exceptions.indices.filter { ruleSet.exceptions[$0].rules?.contains(rule.id) ?? true },
            indicators: ruleSet.context.indices.filter {
                (ruleSet.context[$0].rules?.contains(rule.id) ?? true)
                    && !(ruleSet.context[$0].exceptRules?.contains(rule.id) ?? false)
            }
        )
        scopedByRule[rule.id] = made
        return made
    }

    /// The first condition of the exception that does not hold for the match, nil when it applies.
    /// `number`: the exception's place in the rule set's global exceptions (nil for a rule's own).
    /// `lineage`: the answers kept for each lineage image, fetched when first asked for.
    private func firstFailing(
        _ exception: RuleException, number: Int?, for match: RuleMatch,
        lineage: inout [ConditionAnswers?]
    ) -> ExceptionCondition? {
        if let hosts = exception.host, !(match.image.node.map(hosts.contains) ?? false) { return .host }
        if let child = exception.child, !matcher.satisfies(match.image, child) { return .child }
        if let spawner = exception.spawner {
            guard match.inference == nil, let image = match.spawnerImage, matcher.satisfies(image, spawner) else {
                return .spawner
            }
        }
        if let ancestor = exception.ancestor {
            let holds = match.lineage.indices.contains { index in
                guard let image = match.lineage[index].image else { return false }
                guard let number else { return matcher.satisfies(image, ancestor) }
                let answers = lineage[index] ?? self.answers(for: image)
                if lineage[index] == nil { lineage[index] = answers }
                if answers.ancestor.isEmpty {
                    answers.ancestor = Array(repeating: nil, count: ruleSet.exceptions.count)
                }
                if let known = answers.ancestor[number] { return known }
                let answer = matcher.satisfies(image, ancestor)
                answers.ancestor[number] = answer
                return answer
            }
            guard holds else { return .ancestor }
        }
        return nil
    }

    /// What the failing child or spawner condition was tested against (only there is one value to show).
    private func detail(_ failed: ExceptionCondition, _ exception: RuleException, _ match: RuleMatch) -> ConditionMiss?
    {
        switch failed {
        case .child: exception.child.flatMap { matcher.unmet(match.image, $0) }
        case .spawner:
            match.spawnerImage.flatMap { image in exception.spawner.flatMap { matcher.unmet(image, $0) } }
        case .host:
            ConditionMiss(
                key: "host", condition: "[" + (exception.host?.sorted().joined(separator: ", ") ?? "") + "]",
                value: match.image.node)
        case .ancestor: nil
        }
    }

    // MARK: Context

    /// `holds`, answered once per set of condition fields and learned roots: `slot` is the
    /// condition's place in `answers` (`contextSlotBase`).
    private func indicatorHolds(
        _ image: ProcessImage, _ condition: ProcessCondition, slot: Int, answers: ConditionAnswers
    ) -> Bool {
        if let known = answers.context[slot] { return known }
        let answer = holds(image, condition)
        answers.context[slot] = answer
        return answer
    }

    private func infer(_ rule: Rule, image: ProcessImage, pid: Int) -> SpawnerInference? {
        // Inference may name any indicator, also one that does not raise this rule's severity.
        let available = ruleSet.context
        for clause in rule.inference {
            var hits: [ContextHit] = []
            for id in clause.all {
                // Found by place and read in place: an indicator holds its conditions, each a dozen fields to copy.
                guard let number = available.firstIndex(where: { $0.id == id }),
                    available[number].any.contains(where: { holds(image, $0) })
                else { break }
                hits.append(
                    ContextHit(
                        id: available[number].id, description: available[number].description,
                        raise: available[number].raise, on: .shell, pid: pid))
            }
            if hits.count == clause.all.count {
                return SpawnerInference(list: rule.spawnerList, confidence: clause.confidence, evidence: hits)
            }
        }
        return nil
    }

    /// The context indicators present on the shell, the spawner or what ran below the shell. A
    /// Sigma match's are kept by rule and the places' targets and subjects (its findings repeat
    /// the same images, see `admit`); a built-in match fetches a place's answers only when an
    /// indicator looks there.
    func context(for match: RuleMatch, descendants: [DescendantEntry]) -> [ContextHit] {
        guard !scoped(match.rule).indicators.isEmpty else { return [] }
        var places = contextPlaces(of: match, descendants: descendants)
        let found: [(indicator: Int, place: Int)]
        if match.rule.sigma == nil {
            found = indicatorsPresent(for: match.rule, places: &places)
        } else {
            if contextOutcomesVersion != learnedRootsVersion {
                contextOutcomes.removeAll(keepingCapacity: true)
                contextOutcomesVersion = learnedRootsVersion
            }
            let key = SubjectsKey(
                rule: match.rule.id,
                subjects: places.indices.flatMap {
                    [ContextTarget.allCases.firstIndex(of: places[$0].on)!, contextAnswers(at: $0, of: &places).serial]
                })
            if let known = contextOutcomes[key] {
                found = known
            } else {
                found = indicatorsPresent(for: match.rule, places: &places)
                if contextOutcomes.count >= Self.maxConditionAnswers {
                    contextOutcomes.removeAll(keepingCapacity: true)
                }
                contextOutcomes[key] = found
            }
        }
        return found.map { hit in
            let indicator = ruleSet.context[hit.indicator]
            return ContextHit(
                id: indicator.id, description: indicator.description, raise: indicator.raise,
                on: places[hit.place].on, pid: places[hit.place].pid)
        }
    }

    /// A process an indicator may be present on, for `context`; `answers` is fetched when first asked for.
    private struct ContextPlace {
        var on: ContextTarget
        var pid: Int
        var image: ProcessImage
        var answers: ConditionAnswers?
    }

    /// Every place an indicator may look, in the order they are tried: the shell, the spawner,
    /// what ran below the shell; each with the match's kept answers, when it has them.
    private func contextPlaces(of match: RuleMatch, descendants: [DescendantEntry]) -> [ContextPlace] {
        var places: [ContextPlace] = [
            ContextPlace(on: .shell, pid: match.pid, image: match.image, answers: match.subjects?.shell)
        ]
        if match.inference == nil, let image = match.spawnerImage, let index = match.spawnerIndex {
            places.append(
                ContextPlace(
                    on: .spawner, pid: match.lineage[index].pid, image: image,
                    answers: match.subjects?.lineage[index]))
        }
        for entry in descendants {
            places.append(ContextPlace(on: .descendants, pid: entry.pid, image: entry.image, answers: nil))
        }
        return places
    }

    /// The kept answers of the place's image, with context answers for this version of the learned roots.
    private func contextAnswers(at place: Int, of places: inout [ContextPlace]) -> ConditionAnswers {
        let answers = places[place].answers ?? self.answers(for: places[place].image)
        if places[place].answers == nil { places[place].answers = answers }
        if answers.contextVersion != learnedRootsVersion {
            answers.context = Array(repeating: nil, count: contextSlots)
            answers.contextVersion = learnedRootsVersion
        }
        return answers
    }

    /// The rule's indicators present in the places (each with the first place it holds on), in pack order.
    private func indicatorsPresent(for rule: Rule, places: inout [ContextPlace]) -> [(indicator: Int, place: Int)] {
        var found: [(indicator: Int, place: Int)] = []
        for number in scoped(rule).indicators {
            let indicator = ruleSet.context[number]
            let base = contextSlotBase[number]
            for place in places.indices where indicator.on.contains(places[place].on) {
                let answers = contextAnswers(at: place, of: &places)
                if indicator.any.indices.contains(where: {
                    indicatorHolds(places[place].image, indicator.any[$0], slot: base + $0, answers: answers)
                }) {
                    found.append((number, place))
                    break
                }
            }
        }
        return found
    }

    // MARK: Results

    /// The findings, with what ran below each shell, oldest first; identical ones folded when `group`.
    /// Each is numbered by its place in that order (`Finding.number`), before any grouping.
    public func findings(group: Bool = false) -> [Finding] {
        precondition(!foldsMatches, "an evaluator that folds matches gives groupedFindings() only")
        var all = Self.oldestFirst(matches).map { finding(matches[$0]) }
        for index in all.indices {
            all[index].number = index + 1
            all[index].seen = [Occurrence(all[index])]
        }
        return group ? Self.grouped(all) : all
    }

    /// `findings(group: true)`, and how many findings there were before grouping, built one at
    /// a time into their groups rather than all at once.
    public func groupedFindings() -> (findings: [Finding], ungrouped: Int) {
        if foldsMatches { return foldedFindings() }
        var folder = FindingFolder()
        for (place, index) in Self.oldestFirst(matches).enumerated() {
            var one = finding(matches[index])
            one.number = place + 1
            one.seen = [Occurrence(one)]
            folder.add(one)
        }
        return (folder.result, matches.count)
    }

    /// Matches an exception suppressed, oldest first; they have no finding number. Empty unless
    /// the evaluator was made with `keepsSuppressed`.
    public func suppressed(group: Bool = false) -> [Finding] {
        var all = Self.oldestFirst(suppressedMatches).map { finding(suppressedMatches[$0]) }
        for index in all.indices { all[index].seen = [Occurrence(all[index])] }
        return group ? Self.grouped(all) : all
    }

    /// The matches' positions in their findings' order (`Finding.<`: stamp, host, location), ties
    /// in match order. Positions are sorted by small keys, and the matches read in place: a sort
    /// moves each element about log n times, and a match is a large value.
    static func oldestFirst(_ matches: [RuleMatch]) -> [Int] {
        let keys: [(EventStamp, String, LogLocation)] = matches.map(MatchFolding.sortKey)
        return matches.indices.sorted { keys[$0] < keys[$1] || (!(keys[$1] < keys[$0]) && $0 < $1) }
    }

    private func suppress(_ match: RuleMatch) {
        suppressedCount += 1
        suppressedByException[match.suppression?.exceptionID ?? "", default: 0] += 1
        if keepsSuppressed { suppressedMatches.append(match) }
    }

    /// How many matches were kept (not suppressed) so far.
    package var matchCount: Int { foldsMatches ? folding.count : matches.count }

    /// How many matches are held whole: all of them, or with `foldsMatches` each group's oldest
    /// and the folded ones whose context may still change.
    package var heldMatchCount: Int { foldsMatches ? folding.heldCount : matches.count }

    /// `groupedFindings()` of an evaluator that folds matches: the groups' oldest matches become
    /// findings, and the folded ones add their occurrence, severity and context from their sketch.
    private func foldedFindings() -> (findings: [Finding], ungrouped: Int) {
        folding.settle(all: true, key: sketchKey(for:), sketch: sketch(for:))
        // Each group's occurrences are counted first, so its list is made once at its size.
        var sizes = [Int](repeating: 0, count: folding.groupCount)
        for record in folding.records { sizes[Int(record.group)] += 1 }
        var result: [Finding] = []
        var resultOfGroup: [Int32: Int] = [:]
        var resolved: [Int32: (hits: [(indicator: Int, place: ContextSketch.Place)], severity: Severity)] = [:]
        for (position, index) in folding.oldestFirst().enumerated() {
            let record = folding.records[index]
            if let match = folding.match(of: record) {
                // A group's oldest comes first in this order: it is the group's finding.
                var one = finding(match)
                one.number = position + 1
                one.seen.reserveCapacity(sizes[Int(record.group)])
                one.seen.append(Occurrence(one))
                resultOfGroup[record.group] = result.count
                result.append(one)
                continue
            }
            guard let at = resultOfGroup[record.group] else { continue }
            result[at].seen.append(
                Occurrence(
                    number: position + 1, stamp: record.stamp, pid: record.pid, spawnerPid: record.spawnerPid,
                    location: record.location))
            let settled = resolved[record.sketch] ?? resolve(folding.sketches[Int(record.sketch)])
            resolved[record.sketch] = settled
            if settled.severity > result[at].rule.severity { result[at].rule.severity = settled.severity }
            for hit in settled.hits {
                let indicator = ruleSet.context[hit.indicator]
                guard !result[at].context.contains(where: { $0.id == indicator.id }) else { continue }
                let pid: Int
                switch hit.place.on {
                case .shell: pid = record.pid
                case .spawner: pid = record.spawnerPid
                case .descendants: pid = hit.place.pid ?? 0
                }
                result[at].context.append(
                    ContextHit(
                        id: indicator.id, description: indicator.description, raise: indicator.raise,
                        on: hit.place.on, pid: pid))
            }
        }
        return (result, folding.count)
    }

    /// What a folded match's sketch is made of, when the answers of its shell and spawner are kept
    /// (a Sigma match whose exceptions were checked): its rule, the learned roots' version, and
    /// per place the answers' serial (standing for the image's condition fields), below the shell
    /// with its pid. Nil for another match, or one whose spawner is inferred.
    func sketchKey(for match: RuleMatch) -> MatchFolding.SketchKey? {
        guard let subjects = match.subjects, match.inference == nil else { return nil }
        var places = [subjects.shell.serial, -1]
        if let index = match.spawnerIndex, match.lineage[index].image != nil {
            guard index < subjects.lineage.count, let spawner = subjects.lineage[index] else { return nil }
            places[1] = spawner.serial
        }
        for entry in match.collector?.treeOrder() ?? [] {
            places.append(recentAnswers(for: entry.image).serial)
            places.append(entry.pid)
        }
        return MatchFolding.SketchKey(rule: ObjectIdentifier(match.shared), roots: learnedRootsVersion, places: places)
    }

    /// What a folded match adds to its group (`ContextSketch`): its context as `context(for:descendants:)`
    /// finds it, with the `learned_root` conditions that fail now kept to be tried again at the end.
    func sketch(for match: RuleMatch) -> ContextSketch {
        var sketch = ContextSketch(
            node: match.image.node, baseRank: match.rule.severity.rank,
            evidenceIDs: match.inference?.evidence.map(\.id) ?? [])
        let numbers = scoped(match.rule).indicators
        guard !numbers.isEmpty else { return sketch }
        var places = contextPlaces(of: match, descendants: match.collector?.treeOrder() ?? [])
        for number in numbers {
            let indicator = ruleSet.context[number]
            let base = contextSlotBase[number]
            var entry = ContextSketch.Indicator(number: number)
            for place in places.indices where indicator.on.contains(places[place].on) {
                let at = ContextSketch.Place(
                    on: places[place].on, pid: places[place].on == .descendants ? places[place].pid : nil)
                let answers = contextAnswers(at: place, of: &places)
                if indicator.any.indices.contains(where: {
                    indicatorHolds(places[place].image, indicator.any[$0], slot: base + $0, answers: answers)
                }) {
                    entry.present = at
                    break
                }
                let checks = indicator.any.compactMap { rootCheck(places[place].image, $0) }
                if !checks.isEmpty { entry.pending.append(ContextSketch.Pending(place: at, checks: checks)) }
            }
            if entry.present != nil || !entry.pending.isEmpty { sketch.indicators.append(entry) }
        }
        return sketch
    }

    /// The paths a `learned_root` condition tests, when all else of it holds (it failed, so no
    /// root learned so far covers them; one learned later may).
    private func rootCheck(_ image: ProcessImage, _ condition: ProcessCondition) -> ContextSketch.RootCheck? {
        guard let list = condition.learnedRoot else { return nil }
        var rest = condition
        rest.learnedRoot = nil
        guard matcher.satisfies(image, rest) else { return nil }
        let paths = Self.rootPaths(of: image)
        return paths.isEmpty ? nil : ContextSketch.RootCheck(list: list, paths: paths)
    }

    /// The paths a `learned_root` condition tests: the working directory, and a script's path.
    private static func rootPaths(of image: ProcessImage) -> [String] {
        var paths = [image.cwd?.lossyString].compactMap { $0 }
        // A shell running a script file (a CGI): the script's path counts too.
        let arguments = image.argv.arguments
        if arguments.count > 1, arguments[1].lossyString.hasPrefix("/") { paths.append(arguments[1].lossyString) }
        return paths
    }

    /// A severity raised by context indicators, at most critical.
    private static func severity(_ rank: Int, raisedBy raise: Int) -> Severity {
        Severity.allCases[min(Severity.critical.rank, rank + raise)]
    }

    /// A sketch with the roots learned by the end of the scan: the indicators present and where, and the severity.
    private func resolve(_ sketch: ContextSketch)
        -> (hits: [(indicator: Int, place: ContextSketch.Place)], severity: Severity)
    {
        var hits: [(indicator: Int, place: ContextSketch.Place)] = []
        var raise = 0
        for entry in sketch.indicators {
            let learned = entry.pending.first { pending in
                pending.checks.contains { learnedRootsCover($0, on: sketch.node) }
            }
            guard let place = learned?.place ?? entry.present else { continue }
            hits.append((entry.number, place))
            let indicator = ruleSet.context[entry.number]
            if !sketch.evidenceIDs.contains(indicator.id) { raise += indicator.raise }
        }
        return (hits, Self.severity(sketch.baseRank, raisedBy: raise))
    }

    /// The bytes of command lines the rules' regexes have run over (`CommandLineMatches`).
    var commandLineBytesMatched: Int { matcher.commandLines.bytesMatched }

    func finding(_ match: RuleMatch) -> Finding {
        let descendants = match.collector?.treeOrder() ?? []
        let context = context(for: match, descendants: descendants)
        let evidenceIDs = Set(match.inference?.evidence.map(\.id) ?? [])
        // For an inferred spawner, the indicators that stood in for it do not also raise the severity.
        let raise = context.filter { !evidenceIDs.contains($0.id) }.reduce(0) { $0 + $1.raise }
        var rule = FindingRule(match.rule)
        rule.severity = Self.severity(match.rule.severity.rank, raisedBy: raise)
        let spawner: ProcessSnapshot
        if let index = match.spawnerIndex {
            let entry = match.lineage[index]
            spawner = ProcessSnapshot(pid: entry.pid, ppid: entry.ppid, image: entry.image)
        } else {
            spawner = ProcessSnapshot(pid: match.ppid ?? 0, ppid: nil, image: nil)
        }
        var finding = Finding(
            rule: rule,
            process: ProcessSnapshot(pid: match.pid, ppid: match.ppid, image: match.image),
            spawner: spawner,
            spawnerRelation: match.relation,
            launchersSkipped: match.launchersSkipped,
            launchers: match.launcherIndices.map { AncestorSnapshot(entry: match.lineage[$0]) },
            childMatch: match.childEvidence,
            spawnerEvidence: match.spawnerEvidence,
            inference: match.inference,
            ancestry: match.lineage.map { AncestorSnapshot(entry: $0) },
            descendants: descendants.map { DescendantSnapshot(entry: $0) },
            descendantsOmitted: match.collector?.omitted ?? 0,
            host: match.image.node,
            location: match.image.location)
        finding.context = context
        finding.suppression = match.suppression
        finding.exceptionsNotApplied = match.exceptionsNotApplied
        return finding
    }

    /// Folds findings of the same rule, host, spawner exe and command line into the first, oldest first;
    /// the first keeps every folded one in `seen`.
    package static func grouped(_ findings: [Finding]) -> [Finding] {
        var folder = FindingFolder()
        for finding in findings { folder.add(finding) }
        return folder.result
    }
}

/// A rule match kept until the end of the scan, when its descendants are known.
package struct RuleMatch {
    /// Shared by the rule's matches (`SharedRule`).
    var shared: SharedRule
    package var rule: Rule { shared.rule }
    var pid: Int
    var ppid: Int?
    var image: ProcessImage
    var lineage: [LineageEntry]
    /// The spawner's place in the lineage; for an inferred spawner, the unknown entry (nil when there is none).
    var spawnerIndex: Int?
    var relation: SpawnerRelation
    var launchersSkipped: Int
    /// The lineage indices of the launchers looked through, nearest first.
    var launcherIndices: [Int] = []
    var childEvidence: MatchEvidence
    var spawnerEvidence: MatchEvidence?
    var inference: SpawnerInference?
    var suppression: Suppression?
    var exceptionsNotApplied: [ExceptionMiss] = []
    var collector: DescendantCollector?
    /// The kept answers of its images, once the exceptions fetched them (`admit`).
    var subjects: MatchSubjects?

    var spawnerImage: ProcessImage? { spawnerIndex.flatMap { lineage[$0].image } }

    init(
        rule: Rule, pid: Int, ppid: Int?, image: ProcessImage, lineage: [LineageEntry], spawnerIndex: Int?,
        relation: SpawnerRelation, launchersSkipped: Int, childEvidence: MatchEvidence, spawnerEvidence: MatchEvidence?,
        inference: SpawnerInference? = nil
    ) {
        shared = SharedRule(rule)
        self.pid = pid
        self.ppid = ppid
        self.image = image
        self.lineage = lineage
        self.spawnerIndex = spawnerIndex
        self.relation = relation
        self.launchersSkipped = launchersSkipped
        self.childEvidence = childEvidence
        self.spawnerEvidence = spawnerEvidence
        self.inference = inference
    }
}

/// What the spawner search reads of a rule besides its lists, answered when the evaluator is made.
private struct SpawnerSearchPlan {
    private let parent: Bool
    private let replacedImage: Bool
    private let ancestor: Bool
    let within: Int
    let skipList: String?
    /// The rule has no child (spawner) condition: every image satisfies it.
    let anyChild: Bool
    let anySpawner: Bool

    init(_ rule: Rule) {
        parent = rule.relations.contains(.parent)
        replacedImage = rule.relations.contains(.replacedImage)
        ancestor = rule.relations.contains(.ancestor)
        within = rule.within
        skipList = rule.skipList
        anyChild = rule.childCondition.isEmpty
        anySpawner = rule.spawnerCondition.isEmpty
    }

    var searchesAncestors: Bool { ancestor }

    func allows(_ relation: SpawnerRelation) -> Bool {
        switch relation {
        case .parent: parent
        case .replacedImage: replacedImage
        case .ancestor: ancestor
        }
    }
}
