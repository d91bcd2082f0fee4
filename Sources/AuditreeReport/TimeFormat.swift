import AuditreeParser
import AuditreeSystem

/// Log times as ISO 8601 UTC with milliseconds; never the local zone, so output does not depend on the machine.
public enum TimeFormat {
    public static func iso8601(_ stamp: EventStamp) -> String {
        guard let parts = CalendarTime.utcParts(of: Int64(stamp.seconds)) else { return String(stamp.seconds) }
        let fields: [(value: Int32, width: Int, after: UInt8)] = [
            (parts.year, 4, UInt8(ascii: "-")), (parts.month, 2, UInt8(ascii: "-")), (parts.day, 2, UInt8(ascii: "T")),
            (parts.hour, 2, UInt8(ascii: ":")), (parts.minute, 2, UInt8(ascii: ":")),
            (parts.second, 2, UInt8(ascii: ".")), (stamp.milliseconds, 3, UInt8(ascii: "Z")),
        ]
        // Digits written as bytes (a report writes one time per finding and per occurrence); a
        // field outside its width (a year past 9999, a forged negative) is padded as text.
        guard fields.allSatisfy({ $0.value >= 0 && $0.value < powersOfTen[$0.width] }) else {
            return fields.map { padded($0.value, $0.width) + String(UnicodeScalar($0.after)) }.joined()
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        for field in fields {
            var divisor = powersOfTen[field.width - 1]
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(field.value / divisor % 10))
                divisor /= 10
            }
            bytes.append(field.after)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let powersOfTen: [Int32] = [1, 10, 100, 1000, 10000]

    /// The value as text, with zeros before it up to `width` characters.
    private static func padded(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
