import TestSupport
import Testing

@testable import AuditreeBase
@testable import AuditreeParser
@testable import AuditreeReport
@testable import AuditreeRules
@testable import AuditreeTree

/// Walks every case of the closed sets so a new case cannot go unhandled.
@Suite("Closed sets")
struct ClosedSetTests {
    @Test("severities are ordered and parse from their names", arguments: Severity.allCases)
    func severities(_ severity: Severity) {
        #expect(Severity(rawValue: severity.rawValue) == severity)
        #expect(Severity.allCases.firstIndex(of: severity) == severity.rank)
    }

    @Test("a record kind's index is its position among all kinds", arguments: RecordKind.allCases)
    func recordKindIndex(_ kind: RecordKind) {
        // The scan's per-kind counts and the assembler's kind bits are both indexed this way.
        #expect(RecordKind.allCases.firstIndex(of: kind) == kind.index)
    }

    @Test("every output format renders a real report", arguments: OutputFormat.allCases)
    func formats(_ format: OutputFormat) throws {
        let report = try Fixtures.scan([Fixtures.recorded("raw-execve")])
        let text = format.render(report)
        switch format {
        case .text: #expect(text.hasSuffix("execs; 3 shell(s) with a parent the log never describes\n"))
        case .json: #expect(text.hasPrefix("{\n  \"version\": 1,"))
        case .html: #expect(text.hasPrefix("<!DOCTYPE html>"))
        case .ndjson: #expect(text.hasPrefix("{\"@timestamp\":") && text.hasSuffix("}\n"))
        case .sarif: #expect(text.contains("\"version\": \"2.1.0\""))
        case .junit: #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite "))
        }
        #expect(text.contains("tp-lighttpd-cgi"))
    }

    @Test(
        "every exception condition explains itself and is named as in rule files",
        arguments: ExceptionCondition.allCases)
    func exceptionConditions(condition: ExceptionCondition) {
        #expect(!condition.explanation.isEmpty)
        #expect(["host", "child", "spawner", "ancestor"].contains(condition.rawValue))
    }

    @Test("every rejection kind has a message and a summary key", arguments: RejectReason.Kind.allCases)
    func rejectKinds(_ kind: RejectReason.Kind) {
        let reason: RejectReason
        switch kind {
        case .notAnAuditRecord: reason = .notAnAuditRecord
        case .missingTimestamp: reason = .missingTimestamp
        case .malformedTimestamp: reason = .malformedTimestamp
        case .lineTooLong: reason = .lineTooLong(limit: 10)
        case .missingField: reason = .missingField("pid")
        case .malformedField: reason = .malformedField("pid")
        }
        #expect(reason.kind == kind)
        #expect(!reason.description.isEmpty)
    }

    @Test("syscall kinds: exec and fork classes", arguments: SyscallKind.allCases)
    func syscallKinds(_ kind: SyscallKind) {
        switch kind {
        case .execve, .execveat: #expect(kind.isExec && !kind.isFork)
        case .fork, .vfork, .clone, .clone3: #expect(kind.isFork && !kind.isExec)
        case .exitGroup, .other: #expect(!kind.isFork && !kind.isExec)
        }
    }

    @Test("image origins and relations have stable names", arguments: ProcessImage.Origin.allCases)
    func origins(_ origin: ProcessImage.Origin) {
        #expect(ProcessImage.Origin(rawValue: origin.rawValue) == origin)
        #expect(
            SpawnerRelation.allCases.count == 3 && IdentityField.allCases.count == 4
                && Diagnostic.Level.allCases.count == 3)
    }
}
