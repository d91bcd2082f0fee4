import Foundation
import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeParser
@testable import AuditreeRules
@testable import AuditreeScan
@testable import AuditreeTree

@Suite("Rule files")
struct RuleFileTests {
    @Test("the built-in pack loads with both detections and no warnings")
    func builtInPack() throws {
        let pack = try RuleFileParser.parse(try RuleSet.builtInText(), file: "<built-in>")
        #expect(pack.warnings.isEmpty, "\(pack.warnings)")
        // Web servers first: an interpreter acting as an application server is a web server.
        #expect(
            pack.ruleSet.rules.map(\.id) == [
                "illegitimate_shell", "interpreter_shell_spawn", "temp_location_exec", "temp_location_shell",
            ])
        let web = pack.ruleSet.rules[0]
        let interpreter = pack.ruleSet.rules[1]
        #expect(web.inference.map(\.confidence) == [.medium, .medium, .medium, .medium, .low, .low])
        // Every exception of the pack is data with its reason.
        #expect(
            pack.ruleSet.exceptions.map(\.id) == [
                "package_managers", "debconf", "config_management", "build_tools", "web_user_session", "git_hooks",
                "piped_logger",
            ])
        #expect(pack.ruleSet.exceptions.allSatisfy { $0.reason.count > 40 })
        let managers = try #require(pack.ruleSet.lists["package_managers"]?.names)
        for name in [
            "dpkg", "apt", "apt-get", "rpm", "dnf", "yum", "pip", "npm", "gem", "conda", "cargo", "uv", "poetry",
        ] {
            #expect(managers.contains(name), "\(name)")
        }
        #expect(
            interpreter.severity == .critical && interpreter.category == "execution"
                && interpreter.mitre == ["T1059", "T1059.004"])
        #expect(web.category == "initial-access" && web.mitre.contains("T1190"))
        #expect(interpreter.relations == [.parent, .replacedImage])
    }

    struct BadFile: Sendable, CustomStringConvertible {
        var yaml: String
        var path: String
        var message: String
        var line: Int
        var description: String { path + ": " + message }
    }

    static let minimal = """
        version: 1
        lists:
          shells: [sh]
          interps: [python]
        rules:
          - id: r1
            severity: high
            child: {list: shells}
            spawner: {list: interps}
        """

    @Test("the built-in pack reads the same with Yams's basic resolver as with its default one")
    func builtInPackResolvers() throws {
        let text = try RuleSet.builtInText()
        let basic = try RuleFileParser.parseBuiltIn(text)
        let resolved = try RuleFileParser.parse(text, file: RuleSet.builtInName)
        #expect(basic.warnings.isEmpty && resolved.warnings.isEmpty)
        func described(_ set: RuleSet) -> String {
            RuleSetDescription.list(set) + set.allRules.map { RuleSetDescription.show($0, in: set) }.joined()
                + set.context.map { "\($0.id): \($0.any.map(\.summary))" }.joined(separator: "\n")
        }
        #expect(described(basic.ruleSet) == described(resolved.ruleSet))
        // Integers (uid) and booleans are read alike.
        #expect(described(basic.ruleSet).contains("uid=33"))
    }

    @Test(
        "errors name file, line, column and the key path",
        arguments: [
            BadFile(yaml: "version: 0\n", path: "version", message: "unsupported version '0': expected 1", line: 1),
            BadFile(
                yaml: "lists: {}\n", path: "", message: "missing 'version' (this auditree reads version 1)", line: 1),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "severity: high", with: "severity: urgent"),
                path: "rules[0].severity",
                message: "unknown severity 'urgent': expected one of info, low, medium, high, critical", line: 7),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "{list: interps}", with: "{list: nope}"),
                path: "rules[0].spawner.list",
                message: "no list named 'nope'", line: 9),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "{list: interps}", with: "{list: interps, relation: [uncle]}"),
                path: "rules[0].spawner.relation[0]",
                message: "unknown relation 'uncle': expected one of parent, replaced_image, ancestor", line: 9),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "shells: [sh]", with: "shells: sh"), path: "lists.shells",
                message: "expected a list", line: 3),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "    child: {list: shells}\n", with: ""), path: "rules[0]",
                message: "missing 'child'", line: 6),
            BadFile(yaml: "version: 1\nrules: [\n", path: "", message: "invalid YAML", line: 3),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "{list: interps}", with: "{list: interps, within: two}"),
                path: "rules[0].spawner.within", message: "expected an integer", line: 9),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "{list: interps}", with: "{list: interps, within: 0}"),
                path: "rules[0].spawner.within", message: "expected an integer from 1 to 128, got 0", line: 9),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "{list: shells}", with: "{list: shells, uid: root}"),
                path: "rules[0].child.uid", message: "expected an integer user id", line: 8),
            BadFile(
                yaml: minimal.replacingOccurrences(
                    of: "{list: shells}", with: "{list: shells, argv_regex: '(unclosed'}"),
                path: "rules[0].child.argv_regex", message: "invalid regular expression '(unclosed'", line: 8),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "{list: shells}", with: "{list: shells, cwd_prefix: {a: b}}"),
                path: "rules[0].child.cwd_prefix", message: "expected a string or a list of strings", line: 8),
            BadFile(
                yaml: minimal.replacingOccurrences(of: "{list: shells}", with: "{uid: 0}"), path: "rules[0].child",
                message: "missing 'list'", line: 8),
            BadFile(
                yaml: minimal + "\n    exceptions: [{id: e, child: {uid: 0}}]", path: "rules[0].exceptions[0]",
                message: "missing 'reason': every exception says why it is safe", line: 10),
            BadFile(
                yaml: minimal + "\n    exceptions: [{reason: ok}]", path: "rules[0].exceptions[0]",
                message: "an exception needs at least one of 'child', 'spawner', 'ancestor', 'host'", line: 10),
            BadFile(
                yaml: minimal + "\n    exceptions: [{reason: '  ', host: h}]", path: "rules[0].exceptions[0].reason",
                message: "empty reason", line: 10),
            BadFile(
                yaml: minimal + "\nexceptions: [{reason: r, ancestor: {list: nope}}]",
                path: "exceptions[0].ancestor.list",
                message: "no list named 'nope'", line: 10),
            BadFile(
                yaml: minimal
                    + "\n  - id: r1\n    severity: low\n    child: {list: shells}\n    spawner: {list: interps}",
                path: "rules[1].id",
                message: "duplicate rule id 'r1' (first at line 6)", line: 10),
            BadFile(
                yaml: minimal + "\n  - {id: r2, enabled: false}", path: "rules[1]",
                message: "no rule 'r2' loaded before to enable or disable", line: 10),
            BadFile(
                yaml: minimal
                    + "\n  - {id: r3, enabled: maybe, severity: low, child: {list: shells}, spawner: {list: interps}}",
                path: "rules[1].enabled",
                message: "expected true or false", line: 10),
            BadFile(
                yaml: minimal + "\n    infer: [{all: [nothing], confidence: low}]", path: "rules[0].infer[0].all[0]",
                message: "no context indicator 'nothing'", line: 10),
            BadFile(yaml: minimal + "\ncontext: [{id: c, when: {uid: 0}}]\n" + "  ", path: "", message: "", line: 0),
            BadFile(
                yaml:
                    "version: 1\ncontext: [{id: c, when: {uid: 0}}]\nrules:\n  - {id: r, severity: low, child: {list: s}, spawner: {list: s}, infer: [{all: [c], confidence: high}]}\nlists: {s: [sh]}",
                path: "rules[0].infer[0].confidence", message: "unknown confidence 'high': expected one of low, medium",
                line: 4),
            BadFile(
                yaml: "version: 1\ncontext: [{id: c}]", path: "context[0]", message: "missing 'when' or 'any'", line: 2),
            BadFile(
                yaml: "version: 1\ncontext: [{id: c, when: {uid: 0}, raise: 9}]", path: "context[0].raise",
                message: "expected an integer from 0 to 4, got 9", line: 2),
            BadFile(
                yaml: "version: 1\ncontext: [{id: c, when: {uid: 0}, on: [parent]}]", path: "context[0].on[0]",
                message: "unknown target 'parent': expected one of shell, spawner, descendants", line: 2),
            BadFile(
                yaml: "version: 1\nlists:\n  web: {add: [x]}", path: "lists.web",
                message: "no list named 'web' to change: give a sequence to define it", line: 3),
            BadFile(
                yaml: "version: 1\nlists:\n  web: [{name: java}]", path: "lists.web[0]", message: "missing 'argv'",
                line: 3),
            BadFile(
                yaml: "version: 1\nlists:\n  web: [{argv: x}]", path: "lists.web[0]", message: "missing 'name'", line: 3
            ),
        ].filter { !$0.message.isEmpty })
    func errors(_ bad: BadFile) {
        #expect {
            _ = try RuleFileParser.parse(bad.yaml, file: "my-rules.yaml")
        } throws: { error in
            guard let error = error as? RuleFileError else { return false }
            #expect(error.file == "my-rules.yaml")
            #expect(error.path == bad.path)
            #expect(error.message.hasPrefix(bad.message), "\(error.message)")
            #expect(error.line == bad.line, "\(error)")
            #expect(error.column > 0, "\(error)")
            #expect(error.description.hasPrefix("my-rules.yaml:\(bad.line):"))
            return true
        }
    }

    /// Decimal numbers are read without Yams's `Int.construct`; every other form still goes to it.
    @Test(
        "user ids are read as YAML 1.1 integers, whichever way they are written",
        arguments: [
            ("1", 1), ("33", 33), ("4294967295", 4_294_967_295), ("0", 0), ("00", 0), ("017", 15), ("0x1f", 31),
            ("0o17", 15), ("0b101", 5), ("+5", 5), ("1_000", 1000), ("1:30", 90), ("4294967296", nil),
            ("123456789012345678901", nil), ("-5", nil), ("'12'", nil), ("\"12\"", nil), ("1.5", nil), ("١٢", nil),
            ("x1", nil),
        ] as [(String, UInt32?)])
    func userIDs(_ scalar: String, _ expected: UInt32?) throws {
        let yaml = Self.minimal.replacingOccurrences(of: "{list: shells}", with: "{list: shells, uid: \(scalar)}")
        do {
            let pack = try RuleFileParser.parse(yaml, file: "uid.yaml")
            #expect(pack.ruleSet.rules.first?.childCondition.uid == expected.map { [$0] }, "\(scalar)")
        } catch {
            #expect(expected == nil, "\(scalar): \(error)")
            #expect(error.description.contains("rules[0].child.uid: expected an integer user id"), "\(error)")
        }
    }

    @Test("a reason is blank exactly when Foundation trims it to nothing")
    func blankReasons() {
        let scalars = (0...0x10FFFF).compactMap(Unicode.Scalar.init)
        let blanks = scalars.filter(RuleFileParser.isBlank)
        let foundation = scalars.filter { CharacterSet.whitespaces.contains($0) }
        #expect(blanks == foundation)
        for reason in ["", " ", "\t \u{3000}", " ok ", "\n"] {
            #expect(
                reason.unicodeScalars.allSatisfy(RuleFileParser.isBlank)
                    == reason.trimmingCharacters(in: .whitespaces).isEmpty, "\(reason.debugDescription)")
        }
    }

    @Test("unknown keys are errors at the key, with a did-you-mean")
    func unknownKeys() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "severity: high", with: "severity: high\n    colour: blue")
        #expect {
            try RuleFileParser.parse(yaml, file: "r.yaml")
        } throws: { error in
            (error as? RuleFileError)?.description
                == "r.yaml:8:5: error: rules[0].colour: unknown key 'colour'; expected one of "
                + "category, child, description, enabled, exceptions, id, infer, mitre, name, severity, spawner"
        }
    }

    @Test("a file of a newer version loads with its unknown keys as warnings")
    func unknownKeysOfANewerVersion() throws {
        let yaml =
            Self.minimal.replacingOccurrences(of: "version: 1", with: "version: 3")
            .replacingOccurrences(of: "severity: high", with: "severity: high\n    colour: blue") + "\nextra: 1\n"
        let result = try RuleFileParser.parse(yaml, file: "r.yaml")
        #expect(result.ruleSet.rules.count == 1)
        #expect(result.warnings.map(\.path) == ["version", "extra", "rules[0].colour"])
        #expect(
            result.warnings[0].warningDescription
                == "r.yaml:1:10: warning: version: the file is version 3, newer than this auditree reads (1): "
                + "keys it does not know are ignored with a warning; upgrade auditree to apply them")
        #expect(
            result.warnings[2].warningDescription
                == "r.yaml:8:5: warning: rules[0].colour: unknown key 'colour' (ignored)")
    }

    @Test("a rule file drives detection: a custom spawner list flags what the pack does not")
    func customRules() throws {
        // awk is in the built-in interpreters; with a pack of only 'bash' as spawner the python cases vanish.
        let yaml = """
            version: 1
            lists:
              shells: [sh, dash]
              spawners: [bash]
            rules:
              - id: bash_spawns_sh
                severity: low
                child: {list: shells}
                spawner: {list: spawners}
            """
        let rules = try RuleFileParser.parse(yaml, file: "custom.yaml").ruleSet
        let report = try Scanner.run(ScanConfiguration(inputs: [Fixtures.recorded("enriched-execve")], ruleSet: rules))
        #expect(!report.findings.isEmpty)
        #expect(
            report.findings.allSatisfy { $0.rule.id == "bash_spawns_sh" && $0.spawner.image?.exe?.basename == "bash" })
        #expect(report.exitCode(failOn: .medium) == 0)
        #expect(report.exitCode(failOn: .low) == 1)
    }
}

