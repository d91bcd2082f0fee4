/// How a spawner candidate relates to the shell.
public enum SpawnerRelation: String, CaseIterable, Sendable {
    /// The process that created the shell (through any launchers).
    case parent
    /// What the shell's own pid ran before a same-pid exec.
    case replacedImage = "replaced_image"
    /// An earlier generation than the parent.
    case ancestor
}
