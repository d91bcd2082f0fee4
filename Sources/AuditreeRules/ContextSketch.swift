/// What a folded match adds to its group's finding once its context can no longer change
/// (`MatchFolding`): per context indicator, where it is present, with the answers that still
/// depend on the roots the scan learns later. A `learned_root` condition that fails now may
/// hold at the end of the scan (roots are only ever added), so it keeps the paths it tests;
/// every other answer is final.
///
/// The shell's and the spawner's pids are not part of it (the match's occurrence has them): the
/// matches of one command mostly make the same sketch, and the scan keeps each distinct one once.
struct ContextSketch: Hashable {
    /// A process an indicator is present on: the shell, the spawner, or a descendant by pid.
    struct Place: Hashable {
        var on: ContextTarget
        /// Set for a descendant only.
        var pid: Int?
    }

    /// A `learned_root` condition that held but for its roots: the paths its roots are tested against.
    struct RootCheck: Hashable {
        var list: String
        var paths: [String]
    }

    struct Indicator: Hashable {
        /// The indicator's place in the rule set's context indicators.
        var number: Int
        /// Places tried before `present` where only roots learned later can make it present.
        var pending: [Pending] = []
        /// The first place it is present on now (and so at the end of the scan), if any.
        var present: Place?
    }

    struct Pending: Hashable {
        var place: Place
        var checks: [RootCheck]
    }

    /// The match's host: the roots are learned per host.
    var node: String?
    /// The rule's severity rank, before context raises it.
    var baseRank: Int
    /// The indicators that stood in for an inferred spawner: they do not raise the severity.
    var evidenceIDs: [String]
    /// Only indicators present somewhere, or that may be, in the rule's order.
    var indicators: [Indicator] = []
}
