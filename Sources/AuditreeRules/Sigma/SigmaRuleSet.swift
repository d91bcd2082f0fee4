import AuditreeSystem
import Foundation

/// The Sigma rules of `--sigma` paths: those auditree runs and those it does not, with why.
public struct SigmaRuleSet: Sendable {
    public var rules: [SigmaRule] = []
    public var skipped: [SigmaSkipped] = []
    /// Files read, in order.
    public var files: [String] = []

    public init() {}

    /// Reads each path: a rule file, or a folder read recursively (its `.yml`/`.yaml` files, in
    /// name order). A path that does not exist is an error; so is a rule id seen twice.
    public static func load(paths: [String]) throws(RuleFileError) -> SigmaRuleSet {
        var set = SigmaRuleSet()
        var seen: [String: String] = [:]
        for path in paths {
            for file in try files(at: path) {
                set.files.append(file)
                let text: String
                do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                    set.skipped.append(
                        SigmaSkipped(
                            file: file, id: nil, title: nil, reason: "cannot read as UTF-8 text", isError: true))
                    continue
                }
                switch SigmaRuleParser.parse(text, file: file) {
                case .rule(let rule):
                    if let first = seen[rule.id] {
                        set.skipped.append(
                            SigmaSkipped(
                                file: file, id: rule.id, title: rule.title,
                                reason: "rule id already loaded from \(first)", isError: true))
                        continue
                    }
                    seen[rule.id] = file
                    set.rules.append(rule)
                case .skipped(let skipped): set.skipped.append(skipped)
                }
            }
        }
        return set
    }

    static func files(at path: String) throws(RuleFileError) -> [String] {
        guard let kind = FileStatus.of(path)?.kind else {
            throw RuleFileError(
                file: path, line: 0, column: 0, path: "", message: "cannot open: No such file or directory")
        }
        guard kind == .directory else { return [path] }
        // readdir, not FileManager's enumerator: the first `nextObject() as? String` cast looks
        // through every protocol conformance of the program.
        guard let entries = DirectoryTree.entries(under: path) else {
            throw RuleFileError(file: path, line: 0, column: 0, path: "", message: "cannot read the folder")
        }
        var found: [String] = []
        for relative in entries {
            guard relative.hasSuffix(".yml") || relative.hasSuffix(".yaml") else { continue }
            // As NSString.appendingPathComponent joins them.
            let full = path.isEmpty ? relative : path.hasSuffix("/") ? path + relative : path + "/" + relative
            if let kind = FileStatus.of(full)?.kind, kind != .directory { found.append(full) }
        }
        return found.sorted()
    }
}
