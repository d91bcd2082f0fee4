import Testing

@testable import AuditreeParser
@testable import AuditreeRules

/// `SigmaLiteralSearch` (the parsing threads' search for the process_creation rules' literals)
/// against a plain reference search, and against `SigmaLiteralIndex.scan`: the same set of
/// literals on tricky values (case folding, overlapping literals, literals at the ends, non-ASCII
/// and NUL bytes, Sigma's escaped bytes), then on many pseudo-random ones.
@Suite("Sigma literal search")
struct SigmaLiteralSearchTests {
    typealias Literal = (field: Int, bytes: [UInt8], cased: Bool)

    static let commandLine = SigmaProcessCreation.Field.commandLine.rawValue
    static let image = SigmaProcessCreation.Field.image.rawValue
    static let fieldCount = SigmaProcessCreation.Field.allCases.count

    /// A literal as the rules give it: folded unless cased.
    static func literal(_ text: [UInt8], field: Int = commandLine, cased: Bool = false) -> Literal {
        (field, cased ? text : text.map(SigmaLiteralSearch.fold), cased)
    }

    static func literal(_ text: String, field: Int = commandLine, cased: Bool = false) -> Literal {
        literal(Array(text.utf8), field: field, cased: cased)
    }

    /// The literals of `field` in `text`, by comparing each at every position.
    static func reference(_ literals: [Literal], _ field: Int, _ text: [UInt8]) -> Set<Int32> {
        let folded = text.map(SigmaLiteralSearch.fold)
        var found = Set<Int32>()
        for (number, literal) in literals.enumerated() where literal.field == field && !literal.bytes.isEmpty {
            let value = literal.cased ? text : folded
            guard value.count >= literal.bytes.count else { continue }
            for start in 0...(value.count - literal.bytes.count)
            where Array(value[start..<(start + literal.bytes.count)]) == literal.bytes {
                found.insert(Int32(number))
                break
            }
        }
        return found
    }

    /// The search's answer, into both sinks (the parsing threads' `FieldLiterals`, the rules' `Hits`).
    static func searched(_ literals: [Literal], _ field: Int, _ text: [UInt8]) -> Set<Int32> {
        let search = SigmaLiteralSearch(literals, fields: Array(0..<fieldCount), fieldCount: fieldCount)
        var found = FieldLiterals.none
        search.scan(field, text.span, into: &found)
        var hits = SigmaLiteralIndex.Hits(literalCount: literals.count)
        hits.reset()
        search.scan(field, text.span, into: &hits)
        #expect(found.numbers.count == Set(found.numbers).count, "a literal twice")
        #expect(Set(found.numbers) == Set(hits.found))
        return Set(found.numbers)
    }

    /// The index of `literals`, as `SigmaExecRules` builds it (parallel arrays).
    static func index(_ literals: [Literal], fieldCount: Int) -> SigmaLiteralIndex {
        SigmaLiteralIndex(
            fields: literals.map { $0.field }, bytes: literals.map { $0.bytes }, cased: literals.map { $0.cased },
            fieldCount: fieldCount)
    }

    /// The index's answer (`SigmaLiteralIndex.scan`, which the rules use for the other fields).
    static func indexed(_ literals: [Literal], _ field: Int, _ text: [UInt8]) -> Set<Int32> {
        let index = Self.index(literals, fieldCount: fieldCount)
        var hits = SigmaLiteralIndex.Hits(literalCount: literals.count)
        hits.reset()
        let folded = text.map(SigmaLiteralSearch.fold)
        index.scan(field, folded: folded.span, raw: text.span, into: &hits)
        return Set(hits.found)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let literals: [(field: Int, bytes: [UInt8], cased: Bool)]
        let field: Int
        let text: [UInt8]
        /// The literals (by their bytes) that must be found.
        let expected: Set<[UInt8]>
        var testDescription: String { name }

        init(_ name: String, _ literals: [Literal], _ text: [UInt8], field: Int = commandLine, expected: [[UInt8]]) {
            self.name = name
            self.literals = literals
            self.field = field
            self.text = text
            self.expected = Set(expected)
        }

        init(_ name: String, _ literals: [Literal], _ text: String, field: Int = commandLine, expected: [String]) {
            self.init(name, literals, Array(text.utf8), field: field, expected: expected.map { Array($0.utf8) })
        }
    }

