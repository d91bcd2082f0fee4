import AuditreeBase
import AuditreeEvents
import AuditreeInput
import AuditreeParser
import AuditreeRules
import AuditreeTree

#if canImport(Glibc)
import Glibc
#endif

/// The library entry point: input -> records -> events -> process tree -> findings.
public enum Scanner {
    /// Runs a scan; `diagnose` sees each diagnostic as it happens (for live stderr output).
    public static func run(_ configuration: ScanConfiguration, diagnose: @escaping (Diagnostic) -> Void = { _ in })
        throws(RuleFileError) -> ScanReport
    {
        let ruleSet: RuleSet
        var ruleWarnings: [RuleFileError] = []
        if let configured = configuration.ruleSet {
            ruleSet = configured
        } else {
            // A bad rule file throws here, before any input is read.
            let loaded = try RuleSet.load(
                files: configuration.ruleFiles, includeBuiltIn: configuration.useDefaultRules,
                sigma: configuration.sigmaPaths)
            ruleSet = loaded.ruleSet
            ruleWarnings = loaded.warnings
        }
        var state = ScanState(configuration: configuration, ruleSet: ruleSet, diagnose: diagnose)
        for warning in ruleWarnings { state.report(warning.diagnostic) }
        let inputs = InputSet.expand(configuration.inputs)
        for name in inputs.missing {
            state.summary.inputErrors += 1
            state.report(Diagnostic(.error, file: name, message: inputs.reason(name)))
        }
        // Only a progress display needs the total, and finding it opens every input once more.
        if configuration.progress != nil { state.totalBytes = ScanState.plainSize(of: inputs.paths) }
        // With 2 threads the reading thread inflates: the scan's thread is the bound, and a third
        // busy thread on two cores costs CPU without speed (docs/performance.md, "Gzip").
        if configuration.threads > 2 {
            state.inflateAhead = InflateAhead(
                paths: inputs.paths, concurrentFiles: ScanConfiguration.inflatingFiles(threads: configuration.threads))
        }
        for (index, input) in inputs.paths.enumerated() {
            state.read(input, index: index)
            if state.stoppedEarly { break }
        }
        state.inflateAhead?.close()
        configuration.progress?(ScanProgress(bytesRead: state.bytesRead, totalBytes: state.totalBytes, finished: true))
        return state.finish()
    }
}

/// The pipeline's state during one scan.
struct ScanState {
    let configuration: ScanConfiguration
    let diagnose: (Diagnostic) -> Void
    var summary = ScanSummary()
    var diagnostics: [Diagnostic] = []
    var parser = RecordParser(detail: .scan)
    /// The record-level rules' scratch, when this thread parses.
    var recordScratch = SigmaAuditdScratch()
    /// The exec rules' memo of literals, when this thread parses.
    var execMemo = SigmaExecFieldMemo()
    var assembler = EventAssembler()
    let tree = ProcessTree()
    let evaluator: RuleEvaluator
    var stoppedEarly = false
    /// Per input read (by its number in the scan), where it started and what the checkpoint knew of it.
    var inputStarts: [InputStart] = []
    /// Where each input read is left, with its first bytes (to recognise older entries for the same content).
    var positions: [(input: Int, position: Checkpoint.FilePosition, head: [UInt8])] = []
    var execs: ExecCollection?
    var bytesRead = 0
    /// The input being read (its number in `inputStarts`) and the offset its reading started at.
    var inputIndex = 0
    var inputBase = 0
    /// The host given to records without node= in the input being read (`--host`).
    var currentHost: String?
    /// Records per kind, by `RecordKind.index`: an array add per line, not a dictionary update.
    var kindCounts = [Int](repeating: 0, count: RecordKind.allCases.count)
    var totalBytes: Int?
    /// Until a file's first record: its rejected-line warnings wait, so that a file without any
    /// record (not an audit log) gets one error line instead of them.
    var holdingWarnings = false
    var heldWarnings: [Diagnostic] = []
    /// auditd's own records (DAEMON_START, ...): not evidence that the kernel's rules log anything.
    var daemonRecords = 0
    private var nextProgress = 1 << 24
    /// Gzipped inputs inflated on their own threads ahead of the reader (`threads` > 2).
    var inflateAhead: InflateAhead?

