import AuditreeSystem

/// The system calls the process tree cares about; names come from libaudit's tables.
public enum SyscallKind: String, CaseIterable, Sendable {
    case execve, execveat, fork, vfork, clone, clone3
    case exitGroup = "exit_group"
    case other

    /// Whether a successful call replaces the process image.
    public var isExec: Bool { self == .execve || self == .execveat }
    /// Whether a successful call creates a task whose id is the return value.
    public var isFork: Bool { self == .fork || self == .vfork || self == .clone || self == .clone3 }

    /// Resolves an `arch=` value (an AUDIT_ARCH_* ELF machine constant) and syscall number through libaudit.
    public static func resolve(arch: UInt32, number: Int) -> SyscallKind {
        guard let name = name(arch: arch, number: number) else { return .other }
        return SyscallKind(rawValue: name) ?? .other
    }

    /// libaudit's name for a syscall number on an architecture, or nil when unknown.
    public static func name(arch: UInt32, number: Int) -> String? {
        AuditTables.syscallName(arch: arch, number: number)
    }

    /// libaudit's name for an `arch=` value (`x86_64`, `i386`, `aarch64`, ...).
    public static func machineName(arch: UInt32) -> String? {
        AuditTables.machineName(arch: arch)
    }
}

/// Remembers libaudit's answers: a log uses a handful of (arch, syscall) pairs millions of times.
/// The last answer for each of 64 slots (by the number's low bits) is one compare away: a log
/// mixes several calls (exec, clone, exit_group, the daemon's own), and one remembered pair
/// sent every other record through the dictionary's hashing.
struct SyscallCache {
    private var table: [UInt64: SyscallKind] = [:]
    /// (arch, number) packed as `kind(arch:number:)` packs it, and its kind; `UInt64.max` is no pair.
    private var recent = [(key: UInt64, kind: SyscallKind)](repeating: (.max, .other), count: 64)

    mutating func kind(arch: UInt32, number: Int) -> SyscallKind {
        let key = UInt64(arch) << 32 | UInt64(UInt32(truncatingIfNeeded: number))
        let slot = Int(truncatingIfNeeded: key & 63)
        if recent[slot].key == key { return recent[slot].kind }
        let kind: SyscallKind
        if let known = table[key] {
            kind = known
        } else {
            kind = SyscallKind.resolve(arch: arch, number: number)
            table[key] = kind
        }
        recent[slot] = (key, kind)
        return kind
    }
}
