/// The library entry point: input -> records -> events -> process tree -> findings.
public enum Scanner {
    /// Runs a scan; `diagnose` sees each diagnostic as it happens (for live stderr output).
    public static func run(_ configuration: ScanConfiguration, diagnose: @escaping (Diagnostic) -> Void = { _ in }) throws(RuleFileError) -> ScanReport {
        let ruleSet: RuleSet
        if let configured = configuration.ruleSet { ruleSet = configured } else { ruleSet = try RuleSet.builtIn() }
        var state = ScanState(configuration: configuration, ruleSet: ruleSet, diagnose: diagnose)
        for input in configuration.inputs {
            state.read(input)
            if state.stoppedEarly { break }
        }
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

    init(configuration: ScanConfiguration, ruleSet: RuleSet, diagnose: @escaping (Diagnostic) -> Void) {
        self.configuration = configuration
        self.diagnose = diagnose
        evaluator = RuleEvaluator(ruleSet: ruleSet, descendantLimit: configuration.descendantLimit)
        tree.onExec = { [evaluator] tree, ready in evaluator.evaluate(ready, in: tree) }
    }

    mutating func read(_ input: String) {
        let name = input == "-" ? "<stdin>" : input
        summary.files.append(name)
        var source: FileByteSource
        do { source = try FileByteSource(path: input) } catch {
            report(Diagnostic(.error, file: name, message: error.description))
            summary.inputErrors += 1
            return
        }
        defer { source.close() }
        var reader = LineReader(maxLineLength: configuration.maxLineLength)
        var warnings = 0
        do throws(LineReaderError<StrictStop>) {
            try reader.forEachLine(of: &source) { (number: Int, bytes: Span<UInt8>, truncated: Bool) throws(StrictStop) in
                let outcome: Result<Record, Rejection>?
                if truncated {
                    outcome = .failure(Rejection(.lineTooLong(limit: configuration.maxLineLength), column: configuration.maxLineLength + 1))
                } else {
                    outcome = parser.parse(bytes, lineNumber: number)
                }
                switch outcome {
                case nil: return
                case .success(let record):
                    summary.lines += 1
                    summary.records += 1
                    summary.recordsByKind[record.kind, default: 0] += 1
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
                    if warnings <= configuration.maxWarningsPerFile { report(diagnostic) }
                }
            }
        } catch {
            switch error {
            case .input(let failure):
                report(Diagnostic(.error, file: name, message: failure.description))
                summary.inputErrors += 1
            case .body:
                stoppedEarly = true
            }
        }
        if warnings > configuration.maxWarningsPerFile {
            report(Diagnostic(.note, file: name, message: "\(warnings - configuration.maxWarningsPerFile) more rejected lines not shown (\(warnings) in all)"))
        }
    }

    mutating func finish() -> ScanReport {
        let tree = self.tree
        assembler.flush { tree.ingest($0) }
        tree.finish()
        let findings = evaluator.findings()
        summary.events = assembler.eventCount
        summary.execs = tree.execCount
        summary.duplicateEvents = assembler.duplicateEvents
        summary.shellsWithUnknownParent = evaluator.shellsWithUnknownParent
        summary.findings = findings.count
        for finding in findings {
            summary.findingsBySeverity[finding.rule.severity, default: 0] += 1
            summary.findingsByRule[finding.rule.id, default: 0] += 1
        }
        return ScanReport(summary: summary, findings: findings, diagnostics: diagnostics, stoppedEarly: stoppedEarly)
    }

    private mutating func report(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
        diagnose(diagnostic)
    }
}

/// Thrown out of the line loop when `--strict` meets a bad line.
struct StrictStop: Error {}
