/// The answers of a cache entry's lists, by number: not asked yet, no match, or the match.
///
/// Kept as a byte per list beside the evidence rather than as `[MatchEvidence??]`: most answers
/// are "no match", read for every rule on every exec, and a byte is read where a doubly optional
/// value is copied out (and destroyed) through its generic value witnesses.
struct ListAnswers {
    private static let unasked: UInt8 = 0
    private static let unmatched: UInt8 = 1
    private static let matched: UInt8 = 2

    private var states: [UInt8]
    private var evidence: [MatchEvidence?]

    init(count: Int) {
        states = Array(repeating: Self.unasked, count: count)
        evidence = Array(repeating: nil, count: count)
    }

    var count: Int { states.count }

    func isKnown(_ number: Int) -> Bool { states[number] != Self.unasked }

    /// Whether list `number` matched (false when it was not asked yet).
    func matched(_ number: Int) -> Bool { states[number] == Self.matched }

    /// The match of list `number`; nil when it did not match or was not asked yet (`isKnown`).
    func match(_ number: Int) -> MatchEvidence? {
        states[number] == Self.matched ? evidence[number] : nil
    }

    mutating func set(_ number: Int, _ match: MatchEvidence?) {
        states[number] = match == nil ? Self.unmatched : Self.matched
        evidence[number] = match
    }
}
