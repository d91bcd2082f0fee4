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

    /// Whether these are the image's condition fields, compared in place: no subject is made
    /// for the image, and a field the image shares with the one this was made from (the same
    /// arguments array, the same user name) compares by identity. Cheapest fields first.
    func describes(_ image: borrowing ProcessImage) -> Bool {
        exe == image.exe && comm == image.comm && uid == image.uid && euid == image.euid && auid == image.auid
            && cwd == image.cwd && Self.equal(arguments, image.argv.arguments) && tty == image.tty
            && key == image.key && userName == image.userName && node == image.node
    }

    /// `left == right`, last argument first: commands of one program mostly differ in their
    /// last arguments (a URL, a file), and their first is mostly the program's name.
    static func equal(_ left: [LogString], _ right: [LogString]) -> Bool {
        guard left.count == right.count else { return false }
        var index = left.count
        while index > 0 {
            index -= 1
            guard left[index] == right[index] else { return false }
        }
        return true
    }
}

/// A subject met recently, with its answers (`RuleEvaluator.recentAnswers(for:)`): a class, so
/// that reordering the recent ones moves references, and comparing with one copies nothing.
final class RecentSubject {
    /// Counts of the fields that differ most between images, compared before the fields
    /// themselves: most images are told apart by these few integers.
    struct Shape: Equatable {
        var arguments: Int
        /// The last argument's length (-1 without arguments): where commands of one program differ most.
        var lastArgument: Int
        var exe: Int
        var cwd: Int
        var uid: UInt32?

        init(_ image: borrowing ProcessImage) {
            arguments = image.argv.arguments.count
            lastArgument = image.argv.arguments.last?.count ?? -1
            exe = image.exe?.count ?? -1
            cwd = image.cwd?.count ?? -1
            uid = image.uid
        }
    }

    let shape: Shape
    let subject: ConditionSubject
    let answers: ConditionAnswers

    /// `subject.describes(image)`, read in place: a subject copied out of the object retains
    /// every field of it.
    func describes(_ image: borrowing ProcessImage) -> Bool { subject.describes(image) }

    init(_ image: ProcessImage, shape: Shape, answers: ConditionAnswers) {
        self.shape = shape
        subject = ConditionSubject(image)
        self.answers = answers
    }
}

/// The answers of one `ConditionSubject` to conditions (nil: not asked yet). A class, so one
/// lookup of the subject serves every condition asked of it, and a match keeps the answers of
/// its images (`MatchSubjects`) for its context to read at the end of the scan.
final class ConditionAnswers {
    /// Unique among the answers one evaluator makes: it stands for the subject in a
    /// `SubjectsKey`, where hashing the subject's fields again would cost what the key saves.
    let serial: Int
    /// Per global exception (its place in the rule set), whether its `ancestor` condition holds;
    /// empty until an exception asks (most images are only asked one kind of question).
    var ancestor: [Bool?] = []
    /// Per context indicator condition (`RuleEvaluator.contextSlotBase`), whether it holds, for
    /// `contextVersion` of the learned roots (a root learned later can make one hold); empty,
    /// for no version, until an indicator asks.
    var context: [Bool?] = []
    var contextVersion = -1

    init(serial: Int) { self.serial = serial }
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

/// `SubjectsKey` of an exceptions' outcome, with the rule's `SharedRule` for the rule: hashing
/// its id's bytes on every match costs more than the rest of the key.
struct ExceptionsKey: Hashable {
    var rule: ObjectIdentifier
    var subjects: [Int]
}