@Suite("Name matching")
struct NameMatcherTests {
    @Test(
        "version suffixes are removed",
        arguments: [
            ("python3.11", "python"), ("php-fpm8.2", "php-fpm"), ("perl5.36.0", "perl"), ("ruby3.1", "ruby"),
            ("ksh93", "ksh"), ("lua5.4", "lua"), ("node", "node"), ("apache2", "apache"), ("python2", "python"),
            ("tool-1.2_", "tool-1.2"), ("x_-9", "x"), ("3.11", ""), ("", ""), ("gcc-12", "gcc"),
            // Not ASCII: Unicode numbers count too (Character.isNumber), as they always did.
            ("tool²", "tool"), ("café2", "café"), ("工具٣", "工具"), ("python3.11é", "python3.11é"),
        ])
    func versions(_ name: String, _ plain: String) {
        #expect(NameMatcher.withoutVersion(name) == plain)
    }

    /// `ListNameFilter` lets the learning lists skip most execs: it may say yes where `match`
    /// finds nothing (a pattern's command line differs), never no where `match` finds something.
    @Test(
        "the name filter says no only where match is nil, on every exec of the recorded fixtures",
        arguments: Fixtures.recordedNames)
    func nameFilterNeverHidesAMatch(_ fixture: String) throws {
        let ruleSet = try RuleFileParser.parse(try RuleSet.builtInText(), file: "<built-in>").ruleSet
        let matcher = NameMatcher(ruleSet)
        var images: [ProcessImage] = []
        let tree = ProcessTree()
        tree.onExec = { _, ready in
            if let image = ready.process.image(ready.imageNumber) { images.append(image) }
            if let parent = ready.process.node.parent, ready.process.node.parentImageCount > 0,
                let spawner = parent.image(ready.process.node.parentImageCount - 1)
            {
                images.append(spawner)
            }
        }
        var assembler = EventAssembler()
        for result in Fixtures.parseLines(Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.recorded(fixture)))))
        {
            guard case .success(let record) = result else { continue }
            assembler.add(record, file: fixture) { tree.ingest($0) }
        }
        assembler.flush { tree.ingest($0) }
        tree.finish()
        #expect(images.count > 10)
        var matched = 0
        var ruledOut = 0
        var filters: [String: ListNameFilter] = [:]
        for list in ruleSet.lists.keys { filters[list] = ListNameFilter(list: list, in: ruleSet) }
        for image in images {
            for list in ruleSet.lists.keys.sorted() {
                let found = matcher.match(image, list: list) != nil
                let possible = filters[list]!.mayMatch(image)
                #expect(
                    !found || possible,
                    "\(list): \(image.exe?.lossyString ?? "-") \(image.argv.arguments.map(\.lossyString))")
                if found { matched += 1 }
                if !possible { ruledOut += 1 }
            }
        }
        #expect(matched > 0 && ruledOut > matched, "\(matched) matched, \(ruledOut) ruled out")
    }

    static let filterRules = """
        version: 1
        multicall: [busybox]
        lists:
          more: [caddy]
          servers:
            - nginx
            - php-fpm
            - {name: node, argv: 'server\\.js'}
            - {list: more}
          located:
            - {label: temp, exe_regex: '^/tmp/'}
          accented: [café]
        rules: []
        """

    /// Images as (exe, comm, argv), the list, and what the filter says: where it says no, `match`
    /// must find nothing; where it says yes for a name, `match` may still find nothing.
    @Test(
        "the name filter passes every name match, and only names a list can match",
        arguments: [
            ("/usr/sbin/nginx", "nginx", ["nginx"], "servers", true),
            ("/usr/sbin/php-fpm8.2", "php-fpm8.2", ["php-fpm: pool www"], "servers", true),
            ("/usr/bin/bash", "bash", ["-nginx"], "servers", true),  // a login shell's dash
            ("/usr/bin/node", "node", ["node", "server.js"], "servers", true),
            ("/usr/bin/node", "node", ["node", "build.js"], "servers", true),  // the name may match
            ("/usr/bin/caddy2", "caddy", ["caddy", "run"], "servers", true),  // an included list
            ("/bin/busybox", "busybox", ["busybox", "nginx"], "servers", true),  // an applet in argv[1]
            ("/bin/busybox", "nginx", ["busybox", "ls"], "servers", false),  // an applet answers only to its name
            ("/usr/bin/bash", "bash", ["bash", "-c", "nginx"], "servers", false),
            ("/usr/bin/nginx-debug", "x", ["x"], "servers", false),
            ("/usr/bin/python3", "python3", ["python3", "-m", "http.server"], "servers", false),
            ("/usr/bin/ngïnx", "x", ["x"], "servers", true),  // not ASCII: left to match
            ("/tmp/x", "x", ["x"], "located", true),  // an exe pattern: every exe passes
            ("/usr/bin/cafe", "cafe", ["cafe"], "accented", true),  // a list with a name not ASCII
        ])
    func nameFilter(_ exe: String, _ comm: String, _ argv: [String], _ list: String, _ passes: Bool) throws {
        let ruleSet = try RuleFileParser.parse(Self.filterRules, file: "filter.yaml").ruleSet
        var image = SigmaTests.image(exe: exe, argv: argv, cwd: "/")
        image.comm = LogString(comm)
        let found = NameMatcher(ruleSet).match(image, list: list) != nil
        let possible = ListNameFilter(list: list, in: ruleSet).mayMatch(image)
        #expect(possible == passes)
        #expect(!found || possible)
    }

    @Test(
        "a working directory below / is told on bytes as the text would tell it",
        arguments: ["/", "/var/www", "//", "var", "", "/\u{301}", "/é", "é/"])
    func directoryBelowRoot(_ path: String) {
        #expect(RuleEvaluator.isDirectoryBelowRoot(LogString(path)) == (path.hasPrefix("/") && path.count > 1))
    }

    @Test("list matches are kept per exact command line, within their bounds")
    func commandLineCacheBounds() {
        let cache = CommandLineListCache(lists: ["servers"])
        func entry(_ argv: [String]) -> CommandLineListCache.Entry {
            cache.entry(for: SigmaTests.image(exe: "/usr/bin/python3", argv: argv, cwd: "/"))
        }
        let first = entry(["python3", "-m", "gunicorn"])
        #expect(first.matches.count == 2 && cache.slot(of: "servers", exeOnly: true) == 1)
        #expect(entry(["python3", "-m", "gunicorn"]) === first)
        #expect(entry(["python3", "-m", "gunicorn "]) !== first)
        // Longer than a key may be: a new entry each time, never kept.
        let long = String(repeating: "x", count: CommandLineListCache.maxKeyBytes)
        #expect(entry(["python3", long]) !== entry(["python3", long]))
        // Past the entry limit the table starts over.
        for number in 0..<CommandLineListCache.limit { _ = entry(["python3", String(number)]) }
        let again = entry(["python3", "-m", "gunicorn"])
        #expect(again !== first && entry(["python3", "-m", "gunicorn"]) === again)
        // Past the byte limit too.
        let big = String(repeating: "y", count: CommandLineListCache.maxKeyBytes - 64)
        for number in 0...(CommandLineListCache.maxBytes / big.utf8.count) {
            _ = entry(["python3", big + String(number)])
        }
        #expect(entry(["python3", "-m", "gunicorn"]) !== again)
    }

    @Test("the table in front of a cache answers only for the key it holds, and forgets it when cleared")
    func recentEntries() {
        final class Box {}
        var table = RecentEntries<LogString, Box>()
        func hash(_ key: LogString) -> UInt64 {
            var hash = RecentEntries<LogString, Box>.seed
            RecentEntries<LogString, Box>.mix(&hash, key)
            return hash
        }
        let python = Box()
        #expect(table.value(for: "python3", hash: hash("python3")) == nil)
        table.remember("python3", hash: hash("python3"), python)
        #expect(table.value(for: "python3", hash: hash("python3")) === python)
        // Another key in the same slot (the same hash, as a crafted collision would give) is a miss.
        #expect(table.value(for: "perl", hash: hash("python3")) == nil)
        let perl = Box()
        table.remember("perl", hash: hash("python3"), perl)
        #expect(table.value(for: "python3", hash: hash("python3")) == nil)
        #expect(table.value(for: "perl", hash: hash("python3")) === perl)
        table.removeAll()
        #expect(table.value(for: "perl", hash: hash("python3")) == nil)
        // No value and an empty one hash differently.
        var none = RecentEntries<LogString, Box>.seed
        RecentEntries<LogString, Box>.mix(&none, nil)
        #expect(none != hash(""))
    }

    @Test("list matches by names: one entry per exact set of names, new after the limit")
    func listMatchCacheEntries() {
        let cache = ListMatchCache(cacheableLists: ["shells"])
        let sh = ListMatchCache.Names(exe: "/usr/bin/sh", comm: nil, argv0: nil, argv1: nil)
        let first = cache.entry(for: sh)
        #expect(cache.entry(for: sh) === first)
        #expect(
            cache.entry(for: ListMatchCache.Names(exe: "/usr/bin/sh", comm: "sh", argv0: nil, argv1: nil)) !== first)
        for number in 0..<ListMatchCache.limit {
            _ = cache.entry(
                for: ListMatchCache.Names(exe: LogString("/bin/\(number)"), comm: nil, argv0: nil, argv1: nil))
        }
        let again = cache.entry(for: sh)
        #expect(again !== first && cache.entry(for: sh) === again)
    }

    @Test("names are matched as written or without version; a login shell's dash is ignored")
    func entries() {
        let names: Set<String> = ["bash", "apache2", "python"]
        #expect(NameMatcher.entry(for: "apache2", in: names) == "apache2")
        #expect(NameMatcher.entry(for: "python3.11", in: names) == "python")
        #expect(NameMatcher.entry(for: "pythonista", in: names) == nil)
        #expect(NameMatcher.plainName("-bash") == "bash")
    }
}

