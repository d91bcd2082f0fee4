import AuditreeSystem

/// One `--uid`/`--user` value: a numeric uid, or a user name.
///
/// A name matches the user name an ENRICHED log gives for the uid (`UID="www-data"`), and
/// also the uid this host's user database gives the name, as ausearch resolves it: a RAW
/// log replayed on the host that wrote it still matches by name. (On another host's logs,
/// give the number.)
public enum UserSelector: Sendable, Equatable, CustomStringConvertible {
    case id(UInt32)
    case name(String, localID: UInt32?)

    /// A number is a uid; anything else a name, resolved here once.
    public init?(_ text: String) {
        if let id = UInt32(text) {
            self = .id(id)
            return
        }
        // A name is never empty and never a number that does not fit a uid ("-1", "99999999999").
        guard !text.isEmpty, !text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) else { return nil }
        self = .name(text, localID: Self.localID(of: text))
    }

    public func matches(uid: UInt32?, name: String?) -> Bool {
        switch self {
        case .id(let id): uid == id
        case .name(let wanted, let localID): name == wanted || (localID != nil && uid == localID)
        }
    }

    public var description: String {
        switch self {
        case .id(let id): String(id)
        case .name(let name, _): name
        }
    }

    private static func localID(of name: String) -> UInt32? {
        UserDatabase.uid(named: name)
    }
}
