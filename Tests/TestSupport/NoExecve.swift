import Foundation
import Testing

/// The warning of a scan that read kernel records but no execve (docs/cli.md).
package enum NoExecve {
    package static func warning(records: Int) -> String {
        "auditree: warning: \(records) audit record\(records == 1 ? "" : "s") but no execve: the audit rules do not log execve, "
            + "so no shell can be found; 'auditree audit-rules' prints rules that do"
    }
}
