import AuditreeKit

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress display on stderr (bytes, rate, time left), drawn only on a terminal.
final class ProgressBar: @unchecked Sendable {
    private let start = ProgressBar.now()

    static func now() -> Double {
        CalendarTime.monotonicSeconds()
    }

    /// A callback for `ScanConfiguration.progress`, or nil when stderr is not a terminal.
    static func forStderr(enabled: Bool) -> (@Sendable (ScanProgress) -> Void)? {
        guard enabled, isatty(STDERR_FILENO) == 1 else { return nil }
        let bar = ProgressBar()
        return { bar.draw($0) }
    }

    func draw(_ progress: ScanProgress) {
        if progress.finished {
            Console.error("\r\u{1B}[2K")
            return
        }
        let elapsed = max(ProgressBar.now() - start, 0.001)
        let rate = Double(progress.bytesRead) / elapsed
        var line = "\rauditree: \(Self.size(progress.bytesRead))"
        if let total = progress.totalBytes, total > 0 {
            let fraction = min(1, Double(progress.bytesRead) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            let left = rate > 0 ? (Double(total - progress.bytesRead) / rate) : 0
            line =
                "\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] "
                + "\(Int(fraction * 100))% \(Self.size(progress.bytesRead)) of \(Self.size(total)), \(Self.size(Int(rate)))/s, \(Int(left.rounded())) s left"
        } else {
            line += " read, \(Self.size(Int(rate)))/s"
        }
        Console.error(line + "\u{1B}[K")
    }

    static func size(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0
            ? "\(bytes) B" : String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10) + " " + units[unit]
    }
}
