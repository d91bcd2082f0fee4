import AuditreeBase
import AuditreeEvents
import AuditreeParser
import AuditreeRules
import AuditreeScan
import AuditreeTree

/// The report for people: each finding with its story, then a summary line.
/// Every value from the log goes through `TextEscaper`; color only when asked (a terminal).
public struct TextReporter {
    public var color: Bool
    /// Whether to end with the summary line (off for --quiet).
    public var summary: Bool
    /// Long values already printed in full: later places print a preview (docs/formats.md, "Long values").
    var long = LongValues()

    public init(color: Bool = false, summary: Bool = true) {
        self.color = color
        self.summary = summary
    }

    public func render(_ report: ScanReport) -> String {
        var fresh = self
        fresh.long = LongValues()
        return fresh.renderReport(report)
    }

    private func renderReport(_ report: ScanReport) -> String {
        var out = ""
        for finding in report.findings {
            out += renderFinding(finding)
            out += "\n"
        }
        if !report.summary.suppressedFindings.isEmpty {
            out += "Suppressed by exceptions (\(report.summary.suppressedFindings.count)):\n\n"
            for finding in report.summary.suppressedFindings {
                out += renderFinding(finding)
                out += "\n"
            }
        }
        if summary { out += summaryLine(report.summary) + "\n" }
        return out
    }

    func renderFinding(_ finding: Finding) -> String {
        var lines: [String] = []
        let severity = "[\(finding.rule.severity.rawValue.uppercased())]"
        lines.append(
            "\(paint(severity, severityStyle(finding.rule.severity))) \(bold(finding.rule.id)): \(finding.rule.name)"
                + (finding.rule.severity != finding.rule.baseSeverity
                    ? " (raised from \(finding.rule.baseSeverity.rawValue) by context)" : ""))
        if !finding.rule.author.isEmpty {
            // The DRL asks that every detection of a Sigma rule names its author.
            lines.append(
                "  author   \(TextEscaper.escapeRuleText(finding.rule.author))  (\(TextEscaper.escapeRuleText(finding.rule.origin.description)))"
            )
        }
        if let suppression = finding.suppression {
            lines.append(
                "  SUPPRESSED by \(suppression.scope) exception '\(TextEscaper.escape(suppression.exceptionID))' (\(TextEscaper.escape(suppression.origin.description))): "
                    + TextEscaper.escape(suppression.reason))
        }
        if let number = finding.number {
            lines.append("  finding  #\(number)")
        }
        // The count and the first and last: every one is in the machine formats (json, ndjson, sarif, html).
        if finding.occurrences > 1, let first = finding.seen.first, let last = finding.seen.last {
            lines.append(
                "  repeated \(finding.occurrences) times (same rule, spawner and command line): "
                    + "first\(first.number.map { " #\($0)" } ?? "") below; last\(last.number.map { " #\($0)" } ?? "")  \(last.time)  event \(last.stamp)"
                    + "  pid \(last.pid)  at \(TextEscaper.escape(last.location.file)):\(last.location.line)")
        }
        let image = finding.process.image
        if let image {
            lines.append("  time     \(TimeFormat.iso8601(image.stamp))  event \(image.stamp)")
            lines.append("  host     \(finding.host.map(TextEscaper.escape) ?? "-")")
            lines.append("  user     \(userText(image))")
            lines.append("  shell    pid \(finding.process.pid)  \(exeText(image))  cwd \(image.cwd.map(text) ?? "?")")
            lines.append("           \(command(image.argv))")
        }
        let chain = finding.launchers.map {
            "\($0.process.image?.exe.map { TextEscaper.escape($0.basename.lossyString) } ?? "?") pid \($0.process.pid)"
        }
        let via =
            finding.launchersSkipped > 0
            ? ", through \(finding.launchersSkipped) launcher(s)"
                + (chain.isEmpty ? "" : ": " + chain.joined(separator: " <- ")) : ""
        if let inference = finding.inference {
            lines.append(
                "  spawner  pid \(finding.spawner.pid)  unknown: the log never describes this process; "
                    + "INFERRED as \(inference.list) (confidence \(inference.confidence.rawValue)) from: "
                    + inference.evidence.map { "\($0.id) (\(TextEscaper.escape($0.description)))" }.joined(
                        separator: ", "))
        } else if finding.rule.isSigma {
            lines.append(
                "  spawner  pid \(finding.spawner.pid)  \(finding.spawner.image.map(exeText) ?? "unknown: the log never describes this process")  (parent: Sigma's ParentImage)"
            )
        } else {
            let evidence = finding.spawnerMatch
            lines.append(
                "  spawner  pid \(finding.spawner.pid)  \(finding.spawner.image.map(exeText) ?? "?")  "
                    + "(\(finding.spawnerRelation.rawValue)\(via); \(evidence.field.rawValue) '\(text(LogString(bytes: Array(evidence.value.utf8))))' is '\(TextEscaper.escape(evidence.entry))' in \(evidence.list))"
            )
        }
        // Matched by location (a temp directory, memfd, a deleted file): the file's identity from the exec's PATH record.
        for (role, evidence, image) in [
            ("shell", Optional(finding.childMatch), finding.process.image),
            ("spawner", finding.spawnerEvidence, finding.spawner.image),
        ] {
            guard let evidence, evidence.byLocation, let file = image?.file else { continue }
            lines.append("  file     \(role) \(Self.fileText(file))")
        }
        if finding.inference == nil, let shell = finding.process.image, let spawner = finding.spawner.image,
            let uid = shell.uid,
            let spawnerUID = spawner.uid, uid != spawnerUID
        {
            // sudo, su, runuser: the launcher chain ran the shell as another user.
            lines.append("  users    spawner \(userShort(spawner)) -> shell \(userShort(shell))")
        }
        for hit in finding.context {
            let raise = hit.raise > 0 ? "+\(hit.raise)" : "shown"
            lines.append(
                "  context  \(hit.id): \(TextEscaper.escape(hit.description)) (\(hit.on.rawValue) pid \(hit.pid); \(raise))"
            )
        }
        for miss in finding.exceptionsNotApplied {
            lines.append(
                "  checked  \(miss.scope) exception '\(TextEscaper.escape(miss.exceptionID))' did not apply: \(miss.failed.explanation)"
                    + (miss.detail.map { ": \($0.explanation)" } ?? ""))
        }
        lines.append("  ancestry (nearest first)")
        for ancestor in finding.ancestry {
            lines.append("    " + processLine(ancestor.process, note: relationText(ancestor)))
        }
        if finding.descendants.isEmpty {
            lines.append("  ran below: nothing logged")
        } else {
            lines.append("  ran below")
            for descendant in finding.descendants {
                lines.append(
                    "    " + String(repeating: "  ", count: descendant.depth)
                        + processLine(descendant.process, note: nil))
            }
            if finding.descendantsOmitted > 0 { lines.append("    ... \(finding.descendantsOmitted) more not shown") }
        }
        lines.append("  at       \(TextEscaper.escape(finding.location.file)):\(finding.location.line)")
        return lines.joined(separator: "\n") + "\n"
    }

