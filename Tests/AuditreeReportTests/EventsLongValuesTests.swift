import AuditreeEvents
import AuditreeParser
import AuditreeReport
import AuditreeScan
import Foundation
import TestSupport
import Testing

/// `auditree events` writes each long value once, as the scan reports do (docs/formats.md,
/// "Long values"): a parent's long command line or path is not repeated in every child's line.
@Suite("events: long values once", .serialized)
struct EventsLongValuesTests {
    /// `fixtures/edge/long-values.log`: a python3 with a 300-byte exe path, a 1,199-byte argument
    /// and a 300-byte cwd; two `sh -c` below it, with cwds of exactly 256 bytes (not long) and 257
    /// bytes (long); a grandchild in the 257-byte cwd; another python3 (short exe and cwd) with the
    /// same long command line.
    static let log = "fixtures/edge/long-values.log"

    /// The exec lines, and the long values by ref, each checked to come before its first use.
    static func events(_ stdout: Data) throws -> (execs: [[String: Any]], values: [Int: [String: Any]]) {
        var execs: [[String: Any]] = []
        var values: [Int: [String: Any]] = [:]
        for line in stdout.split(separator: 0x0A) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let event = try #require(object["event"] as? [String: Any])
            if event["dataset"] as? String == "auditree.long_value" {
                #expect(event["kind"] as? String == "state")
                let value = try #require((object["auditree"] as? [String: Any])?["long_value"] as? [String: Any])
                let ref = try #require(value["ref"] as? Int)
                #expect(values[ref] == nil, "ref \(ref) written twice")
                values[ref] = value
                continue
            }
            #expect(event["kind"] as? String == "event")
            #expect(line.count < 4096, "an exec line holds a long value in full: \(line.count) bytes")
            for ref in refs(in: object) { #expect(values[ref] != nil, "ref \(ref) used before its long_value line") }
            execs.append(object)
        }
        return (execs, values)
    }

    /// Every `*_ref` number in an object, at any depth.
    static func refs(in value: Any) -> [Int] {
        if let object = value as? [String: Any] {
            return object.flatMap { key, value in key.hasSuffix("_ref") ? [value as? Int ?? -1] : refs(in: value) }
        }
        if let array = value as? [Any] { return array.flatMap(refs(in:)) }
        return []
    }

    static func object(_ value: Any?, _ path: String...) -> [String: Any]? {
        path.reduce(value as? [String: Any]) { $0?[$1] as? [String: Any] }
    }

