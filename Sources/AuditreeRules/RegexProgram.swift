/// A compiled rule regex, run as a Thompson NFA (a Pike VM without captures): every
/// position of the text is visited once, with each instruction at most once per position,
/// so a match costs at most (scalars + 1) x instructions steps whatever the pattern.
/// A pattern such as `(a+)+$` cannot backtrack, because nothing does.
struct RegexProgram: Sendable {
    enum Instruction: Sendable {
        /// Consume one scalar equal to this one.
        case scalar(Unicode.Scalar)
        /// Consume one scalar in `sets[index]`.
        case set(Int)
        /// Go on at both (no order: only whether a match exists is asked).
        case split(Int, Int)
        case jump(Int)
        case assert(RegexAssertion)
        case match
    }

    /// Patterns bigger than this (after `{n,m}` is expanded) are refused when the rule file loads.
    static let maxInstructions = 20_000

    private(set) var instructions: [Instruction] = []
    private(set) var sets: [ScalarSet] = []
    /// Every match starts at the text's start (`^...` without `(?m)`): no thread is started later.
    private(set) var anchoredAtStart = false
    /// What a match's first scalar can be, for passing over positions where none can start.
    private(set) var firstScalars: FirstScalars?
    /// Literals one of which every match contains, with ASCII letters folded.
    private(set) var literals: RegexLiterals?
    /// The literals a text is checked for before it is run (a text without any is not run at
    /// all): `literals`, or with `casedPrefilter` the cased ones when they are as long.
    private(set) var prefilter: RegexLiterals?
    /// The fewest scalars a match consumes: a text of fewer bytes cannot match (`(.){200,}`).
    private(set) var minimumLength = 0
    /// The most UTF-8 bytes a match spans, when that is small (`\s-[FTd]\s`: 4 scalars, at most 16
    /// bytes) and the pattern has prefilter literals: a match contains one of them, so it starts at
    /// most this many bytes before an occurrence, and threads are started only there.
    private(set) var startWindow: Int?

    /// `casedPrefilter`: also derive the literals as a text holds them, more selective for a
    /// pattern without `(?i)` at the cost of a second analysis at load (Sigma regexes ask for
    /// it: `|re` is case-sensitive, and a rule's literal may be common in lower case only).
    init(_ source: String, casedPrefilter: Bool = false) throws(RegexSyntaxError) {
        let node = try RegexParser.parse(source)
        anchoredAtStart = Self.startsAnchored(node)
        literals = RegexLiterals.of(node)
        prefilter =
            casedPrefilter ? RegexLiterals.selective(folded: literals, cased: RegexLiterals.cased(of: node)) : literals
        minimumLength = Self.minimumLength(node)
        if prefilter != nil, let scalars = Self.maximumLength(node), scalars <= Self.maxWindowScalars {
            startWindow = 4 * scalars
        }
        try emit(node)
        append(.match)
        firstScalars = Self.firstScalars(instructions)
        if instructions.count > Self.maxInstructions {
            throw RegexSyntaxError(
                message:
                    "the pattern is too large (\(instructions.count) instructions, at most \(Self.maxInstructions)): use smaller repetition counts",
                offset: 0)
        }
    }

    // MARK: Compiling

    private mutating func append(_ instruction: Instruction) {
        instructions.append(instruction)
    }

