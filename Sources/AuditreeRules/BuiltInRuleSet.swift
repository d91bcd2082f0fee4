// swift-format-ignore-file
// Generated from default-rules.yaml by Tests/AuditreeRulesTests/BuiltInRuleSetSource.swift: do not
// edit. After changing the pack, regenerate it with
//   AUDITREE_UPDATE_GOLDEN=1 swift test --filter BuiltInRuleSetTests
// and review the diff; the test fails while this file is not what the parser makes of the pack.

extension RuleSet {
    /// The built-in pack as `RuleFileParser.parseBuiltIn` reads default-rules.yaml, built
    /// without reading YAML (only its regular expressions are compiled).
    static func compiledBuiltIn() throws(RegexSyntaxError) -> RuleSet {
        var set = RuleSet()
        set.lists["build_tools"] = NameList(
            names: ["cmake", "debuild", "dpkg-buildpackage", "gmake", "make", "meson", "ninja", "rpmbuild"],
            patterns: [],
            exePatterns: [],
            includes: [],
            origins: [RuleOrigin(file: "<built-in>", line: 150)])
        set.lists["code_runners"] = NameList(
            names: [],
            patterns: [],
            exePatterns: [],
            includes: ["web_servers", "interpreters"],
            origins: [RuleOrigin(file: "<built-in>", line: 146)])
        set.lists["config_management"] = NameList(
            names: ["chef-client", "cloud-init", "puppet", "salt-call", "salt-minion"],
            patterns: [
                NamePattern(label: "ansible-module", name: "python", argv: try TextPattern("/\\.ansible/tmp/")),
            ],
            exePatterns: [],
            includes: [],
            origins: [RuleOrigin(file: "<built-in>", line: 205)])
        set.lists["interpreters"] = NameList(
            names: ["Rscript", "bun", "deno", "expect", "guile", "java", "julia", "lua", "luajit", "node", "nodejs", "perl", "php", "php-cgi", "pypy", "python", "ruby", "tclsh", "wish"],
            patterns: [],
            exePatterns: [],
            includes: [],
            origins: [RuleOrigin(file: "<built-in>", line: 25)])
        set.lists["launchers"] = NameList(
            names: ["awk", "chroot", "chrt", "doas", "env", "exec", "find", "flock", "gawk", "ionice", "jspawnhelper", "less", "mawk", "more", "nawk", "nice", "nohup", "nsenter", "nvim", "runuser", "script", "setpriv", "setsid", "stdbuf", "su", "sudo", "taskset", "timeout", "unshare", "vi", "vim", "watch", "xargs"],
            patterns: [],
            exePatterns: [],
            includes: [],
            origins: [RuleOrigin(file: "<built-in>", line: 99)])
        set.lists["netcat"] = NameList(
            names: ["nc", "nc.openbsd", "nc.traditional", "ncat", "netcat", "socat"],
            patterns: [],
            exePatterns: [],
            includes: [],
            origins: [RuleOrigin(file: "<built-in>", line: 213)])
        set.lists["package_managers"] = NameList(
            names: ["apk", "apt", "apt-get", "apt-listchanges", "aptitude", "bundle", "bundler", "cargo", "composer", "conda", "dnf", "dpkg", "dpkg-preconfigure", "dpkg-reconfigur", "dpkg-reconfigure", "dpkg-trigger", "flatpak", "gem", "mamba", "microdnf", "micromamba", "npm", "npx", "packagekitd", "pacman", "pip", "pip3", "pipx", "pnpm", "poetry", "rpm", "rustup", "snap", "snapd", "unattended-upgr", "unattended-upgrade", "uv", "yarn", "yum", "zypper"],
            patterns: [
                NamePattern(label: "python-m-pip", name: "python", argv: try TextPattern("(^| )-m (pip|ensurepip|pipx|poetry)( |$)")),
            ],
            exePatterns: [],
            includes: [],
            origins: [RuleOrigin(file: "<built-in>", line: 162)])
        set.lists["shells"] = NameList(
            names: ["ash", "bash", "csh", "dash", "fish", "hush", "ksh", "ksh93", "mksh", "pdksh", "rbash", "sh", "tcsh", "yash", "zsh"],
            patterns: [],
            exePatterns: [],
            includes: [],
            origins: [RuleOrigin(file: "<built-in>", line: 9)])
        set.lists["temp_locations"] = NameList(
            names: [],
            patterns: [],
            exePatterns: [
                ExePattern(label: "memfd", exe: try TextPattern("^/memfd:")),
                ExePattern(label: "deleted-file", exe: try TextPattern(" \\(deleted\\)$")),
                ExePattern(label: "temp-dir", exe: try TextPattern("^/(tmp|var/tmp|dev/shm|run/shm|run/user/[^/]+)/")),
            ],
            includes: [],
            origins: [RuleOrigin(file: "<built-in>", line: 141)])
        set.lists["web_servers"] = NameList(
            names: ["PassengerAgent", "apache", "apache2", "caddy", "daphne", "frankenphp", "gunicorn", "httpd", "httpd-foregroun", "hypercorn", "hypnotoad", "lighttpd", "lsphp", "nginx", "openresty", "passenger", "php-cgi", "php-fpm", "plackup", "puma", "starman", "thin", "traefik", "unicorn", "uvicorn", "uwsgi", "varnishd", "waitress-serve"],
            patterns: [
                NamePattern(label: "tomcat", name: "java", argv: try TextPattern("org\\.apache\\.catalina")),
                NamePattern(label: "jetty", name: "java", argv: try TextPattern("org\\.eclipse\\.jetty|jetty-runner|start\\.jar")),
                NamePattern(label: "wildfly", name: "java", argv: try TextPattern("jboss-modules\\.jar|org\\.jboss\\.")),
                NamePattern(label: "weblogic", name: "java", argv: try TextPattern("weblogic\\.Server")),
                NamePattern(label: "websphere", name: "java", argv: try TextPattern("com\\.ibm\\.ws\\.")),
                NamePattern(label: "spring-boot", name: "java", argv: try TextPattern("spring-boot|org\\.springframework\\.boot")),
                NamePattern(label: "war", name: "java", argv: try TextPattern("(^| )-jar \\S+\\.war( |$)")),
                NamePattern(label: "php-builtin-server", name: "php", argv: try TextPattern("(^| )-S \\S+")),
                NamePattern(label: "python-app-server", name: "python", argv: try TextPattern("(^| )-m (gunicorn|uvicorn|hypercorn|daphne|waitress|http\\.server)( |$)|manage\\.py runserver")),
                NamePattern(label: "node-server", name: "node", argv: try TextPattern("(^| )\\S*(server|app)\\.[cm]?js( |$)|(^| )\\S*bin/www( |$)|(^| )\\S*(next|nuxt) start( |$)")),
            ],
            exePatterns: [],
            includes: [],
            origins: [RuleOrigin(file: "<built-in>", line: 47)])
        set.multicall = ["busybox", "toybox"]
        var context0Any0 = ProcessCondition()
        context0Any0.uid = [33, 48]
        var context0Any1 = ProcessCondition()
        context0Any1.user = ["apache", "http", "nginx", "www-data", "wwwrun"]
        var context0 = ContextIndicator(
            id: "web_user", description: "runs as a web-server user (uid 33/48, www-data, apache, nginx)",
            raise: 1, on: [.shell],
            any: [context0Any0, context0Any1], rules: nil,
            origin: RuleOrigin(file: "<built-in>", line: 233))
        context0.exceptRules = ["illegitimate_shell"]
        set.context.append(context0)
        var context1Any0 = ProcessCondition()
        context1Any0.cwdPrefix = ["/var/www", "/srv/www", "/srv/http", "/usr/share/nginx", "/usr/lib/cgi-bin"]
        var context1Any1 = ProcessCondition()
        context1Any1.cwdRegex = try TextPattern("(^|/)cgi-bin(/|$)")
        var context1 = ContextIndicator(
            id: "web_root_cwd", description: "working directory under a web root or cgi-bin",
            raise: 1, on: [.shell],
            any: [context1Any0, context1Any1], rules: nil,
            origin: RuleOrigin(file: "<built-in>", line: 240))
        context1.exceptRules = ["illegitimate_shell"]
        set.context.append(context1)
        var context2Any0 = ProcessCondition()
        context2Any0.learnedRoot = "web_servers"
        var context2 = ContextIndicator(
            id: "learned_web_root", description: "working directory or script under a directory named on a web server's command line, or where its exec'd children ran, in this log",
            raise: 1, on: [.shell],
            any: [context2Any0], rules: nil,
            origin: RuleOrigin(file: "<built-in>", line: 250))
        context2.exceptRules = ["illegitimate_shell"]
        set.context.append(context2)
        var context3Any0 = ProcessCondition()
        context3Any0.auid = [4294967295]
        context3Any0.tty = ["(none)"]
        var context3 = ContextIndicator(
            id: "daemon_session", description: "no login session (auid unset, no tty), as a daemon started by the init system",
            raise: 0, on: [.shell],
            any: [context3Any0], rules: ["illegitimate_shell"],
            origin: RuleOrigin(file: "<built-in>", line: 258))
        context3.exceptRules = nil
        set.context.append(context3)
        var context4Any0 = ProcessCondition()
        context4Any0.keyRegex = try TextPattern("(?i)(^|[^a-z])(web|www|httpd?|apache2?|nginx|php-?fpm|lighttpd|cgi|webshell)([^a-z]|$)")
        var context4 = ContextIndicator(
            id: "web_audit_key", description: "the audit key names a web server",
            raise: 0, on: [.shell],
            any: [context4Any0], rules: nil,
            origin: RuleOrigin(file: "<built-in>", line: 264))
        context4.exceptRules = nil
        set.context.append(context4)
        var context5Any0 = ProcessCondition()
        context5Any0.list = "shells"
        context5Any0.argvRegex = try TextPattern("^\\S+( -[A-Za-z]+)* -[A-Za-z]*i[A-Za-z]*( |$)")
        var context5 = ContextIndicator(
            id: "interactive_shell", description: "interactive shell (-i)",
            raise: 1, on: [.descendants, .shell],
            any: [context5Any0], rules: nil,
            origin: RuleOrigin(file: "<built-in>", line: 269))
        context5.exceptRules = nil
        set.context.append(context5)
        var context6Any0 = ProcessCondition()
        context6Any0.argvRegex = try TextPattern("/dev/(tcp|udp)/")
        var context6 = ContextIndicator(
            id: "dev_tcp", description: "/dev/tcp or /dev/udp redirection",
            raise: 1, on: [.descendants, .shell],
            any: [context6Any0], rules: nil,
            origin: RuleOrigin(file: "<built-in>", line: 273))
        context6.exceptRules = nil
        set.context.append(context6)
        var context7Any0 = ProcessCondition()
        context7Any0.names = ["mkfifo"]
        var context7Any1 = ProcessCondition()
        context7Any1.names = ["mknod"]
        context7Any1.argvRegex = try TextPattern("(^| )p( |$)")
        var context7Any2 = ProcessCondition()
        context7Any2.list = "shells"
        context7Any2.argvRegex = try TextPattern("(^|[;&|( ])mkfifo( |$)")
        var context7 = ContextIndicator(
            id: "mkfifo", description: "named pipe created (mkfifo/mknod)",
            raise: 1, on: [.descendants, .shell],
            any: [context7Any0, context7Any1, context7Any2], rules: nil,
            origin: RuleOrigin(file: "<built-in>", line: 277))
        context7.exceptRules = nil
        set.context.append(context7)
        var context8Any0 = ProcessCondition()
        context8Any0.list = "netcat"
        var context8Any1 = ProcessCondition()
        context8Any1.list = "shells"
        context8Any1.argvRegex = try TextPattern("(^|[;&|( ])(nc|ncat|netcat|socat)( |$)")
        var context8 = ContextIndicator(
            id: "netcat", description: "netcat or socat",
            raise: 1, on: [.descendants, .shell],
            any: [context8Any0, context8Any1], rules: nil,
            origin: RuleOrigin(file: "<built-in>", line: 284))
        context8.exceptRules = nil
        set.context.append(context8)
        var context9Any0 = ProcessCondition()
        context9Any0.exePrefix = ["/tmp", "/var/tmp", "/dev/shm"]
        var context9Any1 = ProcessCondition()
        context9Any1.list = "shells"
        context9Any1.argvRegex = try TextPattern("(^\\S+ +|(^| )-c +|[;&|(`] *)(\\./)?/(tmp|var/tmp|dev/shm)/")
        var context9 = ContextIndicator(
            id: "temp_executable", description: "runs an executable from /tmp, /var/tmp or /dev/shm",
            raise: 1, on: [.descendants, .shell],
            any: [context9Any0, context9Any1], rules: nil,
            origin: RuleOrigin(file: "<built-in>", line: 290))
        context9.exceptRules = nil
        set.context.append(context9)
        var exception0Ancestor = ProcessCondition()
        exception0Ancestor.list = "package_managers"
        var exception0 = RuleException(
            id: "package_managers",
            reason: "Package managers and installers run maintainer scripts, build steps and hooks through shells by design (dpkg, apt, rpm, dnf, yum, pip, npm, gem, conda, cargo, uv, poetry, ...).",
            origin: RuleOrigin(file: "<built-in>", line: 301))
        exception0.rules = nil
        exception0.child = nil
        exception0.spawner = nil
        exception0.ancestor = exception0Ancestor
        exception0.host = nil
        set.exceptions.append(exception0)
        var exception1Ancestor = ProcessCondition()
        exception1Ancestor.argvRegex = try TextPattern("(^| )/usr/share/debconf/")
        var exception1 = RuleException(
            id: "debconf",
            reason: "debconf's frontend and helpers (Perl, /usr/share/debconf) re-run package configuration scripts in shells, also outside dpkg (dpkg-reconfigure).",
            origin: RuleOrigin(file: "<built-in>", line: 307))
        exception1.rules = nil
        exception1.child = nil
        exception1.spawner = nil
        exception1.ancestor = exception1Ancestor
        exception1.host = nil
        set.exceptions.append(exception1)
        var exception2Ancestor = ProcessCondition()
        exception2Ancestor.list = "config_management"
        var exception2 = RuleException(
            id: "config_management",
            reason: "Provisioning and configuration management agents (cloud-init, Ansible modules, Puppet, Chef, Salt) run shell commands by design.",
            origin: RuleOrigin(file: "<built-in>", line: 312))
        exception2.rules = nil
        exception2.child = nil
        exception2.spawner = nil
        exception2.ancestor = exception2Ancestor
        exception2.host = nil
        set.exceptions.append(exception2)
        var exception3Ancestor = ProcessCondition()
        exception3Ancestor.list = "build_tools"
        var exception3 = RuleException(
            id: "build_tools",
            reason: "Builds run interpreters that run shells (perl Makefile.PL, configure scripts, code generators) below make, cmake, ninja or a package build.",
            origin: RuleOrigin(file: "<built-in>", line: 317))
        exception3.rules = nil
        exception3.child = nil
        exception3.spawner = nil
        exception3.ancestor = exception3Ancestor
        exception3.host = nil
        set.exceptions.append(exception3)
        var exception4Child = ProcessCondition()
        exception4Child.auid = [33, 48]
        var exception4 = RuleException(
            id: "web_user_session",
            reason: "The web user's own login session (auid 33/48: a cron job or `su` of the web user, which pam_loginuid gives a session) runs that user's jobs, not requests a server handled. A daemon has no session (auid unset), and a server an admin started carries the admin's auid.",
            origin: RuleOrigin(file: "<built-in>", line: 322))
        exception4.rules = ["illegitimate_shell"]
        exception4.child = exception4Child
        exception4.spawner = nil
        exception4.ancestor = nil
        exception4.host = nil
        set.exceptions.append(exception4)
        var exception5Ancestor = ProcessCondition()
        exception5Ancestor.argvRegex = try TextPattern("(^| )\\S*\\.git/hooks/[^ /]+( |$)")
        var exception5 = RuleException(
            id: "git_hooks",
            reason: "git runs the hooks of a repository (.git/hooks/*), scripts of any language that may run shells: an image above the shell runs a hook.",
            origin: RuleOrigin(file: "<built-in>", line: 330))
        exception5.rules = nil
        exception5.child = nil
        exception5.spawner = nil
        exception5.ancestor = exception5Ancestor
        exception5.host = nil
        set.exceptions.append(exception5)
        var exception6Child = ProcessCondition()
        exception6Child.argvRegex = try TextPattern("^(/usr)?/bin/(sh|dash|bash) -c (exec )?(/usr(/local)?)?/s?bin/(logger|rotatelogs|cronolog|multilog|svlogd|s6-log|vlogger)( [^;&|<>$`(){}\\x5c'\"*?!#~\\n]*)?$")
        var exception6 = RuleException(
            id: "piped_logger",
            reason: "A web server runs a piped log through /bin/sh -c when it starts, reloads or restarts (apache's ErrorLog/CustomLog \"|$command\", lighttpd's \"|command\"), as the user that started it: a shell whose whole command line is one log program of the system's bin directories (logger, rotatelogs, cronolog, multilog, svlogd, s6-log, vlogger) with plain arguments, no shell syntax. The program is not a shell: anything else it ran would be judged.",
            origin: RuleOrigin(file: "<built-in>", line: 335))
        exception6.rules = ["illegitimate_shell"]
        exception6.child = exception6Child
        exception6.spawner = nil
        exception6.ancestor = nil
        exception6.host = nil
        set.exceptions.append(exception6)
        var rule0 = Rule(
            id: "illegitimate_shell", name: "Web server spawned a shell",
            description: "A command shell was started by a web server process (as in Tracee TRC-1016). Web servers serve files and hand requests to application servers; a shell below one usually means a web shell or a command injection in a CGI script or module.",
            severity: .high, category: "initial-access",
            mitre: ["T1190", "T1505.003"],
            childList: "shells", childCondition: ProcessCondition(),
            spawnerList: "web_servers", spawnerCondition: ProcessCondition(),
            relations: [.parent, .replacedImage], skipList: "launchers", within: 1,
            exceptions: [],
            inference: [
                InferenceClause(all: ["web_user", "web_root_cwd", "web_audit_key"], confidence: .medium),
                InferenceClause(all: ["web_user", "web_root_cwd"], confidence: .medium),
                InferenceClause(all: ["web_user", "web_audit_key"], confidence: .medium),
                InferenceClause(all: ["web_user", "learned_web_root"], confidence: .medium),
                InferenceClause(all: ["web_user", "daemon_session"], confidence: .low),
                InferenceClause(all: ["web_audit_key"], confidence: .low),
            ],
            enabled: true, origin: "<built-in>", line: 350)
        rule0.author = ""
        rule0.references = []
        set.allRules.append(rule0)
        var rule1 = Rule(
            id: "interpreter_shell_spawn", name: "Shell spawned by a language interpreter",
            description: "A command shell was started by a language interpreter (Python, Perl, Ruby, Node.js, Java, PHP, Lua, ...). Interpreters running application code rarely need a shell; a shell below one is typical of code injection, deserialization exploits and reverse shells.",
            severity: .critical, category: "execution",
            mitre: ["T1059", "T1059.004"],
            childList: "shells", childCondition: ProcessCondition(),
            spawnerList: "interpreters", spawnerCondition: ProcessCondition(),
            relations: [.parent, .replacedImage], skipList: "launchers", within: 1,
            exceptions: [],
            inference: [],
            enabled: true, origin: "<built-in>", line: 377)
        rule1.author = ""
        rule1.references = []
        set.allRules.append(rule1)
        var rule2 = Rule(
            id: "temp_location_exec", name: "Interpreter or web server ran a program from a temporary or memory location",
            description: "An interpreter or a web server executed a program that lives in a world-writable directory (/tmp, /var/tmp, /dev/shm), a per-user runtime directory (/run/user/*), a memfd or a deleted file. Droppers copy and rename binaries there (a shell named kworker) or run them from memory.",
            severity: .high, category: "execution",
            mitre: ["T1059", "T1036", "T1620"],
            childList: "temp_locations", childCondition: ProcessCondition(),
            spawnerList: "code_runners", spawnerCondition: ProcessCondition(),
            relations: [.parent, .replacedImage], skipList: "launchers", within: 1,
            exceptions: [],
            inference: [],
            enabled: true, origin: "<built-in>", line: 399)
        rule2.author = ""
        rule2.references = []
        set.allRules.append(rule2)
        var rule3 = Rule(
            id: "temp_location_shell", name: "Shell spawned by a program running from a temporary or memory location",
            description: "A command shell was started by a program that runs from a world-writable directory, a per-user runtime directory, a memfd or a deleted file (for example python copied to /var/tmp/svc), whatever that program is named.",
            severity: .high, category: "execution",
            mitre: ["T1059.004", "T1036"],
            childList: "shells", childCondition: ProcessCondition(),
            spawnerList: "temp_locations", spawnerCondition: ProcessCondition(),
            relations: [.parent, .replacedImage], skipList: "launchers", within: 1,
            exceptions: [],
            inference: [],
            enabled: true, origin: "<built-in>", line: 416)
        rule3.author = ""
        rule3.references = []
        set.allRules.append(rule3)
        set.files = ["<built-in>"]
        return set
    }
}
