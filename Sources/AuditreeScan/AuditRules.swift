/// The `auditctl -R` rules that give auditree full process lineage: one source for
/// `auditree audit-rules` and the file the package ships (share/auditree/auditree.rules,
/// kept in the repository as docs/audit-rules/auditree.rules; a test checks they agree).
public enum AuditRules {
    /// The key every rule carries (`ausearch -k auditree` finds their events).
    public static let key = "auditree"

    /// The machines the rules are written for: `auditctl` refuses a syscall name the
    /// architecture does not have (aarch64 has no fork or vfork).
    public enum Machine: String, CaseIterable, Sendable {
        // The architectures' own names (the raw values auditctl and the CLI use).
        // swift-format-ignore: AlwaysUseLowerCamelCase
        case x86_64, aarch64

        /// The machine this binary was built for.
        public static var current: Machine {
            #if arch(arm64)
            return .aarch64
            #else
            return .x86_64
            #endif
        }

        /// `-F arch=` values: the native ABI first, then the 32-bit one the kernel also runs.
        public var abis: [String] { ["b64", "b32"] }

        /// Whether `abi` of this machine has the classic fork and vfork system calls.
        func hasForkAndVfork(_ abi: String) -> Bool {
            switch self {
            case .x86_64: true
            case .aarch64: abi == "b32"
            }
        }
    }

    /// The system calls of each rule line of one ABI, in the order they are written.
    public static func syscallGroups(for machine: Machine, abi: String) -> [[String]] {
        let forks = machine.hasForkAndVfork(abi) ? ["clone", "fork", "vfork", "clone3"] : ["clone", "clone3"]
        return [["execve", "execveat"], forks, ["exit_group"]]
    }

    /// The rule lines, without comments.
    public static func ruleLines(for machine: Machine = .current) -> [String] {
        machine.abis.flatMap { abi in
            syscallGroups(for: machine, abi: abi).map { syscalls in
                "-a always,exit -F arch=\(abi) -S \(syscalls.joined(separator: ",")) -k \(key)"
            }
        }
    }

    /// The whole file: what each rule gives, what it costs, then the rules.
    public static func text(for machine: Machine = .current) -> String {
        var lines = [
            "## auditree: audit rules for full process lineage (\(machine.rawValue)).",
            "## Printed by `auditree audit-rules`; installed as share/auditree/auditree.rules.",
            "## Load for good: copy to /etc/audit/rules.d/50-auditree.rules, then `augenrules --load`.",
            "## Load now (until reboot): auditctl -R auditree.rules. Both need root.",
            "##",
            "## execve, execveat: every program started, with its arguments (SYSCALL, EXECVE, CWD,",
            "##   PATH, PROCTITLE records; about 1.4 KB an exec in ENRICHED format). Without them",
            "##   auditree sees no shells at all.",
            "## clone, fork, vfork, clone3: who created each process. Without them a process that",
            "##   forked but never exec'd (a web server's worker, a shell's subshell, a daemon) is an",
            "##   unknown parent: a shell it spawned is not linked to the web server above it, and",
            "##   illegitimate_shell cannot fire (docs/audit-rules.md). About 0.6 KB a fork.",
            "## exit_group: the end of each process (about 0.6 KB); it names processes that neither",
            "##   exec'd nor forked while audited. The cheapest group to drop if volume matters.",
            "##",
            "## Cost: the kernel writes one event per call on every process of the host. A busy",
            "##   build or CI host forks and execs thousands of times a second: expect hundreds",
            "##   of MB of log a day there, and raise auditd's max_log_file / num_logs and the",
            "##   backlog (-b) to match. Scope the rules to what you want to watch with -F before",
            "##   -k (e.g. -F auid>=1000 -F auid!=unset for people's sessions); processes scoped",
            "##   out become unknown parents. An auditctl too old to know clone3 says \"Syscall name",
            "##   unknown: clone3\": remove clone3 from those lines.",
            "",
        ]
        lines += ruleLines(for: machine)
        return lines.joined(separator: "\n") + "\n"
    }
}