    /// Total size when every input is a plain regular file (no stdin, FIFO or gzip), else nil.
    static func plainSize(of paths: [String]) -> Int? {
        var total = 0
        for path in paths {
            guard path != "-", InputSet.isRegularFile(path),
                !GzipByteSource.looksCompressed(FileByteSource.head(path: path, count: 2)),
                let identity = FileIdentity.of(path: path), let size = identity.size
            else { return nil }
            total += size
        }
        return total
    }

    init(configuration: ScanConfiguration, ruleSet: RuleSet, diagnose: @escaping (Diagnostic) -> Void) {
        self.configuration = configuration
        self.diagnose = diagnose
        if let kill = configuration.faultKillAtByte { nextProgress = min(nextProgress, kill) }
        evaluator = RuleEvaluator(
            ruleSet: ruleSet, descendantLimit: configuration.descendantLimit,
            keepsSuppressed: configuration.showSuppressed, foldsMatches: configuration.foldsMatches,
            settleLook: configuration.settleLook)
        parser = RecordParser(detail: evaluator.readsExecutableFiles ? .scanWithExecutable : .scan)
        if let sink = configuration.onExecRecord {
            // Judged first, so the record names the rules that fired on this exec (`events`).
            tree.onExec = { [evaluator] tree, ready in
                let before = evaluator.matches.count
                evaluator.evaluate(ready, in: tree)
                var record = ExecRecord(ready)
                record.firedRules = evaluator.matches[before...].map(\.rule.id)
                sink(record)
            }
        } else if configuration.collectExecs {
            let collected = ExecCollection()
            execs = collected
            tree.onExec = { [evaluator] tree, ready in
                collected.records.append(ExecRecord(ready).compacted())
                evaluator.evaluate(ready, in: tree)
            }
        } else {
            tree.onExec = { [evaluator] tree, ready in evaluator.evaluate(ready, in: tree) }
        }
        if let checkpoint = configuration.checkpoint {
            tree.restore(checkpoint.processes)
        }
    }

    var checkpointing: Bool { configuration.checkpointing || configuration.checkpoint != nil }

    /// Hands a complete event to the tree, then to the record-level rules that held for its records.
    var deliver: (AuditEvent) -> Void {
        let tree = self.tree
        guard evaluator.recordRules != nil else { return { tree.ingest($0) } }
        let evaluator = self.evaluator
        return { event in
            tree.ingest(event)
            if !event.ruleHits.isEmpty { evaluator.evaluateRecordRules(event, in: tree) }
        }
    }

    /// Where one input started reading, and how far the previous run had read it.
    struct InputStart {
        var offset = 0
        var lines = 0
        /// What the previous run read of this content (0 for content new to the checkpoint):
        /// an event starting before it was held back once already.
        var previousEnd = 0
        /// Whether a next run can find this input again (a regular file, not standard input or a
        /// pipe): only then are its events open at the cut held back for it.
        var resumable = false
    }

    /// Reads one input; a file with lines but not one audit record is an input error (the
    /// wrong file: /etc/services, a binary, a JSON log), an empty file is not (just rotated).
    /// `index`: the input's place in the scan, for a file inflated ahead.
    mutating func read(_ input: String, index: Int? = nil) {
        let name = input == "-" ? "<stdin>" : input
        let before = (lines: summary.lines, records: summary.records)
        holdingWarnings = true
        readFile(input, name: name, inflated: index.flatMap { inflateAhead?.take(input: $0) })
        holdingWarnings = false
        let lines = summary.lines - before.lines
        if summary.records > before.records || stoppedEarly {
            releaseHeldWarnings()
        } else if lines > 0 {
            // One line for the wrong file, not a screen of "not an audit record".
            heldWarnings = []
            report(
                Diagnostic(
                    .error, file: name,
                    message: "no audit records in \(lines) line\(lines == 1 ? "" : "s"): is this an audit log?"))
            summary.inputErrors += 1
        }
    }

