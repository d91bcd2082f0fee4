import Foundation
import TestSupport
import Testing

@testable import AuditreeReport

/// External validators: the schemas in ../shared/schemas, Python's jsonschema, xmllint.
enum Validators {
    static let schemas = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/schemas")
        .standardizedFileURL
    static let sarifSchema = schemas.appendingPathComponent("sarif-schema-2.1.0.json")
    static let junitSchema = schemas.appendingPathComponent("junit.xsd")

    static func which(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static let xmllint = which("xmllint")
    static let python = which("python3")
    static let hasJSONSchema: Bool = {
        guard python != nil else { return false }
        return (try? run(python!, ["-c", "import jsonschema"]).status) == 0
    }()

    static let sarifAvailable = FileManager.default.fileExists(atPath: sarifSchema.path) && hasJSONSchema
    static let sarifSkip: Comment =
        "needs ../shared/schemas/sarif-schema-2.1.0.json and python3 with jsonschema: SARIF schema test skipped"
    static let junitAvailable = FileManager.default.fileExists(atPath: junitSchema.path) && xmllint != nil
    static let junitSkip: Comment =
        "needs ../shared/schemas/junit.xsd and xmllint (Debian: libxml2-utils): JUnit schema test skipped"
    static let xmllintSkip: Comment = "xmllint (Debian: libxml2-utils) is absent: XML well-formedness test skipped"

    struct Result {
        var status: Int32
        var output: String
    }

    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Validates a SARIF document with jsonschema (Draft 7, as the schema declares).
    static func validateSARIF(_ document: Data) throws -> Result {
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            doc = json.load(sys.stdin)
            errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
            for e in errors[:10]: print(list(e.path), e.message)
            sys.exit(1 if errors else 0)
            """
        return try run(python!, ["-c", script, sarifSchema.path], stdin: document)
    }

    static func xmllint(_ document: Data, schema: URL?) throws -> Result {
        let file = TestProcessFolder.url.appendingPathComponent(
            "xml-\(getpid())-\(UUID().uuidString).xml")
        try document.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var arguments = ["--noout"]
        if let schema { arguments += ["--schema", schema.path] }
        return try run(xmllint!, arguments + [file.path])
    }
}

@Suite("CI-gate formats: ndjson, sarif, junit", .serialized)
struct ReportFormatTests {
    static let fixtures = ["enriched-fork", "hostile-argv"]
    static let gateFormats: [(format: String, suffix: String)] = [
        ("ndjson", "ndjson"), ("sarif", "sarif"), ("junit", "junit.xml"),
    ]

    /// A gate lists the checks that ran: a rule the rule file switched off is not a passing
    /// check in JUnit, nor a rule of the run in SARIF.
    @Test("gate formats list only the rules the scan ran", arguments: ["junit", "sarif"])
    func onlyRulesThatRan(_ format: String) throws {
        let run = try CLI.run([
            "scan", "--format", format, "--rules", "fixtures/rules/location-rules-only.yaml",
            "fixtures/recorded/benign-busy.log",
        ])
        let text = String(decoding: run.stdout, as: UTF8.self)
        #expect(text.contains("temp_location_shell"))
        #expect(!text.contains("illegitimate_shell"), "switched off by the rule file, so it did not run")
        #expect(!text.contains("interpreter_shell_spawn"), "switched off by the rule file, so it did not run")
    }

    @Test("golden files", arguments: ["enriched-fork", "hostile-argv"], ["ndjson", "sarif", "junit"])
    func golden(_ fixture: String, _ format: String) throws {
        let run = try CLI.run(["scan", "--format", format, "fixtures/recorded/\(fixture).log"])
        #expect(run.status == 1)
        let suffix = format == "junit" ? "junit.xml" : format
        let golden = Fixtures.root.appendingPathComponent("fixtures/golden/\(fixture).\(suffix)")
        try GoldenFile.check(run.stdout, against: golden)
    }

    @Test("golden files of the PATH-record evidence (matches by location only)", arguments: ["ndjson", "sarif"])
    func locationGolden(_ format: String) throws {
        let run = try CLI.run([
            "scan", "--format", format, "--rules", "fixtures/rules/location-rules-only.yaml",
            "fixtures/recorded/variants-raw-execve.log",
        ])
        #expect(run.status == 1)
        let golden = Fixtures.root.appendingPathComponent("fixtures/golden/variants-locations.\(format)")
        try GoldenFile.check(run.stdout, against: golden)
        // Every finding there is a match by location and shows the file: inode, device, mode and nametype.
        let text = String(decoding: run.stdout, as: UTF8.self)
        #expect(text.components(separatedBy: "\"nametype\"").count - 1 >= 6)
        #expect(text.components(separatedBy: "\"inode\"").count == text.components(separatedBy: "\"nametype\"").count)
    }

    @Test("same input, same bytes", arguments: ["ndjson", "sarif", "junit"])
    func deterministic(_ format: String) throws {
        let arguments = [
            "scan", "--format", format, "fixtures/recorded/enriched-fork.log", "fixtures/recorded/hostile-argv.log",
        ]
        let first = try CLI.run(arguments)
        let second = try CLI.run(arguments)
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.count > 1_000)
        // In-process rendering agrees with the executable.
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        let format = try #require(OutputFormat(rawValue: format))
        #expect(format.render(report) == format.render(try Fixtures.scan([Fixtures.recorded("enriched-fork")])))
    }

    @Test("NDJSON: one ECS object per finding per line")
    func ndjsonShape() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork"), Fixtures.recorded("hostile-argv")])
        let text = NDJSONReporter().render(report)
        let all = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(all.last == "")
        // hostile-argv's 10 KB command line is written once, on a long_value line before its finding.
        let longValueLines = all.filter { $0.contains("\"dataset\":\"auditree.long_value\"") }
        #expect(longValueLines.count == 1)
        let lines = all.filter { !$0.isEmpty && !$0.contains("\"dataset\":\"auditree.long_value\"") }
        #expect(lines.count == report.findings.count)
        for (line, finding) in zip(lines, report.findings) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let process = try #require(object["process"] as? [String: Any])
            #expect(process["pid"] as? Int == finding.process.pid)
            #expect(process["executable"] is String && process["args"] is [String])
            let parent = try #require(process["parent"] as? [String: Any])
            #expect(parent["pid"] as? Int == finding.spawner.pid)
            let event = try #require(object["event"] as? [String: Any])
            #expect(event["created"] as? String == object["@timestamp"] as? String)
            #expect((event["id"] as? String)?.wholeMatch(of: /[0-9]+\.[0-9]{3}:[0-9]+/) != nil)
            #expect(event["severity"] is Int)
            let rule = try #require(object["rule"] as? [String: Any])
            #expect(rule["id"] as? String == finding.rule.id)
            let technique = try #require((object["threat"] as? [String: Any])?["technique"] as? [String: Any])
            #expect((technique["id"] as? [String])?.allSatisfy { !$0.contains(".") } == true)
            let auditree = try #require(object["auditree"] as? [String: Any])
            #expect(auditree["severity"] as? String == finding.rule.severity.rawValue)
            #expect(auditree["fingerprint"] as? String == Fingerprint.of(finding))
            #expect((object["user"] as? [String: Any])?["id"] is String)
        }
        #expect(NDJSONReporter.techniques(["T1059", "T1059.004", "T1505.003"]) == ["T1059", "T1505"])
    }

    @Test(
        "SARIF validates against the 2.1.0 schema", .enabled(if: Validators.sarifAvailable, Validators.sarifSkip),
        arguments: ["enriched-fork", "hostile-argv", "raw-execve", "variants-raw-execve", "webpipe-raw-execve"])
    func sarifSchema(_ fixture: String) throws {
        let run = try CLI.run(["scan", "--format", "sarif", "fixtures/recorded/\(fixture).log"])
        let result = try Validators.validateSARIF(run.stdout)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(
        "SARIF with a baseline and with input errors still validates",
        .enabled(if: Validators.sarifAvailable, Validators.sarifSkip))
    func sarifSchemaVariants() throws {
        let report = try Fixtures.scan([
            Fixtures.recorded("enriched-fork"), Fixtures.root.appendingPathComponent("fixtures/no-such.log").path,
        ])
        var baseline = Baseline(report: report)
        baseline.entries.removeFirst()
        baseline.entries[0].reason = "accepted <for> \"test\""
        baseline.entries.append(Baseline.Entry(fingerprint: "0123", rule: "gone"))
        let gate = GateResult(report: report, baseline: baseline, baselineFile: "baseline.json")
        let text = SARIFReporter().render(gate)
        let result = try Validators.validateSARIF(Data(text.utf8))
        #expect(result.status == 0, "\(result.output)")
        #expect(
            text.contains("\"suppressions\"") && text.contains("\"baselineState\": \"new\"")
                && text.contains("\"executionSuccessful\": false"))
    }

    @Test("SARIF: rules, ruleIndex, levels, locations, fingerprints")
    func sarifShape() throws {
        let run = try CLI.run(["scan", "--format", "sarif", "fixtures/recorded/enriched-fork.log"])
        let document = try #require(try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        #expect(document["version"] as? String == "2.1.0")
        let sarifRun = try #require((document["runs"] as? [[String: Any]])?.first)
        let driver = try #require((sarifRun["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(!rules.isEmpty)
        for rule in rules {
            #expect(rule["shortDescription"] is [String: Any] && rule["fullDescription"] is [String: Any])
            let level = (rule["defaultConfiguration"] as? [String: Any])?["level"] as? String
            #expect(["error", "warning", "note"].contains(level ?? ""))
            #expect(((rule["properties"] as? [String: Any])?["tags"] as? [String])?.contains("security") == true)
        }
        let results = try #require(sarifRun["results"] as? [[String: Any]])
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        #expect(results.count == report.findings.count)
        for (result, finding) in zip(results, report.findings) {
            let ruleIndex = try #require(result["ruleIndex"] as? Int)
            #expect(rules[ruleIndex]["id"] as? String == result["ruleId"] as? String)
            #expect(result["level"] as? String == SARIFReporter.level(finding.rule.severity))
            let location = try #require(
                (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
            #expect(
                (location["artifactLocation"] as? [String: Any])?["uri"] as? String
                    == "fixtures/recorded/enriched-fork.log")
            #expect((location["region"] as? [String: Any])?["startLine"] as? Int == finding.location.line)
            #expect(
                (result["partialFingerprints"] as? [String: String])?[Fingerprint.sarifKey] == Fingerprint.of(finding))
        }
        #expect(SARIFReporter.uri("/work/x/a b.log", base: "/work") == "x/a%20b.log")
        #expect(SARIFReporter.uri("/var/log/audit/audit.log", base: "/work") == "file:///var/log/audit/audit.log")
        #expect(SARIFReporter.uri("<stdin>", base: "/work") == "%3Cstdin%3E")
    }

    @Test(
        "JUnit validates against the schema", .enabled(if: Validators.junitAvailable, Validators.junitSkip),
        arguments: ["enriched-fork", "hostile-argv", "raw-execve"])
    func junitSchema(_ fixture: String) throws {
        let run = try CLI.run(["scan", "--format", "junit", "fixtures/recorded/\(fixture).log"])
        let result = try Validators.xmllint(run.stdout, schema: Validators.junitSchema)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(
        "JUnit with no findings, input errors and a baseline validates",
        .enabled(if: Validators.junitAvailable, Validators.junitSkip))
    func junitSchemaVariants() throws {
        let empty = try CLI.run(["scan", "--format", "junit", "fixtures/edge/empty.log", "fixtures/no-such.log"])
        #expect(empty.status == 2)
        #expect(empty.text.contains("<error message=\"1 input error(s)\" type=\"input-error\">"))
        #expect(try Validators.xmllint(empty.stdout, schema: Validators.junitSchema).status == 0)
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        var baseline = Baseline(report: report)
        baseline.entries[0].reason = "known \u{1b}[31m & <ok>"
        let text = JUnitReporter().render(GateResult(report: report, baseline: baseline, baselineFile: "b.json"))
        #expect(text.contains("<skipped message=\"baselined: known \\x1b[31m &amp; &lt;ok&gt;"))
        let result = try Validators.xmllint(Data(text.utf8), schema: Validators.junitSchema)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("JUnit: a test case per rule without findings, a failure per finding, counts")
    func junitShape() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        let gate = GateResult(report: report)
        let text = JUnitReporter().render(gate)
        let failures = text.components(separatedBy: "<failure ").count - 1
        #expect(failures == report.findings.count)
        let quietRules = gate.rules.filter { rule in !report.findings.contains { $0.rule.id == rule.id } }
        let tests = 1 + quietRules.count + report.findings.count
        #expect(text.contains("tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\""))
        for rule in quietRules { #expect(text.contains("<testcase name=\"\(rule.id): ")) }
    }

    @Test("XML is well-formed for any bytes", .enabled(if: Validators.xmllint != nil, Validators.xmllintSkip))
    func xmlAnyBytes() throws {
        var xml = XMLWriter()
        xml.begin("root", [("all", XMLWriter.logValue(Array(0...255)))])
        xml.element("bytes", text: XMLWriter.logValue(Array(0...255)))
        xml.element(
            "raw", [("a", "\u{0}\u{1b}\u{FFFE}\u{FFFF}\r\n\t'\"")], text: "\u{0}\u{8}]]>\u{FFFF}\u{D7FF}\u{10FFFF}\r")
        var generator = SplitMix(seed: 7)
        for _ in 0..<200 {
            let bytes = (0..<Int(generator.next() % 40)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            xml.element("random", [("v", XMLWriter.logValue(bytes))], text: XMLWriter.logValue(bytes))
        }
        xml.end()
        #expect(xml.output.contains("\\x1b") && xml.output.contains("\\xff") && xml.output.contains("\\u{ffff}"))
        let result = try Validators.xmllint(Data(xml.output.utf8), schema: nil)
        #expect(result.status == 0, "\(result.output)")
        let hostile = try CLI.run(["scan", "--format", "junit", "fixtures/recorded/hostile-argv.log"])
        #expect(try Validators.xmllint(hostile.stdout, schema: nil).status == 0)
        #expect(hostile.text.contains("\\x1b[31mRED") && hostile.text.contains("\\xff\\xfe"))
    }

    @Test("file extensions choose the format")
    func extensions() {
        #expect(OutputFormat(fileName: "report.json") == .json)
        #expect(OutputFormat(fileName: "out/r.NDJSON") == .ndjson && OutputFormat(fileName: "r.jsonl") == .ndjson)
        #expect(OutputFormat(fileName: "r.sarif") == .sarif && OutputFormat(fileName: "junit.xml") == .junit)
        #expect(
            OutputFormat(fileName: "r.txt") == .text
                && OutputFormat(fileName: "r.html") == OutputFormat(rawValue: "html"))
        #expect(
            OutputFormat(fileName: "report") == nil && OutputFormat(fileName: "r.yaml") == nil
                && OutputFormat(fileName: ".xml") == nil)
        #expect(OutputFormat(fileName: "dir.d/report") == nil)
    }

    @Test("several --output files in one run, written whole, no temporary files left")
    func severalOutputs() throws {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "out-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = ["r.json", "r.ndjson", "r.sarif", "junit.xml", "r.txt", "plain"]
        try "old content".write(to: directory.appendingPathComponent("r.json"), atomically: false, encoding: .utf8)
        var arguments = ["scan", "--format", "sarif", "fixtures/recorded/enriched-fork.log"]
        for name in names { arguments += ["--output", directory.appendingPathComponent(name).path] }
        let run = try CLI.run(arguments)
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == names.sorted())
        for (name, format) in zip(names, ["json", "ndjson", "sarif", "junit", "text", "sarif"]) {
            let expected = try CLI.run(["scan", "--format", format, "fixtures/recorded/enriched-fork.log"]).stdout
            #expect(try Data(contentsOf: directory.appendingPathComponent(name)) == expected, "\(name)")
        }
    }

    @Test("an output that cannot be written: exit 2 with the path and reason; the others are written")
    func unwritableOutput() throws {
        let directory = TestProcessFolder.url.appendingPathComponent(
            "out-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("ok.xml").path
        let run = try CLI.run([
            "scan", "fixtures/edge/empty.log", "--output", directory.path + "/missing/r.json", "--output", good,
            "--output", directory.path,
        ])
        #expect(run.status == 2)
        #expect(
            run.stderr.contains(
                "\(directory.path)/missing/r.json: error: cannot write the report: directory \(directory.path)/missing: No such file or directory"
            ))
        #expect(run.stderr.contains("\(directory.path): error: cannot write the report: is a directory"))
        #expect(FileManager.default.fileExists(atPath: good))
    }
}