    static let cases: [Case] = [
        Case(
            "case folded on both sides", [literal("PowerShell"), literal("-EncodedCommand")],
            "/usr/bin/POWERSHELL -encodedcommand abc", expected: ["powershell", "-encodedcommand"]),
        Case(
            "cased literal as written only", [literal("Foo", cased: true), literal("BAR", cased: true)],
            "foo BAR", expected: ["BAR"]),
        Case(
            "cased and folded literal of the same bytes", [literal("Ab", cased: true), literal("ab")],
            "xAB", expected: ["ab"]),
        Case(
            "overlapping literals", [literal("aba"), literal("bab"), literal("ab"), literal("b"), literal("abab")],
            "ababa", expected: ["aba", "bab", "ab", "b", "abab"]),
        Case(
            "a literal that is another's suffix", [literal("/bin/sh"), literal("sh"), literal("n/s")],
            "/bin/sh", expected: ["/bin/sh", "sh", "n/s"]),
        Case(
            "literals at both ends", [literal("cu"), literal("rl"), literal("c"), literal("l"), literal("curl")],
            "curl", expected: ["cu", "rl", "c", "l", "curl"]),
        Case("one-byte literal at the last byte only", [literal("|")], "echo x |", expected: ["|"]),
        Case("one-byte value", [literal("x"), literal("xy")], "X", expected: ["x"]),
        Case("literal longer than the value", [literal("bash -i")], "bash", expected: []),
        Case("empty value", [literal("a"), literal("ab")], "", expected: []),
        Case(
            "a literal past the end by one byte", [literal("wget"), literal("et ")], "wget", expected: ["wget"]),
        Case(
            "another field's literal", [literal("/tmp/", field: image), literal("tmp")], "/tmp/x",
            expected: ["tmp"]),
        Case(
            "non-ASCII bytes are not folded",
            [literal([0xC3, 0xA9]), literal([0xC3, 0x89]), literal([0xFF]), literal([0x80, 0x41], cased: true)],
            [0x41, 0xC3, 0x89, 0x20, 0xFF, 0x80, 0x41], expected: [[0xC3, 0x89], [0xFF], [0x80, 0x41]]),
        Case(
            "NUL bytes in the value and literals",
            [literal([0]), literal([0x61, 0]), literal([0, 0x62]), literal([0x63, 0])],
            [0x61, 0, 0x62, 0x63], expected: [[0], [0x61, 0], [0, 0x62]]),
        Case(
            "a literal ending in NUL, value ending without one", [literal([0x63, 0])], [0x61, 0x63], expected: []),
        Case(
            "Sigma's escaped bytes are plain bytes", [literal("\\*"), literal("a?b"), literal("\\\\"), literal("\"")],
            #"x\* a?b \\ "q""#, expected: ["\\*", "a?b", "\\\\", "\""]),
        Case(
            "literals sharing an anchor pair", [literal("xqz1"), literal("2xqz"), literal("xqz")], "2xqz",
            expected: ["2xqz", "xqz"]),
        Case(
            "common starts", [literal("/usr/bin/"), literal("/usr/bin/python"), literal("/usr/sbin/")],
            "/usr/bin/python3 /usr/bin/", expected: ["/usr/bin/", "/usr/bin/python"]),
    ]

    @Test(arguments: cases)
    func findsExactlyTheLiteralsThatOccur(_ test: Case) {
        let literals = test.literals.map { ($0.field, $0.bytes, $0.cased) }
        let expected = Set(
            literals.indices.filter { test.expected.contains(literals[$0].1) && literals[$0].0 == test.field }.map(
                Int32.init))
        #expect(Self.reference(literals, test.field, test.text) == expected, "the reference itself")
        #expect(Self.searched(literals, test.field, test.text) == expected)
        guard !test.text.isEmpty else { return }
        #expect(Self.indexed(literals, test.field, test.text) == expected)
    }

    /// Many literal sets and values over a small alphabet (so that literals occur often and
    /// overlap), from a fixed seed: the search equals the reference and the index on every one.
    @Test func equalsTheReferenceOnPseudoRandomValues() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet: [UInt8] = Array("aAbB/- .".utf8) + [0, 0xC3, 0xFF]
        var found = 0
        for _ in 0..<300 {
            var literals: [Literal] = []
            for _ in 0..<(1 + next(12)) {
                let bytes = (0..<(1 + next(5))).map { _ in alphabet[next(alphabet.count)] }
                let field = next(3) == 0 ? Self.image : Self.commandLine
                literals.append(Self.literal(bytes, field: field, cased: next(4) == 0))
            }
            let text = (0..<next(40)).map { _ in alphabet[next(alphabet.count)] }
            let expected = Self.reference(literals, Self.commandLine, text)
            found += expected.count
            #expect(Self.searched(literals, Self.commandLine, text) == expected, "\(literals) in \(text)")
            if !text.isEmpty {
                #expect(Self.indexed(literals, Self.commandLine, text) == expected, "\(literals) in \(text)")
            }
        }
        #expect(found > 200)
    }

