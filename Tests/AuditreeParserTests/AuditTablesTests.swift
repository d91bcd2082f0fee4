import CAudit
import Foundation
import TestSupport
import Testing

@testable import AuditreeParser

@Suite("libaudit tables")
struct AuditTablesTests {
    /// arch= values as the kernel writes them (AUDIT_ARCH_*), with libaudit's machine names.
    static let architectures: [(arch: UInt32, name: String)] = [
        (0xC000_003E, "x86_64"), (0x4000_0003, "i386"), (0xC000_00B7, "aarch64"),
    ]

    @Test("process syscalls resolve on x86_64, i386 and aarch64", arguments: [0, 1, 2])
    func processSyscalls(_ index: Int) throws {
        let (arch, name) = Self.architectures[index]
        #expect(SyscallKind.machineName(arch: arch) == name)
        let machine = audit_elf_to_machine(arch)
        var resolved = 0
        for kind in SyscallKind.allCases where kind != .other {
            let number = audit_name_to_syscall(kind.rawValue, machine)
            // aarch64 has no fork or vfork system call: libaudit has no number for them.
            if number < 0 {
                #expect(name == "aarch64" && (kind == .fork || kind == .vfork), "\(kind) missing on \(name)")
                continue
            }
            #expect(SyscallKind.resolve(arch: arch, number: Int(number)) == kind, "\(kind) on \(name)")
            resolved += 1
        }
        #expect(resolved >= 5)
    }

    @Test("syscall names agree with auditd's own ENRICHED interpretation on every SYSCALL record")
    func enrichedAgreement() throws {
        var compared = 0
        for name in ["enriched-fork", "enriched-execve", "hostile-argv"] {
            let text = try String(contentsOfFile: Fixtures.recorded(name), encoding: .isoLatin1)
            for line in text.split(separator: "\n") where line.hasPrefix("type=SYSCALL") {
                guard let enriched = line.split(separator: "\u{1D}").dropFirst().first,
                    let field = enriched.split(separator: " ").first(where: { $0.hasPrefix("SYSCALL=") })
                else { continue }
                let interpreted = String(field.dropFirst("SYSCALL=".count))
                let record = try #require(Fixtures.parseLine(String(line))).get()
                guard case .syscall(let call) = record.body else { continue }
                #expect(SyscallKind.name(arch: call.arch, number: call.number) == interpreted)
                #expect(call.syscall == (SyscallKind(rawValue: interpreted) ?? .other))
                compared += 1
            }
        }
        #expect(compared > 300)
    }

    @Test("every record kind has libaudit's number and name", arguments: RecordKind.allCases)
    func recordKinds(_ kind: RecordKind) {
        switch kind {
        case .other:
            #expect(kind.typeNumber == nil && kind.typeName == nil)
        case .syscall, .execve, .cwd, .path, .proctitle, .eoe:
            let number = try! #require(kind.typeNumber)
            #expect(RecordKind(typeNumber: number) == kind)
            #expect(audit_name_to_msg_type(kind.typeName!) == number)
        }
    }
}