    private mutating func readFile(_ input: String, name: String, inflated: InflatedFile?) {
        summary.files.append(name)
        currentHost = configuration.hostByInput[input] ?? configuration.host
        parser.defaultNode = currentHost
        // Once read (or not), the file inflated ahead lets the next one start.
        defer { if let inflated { inflateAhead?.release(inflated) } }
        var file: FileByteSource
        do { file = try FileByteSource(path: input) } catch {
            report(Diagnostic(.error, file: name, message: error.description))
            summary.inputErrors += 1
            return
        }
        let pipelined = configuration.threads > 1
        // A regular file is looked into in place; a stream (stdin, a FIFO) has its first bytes read ahead.
        let head: [UInt8]
        let regular = input != "-" && InputSet.isRegularFile(input)
        if regular {
            head = FileByteSource.head(path: input, count: 2)
        } else {
            do { head = try file.peek(2) } catch {
                report(Diagnostic(.error, file: name, message: error.description))
                summary.inputErrors += 1
                file.close()
                return
            }
        }
        let compressed = GzipByteSource.looksCompressed(head)
        let identity = checkpointing && regular ? FileIdentity.of(path: input, compressed: compressed) : nil
        var start = InputStart(resumable: identity != nil)
        if let identity, let checkpoint = configuration.checkpoint,
            let known = FileIdentity.position(for: identity, in: checkpoint)
        {
            start = InputStart(
                offset: known.offset, lines: known.lines, previousEnd: known.readThrough, resumable: true)
        }
        inputIndex = inputStarts.count
        inputBase = start.offset
        inputStarts.append(start)
        let end: (bytes: Int, lines: Int)
        // Inflated ahead: only if the thread opened the file this scan opened (not one rotated in
        // since), and could start inflating it (else the error is reported below, as without).
        if compressed, let inflated, case .opened(let opened?) = inflated.opening(), opened == file.identity {
            file.close()
            if start.offset == 0 {
                end = readLinesPipelined(from: .inflated(inflated), name: name)
            } else {
                // A resumed gzip copy skips what was read, on the calling thread.
                var source = SkippingByteSource(base: inflated.byteSource(), skip: start.offset)
                end = readLines(from: &source, name: name, firstLine: start.lines)
            }
        } else if compressed {
            // The gzip stream is made on the reading thread, which then owns (and closes) the file;
            // a resumed gzip copy skips what was read on the calling thread.
            if pipelined && start.offset == 0 {
                end = readLinesPipelined(from: .gzip(file), name: name)
            } else {
                do {
                    var source = SkippingByteSource(base: try GzipByteSource(file: file), skip: start.offset)
                    end = readLines(from: &source, name: name, firstLine: start.lines)
                } catch {
                    report(Diagnostic(.error, file: name, message: error.description))
                    summary.inputErrors += 1
                    return
                }
            }
        } else {
            var source = file
            defer { source.close() }
            if start.offset > 0, !source.seek(to: start.offset) {
                start = InputStart(resumable: true)
                inputStarts[inputIndex] = start
                inputBase = 0
            }
            end =
                pipelined
                ? readLinesPipelined(from: .plain(source), name: name, firstLine: start.lines)
                : readLines(from: &source, name: name, firstLine: start.lines)
        }
        if let identity {
            let through = start.offset + end.bytes
            positions.append(
                (
                    inputIndex,
                    Checkpoint.FilePosition(
                        path: input, device: identity.device, inode: identity.inode, headLength: identity.head.count,
                        headHash: FileIdentity.hash(identity.head),
                        offset: through, lines: end.lines, end: max(through, start.previousEnd)), identity.head
                ))
        }
    }