    /// The scanner's command line (arguments joined by one space, on the stack or, when long, on
    /// the heap) and its user and uid equal the reference on the joined text.
    @Test(arguments: [1, 2, 3, 200, 600])
    func scannerJoinsArgumentsAsTheReference(_ argumentLength: Int) {
        let literals: [Literal] = [
            Self.literal("a -"), Self.literal("- b"), Self.literal(" "), Self.literal("-c x"), Self.literal("x\0"),
            Self.literal("bb"), Self.literal("0", field: SigmaProcessCreation.Field.logonId.rawValue),
            Self.literal("10", field: SigmaProcessCreation.Field.user.rawValue),
            Self.literal("root", field: SigmaProcessCreation.Field.user.rawValue),
        ]
        let index = Self.index(literals, fieldCount: Self.fieldCount)
        let scanner = SigmaExecFieldScanner(index)
        let arguments: [LogString] = [
            LogString(bytes: Array(repeating: UInt8(ascii: "a"), count: argumentLength)), "-c", "x", "-", "bB",
        ]
        let joined = Array(arguments.map(\.bytes).joined(separator: [UInt8(ascii: " ")]))
        var found = FieldLiterals.none
        scanner.scanCommandLine(arguments, into: &found)
        #expect(Set(found.numbers) == Self.reference(literals, Self.commandLine, joined))
        for (userName, uid) in [(String?.none, UInt32(10)), ("root", 0), (nil, 4_294_967_295), (nil, 0)] {
            var identity = FieldLiterals.none
            scanner.scanIdentity(exe: nil, userName: userName, uid: uid, into: &identity)
            let expected = Self.reference(
                literals, SigmaProcessCreation.Field.user.rawValue, Array((userName ?? String(uid)).utf8)
            ).union(Self.reference(literals, SigmaProcessCreation.Field.logonId.rawValue, Array(String(uid).utf8)))
            #expect(Set(identity.numbers) == expected, "\(String(describing: userName)) \(uid)")
        }
    }

    /// The memo gives what a fresh search gives: for values seen again, for values that take
    /// each other's slot, for identities whose parts could be read two ways, and for values too
    /// long to keep.
    @Test func memoAnswersAsTheSearch() {
        let user = SigmaProcessCreation.Field.user.rawValue
        let literals: [Literal] = [
            Self.literal("/bin/sh", field: Self.image), Self.literal("sh", field: Self.image),
            Self.literal("bsh", field: user), Self.literal("root", field: user),
            Self.literal("1", field: SigmaProcessCreation.Field.logonId.rawValue), Self.literal("x"),
        ]
        let scanner = SigmaExecFieldScanner(Self.index(literals, fieldCount: Self.fieldCount))
        var memo = SigmaExecFieldMemo()
        let identities: [(LogString?, String?, UInt32?)] = [
            ("/bin/sh", "root", 0), ("/bin/s", "hroot", 0), ("/bin/sh", "root", 1), ("/bin/sh", nil, 1),
            (nil, "root", 0), ("/bin/sh", "root", nil), ("/bin/b", "sh", 10), ("/bin/bs", "h", 10),
            (LogString(bytes: Array(repeating: UInt8(ascii: "s"), count: 600)), "bsh", 1),
        ]
        for round in 0..<3 {
            for (exe, userName, uid) in identities {
                var expected = FieldLiterals.none
                scanner.scanIdentity(exe: exe, userName: userName, uid: uid, into: &expected)
                let found = scanner.identityLiterals(exe: exe, userName: userName, uid: uid, memo: &memo)
                #expect(Set(found.numbers) == Set(expected.numbers), "round \(round): \(String(describing: exe))")
                #expect(found.wasLookedFor)
            }
        }
        // Many more values than slots: each answer is still the value's own.
        var values: [[UInt8]] = (0..<300).map { Array("v\($0 % 97)x\($0)".utf8) }
        values.append(Array(repeating: UInt8(ascii: "x"), count: SigmaExecFieldMemo.keyLimit + 1))
        for value in values + values.reversed() {
            let number = Int32(values.firstIndex(of: value)!)
            let found = memo.literals(.commandLine, key: value.span) {
                var found = FieldLiterals.none
                found.append(number)
                return found
            }
            #expect(found.numbers == [number])
        }
    }

    /// `FieldLiterals`: three numbers in place, the rest and the large ones in the array.
    @Test(arguments: [0, 1, 3, 4, 9])
    func fieldLiteralsKeepEveryNumber(_ count: Int) {
        var literals = FieldLiterals()
        #expect(!literals.wasLookedFor)
        #expect(FieldLiterals.none.wasLookedFor && FieldLiterals.none.isEmpty)
        let numbers: [Int32] = (0..<count).map { $0 % 2 == 0 ? Int32($0) : Int32.max - Int32($0) }
        for number in numbers { literals.append(number) }
        #expect(literals.wasLookedFor == (count > 0))
        #expect(Set(literals.numbers) == Set(numbers))
        #expect(literals.numbers.count == numbers.count)
        #expect(literals.isEmpty == numbers.isEmpty)
        for number in numbers { #expect(literals.contains(number)) }
        #expect(!literals.contains(2_097_150) && !literals.contains(-1) && !literals.contains(100))
        var merged = FieldLiterals.none
        merged.append(7)
        merged.append(contentsOf: literals)
        #expect(Set(merged.numbers) == Set(numbers + [7]))
    }
}
