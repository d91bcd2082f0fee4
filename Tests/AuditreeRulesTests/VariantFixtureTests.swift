import Foundation
import TestSupport
import Testing

@testable import AuditreeParser
@testable import AuditreeReport
@testable import AuditreeRules
@testable import AuditreeScan

/// Issue 17's detection variants, on the recordings of fixtures/record/record-variants.sh
/// (and their fresh-PROCTITLE derivations): the evidence each finding must explain.
@Suite("Detection variants")
struct VariantFixtureTests {
    static let variants = [
        "variants-enriched-fork", "variants-raw-execve", "variants-enriched-fork-fresh", "variants-raw-execve-fresh",
    ]

    func finding(_ marker: String, in name: String) throws -> Finding {
        let report = try Fixtures.scan([Fixtures.recorded(name)])
        return try #require(
            report.findings.first { argvContains($0.process.image, marker) }, "\(name): \(marker) not flagged")
    }

    @Test(
        "sudo: the launcher chain is shown and the user changes from the spawner's to the shell's", arguments: variants)
    func sudoChain(name: String) throws {
        let sudo = try finding("v-sudo", in: name)
        #expect(sudo.spawner.image?.exe?.basename == "python3.11")
        #expect(sudo.launchers.map { $0.process.image?.exe?.basename.lossyString } == ["sudo"])
        #expect(sudo.spawner.image?.uid == 0 && sudo.process.image?.uid == 65534)
        let text = TextReporter().renderFinding(sudo)
        #expect(text.contains("through 1 launcher(s): sudo pid"))
        #expect(text.contains("users    spawner uid=0") && text.contains("-> shell uid=65534"))
        #expect(sudo.spawner.pid != sudo.launchers.first?.process.pid)  // python itself, not its fork that became sudo
    }

    @Test(
        "a chain of launchers (nice, timeout, env) is looked through and listed nearest first",
        arguments: ["variants-enriched-fork", "variants-raw-execve"])
    func launcherChain(name: String) throws {
        let chain = try finding("v-chain", in: name)
        #expect(chain.launchers.map { $0.process.image?.exe?.basename.lossyString } == ["env", "timeout", "nice"])
        #expect(chain.spawnerRelation == .parent)
    }

    @Test("find -exec and awk system() are looked through below an interpreter; awk below a shell is quiet")
    func commandRunners() throws {
        let report = try Fixtures.scan([Fixtures.recorded("variants-raw-execve")])
        for marker in ["v-find-exec", "v-awk-system"] {
            let hit = try #require(report.findings.first { argvContains($0.process.image, marker) })
            #expect(
                hit.rule.id == "interpreter_shell_spawn" && hit.spawner.image?.exe?.basename == "python3.11",
                "\(marker)")
        }
        #expect(!report.findings.contains { argvContains($0.process.image, "lk-awk-under-shell") })
    }

    @Test("identity comes from the exe: a shell named like an interpreter is a shell, a python named sh is not a shell")
    func identityFromExe() throws {
        let report = try Fixtures.scan([Fixtures.recorded("variants-enriched-fork")])
        let renamed = try #require(report.findings.first { argvContains($0.process.image, "v-argv0-kworker") })
        #expect(renamed.childMatch.field == .exe && renamed.childMatch.value == "dash")
        let symlink = try #require(report.findings.first { argvContains($0.process.image, "v-symlink-shell") })
        #expect(symlink.process.image?.exe == "/usr/bin/bash")
        for marker in ["lk-fakepy-argv0", "lk-script-python3", "lk-py-named-sh"] {
            #expect(
                !report.findings.contains {
                    argvContains($0.process.image, marker) || argvContains($0.spawner.image, marker)
                }, "\(marker)")
        }
    }

    @Test(
        "copied, renamed and fileless programs: their own rules, with the location as evidence",
        arguments: ["variants-enriched-fork", "variants-raw-execve"])
    func tempLocations(name: String) throws {
        let memfd = try finding("v-memfd", in: name)
        #expect(memfd.rule.id == "temp_location_exec")
        #expect(memfd.childMatch.entry == "memfd" && memfd.childMatch.value == "/memfd:kworker (deleted)")
        #expect(try finding("v-deleted", in: name).childMatch.entry == "deleted-file")
        #expect(try finding("v-tmp-kworker", in: name).childMatch.entry == "temp-dir")
        let child = try finding("v-vartmp-child", in: name)
        #expect(child.rule.id == "temp_location_shell")
        #expect(child.spawnerMatch.entry == "temp-dir" && child.spawner.image?.exe == "/var/tmp/auditree-v/svc")
    }

    @Test(
        "a match by location shows the file's identity from the exec's own PATH item 0 (inode, device, mode, nametype)",
        arguments: ["variants-enriched-fork", "variants-raw-execve"])
    func pathIdentity(name: String) throws {
        let log = try String(contentsOfFile: Fixtures.recorded(name), encoding: .isoLatin1)
        for (marker, spawnerSide) in [
            ("v-tmp-kworker", false), ("v-memfd", false), ("v-deleted", false), ("v-vartmp-child", true),
        ] {
            let hit = try finding(marker, in: name)
            let image = try #require(spawnerSide ? hit.spawner.image : hit.process.image)
            let file = try #require(image.file, "\(marker): no PATH identity")
            // The log's own PATH item 0 of that exec, read here independently of the parser.
            let stamp = "msg=audit(\(image.stamp)): item=0 "
            let line = try #require(
                log.split(separator: "\n").first { $0.contains("type=PATH ") && $0.contains(stamp) }, "\(marker)")
            func field(_ key: String) -> String? {
                line.split(separator: " ").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
            }
            #expect(
                file.inode.map(String.init) == field("inode") && file.device == field("dev")
                    && file.mode == field("mode"), "\(marker)")
            #expect(file.nametype == field("nametype")?.split(separator: "\u{1D}").first.map(String.init), "\(marker)")
            let text = TextReporter().renderFinding(hit)
            #expect(
                text.contains("  file     \(spawnerSide ? "spawner" : "shell") inode \(file.inode ?? 0) dev "),
                "\(marker)")
            if marker == "v-memfd" || marker == "v-deleted" {
                #expect(
                    file.name?.isEmpty == true && text.contains("(empty: an execveat on a file descriptor)"),
                    "\(marker)")
            }
        }
        // A match by name carries no file evidence in the report.
        let byName = try finding("v-env", in: name)
        #expect(!byName.childMatch.byLocation && !TextReporter().renderFinding(byName).contains("  file     "))
    }

    @Test("PATH records are read only when a rule judges programs by location")
    func pathRecordsOnlyWhenNeeded() throws {
        let rules = try ruleFile(
            "by-name-only",
            """
            version: 1
            lists: {shells: [sh, dash, bash], interpreters: [python3]}
            rules:
              - {id: py_shell, name: py, description: py, severity: high, child: {list: shells}, spawner: {list: interpreters}}
            """)
        var configuration = ScanConfiguration(inputs: [try Fixtures.recorded("variants-enriched-fork")])
        configuration.ruleFiles = [rules]
        configuration.useDefaultRules = false
        configuration.collectExecs = true
        let report = try Scanner.run(configuration)
        #expect(!report.findings.isEmpty && report.findings.allSatisfy { $0.process.image?.file == nil })
        var parser = RecordParser(detail: .scanWithExecutable)
        let path =
            #"type=PATH msg=audit(1.000:1): item=0 name="/tmp/x" inode=42 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL"#
        let other =
            #"type=PATH msg=audit(1.000:1): item=1 name="/lib64/ld-linux-x86-64.so.2" inode=7 dev=fe:00 mode=0100755 nametype=NORMAL"#
        func parsed(_ line: String) -> PathRecord? {
            let bytes = Array(line.utf8)
            guard case .success(let record)? = parser.parse(bytes.span, lineNumber: 1),
                case .path(let body) = record.body
            else { return nil }
            return body
        }
        let first = try #require(parsed(path))
        #expect(
            first.inode == 42 && first.device == "fe:00" && first.mode == "0100755" && first.nametype == "NORMAL"
                && first.name == "/tmp/x")
        #expect(parsed(other) == nil)
    }

    @Test(
        "web daemons with an unset auid (fixtures/record/record-webdaemon.sh): found with fork records, inferred without; a web user's cron job is quiet"
    )
    func webDaemons() throws {
        let fork = try Fixtures.scan([Fixtures.recorded("webdaemon-enriched-fork")])
        for marker in ["wd-daemon-cgi", "wd-daemonize-cgi"] {
            let hit = try #require(fork.findings.first { argvContains($0.process.image, marker) }, "\(marker)")
            // The daemonized lighttpd (forked, its parent exited) is still the server.
            #expect(
                hit.rule.id == "illegitimate_shell" && hit.inference == nil
                    && hit.spawner.image?.exe == "/usr/sbin/lighttpd", "\(marker)")
        }
        let raw = try Fixtures.scan([Fixtures.recorded("webdaemon-raw-execve")])
        let daemon = try #require(raw.findings.first { argvContains($0.process.image, "wd-daemon-cgi") })
        #expect(
            daemon.inference?.confidence == .low
                && daemon.inference?.evidence.map(\.id) == ["web_user", "daemon_session"])
        #expect(daemon.process.image?.auid == 4_294_967_295 && daemon.process.image?.tty == "(none)")
        let daemonized = try #require(raw.findings.first { argvContains($0.process.image, "wd-daemonize-cgi") })
        // lighttpd -f DIR/lighttpd-8093.conf teaches DIR, the docroot is below it.
        #expect(
            daemonized.inference?.confidence == .medium
                && daemonized.inference?.evidence.map(\.id) == ["web_user", "learned_web_root"])
        for report in [fork, raw] {
            #expect(!report.findings.contains { argvContains($0.process.image, "wd-cron") })
        }
    }

    @Test(
        "a daemonizing apache2 with piped logs (fixtures/record/record-webpipe.sh): its worker's CGI and web shell are the server's; its piped loggers are quiet"
    )
    func webPipes() throws {
        var configuration = ScanConfiguration(inputs: [Fixtures.recorded("webpipe-enriched-fork")])
        configuration.showSuppressed = true
        let fork = try Scanner.run(configuration)
        let cgi = try #require(fork.findings.first { argvContains($0.process.image, "wp-cgi") })
        let php = try #require(fork.findings.first { argvContains($0.process.image, "wp-php-chdir") })
        for hit in [cgi, php] {
            // The worker was forked by the daemon child, which the exec'd apache2 forked before it exited.
            #expect(
                hit.rule.id == "illegitimate_shell" && hit.inference == nil
                    && hit.spawner.image?.exe == "/usr/sbin/apache2")
            #expect(hit.spawner.image?.origin != .exec)
        }
        #expect(cgi.spawner.pid == php.spawner.pid)
        // Three piped logs through /bin/sh -c: apache2's error log from the exec'd process and again from its
        // daemon child, lighttpd's access log. Each a web server's shell, each suppressed and listed.
        #expect(fork.findings.count == 2)
        #expect(fork.summary.suppressedByException == ["piped_logger": 3])
        let logShells = fork.summary.suppressedFindings.map { $0.process.image.map(NameMatcher.commandLine) ?? "" }
        #expect(logShells.count == 3 && logShells.allSatisfy { $0.hasPrefix("/bin/sh -c /usr/bin/rotatelogs ") })

        let raw = try Fixtures.scan([Fixtures.recorded("webpipe-raw-execve")])
        let rawCGI = try #require(raw.findings.first { argvContains($0.process.image, "wp-cgi") })
        let rawPHP = try #require(raw.findings.first { argvContains($0.process.image, "wp-php-chdir") })
        #expect(raw.findings.count == 2)
        // Only the exec'd apache2's piped error log has a parent this log describes: suppressed. Its daemon
        // child's and lighttpd's (root; www-data with a session) have unknown parents and nothing to infer from.
        #expect(raw.summary.suppressedByException == ["piped_logger": 1])
        // The CGI: its worker never exec'd. No default web root holds and no server's command line names
        // its directory (apache2 names only -f ROOT/conf/httpd.conf): the root is the working directory of the
        // rotatelogs the exec'd apache2 started before it daemonized.
        let cwd = try #require(rawCGI.process.image?.cwd?.lossyString)
        #expect(cwd == "/tmp/auditree-rec/ap/scripts")
        let inference = try #require(rawCGI.inference)
        #expect(inference.confidence == .medium && inference.evidence.map(\.id) == ["web_user", "learned_web_root"])
        #expect(!rawCGI.context.contains { $0.id == "web_root_cwd" })
        let text = try String(contentsOfFile: Fixtures.recorded("webpipe-raw-execve"), encoding: .isoLatin1)
        #expect(text.contains("a0=\"/usr/bin/rotatelogs\" a1=\"/tmp/auditree-rec/ap/logs/lk-ap-accesslog"))
        #expect(text.contains("cwd=\"/tmp/auditree-rec/ap\""))
        let serverRoots = RuleEvaluator.rootsNamed(by: [
            "apache2", "-k", "start", "-f", "/tmp/auditree-rec/ap/conf/httpd.conf",
        ])
        #expect(serverRoots == ["/tmp/auditree-rec/ap/conf"] && !NameMatcher.hasPathPrefix(cwd, serverRoots))
        // The web shell moved to /tmp: the web user alone infers nothing, so it carries the CGI's inference, low.
        #expect(rawPHP.process.image?.cwd == "/tmp")
        #expect(rawPHP.process.ppid == rawCGI.process.ppid)
        let carried = try #require(rawPHP.inference)
        #expect(carried.confidence == .low && carried.evidence.map(\.id) == ["sibling_inference"])
        #expect(carried.evidence.first?.pid == rawCGI.process.pid)
        #expect(
            carried.evidence.first?.description.contains("(confidence medium) from web_user, learned_web_root") == true)
        for report in [fork, raw] {
            for marker in ["lk-ap-errlog", "lk-ap-accesslog", "lk-lt-accesslog"] {
                #expect(!report.findings.contains { argvContains($0.process.image, marker) }, "\(marker)")
            }
        }
    }

    @Test("fileless execs are execveat with an empty path")
    func execveatRecorded() throws {
        let text = try String(contentsOfFile: Fixtures.recorded("variants-raw-execve"), encoding: .isoLatin1)
        #expect(text.contains("syscall=322 success=yes"))
    }

    @Test(
        "a Java thread's failed execs tell what its same-pid exec of bash replaced",
        arguments: ["variants-raw-execve", "variants-raw-execve-fresh"])
    func failedExecIdentity(name: String) throws {
        let java = try finding("v-java-http", in: name)
        #expect(java.rule.id == "interpreter_shell_spawn")
        #expect(java.spawnerRelation == .replacedImage)
        #expect(java.spawner.image?.origin == .observed)
        #expect(java.spawner.image?.comm == "http-nio-8085-e")
    }

    @Test("same-pid execs keep their spawner whether the kernel caches PROCTITLE or not", arguments: variants)
    func samePidLineage(name: String) throws {
        for marker in ["v-execv-late", "v-execvp-search"] {
            let hit = try finding(marker, in: name)
            #expect(hit.spawnerRelation == .replacedImage && hit.spawner.pid == hit.process.pid, "\(name): \(marker)")
        }
    }

    @Test(
        "pid reuse after an interpreter exited is a new process wherever the log can tell",
        arguments: ["variants-enriched-fork", "variants-raw-execve", "variants-enriched-fork-fresh"])
    func pidReuse(name: String) throws {
        let report = try Fixtures.scan([Fixtures.recorded(name)])
        #expect(!report.findings.contains { argvContains($0.process.image, "lk-pid-reuse") })
    }

    @Test(
        "servers by data: php -S and php-cgi are web servers (illegitimate_shell wins over interpreter_shell_spawn)",
        arguments: ["variants-enriched-fork", "variants-raw-execve"])
    func moreServers(name: String) throws {
        let builtin = try finding("v-php-builtin", in: name)
        #expect(builtin.rule.id == "illegitimate_shell" && builtin.spawnerMatch.entry == "php-builtin-server")
        #expect(try finding("v-php-cgi", in: name).rule.id == "illegitimate_shell")
        let tcl = try finding("v-tclsh", in: name)
        #expect(tcl.spawnerMatch.value == "tclsh8.6" && tcl.spawnerMatch.entry == "tclsh")
        #expect(try finding("v-perl-versioned", in: name).spawnerMatch.entry == "perl")
    }

    @Test(
        "execve-only: a gunicorn worker's shell is inferred from the web user and the --chdir root learned from the master"
    )
    func learnedRoot() throws {
        let gunicorn = try finding("v-gunicorn", in: "variants-raw-execve")
        let inference = try #require(gunicorn.inference)
        #expect(inference.confidence == .medium)
        #expect(inference.evidence.map(\.id) == ["web_user", "learned_web_root"])
        // With fork records the worker links to its master: a certain parent, not an inference.
        #expect(try finding("v-gunicorn", in: "variants-enriched-fork").inference == nil)
    }

    @Test("look-alikes are suppressed by their exceptions, counted and listed")
    func lookAlikeExceptions() throws {
        let report = try Fixtures.scan([Fixtures.recorded("variants-enriched-fork")])
        let byException = report.summary.suppressedByException
        #expect((byException["build_tools"] ?? 0) >= 1)
        #expect((byException["git_hooks"] ?? 0) >= 1)
        #expect((byException["package_managers"] ?? 0) >= 3)  // npm run, pip build, dpkg maintainer script
    }

    @Test("list entries: exe_regex and included lists; an include must name another list")
    func listEntries() throws {
        let set = try RuleFileParser.parse(
            """
            version: 1
            lists:
              a: [python]
              b: [{list: a}, {exe_regex: '^/opt/x/', label: opt-x}]
            """, file: "t.yaml"
        ).ruleSet
        #expect(set.lists["b"]?.includes == ["a"] && set.lists["b"]?.exePatterns.map(\.label) == ["opt-x"])
        #expect(throws: RuleFileError.self) {
            try RuleFileParser.parse("version: 1\nlists:\n  a: [{list: a}]\n", file: "t.yaml")
        }
        #expect(throws: RuleFileError.self) {
            try RuleFileParser.parse("version: 1\nlists:\n  a: [{list: nope}]\n", file: "t.yaml")
        }
        #expect(RuleEvaluator.rootsNamed(by: ["php", "-S", "127.0.0.1:80", "-t", "/srv/app/"]) == ["/srv/app"])
        #expect(
            RuleEvaluator.rootsNamed(by: ["nginx", "-c", "/etc/nginx/nginx.conf", "-p", "/var/lib/nginx"]) == [
                "/etc/nginx", "/var/lib/nginx",
            ])
        #expect(RuleEvaluator.rootsNamed(by: ["gunicorn", "--chdir=/srv/app", "-w", "2"]) == ["/srv/app"])
    }
}