    /// A field shows `full`: the value itself when it is short; when long, its preview, with a
    /// ref whose long_value line holds it whole.
    static func shows(_ shown: Any?, ref: Any?, _ full: LogString, _ values: [Int: [String: Any]], _ what: String) {
        guard LongValues.isLong(full) else {
            #expect(shown as? String == full.lossyString, "\(what): not in full")
            #expect(ref == nil, "\(what): a ref for a short value")
            return
        }
        #expect(shown as? String == LongValues.preview(full).lossyString, "\(what): not its preview")
        let entry = (ref as? Int).flatMap { values[$0] }
        #expect(
            entry?["kind"] as? String == "string" && entry?["value"] as? String == full.lossyString,
            "\(what): ref does not resolve to the value")
    }

    static func showsArguments(
        _ process: [String: Any]?, ref: Any?, _ argv: ArgumentVector, _ values: [Int: [String: Any]], _ what: String
    ) {
        let full = argv.arguments.map(\.lossyString)
        guard LongValues.isLong(argv) else {
            #expect(process?["args"] as? [String] == full, "\(what): arguments not in full")
            #expect(ref == nil)
            return
        }
        #expect(
            process?["args"] as? [String] == LongValues.preview(argv).arguments.map(\.lossyString),
            "\(what): not the preview")
        #expect(process?["args_count"] as? Int == full.count)
        let entry = (ref as? Int).flatMap { values[$0] }
        #expect(
            entry?["kind"] as? String == "argv" && entry?["argv"] as? [String] == full,
            "\(what): ref does not resolve to the command line")
    }

    @Test("each long value once, before the first exec line that refers to it; previews and refs in every field")
    func longValuesOnce() throws {
        let run = try CLI.run(["events", "--format", "ndjson", Self.log])
        #expect(run.status == 0, "\(run.stderr)")
        let (execs, values) = try Self.events(run.stdout)
        // The same execs, whole, from the library.
        var configuration = ScanConfiguration(inputs: [Fixtures.root.appendingPathComponent(Self.log).path])
        configuration.collectExecs = true
        let records = try Scanner.run(configuration).execs
        try #require(records.count == 5 && execs.count == 5, "\(execs.count) exec lines")
        // Distinct long values: the interpreter's exe, command line and cwd, the 257-byte cwd.
        // The second python3's command line is the first's (one entry); the 256-byte cwd is not long.
        #expect(values.count == 4, "\(values.keys.sorted())")
        var argvRefs: [Int] = []
        for (line, record) in zip(execs, records) {
            let what = "pid \(record.pid)"
            let process = Self.object(line, "process")
            let refs = Self.object(line, "auditree", "process")
            #expect(process?["pid"] as? Int == record.pid)
            Self.shows(
                process?["executable"], ref: refs?["executable_ref"], record.image.exe!, values, "\(what) executable")
            Self.shows(
                process?["working_directory"], ref: refs?["working_directory_ref"], record.image.cwd!, values,
                "\(what) cwd")
            Self.showsArguments(process, ref: refs?["args_ref"], record.image.argv, values, what)
            if let ref = refs?["args_ref"] as? Int { argvRefs.append(ref) }
            let sigma = Self.object(line, "auditree", "sigma")
            // Sigma's CommandLine is the arguments joined: a preview and the same entry.
            #expect(sigma?["CommandLine_ref"] as? Int == refs?["args_ref"] as? Int, "\(what) CommandLine_ref")
            if let parent = record.lineage.first(where: { $0.generation == 1 })?.image {
                let parentRefs = Self.object(line, "auditree", "parent")
                Self.shows(
                    Self.object(line, "process", "parent")?["executable"], ref: parentRefs?["executable_ref"],
                    parent.exe!, values, "\(what) parent")
                Self.shows(
                    sigma?["ParentImage"], ref: sigma?["ParentImage_ref"], parent.exe!, values, "\(what) ParentImage")
                if LongValues.isLong(parent.argv) {
                    let entry = (sigma?["ParentCommandLine_ref"] as? Int).flatMap { values[$0] }
                    #expect(
                        entry?["argv"] as? [String] == parent.argv.arguments.map(\.lossyString),
                        "\(what) ParentCommandLine_ref")
                }
            }
            let ancestry = try #require(Self.object(line, "auditree")?["ancestry"] as? [[String: Any]])
            for (entry, lineage) in zip(ancestry, record.lineage) where lineage.image?.exe != nil {
                Self.shows(
                    entry["executable"], ref: entry["executable_ref"], lineage.image!.exe!, values,
                    "\(what) ancestor \(lineage.pid)")
            }
        }
        // Both python3 execs refer to one entry for their equal command lines.
        #expect(argvRefs.count == 2 && Set(argvRefs).count == 1, "\(argvRefs)")
        // The cwd of exactly 256 bytes is written whole.
        #expect(
            Self.object(execs[1], "process")?["working_directory"] as? String == "/tmp/"
                + String(repeating: "a", count: 251))
    }

    @Test("a 1 MiB command line that starts 120 shells: the events output stays below k x the log")
    func amplification() throws {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("amplify.log").path
        let log = try ReportBoundTests.amplificationLog(argumentBytes: 1_050_000, shells: 120)
        try log.write(toFile: path, atomically: false, encoding: .utf8)
        let run = try CLI.run(["events", "--format", "ndjson", path])
        #expect(run.status == 0)
        let (execs, values) = try Self.events(run.stdout)
        #expect(execs.count == 121)
        #expect(values.count == 1)
        #expect(
            Double(run.stdout.count) <= ReportBoundTests.k * Double(log.utf8.count),
            "\(run.stdout.count) bytes from \(log.utf8.count)")
    }

    @Test("a streaming table forgets what it holds past its limit and numbers on: memory flat, output bounded")
    func streamingTable() {
        let table = LongValues(holding: 1000)
        let first = LogString(String(repeating: "a", count: 600))
        let second = LogString(String(repeating: "b", count: 600))
        #expect(table.number(first) == (0, true))
        #expect(table.number(first) == (0, false))
        #expect(table.entries.count == 1)
        table.dropEntries()
        #expect(table.entries.isEmpty && table.firstNumber == 1)
        // 1,200 bytes would pass the limit: the table starts over, so `first` is new again.
        #expect(table.number(second) == (1, true))
        #expect(table.number(first) == (2, true))
        #expect(table.entries.count == 2)
    }
}