    /// Reads a source's lines; returns the bytes through its last complete line and the line count reached.
    @discardableResult
    mutating func readLines<Source: ByteSource & ~Copyable>(from source: inout Source, name: String, firstLine: Int = 0)
        -> (bytes: Int, lines: Int)
    {
        var reader = LineReader(maxLineLength: configuration.maxLineLength)
        // A last line without newline may still be being written: a checkpointed run leaves it for the next.
        reader.deliversUnterminatedLastLine = !checkpointing
        // Blank lines are counted, not delivered: no per-line cost on a log of newlines.
        reader.skipsBlankLines = true
        var lastLine = firstLine
        var warnings = 0
        var record = Record.empty
        do throws(LineReaderError<StrictStop>) {
            try reader.forEachLine(of: &source, firstLine: firstLine) {
                (number: Int, offset: Int, bytes: Span<UInt8>, truncated: Bool) throws(StrictStop) in
                lastLine = number
                countBytes(bytes.count)
                // Parsed into the one record, which the assembler reads where it lies (no copy per line).
                switch parser.parse(
                    bytes, lineNumber: number, truncated: truncated, limit: configuration.maxLineLength, into: &record)
                {
                case .blank: return
                case .record:
                    if let rules = evaluator.recordRules {
                        record.ruleHits = rules.matching(bytes, scratch: &recordScratch)
                    }
                    if let scanner = evaluator.execFields { scanner.findLiterals(in: &record, memo: &execMemo) }
                    takeRecord(&record, number: number, offset: offset, name: name)
                case .rejected(let rejection):
                    try takeRejection(rejection, number: number, name: name, warnings: &warnings)
                }
            }
        } catch {
            switch error {
            case .input(let failure): reportReadFailure(failure, name: name, firstLine: firstLine, lastLine: lastLine)
            case .body: stoppedEarly = true
            }
        }
        reportHiddenWarnings(warnings, name: name)
        return (reader.completeBytes, stoppedEarly ? lastLine : max(lastLine, reader.linesReached))
    }

    /// `readLines` with the reading and parsing done on a second thread (`ParsePipeline`).
    /// The lines come back in order and go through the same `countBytes`, `takeRecord` and
    /// `takeRejection`, so the report, the diagnostics, the checkpoint and the progress calls
    /// are those of `readLines`.
    @discardableResult
    mutating func readLinesPipelined(from source: ParsePipeline.Source, name: String, firstLine: Int = 0) -> (
        bytes: Int, lines: Int
    ) {
        let parsers = configuration.threads - 1
        let settings = ParsePipeline.Settings(
            maxLineLength: configuration.maxLineLength, deliversUnterminatedLastLine: !checkpointing,
            chunkSize: configuration.chunkSize,
            chunksInFlight: configuration.chunksInFlight ?? ParsePipeline.defaultChunksInFlight(parsers: parsers),
            parsers: parsers, detail: parser.detail, recordRules: evaluator.recordRules,
            execFields: evaluator.execFields)
        let pipeline = ParsePipeline(source: source, firstLine: firstLine, settings: settings)
        // Also after a strict stop: the reading thread is stopped and gone before the file is closed.
        defer { pipeline.close() }
        var lastLine = firstLine
        var warnings = 0
        var completeBytes = 0
        reading: while var chunk = pipeline.next() {
            var record = 0
            var rejection = 0
            for line in chunk.lines {
                lastLine = line.number
                countBytes(line.length)
                switch line.outcome {
                case .record:
                    // Read where the reader parsed it, not copied (`ParsedChunk`).
                    takeRecord(&chunk.records[record], number: line.number, offset: line.offset, name: name)
                    record += 1
                case .rejected:
                    do {
                        try takeRejection(
                            chunk.rejections[rejection], number: line.number, name: name, warnings: &warnings)
                    } catch {
                        stoppedEarly = true
                        // As `LineReader.completeBytes` stands while this line is delivered.
                        completeBytes = line.offset
                        break reading
                    }
                    rejection += 1
                case .blank: continue
                }
            }
            pipeline.recycle(&chunk)
            switch chunk.end {
            case nil: continue reading
            case .finished(let bytes):
                completeBytes = bytes
                lastLine = max(lastLine, chunk.linesReached)
            case .failed(let failure, let bytes):
                completeBytes = bytes
                reportReadFailure(failure, name: name, firstLine: firstLine, lastLine: lastLine)
                lastLine = max(lastLine, chunk.linesReached)
            case .cannotOpen(let failure):
                report(Diagnostic(.error, file: name, message: failure.description))
                summary.inputErrors += 1
            }
            break reading
        }
        reportHiddenWarnings(warnings, name: name)
        return (completeBytes, lastLine)
    }

    /// Counts a delivered line's bytes (and its newline) and reports progress.
    @inline(__always)
    private mutating func countBytes(_ length: Int) {
        bytesRead += length + 1
        if bytesRead >= nextProgress {
            if let kill = configuration.faultKillAtByte, bytesRead >= kill { raise(SIGKILL) }
            if let progress = configuration.progress {
                progress(ScanProgress(bytesRead: bytesRead, totalBytes: totalBytes, finished: false))
            }
            nextProgress = min(bytesRead + (1 << 24), configuration.faultKillAtByte ?? .max)
        }
    }

