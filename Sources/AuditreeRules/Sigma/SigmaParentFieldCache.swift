import AuditreeTree

/// ParentImage and ParentCommandLine as the Sigma rules see them, and the literals found in
/// them, per parent image: a parent (a shell, a build tool, a web server) creates many
/// processes, and its two fields and their literals are the same for each, so they are built
/// and scanned once. Images never change once recorded (`ProcessImageKey`), so an entry stays
/// right for as long as it is kept. Direct-mapped: a fixed number of slots whatever the log,
/// an entry replaced when another parent maps to its slot.
struct SigmaParentFieldCache {
    /// A class: an exec reads its literals and, when some rule is a candidate, its fields;
    /// one reference is retained instead of every array of them.
    final class Entry {
        let image: SigmaFieldValue?
        let commandLine: SigmaFieldValue?
        /// The literals (`SigmaLiteralIndex` numbers) that occur in the two fields.
        let literals: [Int32]

        init(image: SigmaFieldValue?, commandLine: SigmaFieldValue?, literals: [Int32]) {
            self.image = image
            self.commandLine = commandLine
            self.literals = literals
        }
    }

    static let slotCount = 256
    private var keys: [ProcessImageKey?] = Array(repeating: nil, count: slotCount)
    private var entries: [Entry?] = Array(repeating: nil, count: slotCount)
    /// The entry of an unknown parent (`-`), made once.
    private var unknown: Entry?

    /// The entry of the parent image `key` (nil: unknown), from `make` when it is not kept.
    mutating func entry(for key: ProcessImageKey?, make: () -> Entry) -> Entry {
        guard let key else {
            if let unknown { return unknown }
            let made = make()
            unknown = made
            return made
        }
        let slot = Int(truncatingIfNeeded: UInt(bitPattern: key.process &* 0x9E37_79B9 &+ key.image)) % Self.slotCount
        if keys[slot] == key, let entry = entries[slot] { return entry }
        let made = make()
        keys[slot] = key
        entries[slot] = made
        return made
    }
}
