/// The identity of an audit event as the kernel writes it in `msg=audit(SECONDS.MILLIS:SERIAL)`.
public struct EventStamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var seconds: Int64
    public var milliseconds: Int32
    public var serial: UInt64

    public init(seconds: Int64, milliseconds: Int32, serial: UInt64) {
        self.seconds = seconds
        self.milliseconds = milliseconds
        self.serial = serial
    }

    /// Log time in milliseconds since the epoch.
    public var time: Int64 { seconds &* 1000 &+ Int64(milliseconds) }

    /// The stamp exactly as the log writes it: the parser only accepts the kernel's
    /// own form (no leading zeros, three millisecond digits), so this round-trips.
    public var description: String {
        let millis = String(milliseconds)
        return "\(seconds).\(String(repeating: "0", count: 3 - millis.count))\(millis):\(serial)"
    }

    public static func < (lhs: EventStamp, rhs: EventStamp) -> Bool {
        (lhs.seconds, lhs.milliseconds, lhs.serial) < (rhs.seconds, rhs.milliseconds, rhs.serial)
    }
}