    private mutating func emit(_ node: RegexNode) throws(RegexSyntaxError) {
        // Checked while emitting, so a huge expansion stops early instead of filling memory.
        if instructions.count > Self.maxInstructions {
            throw RegexSyntaxError(
                message:
                    "the pattern is too large (more than \(Self.maxInstructions) instructions): use smaller repetition counts",
                offset: 0)
        }
        switch node {
        case .empty:
            break
        case .scalar(let set):
            if let scalar = Self.singleScalar(set) {
                append(.scalar(scalar))
            } else {
                sets.append(set)
                append(.set(sets.count - 1))
            }
        case .concatenation(let items):
            for item in items { try emit(item) }
        case .alternation(let branches):
            // split L1, next; L1: branch; jump end; next: split L2, ... ; last branch
            var jumps: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = instructions.count
                    append(.split(split + 1, -1))
                    try emit(branch)
                    jumps.append(instructions.count)
                    append(.jump(-1))
                    instructions[split] = .split(split + 1, instructions.count)
                } else {
                    try emit(branch)
                }
            }
            for jump in jumps { instructions[jump] = .jump(instructions.count) }
        case .repetition(let inner, let min, let max):
            for _ in 0..<min { try emit(inner) }
            if let max {
                // x{0,k} as nested options: split body, end; each body may go on to the next.
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(instructions.count)
                    append(.split(instructions.count + 1, -1))
                    try emit(inner)
                }
                for split in splits { instructions[split] = .split(split + 1, instructions.count) }
            } else {
                // L: split body, end; body; jump L
                let loop = instructions.count
                append(.split(loop + 1, -1))
                try emit(inner)
                append(.jump(loop))
                instructions[loop] = .split(loop + 1, instructions.count)
            }
        case .assertion(let assertion):
            append(.assert(assertion))
        }
    }

    /// The one scalar a set stands for, when it is a plain literal.
    private static func singleScalar(_ set: ScalarSet) -> Unicode.Scalar? {
        guard !set.negated, set.classes.isEmpty, set.ranges.count == 1, set.ranges[0].count == 1,
            let scalar = Unicode.Scalar(set.ranges[0].lowerBound)
        else { return nil }
        return !set.ignoresCase || ScalarSet.otherCases(of: scalar).isEmpty ? scalar : nil
    }

    /// The fewest scalars any match of the node consumes (capped, so huge repetitions cannot overflow).
    private static func minimumLength(_ node: RegexNode) -> Int {
        switch node {
        case .empty, .assertion: 0
        case .scalar: 1
        case .concatenation(let items): min(items.reduce(0) { $0 + minimumLength($1) }, 1 << 30)
        case .alternation(let branches): branches.map(minimumLength).min() ?? 0
        case .repetition(let inner, let min, _): Swift.min(min * minimumLength(inner), 1 << 30)
        }
    }

    /// A longer bound starts threads almost everywhere anyway, as the NFA does without one.
    static let maxWindowScalars = 64

    /// The most scalars any match of the node consumes; nil when unbounded (or huge).
    private static func maximumLength(_ node: RegexNode) -> Int? {
        switch node {
        case .empty, .assertion: return 0
        case .scalar: return 1
        case .concatenation(let items):
            var total = 0
            for item in items {
                guard let length = maximumLength(item) else { return nil }
                total += length
                if total > 1 << 20 { return nil }
            }
            return total
        case .alternation(let branches):
            var longest = 0
            for branch in branches {
                guard let length = maximumLength(branch) else { return nil }
                longest = max(longest, length)
            }
            return longest
        case .repetition(let inner, _, let max):
            guard let max, let length = maximumLength(inner) else { return nil }
            return length == 0 ? 0 : (max > (1 << 20) / length ? nil : max * length)
        }
    }

    /// Whether every match must start at the text's start.
    private static func startsAnchored(_ node: RegexNode) -> Bool {
        switch node {
        case .assertion(let assertion): assertion == .textStart
        case .concatenation(let items): items.first.map(startsAnchored) ?? false
        case .alternation(let branches): branches.allSatisfy(startsAnchored)
        case .repetition(let inner, let min, _): min > 0 && startsAnchored(inner)
        case .empty, .scalar: false
        }
    }

    // MARK: Running

    /// Whether the pattern matches anywhere in `text`, and the steps taken (instructions
    /// visited plus scalars tried), which tests bound. A text shorter than any match, or without
    /// any of the pattern's literals, is answered without the NFA (one pass over its bytes at
    /// most, not counted as steps); an anchored pattern skips the literal pass (its threads die
    /// at the first scalars that do not fit).
    func run(_ text: String) -> (matched: Bool, steps: Int) {
        if text.utf8.count < minimumLength { return (false, 0) }
        if !anchoredAtStart, let prefilter, !prefilter.occurs(in: text) { return (false, 0) }
        let scalars = text.unicodeScalars
        var state = RunState(count: instructions.count)
        var current: [Int] = []
        var next: [Int] = []
        var index = scalars.startIndex
        var previous: Unicode.Scalar?
        var windows = anchoredAtStart ? nil : startWindow.map { StartWindows(prefilter!, $0) }
        let bytes = text.utf8.span
        state.generation += 1
        while true {
            // No thread alive: positions too far before every later literal occurrence, then
            // those whose scalar no match can start with, are passed over (one check each,
            // counted as a step), as a search for the first byte would.
            if current.isEmpty, !anchoredAtStart, let firstScalars {
                while index < scalars.endIndex,
                    !(windows?.allows(bytes) ?? true) || !firstScalars.accepts(scalars[index], self)
                {
                    if windows?.isExhausted == true { return (false, state.steps) }
                    state.steps += 1
                    previous = scalars[index]
                    windows?.advance(past: previous!)
                    index = scalars.index(after: index)
                }
                state.generation += 1
            }
            // A match may start here (at the start only, when anchored there; near a literal
            // occurrence only, when the matches are short).
            if (!anchoredAtStart || previous == nil) && (windows?.allows(bytes) ?? true) {
                if add(0, to: &current, Self.context(previous: previous, at: index, in: scalars), &state) {
                    return (true, state.steps)
                }
            }
            guard index < scalars.endIndex else { break }
            let scalar = scalars[index]
            let after = scalars.index(after: index)
            let context = Self.context(previous: scalar, at: after, in: scalars)
            state.generation += 1
            var position = 0
            while position < current.count {
                let pc = current[position]
                position += 1
                state.steps += 1
                let accepted =
                    switch instructions[pc] {
                    case .scalar(let expected): expected == scalar
                    case .set(let set): sets[set].contains(scalar)
                    default: false
                    }
                if accepted, add(pc + 1, to: &next, context, &state) { return (true, state.steps) }
            }
            swap(&current, &next)
            next.removeAll(keepingCapacity: true)
            previous = scalar
            windows?.advance(past: scalar)
            index = after
            if current.isEmpty && anchoredAtStart { break }
        }
        return (false, state.steps)
    }

    /// Where threads may start in a text when every match spans at most `width` bytes and
    /// contains one of the prefilter literals: within `width` bytes before an occurrence. The
    /// scan follows the run's position (`offset`, in bytes) and keeps the first occurrence at or
    /// after it.
    struct StartWindows {
        let literals: RegexLiterals
        let width: Int
        var offset = 0
        /// The first occurrence at or after `offset`; nil when none is left.
        var occurrence: Int?
        private var searched = false

        init(_ literals: RegexLiterals, _ width: Int) {
            self.literals = literals
            self.width = width
        }

        /// No literal occurs from here on: no match can start here or later.
        var isExhausted: Bool { searched && occurrence == nil }

        /// Whether a match may start at `offset`.
        mutating func allows(_ bytes: Span<UInt8>) -> Bool {
            if !searched || (occurrence.map { $0 < offset } ?? false) {
                occurrence = literals.firstOccurrence(in: bytes, from: offset)
                searched = true
            }
            guard let occurrence else { return false }
            return occurrence - width <= offset
        }

        mutating func advance(past scalar: Unicode.Scalar) { offset += UTF8.width(scalar) }
    }

    /// The instructions that can consume a match's first scalar: those reachable from the
    /// start without consuming, assertions taken as holding. Nil when the pattern can match
    /// without consuming anything (`$`, `a*`): then no position may be passed over.
    struct FirstScalars: Sendable {
        var instructions: [Int]

        func accepts(_ scalar: Unicode.Scalar, _ program: RegexProgram) -> Bool {
            for pc in instructions {
                switch program.instructions[pc] {
                case .scalar(let expected): if expected == scalar { return true }
                case .set(let set): if program.sets[set].contains(scalar) { return true }
                default: break
                }
            }
            return false
        }
    }

    private static func firstScalars(_ instructions: [Instruction]) -> FirstScalars? {
        // A flag per instruction, not a Set<Int>: no hashing, and no Set<Int> metadata (a
        // search of every conformance record) for each run to instantiate at start-up.
        var seen = [Bool](repeating: false, count: instructions.count)
        var stack = [0]
        var result: [Int] = []
        while let pc = stack.popLast() {
            guard !seen[pc] else { continue }
            seen[pc] = true
            switch instructions[pc] {
            case .jump(let target): stack.append(target)
            case .split(let first, let second):
                stack.append(first)
                stack.append(second)
            case .assert: stack.append(pc + 1)
            case .match: return nil
            case .scalar, .set: result.append(pc)
            }
        }
        return FirstScalars(instructions: result.sorted())
    }

    private struct RunState {
        var stack: [Int] = []
        /// The generation an instruction was last added in: each is added once per position.
        var added: [Int]
        var generation = 0
        var steps = 0

        init(count: Int) { added = Array(repeating: 0, count: count) }
    }

    /// What the assertions look at: the scalars around a position.
    private struct Context {
        var previous: Unicode.Scalar?
        var next: Unicode.Scalar?
        /// `next` is a line terminator that ends the text (`\n`, or `\r\n`).
        var nextEndsText: Bool
    }

    private static func context(
        previous: Unicode.Scalar?, at index: String.UnicodeScalarView.Index,
        in scalars: String.UnicodeScalarView
    ) -> Context {
        guard index < scalars.endIndex else { return Context(previous: previous, next: nil, nextEndsText: false) }
        let next = scalars[index]
        var endsText = false
        if ScalarClass.isLineTerminator(next) {
            let after = scalars.index(after: index)
            endsText =
                after == scalars.endIndex
                || (next == "\r" && scalars[after] == "\n" && scalars.index(after: after) == scalars.endIndex)
        }
        return Context(previous: previous, next: next, nextEndsText: endsText)
    }

    /// Adds the thread at `start` and everything reachable from it without consuming a scalar;
    /// true when that reaches `match`.
    private func add(_ start: Int, to list: inout [Int], _ context: Context, _ state: inout RunState) -> Bool {
        state.stack.append(start)
        while let pc = state.stack.popLast() {
            guard state.added[pc] != state.generation else { continue }
            state.added[pc] = state.generation
            state.steps += 1
            switch instructions[pc] {
            case .jump(let target):
                state.stack.append(target)
            case .split(let first, let second):
                state.stack.append(second)
                state.stack.append(first)
            case .assert(let assertion):
                if Self.holds(assertion, context) { state.stack.append(pc + 1) }
            case .match:
                state.stack.removeAll(keepingCapacity: true)
                return true
            case .scalar, .set:
                list.append(pc)
            }
        }
        return false
    }

    private static func holds(_ assertion: RegexAssertion, _ context: Context) -> Bool {
        switch assertion {
        case .textStart:
            return context.previous == nil
        case .textEnd:
            return context.next == nil
        case .textEndOrFinalTerminator:
            // ICU: at the end, or before a line terminator that ends the text (not between `\r` and `\n`).
            return context.next == nil || (context.nextEndsText && !(context.previous == "\r" && context.next == "\n"))
        case .lineStart:
            // After `\r\n` once, not between its two scalars.
            guard let previous = context.previous else { return true }
            return ScalarClass.isLineTerminator(previous) && !(previous == "\r" && context.next == "\n")
        case .lineEnd:
            guard let next = context.next else { return true }
            return ScalarClass.isLineTerminator(next) && !(context.previous == "\r" && next == "\n")
        case .wordBoundary, .notWordBoundary:
            let before = context.previous.map(ScalarClass.isWord) ?? false
            let after = context.next.map(ScalarClass.isWord) ?? false
            return (before != after) == (assertion == .wordBoundary)
        }
    }
}
