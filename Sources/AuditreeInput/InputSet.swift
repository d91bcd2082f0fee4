import AuditreeBase

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The files a scan reads, from the command line's names, directories and globs.
///
/// A directory stands for the regular files in it named `audit.log*` (not recursive),
/// as `/var/log/audit/` holds `audit.log`, `audit.log.1`, `audit.log.2.gz`, ...: other files
/// there (auditd's state, an editor's backup, a report) are not logs. A name with
/// `*`, `?` or `[` that is not itself a file is expanded as a glob. All files
/// are then read oldest first, by the time of their first record, not by name
/// (`audit.log` is the newest of a rotated set). Standard input comes first.
public enum InputSet {
    public struct Expansion: Sendable {
        public var paths: [String] = []
        /// Names that matched nothing (a pattern without matches, a directory without files): input errors.
        public var missing: [String] = []
        /// For a directory in `missing`: the files in it that are not named `audit.log*`.
        public var skipped: [String: [String]] = [:]

        /// Why a name in `missing` gave no file, for its error line.
        public func reason(_ name: String) -> String {
            guard let others = skipped[name] else {
                return "no log file here: no file matches the pattern, or the directory holds none"
            }
            guard !others.isEmpty else { return "no log file here: the directory holds no audit.log* file" }
            let shown =
                others.prefix(3).map { "'\(TextEscaper.escape($0))'" }.joined(separator: ", ")
                + (others.count > 3 ? ", ..." : "")
            return
                "no log file here: the directory holds no audit.log* file (skipped \(others.count) other file\(others.count == 1 ? "" : "s"): "
                + "\(shown)); name a file to read it"
        }
    }

    /// `firstRecordTime` reads a file's first record (the parser's, which this stage comes before):
    /// `InputSet.expand(_:)` in AuditreeParser passes it.
    public static func expand(_ names: [String], firstRecordTime: (String) -> Int64?) -> Expansion {
        var result = Expansion()
        for name in names {
            if name == "-" {
                result.paths.append(name)
            } else if isDirectory(name) {
                let files = regularFiles(in: name)
                let logs = files.filter { $0.name.hasPrefix("audit.log") }
                if logs.isEmpty {
                    result.missing.append(name)
                    result.skipped[name] = files.map(\.name)
                } else {
                    result.paths += logs.map(\.path)
                }
            } else if !exists(name) && name.contains(where: { "*?[".contains($0) }) {
                let matches = glob(name)
                if matches.isEmpty { result.missing.append(name) } else { result.paths += matches }
            } else {
                result.paths.append(name)  // opening it reports what is wrong, if anything
            }
        }
        result.paths = orderedByFirstRecord(result.paths, firstRecordTime: firstRecordTime)
        return result
    }

    /// Stable: files whose first record cannot be read keep their place after the dated ones.
    /// Only regular files are looked into: reading a FIFO or a device would consume it.
    package static func orderedByFirstRecord(_ paths: [String], firstRecordTime: (String) -> Int64?) -> [String] {
        let keyed = paths.enumerated().map { index, path in
            (
                path: path,
                time: path == "-" || !isRegularFile(path) ? Int64.min : (firstRecordTime(path) ?? Int64.max),
                index: index
            )
        }
        return keyed.sorted { ($0.time, $0.index) < ($1.time, $1.index) }.map(\.path)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    package static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The regular, non-hidden files in a directory, by name.
    private static func regularFiles(in directory: String) -> [(name: String, path: String)] {
        // Unreadable: the directory itself is handed on, so opening it says what is wrong.
        guard let handle = opendir(directory) else { return [("audit.log", directory)] }
        defer { closedir(handle) }
        var names: [(name: String, path: String)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG { names.append((name, path)) }
        }
        return names.sorted { $0.path < $1.path }
    }

    private static func glob(_ pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard Glibc.glob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
    }
}