@Suite("auditree rules", .serialized)
struct RulesCommandTests {
    @Test("rules check: ok, warnings with file:line:column, errors exit 2 with the key path")
    func check() throws {
        let good = try ruleFile("check-good", "version: 1\nlists:\n  web_servers: {add: [granian]}\n")
        let ok = try CLI.run(["rules", "check", good])
        #expect(ok.status == 0)
        #expect(ok.text == "ok: \(good): 4 active rule(s), 10 list(s), 7 exception(s), 10 context indicator(s)\n")
        #expect(ok.stderr.isEmpty)
        let newer = try ruleFile("check-newer", "version: 2\nlists:\n  web_servers: {add: [granian]}\ncolour: blue\n")
        let warned = try CLI.run(["rules", "check", newer])
        #expect(warned.status == 0)
        #expect(warned.stderr.hasSuffix("\(newer):4:1: warning: colour: unknown key 'colour' (ignored)\n"))
        let bad = try ruleFile(
            "check-bad",
            """
            version: 1
            rules:
              - id: a
                severity: low
                child: {list: shells}
                spawner: {list: interpreters}
              - id: b
                severity: low
                child: {list: shells}
                spawner: {list: interpreters}
              - id: c
                severity: low
                child: {list: shells}
                spawner: {list: interpreters, within: soon}
            """)
        let failed = try CLI.run(["rules", "check", bad])
        #expect(failed.status == 2)
        #expect(failed.stderr == "\(bad):14:43: error: rules[2].spawner.within: expected an integer\n")
        #expect(failed.text.isEmpty)
        // Standalone (no pack), the pack's lists are unknown.
        let alone = try CLI.run(["rules", "check", "--no-default-rules", good])
        #expect(
            alone.status == 2
                && alone.stderr.contains(
                    "\(good):3:16: error: lists.web_servers: no list named 'web_servers' to change")
        )
    }

    @Test("a bad rule file stops the scan before any input is read (exit 2)")
    func badRulesStopScan() throws {
        let bad = try ruleFile("scan-bad", "version: 1\nrules: [{id: x}]\n")
        let run = try CLI.run(["scan", "--rules", bad, "fixtures/recorded/no-such.log"])
        #expect(run.status == 2)
        #expect(
            run.stderr
                == "\(bad):2:9: error: rules[0]: no rule 'x' loaded before to enable or disable; a new rule needs 'severity', 'child' and 'spawner'\n"
        )
        let missing = try CLI.run(["scan", "--rules", "/nonexistent/rules.yaml", "fixtures/edge/empty.log"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "/nonexistent/rules.yaml: error: cannot open: No such file or directory\n")
        // A newer version's file: its unknown keys are warnings on stderr and the scan runs.
        let warn = try ruleFile("scan-warn", "version: 2\nshiny: true\n")
        let scanned = try CLI.run(["scan", "--rules", warn, "fixtures/edge/empty.log"])
        #expect(
            scanned.status == 0 && scanned.stderr.contains("\(warn):2:1: warning: shiny: unknown key 'shiny' (ignored)")
        )
    }

    @Test("rules list and show: every active rule with its origin; one rule in full; --no-default-rules respected")
    func listAndShow() throws {
        let list = try CLI.run(["rules", "list"])
        #expect(list.status == 0)
        #expect(
            list.text.hasPrefix(
                "Files: <built-in>\n\nRules (4 active, in the order they are tried):\n  illegitimate_shell  [high]  shells spawned by web_servers"
            ))
        #expect(
            list.text.contains(
                "  interpreter_shell_spawn  [critical]  shells spawned by interpreters  (parent, replaced_image)  from <built-in>:"
            ))
        #expect(list.text.contains("  package_managers  (all rules; <built-in>:"))
        let show = try CLI.run(["rules", "show", "illegitimate_shell"])
        #expect(show.status == 0)
        for line in [
            "id:          illegitimate_shell", "severity:    high", "mitre:       T1190, T1505.003",
            "infer:       when the process above the shell is unknown:",
            "             web_user + web_root_cwd -> confidence medium", "  package_managers (global, <built-in>:",
        ] {
            #expect(show.text.contains(line), "\(line)")
        }
        #expect(show.text.contains("tomcat (java, argv =~ /org"))
        let unknown = try CLI.run(["rules", "show", "nope"])
        #expect(
            unknown.status == 2
                && unknown.stderr
                    == "auditree: error: no rule 'nope'; known: illegitimate_shell, interpreter_shell_spawn, temp_location_exec, temp_location_shell\n"
        )
        let typo = try CLI.run(["rules", "show", "ilegitimate_shell"])
        #expect(typo.status == 2)
        #expect(
            typo.stderr
                == "auditree: error: no rule 'ilegitimate_shell'; did you mean 'illegitimate_shell'? known: illegitimate_shell, interpreter_shell_spawn, temp_location_exec, temp_location_shell\n"
        )
        let own = try ruleFile(
            "own",
            """
            version: 1
            lists: {s: [sh], p: [perl]}
            rules:
              - {id: mine, severity: medium, child: {list: s, user: www-data}, spawner: {list: p}, exceptions: [{reason: test box, host: lab1}]}
            """)
        let ownList = try CLI.run(["rules", "list", "--no-default-rules", "--rules", own])
        #expect(
            ownList.text.hasPrefix(
                "Files: \(own)\n\nRules (1 active, in the order they are tried):\n  mine  [medium]  s spawned by p  (parent)  from \(own):4\n      exception mine#1: test box  (\(own):4)\n"
            ))
        let ownShow = try CLI.run(["rules", "show", "--no-default-rules", "--rules", own, "mine"])
        #expect(ownShow.text.contains("child:       list s and user=www-data\n"))
        #expect(try CLI.run(["rules", "show", "--no-default-rules", "--rules", own, "illegitimate_shell"]).status == 2)
    }
}
