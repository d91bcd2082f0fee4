import ArgumentParser
import AuditreeKit

#if canImport(Glibc)
import Glibc
#endif

/// `auditree tre`: scan is the default subcommand, so a mistyped subcommand would be read as a
/// file to scan. A first word that is no existing path, no option and no subcommand, but is
/// near a subcommand's name, is reported as the typo it is.
enum SubcommandTypo {
    static func message(for arguments: [String], subcommands: [ParsableCommand.Type]) -> String? {
        guard let word = arguments.first, !word.hasPrefix("-"), !word.contains("/") else { return nil }
        let names = subcommands.map { $0._commandName }
        guard !names.contains(word), !FileAccess.exists(word) else { return nil }
        guard let suggestion = EditDistance.nearest(to: word, among: names) else { return nil }
        return "no such subcommand '\(TextEscaper.escape(word))' (and no such file); did you mean '\(suggestion)'?"
    }
}
