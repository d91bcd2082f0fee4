import CAudit

/// libaudit's tables (record type, syscall and machine names), read as Swift strings.
public enum AuditTables {
    /// The name libaudit prints for a record type number (`SYSCALL`, `EXECVE`, ...).
    public static func recordTypeName(_ number: Int32) -> String? {
        guard let name = audit_msg_type_to_name(number) else { return nil }
        return String(cString: name)
    }

    /// libaudit's name for a syscall number on an `arch=` value, or nil when unknown.
    public static func syscallName(arch: UInt32, number: Int) -> String? {
        let machine = audit_elf_to_machine(arch)
        guard machine >= 0, number >= 0, number <= Int(Int32.max),
            let name = audit_syscall_to_name(Int32(number), machine)
        else { return nil }
        return String(cString: name)
    }

    /// libaudit's name for an `arch=` value (`x86_64`, `i386`, `aarch64`, ...).
    public static func machineName(arch: UInt32) -> String? {
        let machine = audit_elf_to_machine(arch)
        guard machine >= 0, let name = audit_machine_to_name(machine) else { return nil }
        return String(cString: name)
    }
}
