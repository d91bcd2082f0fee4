import CAudit
import Foundation
import TestSupport
import Testing

@testable import AuditreeScan

@Suite("Audit rules (auditree audit-rules)")
struct AuditRulesTests {
    static let shipped = Fixtures.root.appendingPathComponent("docs/auditree.rules")

    @Test("the shipped rules file is what `auditree audit-rules` prints (regenerate: scripts/generate-docs.sh)")
    func shippedFileMatchesTheCommand() throws {
        let file = try String(contentsOf: Self.shipped, encoding: .utf8)
        #expect(file == AuditRules.text(for: .x86_64))
        let run = try CLI.run(["audit-rules", "--machine", "x86_64"])
        #expect(run.status == 0)
        #expect(run.text == file)
        #expect(run.stderr.isEmpty)
    }

    @Test("exec, every kind of fork and exit_group, for the 64- and 32-bit ABIs, with the auditree key")
    func coverFullLineage() {
        let lines = AuditRules.ruleLines(for: .x86_64)
        for abi in ["b64", "b32"] {
            let syscalls = Set(lines.filter { $0.contains("-F arch=\(abi) ") }.flatMap(Self.syscalls))
            #expect(syscalls == ["execve", "execveat", "clone", "fork", "vfork", "clone3", "exit_group"], "\(abi)")
        }
        #expect(lines.allSatisfy { $0.hasSuffix(" -k auditree") })
        let aarch64 = Set(AuditRules.ruleLines(for: .aarch64).filter { $0.contains("arch=b64") }.flatMap(Self.syscalls))
        #expect(aarch64 == ["execve", "execveat", "clone", "clone3", "exit_group"])
    }

    /// libaudit's machine for each `-F arch=` value of a machine's rules.
    static func libauditMachine(_ machine: AuditRules.Machine, abi: String) -> Int32 {
        switch (machine, abi) {
        case (.x86_64, "b64"): Int32(MACH_86_64.rawValue)
        case (.x86_64, _): Int32(MACH_X86.rawValue)
        case (.aarch64, "b64"): Int32(MACH_AARCH64.rawValue)
        case (.aarch64, _): Int32(MACH_ARM.rawValue)
        }
    }

    @Test(
        "every system call name is known to libaudit's table for its machine and ABI",
        arguments: AuditRules.Machine.allCases)
    func syscallNamesResolve(machine: AuditRules.Machine) {
        for line in AuditRules.ruleLines(for: machine) {
            let abi = Self.field(line, "-F").replacingOccurrences(of: "arch=", with: "")
            for name in Self.syscalls(line) {
                #expect(
                    audit_name_to_syscall(name, Self.libauditMachine(machine, abi: abi)) >= 0,
                    "\(machine) \(abi) \(name)")
            }
        }
    }

    /// libaudit's exported parser state (`_audit_elf`, `_audit_syscalladded`, ...), which
    /// auditctl resets before each line and sets after `-S`; libaudit.h does not declare it.
    static func parserState(_ name: String) throws -> UnsafeMutablePointer<Int32> {
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), name), "libaudit exports \(name)")
        return symbol.assumingMemoryBound(to: Int32.self)
    }

    /// Builds each line into a kernel rule with the libaudit calls auditctl makes for `-a`,
    /// `-F`, `-S` and `-k` (audit-userspace src/auditctl.c, setopt), without sending it
    /// anywhere: kernel audit state is untouched.
    @Test("each rule line of this machine builds into a kernel rule the way auditctl builds it")
    func linesBuildWithLibaudit() throws {
        #if arch(x86_64)
        let state = try [
            "_audit_elf", "_audit_syscalladded", "_audit_archadded", "_audit_permadded", "_audit_exeadded",
            "_audit_filterfsadded",
        ].map(Self.parserState)
        for line in AuditRules.ruleLines(for: .x86_64) {
            for variable in state { variable.pointee = 0 }
            let words = line.split(separator: " ").map(String.init)
            try #require(
                words.count == 8 && words[0] == "-a" && words[2] == "-F" && words[4] == "-S" && words[6] == "-k",
                "\(line)")
            let listAndAction = words[1].split(separator: ",").map(String.init)
            #expect(audit_name_to_action(listAndAction[0]) == AUDIT_ALWAYS, "\(line)")
            #expect(audit_name_to_flag(listAndAction[1]) == AUDIT_FILTER_EXIT, "\(line)")
            var rule = audit_rule_create_data()
            defer { audit_rule_free_data(rule) }
            #expect(audit_rule_fieldpair_data(&rule, words[3], Int32(AUDIT_FILTER_EXIT)) == 0, "\(line): \(words[3])")
            for name in words[5].split(separator: ",") {
                #expect(audit_rule_syscallbyname_data(rule, String(name)) == 0, "\(line): \(name)")
            }
            try Self.parserState("_audit_syscalladded").pointee = 1
            #expect(audit_rule_fieldpair_data(&rule, "key=\(words[7])", Int32(AUDIT_FILTER_EXIT)) == 0, "\(line): key")
            // The syscall mask holds exactly the named calls of the rule's ABI.
            let machine = Self.libauditMachine(.x86_64, abi: words[3] == "arch=b64" ? "b64" : "b32")
            let expected = Set(words[5].split(separator: ",").map { audit_name_to_syscall(String($0), machine) })
            let mask = try #require(rule).pointee.mask
            let bits = withUnsafeBytes(of: mask) { Array($0.bindMemory(to: UInt32.self)) }
            let set = Set((0..<bits.count * 32).filter { bits[$0 / 32] & (1 << UInt32($0 % 32)) != 0 }.map(Int32.init))
            #expect(set == expected, "\(line)")
        }
        for variable in state { variable.pointee = 0 }
        #endif
    }

    static func syscalls(_ line: String) -> [String] { field(line, "-S").split(separator: ",").map(String.init) }

    static func field(_ line: String, _ flag: String) -> String {
        let words = line.split(separator: " ").map(String.init)
        guard let index = words.firstIndex(of: flag), index + 1 < words.count else { return "" }
        return words[index + 1]
    }
}