    /// Counts a record and hands it to the assembler.
    @inline(__always)
    private mutating func takeRecord(_ record: inout Record, number: Int, offset: Int, name: String) {
        summary.lines += 1
        summary.records += 1
        kindCounts[record.kind.index] += 1
        if record.isDaemon { daemonRecords += 1 }
        if holdingWarnings { releaseHeldWarnings() }
        let origin = EventOrigin(input: inputIndex, offset: inputBase + offset, line: number)
        // The single-threaded parser sets the host itself (`defaultNode`), the pipeline's parsing threads do not.
        if record.node == nil, let currentHost { record.node = currentHost }
        if evaluator.recordRules == nil {
            // Calls that only update the tree (clone, exit_group, ...) reach it without an event.
            let tree = self.tree
            assembler.add(taking: &record, file: name, origin: origin) {
                tree.ingest($0)
            } update: {
                tree.ingest($0)
            }
        } else {
            let deliver = self.deliver
            assembler.add(taking: &record, file: name, origin: origin, emit: deliver)
        }
    }

    /// Counts a rejected line and reports it (`--strict`: stops the scan).
    private mutating func takeRejection(_ rejection: Rejection, number: Int, name: String, warnings: inout Int)
        throws(StrictStop)
    {
        summary.lines += 1
        summary.rejected += 1
        summary.rejectedByReason[rejection.reason.kind, default: 0] += 1
        let level: Diagnostic.Level = configuration.strict ? .error : .warning
        let diagnostic = Diagnostic(
            level, file: name, line: number, column: rejection.column, message: rejection.reason.description)
        if configuration.strict {
            report(diagnostic)
            throw StrictStop()
        }
        warnings += 1
        if warnings <= configuration.maxWarningsPerFile { reportOrHold(diagnostic) }
    }

    private mutating func reportReadFailure(_ failure: InputError, name: String, firstLine: Int, lastLine: Int) {
        // Say how far the file was read: the lines before the failure count.
        let reach = lastLine > firstLine ? " (the input stops after line \(lastLine))" : ""
        report(Diagnostic(.error, file: name, message: failure.description + reach))
        summary.inputErrors += 1
    }

    private mutating func reportHiddenWarnings(_ warnings: Int, name: String) {
        if warnings > configuration.maxWarningsPerFile {
            reportOrHold(
                Diagnostic(
                    .note, file: name,
                    message:
                        "\(warnings - configuration.maxWarningsPerFile) more rejected lines not shown (\(warnings) in all)"
                ))
        }
    }

    mutating func finish() -> ScanReport {
        for (index, kind) in RecordKind.allCases.enumerated() where kindCounts[index] > 0 {
            summary.recordsByKind[kind, default: 0] += kindCounts[index]
        }
        let tree = self.tree
        let deliver = self.deliver
        var held: [EventOrigin] = []
        if checkpointing {
            // Events still open at the cut wait for the next run, unless they waited once already.
            let starts = inputStarts
            held = assembler.cut(
                deliverNow: { !starts[$0.input].resumable || $0.offset < starts[$0.input].previousEnd },
                emit: deliver)
        } else {
            assembler.flush(emit: deliver)
        }
        tree.finish()
        let findings: [Finding]
        var unfiltered: [Finding] = []
        if configuration.foldsMatches {
            let grouped = evaluator.groupedFindings()
            findings = grouped.findings
            summary.groupedFindings = grouped.ungrouped - findings.count
        } else {
            unfiltered = evaluator.findings()
            let ungrouped = configuration.filter.isEmpty ? unfiltered : unfiltered.filter(configuration.filter.accepts)
            findings = configuration.groupFindings ? RuleEvaluator.grouped(ungrouped) : ungrouped
            summary.groupedFindings = ungrouped.count - findings.count
        }
        summary.inferredFindings = findings.filter { $0.inference != nil }.count
        summary.suppressed = evaluator.suppressedCount
        summary.suppressedByException = evaluator.suppressedByException
        if configuration.showSuppressed {
            summary.suppressedFindings = evaluator.suppressed(group: configuration.groupFindings)
        }
        summary.events = assembler.eventCount
        summary.execs = tree.execCount
        summary.duplicateEvents = assembler.duplicateEvents
        summary.shellsWithUnknownParent = evaluator.shellsWithUnknownParent
        summary.findings = findings.count
        warnIfNoExecve()
        for finding in findings {
            summary.findingsBySeverity[finding.rule.severity, default: 0] += 1
            summary.findingsByRule[finding.rule.id, default: 0] += 1
        }
        var next: Checkpoint?
        if checkpointing {
            var checkpoint = Checkpoint()
            checkpoint.files = Self.resumePositions(positions, held: held, previous: configuration.checkpoint)
            checkpoint.processes = tree.savedState()
            next = checkpoint
        }
        var result = ScanReport(
            summary: summary, findings: findings, diagnostics: diagnostics, stoppedEarly: stoppedEarly, checkpoint: next
        )
        result.execs = execs?.records ?? []
        result.rules = evaluator.ruleSet.rules
        result.peakHeldMatches = evaluator.peakHeldMatches
        if !configuration.filter.isEmpty {
            result.unfilteredFindings =
                configuration.groupFindings ? RuleEvaluator.grouped(unfiltered).count : unfiltered.count
        }
        return result
    }