    func processLine(_ process: ProcessSnapshot, note: String?) -> String {
        let suffix = note.map { "  (\($0))" } ?? ""
        guard let image = process.image else {
            return "pid \(process.pid)  unknown: the log never describes this process\(suffix)"
        }
        let command: String
        switch image.origin {
        case .exec: command = self.command(image.argv)
        case .observed: command = "(no exec logged; seen as \(image.comm.map(text) ?? "?"))"
        case .inherited:
            command = "(forked, no exec logged; runs its parent's program as \(image.comm.map(text) ?? "?"))"
        }
        return
            "pid \(process.pid)  \(TimeFormat.iso8601(image.stamp))  \(userShort(image))  \(image.exe.map(text) ?? "?")  \(command)\(suffix)"
    }

    /// A value from the log, escaped; a long one in full where it first appears, as a preview after.
    func text(_ value: LogString) -> String {
        guard LongValues.isLong(value) else { return value.description }
        let (number, first) = long.number(value)
        return first
            ? "\(value) [long value #\(number), \(value.count) bytes]"
            : "\(LongValues.preview(value)) [long value #\(number), \(value.count) bytes, in full above]"
    }

    /// A command line, quoted and escaped; a long one in full where it first appears, as a preview after.
    func command(_ argv: ArgumentVector) -> String {
        guard LongValues.isLong(argv) else { return CommandLineText.render(argv) }
        let (number, first) = long.number(argv)
        let size = "\(argv.arguments.count) arguments, \(LongValues.size(of: argv)) bytes"
        return first
            ? "\(CommandLineText.render(argv)) [long command line #\(number), \(size)]"
            : "\(CommandLineText.render(LongValues.preview(argv))) ... [long command line #\(number), \(size), in full above]"
    }

