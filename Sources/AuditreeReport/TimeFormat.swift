import AuditreeParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Log times as ISO 8601 UTC with milliseconds; never the local zone, so output does not depend on the machine.
public enum TimeFormat {
    public static func iso8601(_ stamp: EventStamp) -> String {
        var seconds = time_t(stamp.seconds)
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return String(stamp.seconds) }
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(stamp.milliseconds, 3))Z"
    }
}
