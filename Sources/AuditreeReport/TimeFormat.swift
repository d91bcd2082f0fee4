import AuditreeParser
import AuditreeSystem

/// Log times as ISO 8601 UTC with milliseconds; never the local zone, so output does not depend on the machine.
public enum TimeFormat {
    public static func iso8601(_ stamp: EventStamp) -> String {
        guard let parts = CalendarTime.utcParts(of: Int64(stamp.seconds)) else { return String(stamp.seconds) }
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))T"
            + "\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad(stamp.milliseconds, 3))Z"
    }
}
