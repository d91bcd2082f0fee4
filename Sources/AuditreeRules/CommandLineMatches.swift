import AuditreeEvents
import AuditreeParser
import AuditreeTree
import Synchronization

/// Command-line regexes (`argv_regex`, a list entry's `argv`) matched against process images,
/// with the answers for long command lines kept per image, so a command line is read once per
/// regex however often rules look at it.
///
/// Rules look at a spawner's command line once per shell below it (its lists, spawner and
/// exception conditions, context indicators): an attacker's interpreter with a 1 MiB command
/// line that starts N shells would have it joined and matched N times per regex. A command line
/// of at most `cachedAbove` bytes is joined each time (that costs a constant per look); a
/// longer one is joined once per regex and its answer kept under the image's identity.
///
/// A class, so the users of one `NameMatcher` share it; a mutex, so `NameMatcher` stays
/// `Sendable` (it is used from one thread at a time: the lock is never contended).
public final class CommandLineMatches: Sendable {
    /// Command lines of up to this many bytes (arguments plus one separator each) are not cached.
    public static let cachedAbove = 4096
    /// At most this many images are remembered; then the table starts over.
    static let limit = 1024

    /// One image: its exec event (host, stamp, record) and the shape of its arguments. Two
    /// images with the same key come from the same EXECVE records, so they have the same arguments.
    struct ImageKey: Hashable {
        var node: String?
        var stamp: EventStamp
        var location: LogLocation
        var arguments: Int
        var bytes: Int
    }

    private struct State {
        /// Per image, the answers by regex source.
        var answers: [ImageKey: [String: Bool]] = [:]
        var bytesMatched = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The bytes of command lines regexes have run over: a short one each time it is looked at,
    /// a long one once per regex. (`ReportBoundTests` holds it linear in the log.)
    public var bytesMatched: Int { state.withLock { $0.bytesMatched } }

    /// The arguments joined by single spaces, as command-line regexes see them.
    public static func commandLine(_ image: ProcessImage) -> String {
        image.argv.arguments.map(\.lossyString).joined(separator: " ")
    }

    /// The command line to show as what a regex was tested against: whole up to `cachedAbove`
    /// bytes, else its first `cachedAbove` bytes and `…` (a finding keeps it; the log must not
    /// size it).
    public static func shownCommandLine(_ image: ProcessImage) -> String {
        guard size(image) > cachedAbove else { return commandLine(image) }
        var bytes: [UInt8] = []
        for argument in image.argv.arguments {
            if !bytes.isEmpty { bytes.append(UInt8(ascii: " ")) }
            argument.withSpan { span in
                for index in 0..<min(span.count, cachedAbove + 1 - bytes.count) { bytes.append(span[index]) }
            }
            if bytes.count > cachedAbove { break }
        }
        // Cut before a UTF-8 character, as `LongValues.preview` does.
        var end = min(bytes.count, cachedAbove)
        while end > cachedAbove - 3, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self) + "…"
    }

    /// The command line's size as `cachedAbove` counts it.
    static func size(_ image: ProcessImage) -> Int { image.argv.arguments.reduce(0) { $0 + $1.count + 1 } }

    /// Whether `pattern` matches the image's command line. `joined` holds the command line once
    /// it is made, for the caller's next pattern on the same image.
    public func matches(_ pattern: TextPattern, _ image: ProcessImage, joined: inout String?) -> Bool {
        let bytes = Self.size(image)
        guard bytes > Self.cachedAbove else {
            if joined == nil { joined = Self.commandLine(image) }
            state.withLock { $0.bytesMatched += bytes }
            return pattern.matches(joined!)
        }
        let key = ImageKey(
            node: image.node, stamp: image.stamp, location: image.location, arguments: image.argv.arguments.count,
            bytes: bytes)
        if let known = state.withLock({ $0.answers[key]?[pattern.source] }) { return known }
        if joined == nil { joined = Self.commandLine(image) }
        let answer = pattern.matches(joined!)
        state.withLock { state in
            state.bytesMatched += bytes
            if state.answers[key] == nil, state.answers.count >= Self.limit {
                state.answers.removeAll(keepingCapacity: true)
            }
            state.answers[key, default: [:]][pattern.source] = answer
        }
        return answer
    }

    /// `matches` for one pattern.
    public func matches(_ pattern: TextPattern, _ image: ProcessImage) -> Bool {
        var joined: String?
        return matches(pattern, image, joined: &joined)
    }
}
