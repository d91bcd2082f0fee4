import AuditreeParser
import AuditreeSystem

/// Log times as ISO 8601 UTC with milliseconds; never the local zone, so output does not depend on the machine.
public enum TimeFormat {
    public static func iso8601(_ stamp: EventStamp) -> String {
        var writer = ISO8601Writer()
        var bytes: [UInt8] = []
        writer.append(stamp, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The time of a stamp outside what `ISO8601Writer` writes as digits (before 1970, a year past
    /// 9999, a forged millisecond count): each field padded as text, or the seconds when the C
    /// library has no date for them.
    fileprivate static func paddedText(_ stamp: EventStamp) -> String {
        guard let parts = CalendarTime.utcParts(of: Int64(stamp.seconds)) else { return String(stamp.seconds) }
        let fields: [(value: Int32, width: Int, after: String)] = [
            (parts.year, 4, "-"), (parts.month, 2, "-"), (parts.day, 2, "T"), (parts.hour, 2, ":"),
            (parts.minute, 2, ":"), (parts.second, 2, "."), (stamp.milliseconds, 3, "Z"),
        ]
        return fields.map { padded($0.value, $0.width) + $0.after }.joined()
    }

    /// The value as text, with zeros before it up to `width` characters.
    private static func padded(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// Writes the times of many stamps as bytes (a report writes one per finding and per
/// occurrence). The date of the last day written is kept, so a stamp of the same day costs
/// the arithmetic of its time of day and no call into the C library.
struct ISO8601Writer {
    private static let secondsPerDay: Int64 = 86_400
    /// The day (since the epoch) whose date `date` holds; -1 before the first.
    private var day: Int64 = -1
    /// `YYYY-MM-DDT`.
    private var date: [UInt8] = []

    mutating func append(_ stamp: EventStamp, to bytes: inout [UInt8]) { append(stamp, quoted: false, to: &bytes) }

    /// The time in quotes, a JSON string.
    mutating func appendQuoted(_ stamp: EventStamp, to bytes: inout [UInt8]) { append(stamp, quoted: true, to: &bytes) }

    private mutating func append(_ stamp: EventStamp, quoted: Bool, to bytes: inout [UInt8]) {
        var written = false
        bytes.append(addingCapacity: Self.capacity) { text in written = write(stamp, quoted: quoted, into: &text) }
        if !written {
            if quoted { bytes.append(UInt8(ascii: "\"")) }
            bytes.append(contentsOf: TimeFormat.paddedText(stamp).utf8)
            if quoted { bytes.append(UInt8(ascii: "\"")) }
        }
    }

    /// The most bytes `write` writes: `"YYYY-MM-DDTHH:MM:SS.mmmZ"`.
    static let capacity = 26

    /// Writes the time (in quotes, a JSON string, when `quoted`) and returns true, or writes
    /// nothing and returns false for a stamp before 1970, after 9999 or with forged milliseconds
    /// (`TimeFormat.paddedText` writes those).
    mutating func write(_ stamp: EventStamp, quoted: Bool, into text: inout OutputSpan<UInt8>) -> Bool {
        let seconds = Int64(stamp.seconds)
        let milliseconds = Int(stamp.milliseconds)
        guard seconds >= 0, milliseconds >= 0, milliseconds < 1000, prepareDate(seconds) else { return false }
        let second = Int(seconds % Self.secondsPerDay)
        if quoted { text.append(UInt8(ascii: "\"")) }
        text.append(copying: date.span)
        Self.writeDigits(second / 3600, 2, into: &text)
        text.append(UInt8(ascii: ":"))
        Self.writeDigits(second / 60 % 60, 2, into: &text)
        text.append(UInt8(ascii: ":"))
        Self.writeDigits(second % 60, 2, into: &text)
        text.append(UInt8(ascii: "."))
        Self.writeDigits(milliseconds, 3, into: &text)
        text.append(UInt8(ascii: "Z"))
        if quoted { text.append(UInt8(ascii: "\"")) }
        return true
    }

    /// Makes `date` the date of `seconds` (at least 0); false when its year is past 9999.
    private mutating func prepareDate(_ seconds: Int64) -> Bool {
        let day = seconds / Self.secondsPerDay
        if day == self.day { return true }
        // gmtime_r's date; from 1970 on, its time of day is the remainder of the seconds.
        guard let parts = CalendarTime.utcParts(of: seconds), parts.year <= 9999 else { return false }
        date.removeAll(keepingCapacity: true)
        date.append(addingCapacity: 11) { text in
            Self.writeDigits(Int(parts.year) / 100, 2, into: &text)
            Self.writeDigits(Int(parts.year) % 100, 2, into: &text)
            text.append(UInt8(ascii: "-"))
            Self.writeDigits(Int(parts.month), 2, into: &text)
            text.append(UInt8(ascii: "-"))
            Self.writeDigits(Int(parts.day), 2, into: &text)
            text.append(UInt8(ascii: "T"))
        }
        self.day = day
        return true
    }

    /// `value` (at least 0, less than 10^`width`) in `width` digits, zeros first.
    @inline(__always)
    private static func writeDigits(_ value: Int, _ width: Int, into text: inout OutputSpan<UInt8>) {
        if width == 3 { text.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 100)) }
        text.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10 % 10))
        text.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10))
    }
}
