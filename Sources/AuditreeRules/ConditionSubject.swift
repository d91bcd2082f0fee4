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

/// The answers of one `ConditionSubject` to conditions, by the conditions' slots (nil: not
/// asked yet). A class, so one lookup of the subject serves every condition asked of it.
final class ConditionAnswers {
    /// Unique among the answers one evaluator makes: it stands for the subject in a
    /// `SubjectsKey`, where hashing the subject's fields again would cost what the key saves.
    let serial: Int
    var values: [Bool?]

    init(slots: Int, serial: Int) {
        self.serial = serial
        values = Array(repeating: nil, count: slots)
    }
}

/// A rule and the subjects one judgement of a finding reads (their answers' serials, with
/// whatever else it reads from the match): two findings with equal keys get the same answer.
struct SubjectsKey: Hashable {
    var rule: String
    var subjects: [Int]
}
