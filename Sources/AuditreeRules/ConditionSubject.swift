import AuditreeParser
import AuditreeTree

/// The fields of a process image that rule conditions read (`NameMatcher.satisfies`, learned
/// roots): two images equal in them meet the same conditions, so an answer kept under them
/// holds for both. Built in place of hashing the whole image (its stamp, location and file
/// differ for every exec and no condition reads them).
struct ConditionSubject: Hashable {
    var exe: LogString?
    var comm: LogString?
    var arguments: [LogString]
    var cwd: LogString?
    var tty: LogString?
    var key: LogString?
    var uid: UInt32?
    var euid: UInt32?
    var auid: UInt32?
    var userName: String?
    var node: String?

    init(_ image: ProcessImage) {
        exe = image.exe
        comm = image.comm
        arguments = image.argv.arguments
        cwd = image.cwd
        tty = image.tty
        key = image.key
        uid = image.uid
        euid = image.euid
        auid = image.auid
        userName = image.userName
        node = image.node
    }
}

/// The answers of one `ConditionSubject` to conditions (nil: not asked yet). A class, so one
/// lookup of the subject serves every condition asked of it, and a match keeps the answers of
/// its images (`MatchSubjects`) for its context to read at the end of the scan.
final class ConditionAnswers {
    /// Unique among the answers one evaluator makes: it stands for the subject in a
    /// `SubjectsKey`, where hashing the subject's fields again would cost what the key saves.
    let serial: Int
    /// Per global exception (its place in the rule set), whether its `ancestor` condition holds.
    var ancestor: [Bool?]
    /// Per context indicator condition (`RuleEvaluator.contextSlotBase`), whether it holds, for
    /// `contextVersion` of the learned roots (a root learned later can make one hold).
    var context: [Bool?]
    var contextVersion: Int

    init(serial: Int, exceptions: Int, contextSlots: Int, contextVersion: Int) {
        self.serial = serial
        ancestor = Array(repeating: nil, count: exceptions)
        context = Array(repeating: nil, count: contextSlots)
        self.contextVersion = contextVersion
    }
}

/// The kept answers of a match's images: the shell's, and each lineage entry's (nil for an
/// entry without an image). Fetched once per exec, for every finding of it.
struct MatchSubjects {
    var shell: ConditionAnswers
    var lineage: [ConditionAnswers?]
}

/// A rule and the subjects one judgement of a finding reads (their answers' serials, with
/// whatever else it reads from the match): two findings with equal keys get the same answer.
struct SubjectsKey: Hashable {
    var rule: String
    var subjects: [Int]
}
