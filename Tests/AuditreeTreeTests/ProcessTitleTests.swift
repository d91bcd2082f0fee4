import Foundation
import TestSupport
import Testing

@testable import AuditreeEvents
@testable import AuditreeParser
@testable import AuditreeTree

/// `ProcessTree.title(_:shows:)`: whether a PROCTITLE is (the start of) an exec's command line,
/// which tells a kernel that caches titles per task from one that shows fresh ones.
@Suite("PROCTITLE against the command line")
struct ProcessTitleTests {
    static func hex(_ text: String) -> Proctitle {
        Proctitle(raw: LogString(text.utf8.map { String(format: "%02X", $0) }.joined()), isHex: true)
    }

    @Test(
        "the title is the command line or its start (the kernel cuts at 128 bytes)",
        arguments: [
            // title with NUL written as \u{0}, argv, shows
            ("sh\u{0}-c\u{0}id", ["sh", "-c", "id"], true),
            ("sh\u{0}-c\u{0}id\u{0}", ["sh", "-c", "id"], true),  // trailing NULs do not count
            ("sh\u{0}-c\u{0}i", ["sh", "-c", "id"], true),  // cut in an argument
            ("sh\u{0}-c", ["sh", "-c", "id"], true),
            ("sh\u{0}", ["sh", "-c", "id"], true),
            ("sh\u{0}-c\u{0}id\u{0}x", ["sh", "-c", "id"], false),  // longer than the command line
            ("sh\u{0}-c\u{0}idx", ["sh", "-c", "id"], false),
            ("bash\u{0}-c\u{0}id", ["sh", "-c", "id"], false),
            ("sh-c", ["sh", "-c"], false),  // the NUL between arguments counts
            ("sh\u{0}\u{0}x", ["sh", "", "x"], true),  // an empty argument
            ("", ["sh"], false),  // an empty title shows nothing
            ("\u{0}\u{0}", ["sh"], false),
            ("sh", [], false),
        ])
    func titles(_ title: String, _ argv: [String], _ shows: Bool) {
        let arguments = ArgumentVector(arguments: argv.map { LogString($0) }, isComplete: true)
        #expect(ProcessTree.title(Self.hex(title), shows: arguments) == shows)
        // Quoted (no NUL inside) and hex titles alike.
        if !title.contains("\u{0}") {
            #expect(ProcessTree.title(Proctitle(raw: LogString(title), isHex: false), shows: arguments) == shows)
        }
    }
}
