// libFuzzer target: records -> EventAssembler -> ProcessTree -> RuleEvaluator -> reports.
//
// The input is log text. It runs twice:
//  1. the records (parsed with RecordParser, which has its own target) go through an
//     EventAssembler with tiny limits (1 s window, 4 open events), so the
//     flush-by-window and flush-by-count paths run on short inputs;
//  2. the whole pipeline as the CLI runs it: `Scanner.run` on the bytes written to a
//     file in /dev/shm (the public entry point, so the target survives internal API
//     changes), with the built-in rules; the report is rendered as text and JSON, and the
//     two-thread pipeline (tiny chunks) must render the same JSON.
//
// Oracles besides "no crash, no ASan report":
//  - every record ends up in exactly one event: the records of emitted events plus
//    the EOEs that stood alone (counted as events, never emitted) plus the EOEs that came
//    after the PROCTITLE that closed their event (`trailingEOEs`) equal the records added
//    (when no event was a repeat), and every event counted is emitted once or counted
//    as a repeat (emitted + repeats + lone EOEs == events);
//  - the scan summary balances: lines == records + rejected == sum of rejectedByReason + records;
//  - no more events than records, no more execs than events, no input errors.
#if canImport(Glibc)
import Glibc
#endif

private let ruleSet: RuleSet = {
    do { return try RuleSet.builtIn() } catch {
        fputs("cannot load the built-in rules: \(error)\n", stderr)
        abort()
    }
}()

private let scratch = "/dev/shm/auditree-fuzz-\(getpid()).log"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAssembler(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    var records: [Record] = []
    var reader = LineReader(maxLineLength: 4096, readSize: 4096)
    var parser = RecordParser()
    var source = MemoryByteSource(bytes)
    try! reader.forEachLine(of: &source) { (number: Int, line: Span<UInt8>, truncated: Bool) throws(Never) in
        guard !truncated, case .success(let record)? = parser.parse(line, lineNumber: number) else { return }
        records.append(record)
    }
    guard !records.isEmpty else { return 0 }
    assemble(records)
    scan(bytes)
    return 0
}

private func assemble(_ records: [Record]) {
    var assembler = EventAssembler(window: 1_000, maxOpenEvents: 4)
    var emitted = 0
    var recordsInEvents = 0
    let emit: (AuditEvent) -> Void = { event in
        emitted += 1
        recordsInEvents += event.recordCount
        check(event.recordCount >= 1, "event \(event.stamp) emitted with no records")
        _ = event.arguments
    }
    for record in records { assembler.add(record, file: "fuzz.log", emit: emit) }
    assembler.flush(emit: emit)
    // Repeats of an event already delivered (same node and stamp) are counted, not emitted.
    let standaloneEOEs = assembler.eventCount - emitted - assembler.duplicateEvents
    check(
        standaloneEOEs >= 0,
        "\(emitted) events emitted + \(assembler.duplicateEvents) repeats but only \(assembler.eventCount) counted")
    if assembler.duplicateEvents == 0 {
        check(
            recordsInEvents + standaloneEOEs + assembler.trailingEOEs == records.count,
            "\(records.count) records in, \(recordsInEvents) in events + \(standaloneEOEs) lone EOEs + "
                + "\(assembler.trailingEOEs) trailing EOEs out")
    } else {
        check(
            recordsInEvents + standaloneEOEs + assembler.trailingEOEs + assembler.duplicateEvents <= records.count,
            "\(records.count) records in, more out")
    }
}

private func scan(_ bytes: [UInt8]) {
    let fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    check(fd >= 0, "cannot create \(scratch)")
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            check(written > 0, "cannot write \(scratch)")
            offset += written
        }
    }
    close(fd)
    let report: ScanReport
    do { report = try Scanner.run(ScanConfiguration(inputs: [scratch], ruleSet: ruleSet)) } catch {
        check(false, "scan threw \(error)")
        return
    }
    let summary = report.summary
    check(summary.inputErrors == 0, "input error on a plain file: \(report.diagnostics)")
    check(
        summary.lines == summary.records + summary.rejected,
        "lines \(summary.lines) != records \(summary.records) + rejected \(summary.rejected)")
    check(
        summary.rejectedByReason.values.reduce(0, +) == summary.rejected, "rejectedByReason does not add up to rejected"
    )
    check(summary.events <= summary.records, "\(summary.events) events from \(summary.records) records")
    check(summary.execs <= summary.events, "\(summary.execs) execs from \(summary.events) events")
    _ = OutputFormat.text.render(report, color: true)
    let json = OutputFormat.json.render(report)
    checkThreadedAgrees(with: json, diagnostics: report.diagnostics.count)
}

/// The two-thread pipeline, with a chunk boundary after every few lines, must report the
/// same bytes as the single-threaded scan (the promise of `--threads`).
private func checkThreadedAgrees(with json: String, diagnostics: Int) {
    var configuration = ScanConfiguration(inputs: [scratch], ruleSet: ruleSet)
    configuration.threads = 2
    configuration.chunkSize = 200
    configuration.chunksInFlight = 1
    guard let threaded = try? Scanner.run(configuration) else {
        check(false, "threaded scan threw where the single-threaded one did not")
        return
    }
    check(
        threaded.diagnostics.count == diagnostics,
        "threaded scan: \(threaded.diagnostics.count) diagnostics, not \(diagnostics)")
    check(OutputFormat.json.render(threaded) == json, "threaded scan rendered different JSON")
}
