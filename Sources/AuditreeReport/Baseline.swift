import AuditreeBase
import AuditreeScan
import Foundation

/// Accepted findings, identified by `Fingerprint`: a versioned JSON file that
/// `auditree baseline create` writes and `auditree scan --baseline` reads.
/// Format in docs/ci-gate.md.
public struct Baseline: Sendable, Equatable {
    public static let formatVersion = 1

    public struct Entry: Sendable, Equatable {
        public var fingerprint: String
        public var rule: String
        public var host: String?
        /// Spawner and shell executables, escaped for reading.
        public var spawner: String
        public var shell: String
        /// The normalised command line the fingerprint covers.
        public var pattern: String
        /// One command line that matched, escaped (`CommandLineText`).
        public var example: String
        /// Log time (ISO 8601 UTC) of the first finding with this fingerprint.
        public var firstSeen: String
        /// Why the finding is accepted; for people, kept when the baseline is re-created.
        public var reason: String?

        public init(fingerprint: String, rule: String, host: String? = nil, spawner: String = "", shell: String = "",
                    pattern: String = "", example: String = "", firstSeen: String = "", reason: String? = nil) {
            self.fingerprint = fingerprint
            self.rule = rule
            self.host = host
            self.spawner = spawner
            self.shell = shell
            self.pattern = pattern
            self.example = example
            self.firstSeen = firstSeen
            self.reason = reason
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// One entry per distinct fingerprint of the report's findings (the oldest finding is
    /// the example), sorted by rule then fingerprint. Entries also in `previous` keep
    /// their `reason` and `first_seen`.
    public init(report: ScanReport, previous: Baseline? = nil) {
        var byFingerprint: [String: Entry] = [:]
        for finding in report.findings {
            let fingerprint = Fingerprint.of(finding)
            guard byFingerprint[fingerprint] == nil else { continue }
            byFingerprint[fingerprint] = Entry(
                fingerprint: fingerprint, rule: finding.rule.id, host: finding.host.map(TextEscaper.escape),
                spawner: finding.spawner.image?.exe?.description ?? "?", shell: finding.process.image?.exe?.description ?? "?",
                pattern: Fingerprint.pattern(finding), example: finding.process.image.map { CommandLineText.render($0.argv) } ?? "",
                firstSeen: finding.process.image.map { TimeFormat.iso8601($0.stamp) } ?? "")
        }
        for old in previous?.entries ?? [] {
            guard var entry = byFingerprint[old.fingerprint] else { continue }
            entry.reason = old.reason
            if !old.firstSeen.isEmpty { entry.firstSeen = old.firstSeen }
            byFingerprint[old.fingerprint] = entry
        }
        entries = byFingerprint.values.sorted { ($0.rule, $0.fingerprint) < ($1.rule, $1.fingerprint) }
    }

    /// The file's bytes: same entries, same bytes.
    public func render() -> String {
        var json = JSONWriter()
        json.beginObject()
        json.number("version", Self.formatVersion)
        json.number("fingerprint_version", Fingerprint.version)
        json.beginArray("entries")
        for entry in entries {
            json.beginObject()
            json.string("fingerprint", entry.fingerprint)
            json.string("rule", entry.rule)
            if let host = entry.host { json.string("host", host) } else { json.null("host") }
            json.string("spawner", entry.spawner)
            json.string("shell", entry.shell)
            json.string("pattern", entry.pattern)
            json.string("example", entry.example)
            json.string("first_seen", entry.firstSeen)
            if let reason = entry.reason { json.string("reason", reason) } else { json.null("reason") }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.output + "\n"
    }

    public static func load(path: String) throws(BaselineError) -> Baseline {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw BaselineError(file: path, message: "cannot read the baseline: \((error as NSError).localizedDescription)")
        }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws(BaselineError) -> Baseline {
        func fail(_ message: String) -> BaselineError { BaselineError(file: file, message: message) }
        guard let object = try? JSONSerialization.jsonObject(with: data), let document = object as? [String: Any] else {
            throw fail("not a baseline: expected a JSON object (create one with 'auditree baseline create')")
        }
        guard let version = document["version"] as? Int else { throw fail("not a baseline: no \"version\"") }
        guard version == formatVersion else { throw fail("baseline version \(version) is not supported (this auditree reads version \(formatVersion))") }
        if let fingerprints = document["fingerprint_version"] as? Int, fingerprints != Fingerprint.version {
            throw fail("fingerprint version \(fingerprints) does not match this auditree's (\(Fingerprint.version)); re-create the baseline")
        }
        guard let list = document["entries"] as? [Any] else { throw fail("not a baseline: no \"entries\" array") }
        var entries: [Entry] = []
        for (index, item) in list.enumerated() {
            guard let entry = item as? [String: Any], let fingerprint = entry["fingerprint"] as? String, !fingerprint.isEmpty else {
                throw fail("entry \(index + 1): expected an object with a \"fingerprint\" string")
            }
            func text(_ key: String) throws(BaselineError) -> String? {
                switch entry[key] {
                case nil, is NSNull: return nil
                case let value as String: return value
                default: throw fail("entry \(index + 1): \"\(key)\" must be a string or null")
                }
            }
            entries.append(Entry(fingerprint: fingerprint, rule: try text("rule") ?? "", host: try text("host"),
                                 spawner: try text("spawner") ?? "", shell: try text("shell") ?? "", pattern: try text("pattern") ?? "",
                                 example: try text("example") ?? "", firstSeen: try text("first_seen") ?? "", reason: try text("reason")))
        }
        return Baseline(entries: entries)
    }
}

public struct BaselineError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): error: \(message)" }
}
