import AuditreeEvents
import AuditreeParser

/// One process instance (a pid between its creation and its reuse), with its recent exec history.
///
/// Only the last `ProcessTree.maxImagesPerProcess` images are kept; images are
/// addressed by absolute number (0 = the first the log showed), so a dropped
/// image is simply no longer available. Nodes hold their parent, never their
/// children: a process nobody refers to any more is freed.
package final class ProcessNode {
    /// Creation order across the whole scan; stable, so output is deterministic.
    let id: Int
    let host: String?
    let pid: Int
    var ppid: Int?
    package var parent: ProcessNode? { parentLink }
    /// How many images the parent had when this process was linked to it: the
    /// parent's image number `parentImageCount - 1` is the one that created us.
    package var parentImageCount: Int { parentLinkImageCount }
    // The hot state is private, and no access to it releases anything while it lasts (a value
    // replaced is swapped out and released after): the optimizer then checks exclusivity at
    // compile time instead of calling `swift_beginAccess` on every read (a release may run
    // any deinit, which could touch the property, so an access that releases stays dynamic).
    private var parentLink: ProcessNode?
    private var parentLinkImageCount = 0
    /// The kept images, newest first (`KeptImage.older`).
    private var newestImage: KeptImage?
    private var keptImageCount = 0
    /// Images the log showed for this process, dropped ones included.
    package var imageCount: Int { shownImages }
    private var shownImages = 0
    /// Absolute number of the oldest kept image.
    var droppedImages: Int { imageCount - keptImageCount }
    let firstSeen: Int64
    var lastSeen: Int64
    /// Set once a fork/clone record names this process as its child.
    var forkLinked = false
    /// Set by its exit_group record: a later exec of this pid is another process.
    var exited = false
    /// Set once a process is linked to this one as its parent: until then no process has this
    /// one above it, so linking it anywhere cannot make a cycle (`link`).
    private var hasChildren = false
    /// Log time of its last failed exec since its last successful one (a PATH search under way).
    var lastFailedExec: Int64?
    /// The PROCTITLE the kernel cached for this task (its first audited event's command line).
    var taskTitle: Proctitle? { titleRaw.map { Proctitle(raw: $0, isHex: titleIsHex) } }
    // Kept as its two fields: a `Proctitle?` is copied and released through outlined code that
    // costs several times what its `LogString?` alone does, and titles are set on every exec.
    private var titleRaw: LogString?
    private var titleIsHex = false
    var hasTaskTitle: Bool { titleRaw != nil }

    /// Sets the task's title (nil forgets it), given as its fields: passing a `Proctitle?` read
    /// from an event copies it whole.
    func setTaskTitle(raw new: LogString?, isHex: Bool) {
        // Swapped in, the old value released after (see `parentLink`).
        var raw = new
        swap(&raw, &titleRaw)
        titleIsHex = isHex
    }

    /// Whether the task's title is known and is not `other`, compared in place.
    func taskTitle(differsFrom other: Proctitle) -> Bool {
        switch titleRaw {
        case .none: false
        case .some(let raw): titleIsHex != other.isHex || raw != other.raw
        }
    }
    /// The finding this process belongs to as a descendant (or as the shell), if any.
    var collector: DescendantCollector? {
        get { collectorLink }
        set {
            var value = newValue
            value?.followers += 1
            swap(&value, &collectorLink)
            value?.followers -= 1
        }
    }
    private var collectorLink: DescendantCollector?
    /// Images from this number on are the collector's (for a finding's shell: those after the shell's image).
    var collectorFromImage = 0
    var collectorDepth = 0
    /// The Sigma findings this process is followed for (its own and its ancestors'), outermost
    /// first: unlike `collector` they claim nothing, so the rules still judge what runs here.
    private(set) var watches: [Watch] = []
    /// Set once a process is linked below this one: a process without it has no descendants, so
    /// a new watch on it has no process to look for among the recent ones.
    private(set) var hasLinkedChild = false
    /// Scratch for `ProcessTree.pruneAncestors`: the pass that last reached this node, and how
    /// many generations above it that pass still needed.
    var reachPass = 0
    var reachLeft = 0

    deinit {
        collectorLink?.followers -= 1
        for watch in watches { watch.collector.followers -= 1 }
    }

    init(id: Int, host: String?, pid: Int, ppid: Int?, time: Int64) {
        self.id = id
        self.host = host
        self.pid = pid
        self.ppid = ppid
        self.firstSeen = time
        self.lastSeen = time
    }

    var isKnown: Bool { imageCount > 0 }

    /// The kept image `number`, nil when it was dropped (or never shown).
    private func kept(_ number: Int) -> KeptImage? {
        let index = number - droppedImages
        guard index >= 0 && index < keptImageCount else { return nil }
        // Mostly the newest: the rules ask for the exec just recorded.
        var cursor = newestImage
        for _ in 0..<(keptImageCount - 1 - index) { cursor = cursor?.older }
        return cursor
    }

    /// The kept images, oldest first.
    private var keptOldestFirst: [KeptImage] {
        var result: [KeptImage] = []
        result.reserveCapacity(keptImageCount)
        var cursor = newestImage
        while let current = cursor {
            result.append(current)
            cursor = current.older
        }
        result.reverse()
        return result
    }

    package func image(_ number: Int) -> ProcessImage? { kept(number)?.image }

    /// Calls `body` with image `number` borrowed (nil, without calling it, when the image was
    /// dropped): the rules pass it on to every check without copying it again. The image is a
    /// constant of an object held for the call, so it is lent in place whatever `body` does to
    /// this node (an array element lent to an unknown closure is copied first).
    package func withImage<Result>(_ number: Int, _ body: (borrowing ProcessImage) -> Result) -> Result? {
        kept(number)?.lend(body)
    }

    /// The exe of an image by number (nil when it was dropped or has none), read in place:
    /// `image(_:)` copies the whole image (retaining all it holds) to read one field.
    func exe(ofImage number: Int) -> LogString? { kept(number)?.image.exe }

    /// Whether the last image runs `exe` (false when there is none), read in place.
    func lastImageRuns(_ exe: LogString?) -> Bool { newestImage?.runs(exe) ?? false }
    var keptImages: [ProcessImage] { keptOldestFirst.map(\.image) }

    /// Whether one of the kept images is an exec of the same exe with the same arguments.
    func hasExecuted(_ image: borrowing ProcessImage) -> Bool {
        var cursor = newestImage
        while let current = cursor {
            if current.isExec(like: image) { return true }
            cursor = current.older
        }
        return false
    }

    /// Appends an image and returns its number. Consuming: the image is moved into the
    /// history, where a borrowed one would be copied (retaining all it holds) on every append.
    @discardableResult
    func append(_ image: consuming ProcessImage) -> Int {
        let box = KeptImage(image, older: newestImage)
        // Swapped in, the old value released after (see `parentLink`).
        var replaced: KeptImage? = box
        swap(&replaced, &newestImage)
        shownImages += 1
        keptImageCount += 1
        if keptImageCount > ProcessTree.maxImagesPerProcess { dropOldestImage() }
        let number = imageCount - 1
        if let collector, number >= collectorFromImage {
            collector.add(self, image: box.image, depth: collectorDepth)
        }
        for watch in watches where number >= watch.fromImage {
            watch.collector.add(self, image: box.image, depth: watch.depth)
        }
        return number
    }

    /// Forgets the oldest kept image (a pid that exec'd more than `ProcessTree.maxImagesPerProcess` times).
    private func dropOldestImage() {
        var cursor = newestImage
        for _ in 0..<(keptImageCount - 2) { cursor = cursor?.older }
        guard let last = cursor else { return }
        last.dropOlder()
        keptImageCount -= 1
    }

    /// Links to `parent` unless that would make a cycle (possible only in a forged log).
    /// A child created under a finding's shell joins that finding.
    func link(to newParent: ProcessNode, time: Int64) {
        guard newParent !== parent else { return }
        // Most links are of a process just created, which nothing has above it yet.
        if hasChildren && newParent.hasAncestor(self) { return }
        var replaced: ProcessNode? = newParent
        swap(&replaced, &parentLink)
        newParent.hasChildren = true
        parentLinkImageCount = newParent.imageCount
        newParent.hasLinkedChild = true
        if newParent.lastSeen < time { newParent.lastSeen = time }
        inheritCollector()
        if !newParent.watches.isEmpty { inheritWatches() }
    }

    /// Whether `node` is this process or one of its `ProcessTree.maxDepth` nearest ancestors.
    private func hasAncestor(_ node: ProcessNode) -> Bool {
        var cursor: ProcessNode? = self
        var steps = 0
        while let current = cursor, steps < ProcessTree.maxDepth {
            if current === node { return true }
            cursor = current.parent
            steps += 1
        }
        return false
    }

    /// Drops the link to the parent: nothing that can still be asked about needs it
    /// (`ProcessTree.pruneAncestors`), and it would keep every generation above alive.
    func forgetParent() {
        var replaced: ProcessNode? = nil
        swap(&replaced, &parentLink)
    }

    /// Joins the parent's finding when created while the parent belonged to it.
    func inheritCollector() {
        guard collector == nil, let parent, let inherited = parent.collector,
            parentImageCount >= parent.collectorFromImage
        else { return }
        collector = inherited
        collectorFromImage = 0
        collectorDepth = parent.collectorDepth + 1
        inherited.linked(self)
        for box in keptOldestFirst { inherited.add(self, image: box.image, depth: collectorDepth) }
    }

    // MARK: Watches (Sigma findings)

    /// A finding that follows what a process runs without claiming it (`ProcessTree.watchDescendants`).
    struct Watch {
        let collector: DescendantCollector
        /// Images from this number on are the collector's.
        let fromImage: Int
        let depth: Int
    }

    /// Follows this process for `collector`: its images from `fromImage` on, and every process
    /// linked to it from then on.
    func watch(_ collector: DescendantCollector, fromImage: Int) {
        join(Watch(collector: collector, fromImage: fromImage, depth: 0))
    }

    /// Joins the parent's watches that were on when this process was created.
    func inheritWatches() {
        guard let parent else { return }
        for watch in parent.watches where parentImageCount >= watch.fromImage {
            join(Watch(collector: watch.collector, fromImage: 0, depth: watch.depth + 1))
        }
    }

    /// Joins the parent's watch for `collector`, if it was on when this process was created.
    func inheritWatch(of collector: DescendantCollector) {
        guard let parent, let watch = parent.watches.first(where: { $0.collector === collector }),
            parentImageCount >= watch.fromImage
        else { return }
        join(Watch(collector: collector, fromImage: 0, depth: watch.depth + 1))
    }

    /// Adds a watch (once per collector) and hands it the images it covers. Beyond
    /// `ProcessTree.maxWatches` (a chain of nested Sigma findings only a forged log makes) the
    /// outermost watch stops following this process (`DescendantCollector.cut`).
    private func join(_ watch: Watch) {
        guard !watches.contains(where: { $0.collector === watch.collector }) else { return }
        // Worked on outside the property (see `parentLink`): growing or trimming releases.
        var list: [Watch] = []
        swap(&list, &watches)
        var outermost: DescendantCollector?
        if list.count >= ProcessTree.maxWatches { outermost = list.removeFirst().collector }
        list.append(watch)
        swap(&list, &watches)
        if let outermost {
            outermost.followers -= 1
            outermost.cut()
        }
        watch.collector.followers += 1
        if watch.depth > 0 { watch.collector.linked(self) }
        let first = droppedImages
        for (offset, box) in keptOldestFirst.enumerated() where first + offset >= watch.fromImage {
            watch.collector.add(self, image: box.image, depth: watch.depth)
        }
    }
}