    /// Each file read resumes at its oldest held event, or after its last complete line;
    /// positions of files not read this run are kept (bounded) for when they are given again.
    static func resumePositions(
        _ positions: [(input: Int, position: Checkpoint.FilePosition, head: [UInt8])], held: [EventOrigin],
        previous: Checkpoint?
    ) -> [Checkpoint.FilePosition] {
        var oldest: [Int: EventOrigin] = [:]
        for origin in held where oldest[origin.input].map({ origin.offset < $0.offset }) ?? true {
            oldest[origin.input] = origin
        }
        var result: [Checkpoint.FilePosition] = positions.map { input, position, _ in
            var position = position
            if let origin = oldest[input], origin.offset < position.offset {
                position.offset = origin.offset
                position.lines = max(origin.line - 1, 0)
            }
            return position
        }
        // An older entry for content read this run (the same file, shorter then) is replaced, not kept.
        for saved in previous?.files ?? []
        where result.count < Checkpoint.maxFiles
            && !positions.contains(where: {
                saved.headLength <= $0.head.count
                    && FileIdentity.hash($0.head.prefix(saved.headLength)) == saved.headHash
            })
        {
            result.append(saved)
        }
        return result
    }

    /// Kernel records but not one execve: the audit rules do not log execs, so no shell can
    /// ever be found and a clean report would mean nothing. Said even under `--quiet`.
    private mutating func warnIfNoExecve() {
        let kernelRecords = summary.records - daemonRecords
        guard kernelRecords > 0, summary.recordsByKind[.execve, default: 0] == 0, summary.execs == 0 else { return }
        var warning = Diagnostic(
            .warning, file: "auditree",
            message: "\(kernelRecords) audit record\(kernelRecords == 1 ? "" : "s") but no execve: "
                + "the audit rules do not log execve, so no shell can be found; 'auditree audit-rules' prints rules that do"
        )
        warning.shownWhenQuiet = true
        report(warning)
    }

    private mutating func reportOrHold(_ diagnostic: Diagnostic) {
        if holdingWarnings { heldWarnings.append(diagnostic) } else { report(diagnostic) }
    }

    private mutating func releaseHeldWarnings() {
        holdingWarnings = false
        let held = heldWarnings
        heldWarnings = []
        for diagnostic in held { report(diagnostic) }
    }

    mutating func report(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
        diagnose(diagnostic)
    }
}

/// Thrown out of the line loop when `--strict` meets a bad line.
struct StrictStop: Error {}

/// Execs gathered during a scan for the forensic commands.
final class ExecCollection {
    var records: [ExecRecord] = []
}

extension ScanConfiguration {
    /// Whether the report needs the grouped findings only: then each match but the oldest of
    /// its group is kept small as the scan runs (`RuleEvaluator.groupedFindings`). A filter
    /// judges each finding whole (its ancestry, its descendants), and the forensic commands
    /// (`collectExecs`, `onExecRecord`) number and show every finding.
    var foldsMatches: Bool { groupFindings && filter.isEmpty && !collectExecs && onExecRecord == nil }
}
