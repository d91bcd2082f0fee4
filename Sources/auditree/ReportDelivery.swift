import ArgumentParser
import AuditreeKit

#if canImport(Glibc)
import Glibc
#endif

/// Where `scan` sends its report: standard output, or each `--output` file (written
/// atomically, format from the extension, else `--format`), with an optional baseline.
struct ReportDelivery {
    var format: OutputFormat
    var outputs: [String]
    var baselinePath: String?
    var color: ColorMode
    var quiet: Bool

    /// The format for one `--output` file.
    func format(for path: String) -> OutputFormat {
        OutputFormat(fileName: path) ?? format
    }

    /// A report file's extension must name a format (or be absent: then `--format` applies),
    /// so `--output report.csv` is refused instead of silently written as text.
    static func checkExtension(_ path: String) throws {
        guard path != "-", OutputFormat(fileName: path) == nil else { return }
        let base = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return }
        throw ValidationError(
            "--output \(path): unknown extension '\(base[dot...])': use .json, .ndjson, .jsonl, .sarif, "
                + ".xml (JUnit), .txt or .html, or a name without an extension for --format")
    }

    /// Loads the baseline, or exits 2 with the reason.
    func loadBaseline() throws -> Baseline? {
        guard let baselinePath else { return nil }
        do { return try Baseline.load(path: baselinePath) } catch {
            Console.error(error.description + "\n")
            throw ExitCode(2)
        }
    }

    /// Renders and writes the report; returns the exit status (2 when an output could not be written).
    func deliver(_ report: ScanReport, baseline: Baseline?, failOn: Severity) -> Int32 {
        let gate = GateResult(report: report, baseline: baseline, baselineFile: baselinePath)
        for note in gate.staleNotes { Console.error(note + "\n") }
        var status = gate.exitCode(failOn: failOn)
        if outputs.isEmpty {
            return Console.deliver(format.renderBytes(gate, color: color.enabled(for: STDOUT_FILENO), quiet: quiet))
                ? status : 2
        }
        var rendered: [OutputFormat: [UInt8]] = [:]
        for path in outputs {
            let format = format(for: path)
            if path == "-" {
                if !Console.deliver(format.renderBytes(gate, color: color.enabled(for: STDOUT_FILENO), quiet: quiet)) {
                    status = 2
                }
                continue
            }
            let text = rendered[format] ?? format.renderBytes(gate, color: color == .always, quiet: quiet)
            rendered[format] = text
            do { try AtomicFile.write(text, to: path) } catch {
                Console.error(error.description + "\n")
                status = 2
            }
        }
        return status
    }
}

extension Console {
    /// Writes a report to standard output and flushes it; on failure says so in one line and
    /// returns false (the run then exits 2 and its checkpoint is not advanced).
    static func deliver(_ text: String) -> Bool { deliver(Array(text.utf8)) }

    static func deliver(_ bytes: [UInt8]) -> Bool {
        do {
            try out(bytes)
            try flushOut()
            return true
        } catch {
            Console.error(error.description + "\n")
            return false
        }
    }

    /// `deliver` for the commands that only print: exit 2 when the output is lost.
    static func print(_ text: String) throws(ExitCode) {
        if !deliver(text) { throw ExitCode(2) }
    }
}