/// One kept image of a process, linked to the one before it: images never change once recorded,
/// so the rules borrow one in place (`ProcessNode.withImage`), and recording one allocates this
/// object alone (no array per process to grow, shift and free).
private final class KeptImage {
    let image: ProcessImage
    /// The image the process ran before, nil past the oldest kept one.
    var older: KeptImage? { olderLink }
    // Private, and released only after a swap (see `ProcessNode.parentLink`): checked when compiled.
    private var olderLink: KeptImage?

    init(_ image: consuming ProcessImage, older: KeptImage?) {
        self.image = image
        olderLink = older
    }

    /// Calls `body` with the image. In a method of this object the image is lent in place; read
    /// as `box.image` from elsewhere and handed to a closure, it is copied first (retaining all
    /// it holds): the compiler cannot tell that the object outlives the call.
    func lend<Result>(_ body: (borrowing ProcessImage) -> Result) -> Result { body(image) }

    /// Whether the image runs `exe` (read in place, as `lend` explains).
    func runs(_ exe: LogString?) -> Bool { image.exe == exe }

    /// Whether the image is an exec of the same exe with the same arguments as `other`: the
    /// arguments compared byte by byte in place (the derived `==` copies each argument out of both
    /// arrays, retaining and releasing a long one, and a pid's new exec mostly repeats its last).
    func isExec(like other: borrowing ProcessImage) -> Bool {
        guard image.origin == .exec, image.exe == other.exe, image.argv.isComplete == other.argv.isComplete,
            image.argv.arguments.count == other.argv.arguments.count
        else { return false }
        let mine = image.argv.arguments
        let theirs = other.argv.arguments
        for index in mine.indices where !Self.sameBytes(mine[index], theirs[index]) { return false }
        return true
    }

    /// `LogString`'s `==`: a value has one form per length, so equal bytes are equal values.
    private static func sameBytes(_ left: borrowing LogString, _ right: borrowing LogString) -> Bool {
        left.withSpan { leftBytes in
            right.withSpan { rightBytes in
                guard leftBytes.count == rightBytes.count else { return false }
                for index in leftBytes.indices where leftBytes[index] != rightBytes[index] { return false }
                return true
            }
        }
    }

    /// Forgets the images before this one (released after the swap: see `ProcessNode.parentLink`).
    func dropOlder() {
        var dropped: KeptImage? = nil
        swap(&dropped, &olderLink)
    }
}
