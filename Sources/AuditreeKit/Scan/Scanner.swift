/// The library entry point: input -> records -> events -> process tree -> findings.
public enum Scanner {
    /// Runs a scan; `diagnose` sees each diagnostic as it happens (for live stderr output).
    public static func run(_ configuration: ScanConfiguration, diagnose: @escaping (Diagnostic) -> Void = { _ in }) throws(RuleFileError) -> ScanReport {
        let ruleSet: RuleSet
        var ruleWarnings: [RuleFileError] = []
        if let configured = configuration.ruleSet { ruleSet = configured } else {
            // A bad rule file throws here, before any input is read.
            let loaded = try RuleSet.load(files: configuration.ruleFiles, includeBuiltIn: configuration.useDefaultRules)
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
        for input in inputs.paths {
            state.read(input)
            if state.stoppedEarly { break }
        }
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
    var assembler = EventAssembler()
    let tree = ProcessTree()
    let evaluator: RuleEvaluator
    var stoppedEarly = false
    /// Per host, the last stamp handed on: the resume point of the next run.
    var lastEvents: [String: EventStamp] = [:]
    var positions: [Checkpoint.FilePosition] = []
    var execs: ExecCollection?
    var bytesRead = 0
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

    /// Total size when every input is a plain regular file (no stdin, FIFO or gzip), else nil.
    static func plainSize(of paths: [String]) -> Int? {
        var total = 0
        for path in paths {
            guard path != "-", InputSet.isRegularFile(path), !GzipByteSource.looksCompressed(FileByteSource.head(path: path, count: 2)),
                  let identity = FileIdentity.of(path: path, headLength: 0) else { return nil }
            total += identity.size
        }
        return total
    }

    init(configuration: ScanConfiguration, ruleSet: RuleSet, diagnose: @escaping (Diagnostic) -> Void) {
        self.configuration = configuration
        self.diagnose = diagnose
        evaluator = RuleEvaluator(ruleSet: ruleSet, descendantLimit: configuration.descendantLimit)
        if let sink = configuration.onExecRecord {
            tree.onExec = { [evaluator] tree, ready in
                sink(ExecRecord(ready))
                evaluator.evaluate(ready, in: tree)
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
            lastEvents = checkpoint.lastEvents.mapValues(\.stamp)
        }
    }

    var checkpointing: Bool { configuration.checkpointing || configuration.checkpoint != nil }

    /// Whether a record was already handled by an earlier checkpointed run.
    static func handledBefore(_ record: Record, checkpoint: Checkpoint?) -> Bool {
        guard !record.isDaemon, let checkpoint,
              let last = checkpoint.lastEvents[Checkpoint.hostKey(record.node)] else { return false }
        return record.stamp <= last.stamp
    }

    /// Reads one input; a file with lines but not one audit record is an input error (the
    /// wrong file: /etc/services, a binary, a JSON log), an empty file is not (just rotated).
    mutating func read(_ input: String) {
        let name = input == "-" ? "<stdin>" : input
        let before = (lines: summary.lines, records: summary.records)
        holdingWarnings = true
        readFile(input, name: name)
        holdingWarnings = false
        let lines = summary.lines - before.lines
        if summary.records > before.records || stoppedEarly {
            releaseHeldWarnings()
        } else if lines > 0 {
            // One line for the wrong file, not a screen of "not an audit record".
            heldWarnings = []
            report(Diagnostic(.error, file: name, message: "no audit records in \(lines) line\(lines == 1 ? "" : "s"): is this an audit log?"))
            summary.inputErrors += 1
        }
    }

    private mutating func readFile(_ input: String, name: String) {
        summary.files.append(name)
        currentHost = configuration.hostByInput[input] ?? configuration.host
        var file: FileByteSource
        do { file = try FileByteSource(path: input) } catch {
            report(Diagnostic(.error, file: name, message: error.description))
            summary.inputErrors += 1
            return
        }
        let pipelined = configuration.threads > 1
        // A regular file is looked into in place; a stream (stdin, a FIFO) has its first bytes read ahead.
        let head: [UInt8]
        if input != "-" && InputSet.isRegularFile(input) {
            head = FileByteSource.head(path: input, count: 2)
        } else {
            do { head = try file.peek(2) } catch {
                report(Diagnostic(.error, file: name, message: error.description))
                summary.inputErrors += 1
                file.close()
                return
            }
        }
        if GzipByteSource.looksCompressed(head) {
            // The gzip stream is made on the reading thread, which then owns (and closes) the file.
            if pipelined {
                readLinesPipelined(from: file, gzip: true, name: name)
                return
            }
            do {
                var source = try GzipByteSource(file: file)
                readLines(from: &source, name: name)
            } catch {
                report(Diagnostic(.error, file: name, message: error.description))
                summary.inputErrors += 1
            }
        } else {
            var source = file
            defer { source.close() }
            let identity = checkpointing ? FileIdentity.of(path: input) : nil
            var start = (offset: 0, lines: 0)
            if let checkpoint = configuration.checkpoint, let known = FileIdentity.position(for: input, in: checkpoint), source.seek(to: known.offset) {
                start = (known.offset, known.lines)
            }
            let end = pipelined
                ? readLinesPipelined(from: source, gzip: false, name: name, firstLine: start.lines)
                : readLines(from: &source, name: name, firstLine: start.lines)
            if let identity {
                positions.append(Checkpoint.FilePosition(path: input, device: identity.device, inode: identity.inode, headLength: identity.head,
                                                         headHash: identity.hash, offset: start.offset + end.bytes, lines: end.lines))
            }
        }
    }

    /// Reads a source's lines; returns the bytes through its last complete line and the line count reached.
    @discardableResult
    mutating func readLines<Source: ByteSource & ~Copyable>(from source: inout Source, name: String, firstLine: Int = 0) -> (bytes: Int, lines: Int) {
        var reader = LineReader(maxLineLength: configuration.maxLineLength)
        // A last line without newline may still be being written: a checkpointed run leaves it for the next.
        reader.deliversUnterminatedLastLine = !checkpointing
        // Blank lines are counted, not delivered: no per-line cost on a log of newlines.
        reader.skipsBlankLines = true
        var lastLine = firstLine
        var warnings = 0
        do throws(LineReaderError<StrictStop>) {
            try reader.forEachLine(of: &source, firstLine: firstLine) { (number: Int, bytes: Span<UInt8>, truncated: Bool) throws(StrictStop) in
                lastLine = number
                let outcome = parser.parse(bytes, lineNumber: number, truncated: truncated, limit: configuration.maxLineLength)
                try take(number, length: bytes.count, outcome: outcome, name: name, warnings: &warnings)
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
    /// The lines come back in order and go through the same `take`, so the report, the
    /// diagnostics, the checkpoint and the progress calls are those of `readLines`.
    @discardableResult
    mutating func readLinesPipelined(from file: FileByteSource, gzip: Bool, name: String, firstLine: Int = 0) -> (bytes: Int, lines: Int) {
        let settings = ParsePipeline.Settings(maxLineLength: configuration.maxLineLength, deliversUnterminatedLastLine: !checkpointing,
                                              chunkSize: configuration.chunkSize, chunksInFlight: configuration.chunksInFlight)
        let pipeline = ParsePipeline(file: file, gzip: gzip, firstLine: firstLine, settings: settings)
        // Also after a strict stop: the reading thread is stopped and gone before the file is closed.
        defer { pipeline.close() }
        var lastLine = firstLine
        var warnings = 0
        var completeBytes = 0
        reading: while var chunk = pipeline.next() {
            for index in chunk.lines.indices {
                let (number, offset, length) = (chunk.lines[index].number, chunk.lines[index].offset, chunk.lines[index].length)
                lastLine = number
                // Moved out, not copied: a copy would retain every string and array of the record
                // once more (and release it with the chunk), on counts the other core wrote.
                let outcome = chunk.lines[index].outcome.take()
                do { try take(number, length: length, outcome: outcome, name: name, warnings: &warnings) } catch {
                    stoppedEarly = true
                    // As `LineReader.completeBytes` stands while this line is delivered.
                    completeBytes = offset
                    break reading
                }
            }
            pipeline.recycle(&chunk.lines)
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

    /// Accounts for one delivered line and hands its record to the assembler: the per-line
    /// work after parsing, shared by `readLines` and `readLinesPipelined`.
    @inline(__always)
    private mutating func take(_ number: Int, length: Int, outcome: Result<Record, Rejection>?, name: String, warnings: inout Int) throws(StrictStop) {
        bytesRead += length + 1
        if bytesRead >= nextProgress, let progress = configuration.progress {
            nextProgress = bytesRead + (1 << 24)
            progress(ScanProgress(bytesRead: bytesRead, totalBytes: totalBytes, finished: false))
        }
        switch outcome {
        case nil: return
        case .success(var record):
            if record.node == nil, let currentHost { record.node = currentHost }
            summary.lines += 1
            summary.records += 1
            kindCounts[record.kind.index] += 1
            if record.isDaemon { daemonRecords += 1 }
            if holdingWarnings { releaseHeldWarnings() }
            if Self.handledBefore(record, checkpoint: configuration.checkpoint) {
                summary.skippedByCheckpoint += 1
                return
            }
            if checkpointing && !record.isDaemon {
                let host = Checkpoint.hostKey(record.node)
                if lastEvents[host].map({ $0 < record.stamp }) ?? true { lastEvents[host] = record.stamp }
            }
            let tree = self.tree
            assembler.add(record, file: name) { tree.ingest($0) }
        case .failure(let rejection):
            summary.lines += 1
            summary.rejected += 1
            summary.rejectedByReason[rejection.reason.kind, default: 0] += 1
            let level: Diagnostic.Level = configuration.strict ? .error : .warning
            let diagnostic = Diagnostic(level, file: name, line: number, column: rejection.column, message: rejection.reason.description)
            if configuration.strict {
                report(diagnostic)
                throw StrictStop()
            }
            warnings += 1
            if warnings <= configuration.maxWarningsPerFile { reportOrHold(diagnostic) }
        }
    }

    private mutating func reportReadFailure(_ failure: InputError, name: String, firstLine: Int, lastLine: Int) {
        // Say how far the file was read: the lines before the failure count.
        let reach = lastLine > firstLine ? " (the input stops after line \(lastLine))" : ""
        report(Diagnostic(.error, file: name, message: failure.description + reach))
        summary.inputErrors += 1
    }

    private mutating func reportHiddenWarnings(_ warnings: Int, name: String) {
        if warnings > configuration.maxWarningsPerFile {
            reportOrHold(Diagnostic(.note, file: name, message: "\(warnings - configuration.maxWarningsPerFile) more rejected lines not shown (\(warnings) in all)"))
        }
    }

    mutating func finish() -> ScanReport {
        for (index, kind) in RecordKind.allCases.enumerated() where kindCounts[index] > 0 {
            summary.recordsByKind[kind, default: 0] += kindCounts[index]
        }
        let tree = self.tree
        assembler.flush { tree.ingest($0) }
        tree.finish()
        let unfiltered = evaluator.findings()
        let ungrouped = configuration.filter.isEmpty ? unfiltered : unfiltered.filter(configuration.filter.accepts)
        let findings = configuration.groupFindings ? RuleEvaluator.grouped(ungrouped) : ungrouped
        summary.groupedFindings = ungrouped.count - findings.count
        summary.inferredFindings = findings.filter { $0.inference != nil }.count
        summary.suppressed = evaluator.suppressedCount
        summary.suppressedByException = evaluator.suppressedByException
        if configuration.showSuppressed { summary.suppressedFindings = evaluator.suppressed(group: configuration.groupFindings) }
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
            checkpoint.files = positions
            checkpoint.lastEvents = lastEvents.mapValues(Checkpoint.SavedStamp.init)
            checkpoint.processes = tree.savedState()
            next = checkpoint
        }
        var result = ScanReport(summary: summary, findings: findings, diagnostics: diagnostics, stoppedEarly: stoppedEarly, checkpoint: next)
        result.execs = execs?.records ?? []
        if !configuration.filter.isEmpty {
            result.unfilteredFindings = configuration.groupFindings ? RuleEvaluator.grouped(unfiltered).count : unfiltered.count
        }
        return result
    }

    /// Kernel records but not one execve: the audit rules do not log execs, so no shell can
    /// ever be found and a clean report would mean nothing. Said even under `--quiet`.
    private mutating func warnIfNoExecve() {
        let kernelRecords = summary.records - daemonRecords - summary.skippedByCheckpoint
        guard kernelRecords > 0, summary.recordsByKind[.execve, default: 0] == 0, summary.execs == 0 else { return }
        var warning = Diagnostic(.warning, file: "auditree", message: "\(kernelRecords) audit record\(kernelRecords == 1 ? "" : "s") but no execve: "
            + "the audit rules do not log execve, so no shell can be found; 'auditree audit-rules' prints rules that do")
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
