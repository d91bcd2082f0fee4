#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Calendar arithmetic of the C library (UTC, no time zone database involved).
public enum CalendarTime {
    /// Seconds since the epoch of a UTC date and time, as `timegm(3)` computes them (fields
    /// out of range are normalised as it does). `month` is 1...12.
    public static func utcSeconds(year: Int32, month: Int32, day: Int32, hour: Int32, minute: Int32, second: Int32)
        -> Int64
    {
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Int64(timegm(&parts))
    }

    /// The UTC calendar fields of `seconds` since the epoch, as `gmtime_r(3)` gives them
    /// (`month` 1...12), or nil when they do not fit its range.
    public static func utcParts(of seconds: Int64) -> (
        year: Int32, month: Int32, day: Int32, hour: Int32, minute: Int32, second: Int32
    )? {
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return nil }
        return (parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// Seconds on the monotonic clock (`CLOCK_MONOTONIC`): for timeouts and progress, never for output.
    public static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
