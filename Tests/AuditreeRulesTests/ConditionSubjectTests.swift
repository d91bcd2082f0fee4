import AuditreeEvents
import AuditreeParser
import Testing

@testable import AuditreeRules
@testable import AuditreeTree

/// `ConditionSubject.describes` compares the subject's fields one by one in place of `==`:
/// `RuleEvaluator.recentAnswers` hands out a subject's kept answers when it says yes, so a field
/// it forgot would give an image the answers of another.
@Suite("Condition subject")
struct ConditionSubjectTests {
    /// One per stored property of `ConditionSubject`.
    enum FieldChange: String, CaseIterable, Sendable {
        case exe, comm, arguments, cwd, tty, key, uid, euid, auid, userName, node

        func apply(to image: inout ProcessImage) {
            let other = LogString(bytes: Array("other".utf8))
            switch self {
            case .exe: image.exe = other
            case .comm: image.comm = other
            case .arguments: image.argv = ArgumentVector(arguments: [other], isComplete: true)
            case .cwd: image.cwd = other
            case .tty: image.tty = other
            case .key: image.key = other
            case .uid: image.uid = 0
            case .euid: image.euid = 0
            case .auid: image.auid = 0
            case .userName: image.userName = "other"
            case .node: image.node = "other"
            }
        }
    }

    @Test("the changes below cover every field of ConditionSubject")
    func everyField() {
        let labels = Mirror(reflecting: ConditionSubject(SigmaTests.image(exe: "/bin/sh", argv: ["sh"], cwd: "/")))
            .children.compactMap(\.label)
        #expect(labels.sorted() == FieldChange.allCases.map(\.rawValue).sorted())
    }

    @Test(
        "arguments are compared last first, and agree with ==",
        arguments: [
            ([], []), (["curl"], ["curl"]), (["curl", "-s", "a.html"], ["curl", "-s", "a.php"]),
            (["curl", "-s", "a"], ["curl", "-o", "a"]), (["id", "-u"], ["/usr/bin/id", "-u"]), (["sh"], ["sh", "-c"]),
            (["a", "b", "c"], ["a", "b", "c"]), ([], ["sh"]),
        ] as [([String], [String])])
    func argumentsEqual(_ left: [String], _ right: [String]) {
        let (a, b) = (left.map { LogString($0) }, right.map { LogString($0) })
        #expect(ConditionSubject.equal(a, b) == (a == b))
        #expect(ConditionSubject.equal(b, a) == (a == b))
    }

    @Test("describes is == of the image's subject", arguments: FieldChange.allCases)
    func describesIsEquality(_ change: FieldChange) {
        let image = SigmaTests.image(exe: "/bin/sh", argv: ["sh", "-c", "id"], cwd: "/srv")
        let subject = ConditionSubject(image)
        #expect(subject.describes(image))
        var changed = image
        change.apply(to: &changed)
        #expect(ConditionSubject(changed) != subject)
        #expect(!subject.describes(changed))
    }
}