    func relationText(_ ancestor: AncestorSnapshot) -> String {
        switch ancestor.relation {
        case .replacedImage: ancestor.generation == 0 ? "same pid, before exec" : "same pid, earlier image"
        case .parent: "parent"
        case .ancestor: "ancestor"
        }
    }

    func exeText(_ image: ProcessImage) -> String {
        "\(image.exe.map(text) ?? "?") (comm \(image.comm.map(text) ?? "?"))"
    }

    func userText(_ image: ProcessImage) -> String {
        var parts = ["uid=\(idText(image.uid, image.userName))"]
        if let euid = image.euid, euid != image.uid { parts.append("euid=\(euid)") }
        parts.append("auid=\(idText(image.auid, image.loginUserName))")
        if let ses = image.ses { parts.append("ses=\(ses == UInt32.max ? "unset" : String(ses))") }
        if let tty = image.tty { parts.append("tty=\(tty)") }
        return parts.joined(separator: " ")
    }

    /// PATH item 0 of an exec, as `file` evidence: `inode 1234 dev fd:01 mode 0100755 nametype NORMAL name '/tmp/x'`.
    static func fileText(_ file: PathRecord) -> String {
        var parts: [String] = []
        if let inode = file.inode { parts.append("inode \(inode)") }
        if let device = file.device { parts.append("dev \(TextEscaper.escape(device))") }
        if let mode = file.mode { parts.append("mode \(TextEscaper.escape(mode))") }
        if let nametype = file.nametype { parts.append("nametype \(TextEscaper.escape(nametype))") }
        parts.append("name " + (file.name.map { "'\(TextEscaper.escape($0.lossyString))'" } ?? "(none)"))
        if file.name?.bytes.isEmpty ?? false { parts.append("(empty: an execveat on a file descriptor)") }
        return parts.joined(separator: " ") + " (the exec's PATH record)"
    }

    func userShort(_ image: ProcessImage) -> String { "uid=\(idText(image.uid, image.userName))" }

    func idText(_ id: UInt32?, _ name: String?) -> String {
        guard let id else { return "?" }
        if id == UInt32.max { return "unset" }
        // auditd writes "unknown(N)" for ids it could not name; that adds nothing.
        guard let name, !name.hasPrefix("unknown(") else { return String(id) }
        return "\(id)(\(TextEscaper.escape(name)))"
    }

    func summaryLine(_ summary: ScanSummary) -> String {
        var severities = Severity.allCases.reversed().compactMap { severity in
            summary.findingsBySeverity[severity].map { "\($0) \(severity.rawValue)" }
        }.joined(separator: ", ")
        if !severities.isEmpty { severities = " (\(severities))" }
        let noun = summary.findings == 1 ? "finding" : "findings"
        if summary.inferredFindings > 0 { severities += ", \(summary.inferredFindings) with an inferred spawner" }
        if summary.groupedFindings > 0 { severities += ", \(summary.groupedFindings) repeats grouped" }
        if summary.suppressed > 0 {
            let byException = summary.suppressedByException.sorted { $0.key < $1.key }.map {
                "\(TextEscaper.escape($0.key)) \($0.value)"
            }
            severities += ", \(summary.suppressed) suppressed by exceptions (\(byException.joined(separator: ", ")))"
        }
        var line =
            "auditree: \(summary.findings) \(noun)\(severities); read \(summary.files.count) file(s), \(summary.lines) lines: "
            + "\(summary.records) records, \(summary.rejected) rejected; \(summary.events) events, \(summary.execs) execs"
        if summary.duplicateEvents > 0 { line += ", \(summary.duplicateEvents) duplicate events ignored" }
        if summary.shellsWithUnknownParent > 0 {
            line += "; \(summary.shellsWithUnknownParent) shell(s) with a parent the log never describes"
        }
        if summary.inputErrors > 0 { line += "; \(summary.inputErrors) input error(s)" }
        return line
    }

    // MARK: Styling

    enum Style { case plain, red, boldRed, yellow }

    func severityStyle(_ severity: Severity) -> Style {
        switch severity {
        case .critical: .boldRed
        case .high: .red
        case .medium: .yellow
        case .low, .info: .plain
        }
    }

    func paint(_ text: String, _ style: Style) -> String {
        guard color else { return text }
        switch style {
        case .plain: return text
        case .red: return "\u{1B}[31m\(text)\u{1B}[0m"
        case .boldRed: return "\u{1B}[1;31m\(text)\u{1B}[0m"
        case .yellow: return "\u{1B}[33m\(text)\u{1B}[0m"
        }
    }

    func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
}
