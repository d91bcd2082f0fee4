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

        public init(
            fingerprint: String, rule: String, host: String? = nil, spawner: String = "", shell: String = "",
            pattern: String = "", example: String = "", firstSeen: String = "", reason: String? = nil
        ) {
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
                spawner: finding.spawner.image?.exe?.description ?? "?",
                shell: finding.process.image?.exe?.description ?? "?",
                pattern: Fingerprint.pattern(finding),
                example: finding.process.image.map { CommandLineText.render($0.argv) } ?? "",
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
            entry.write(&json)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.output + "\n"
    }

    public static func load(path: String) throws(BaselineError) -> Baseline {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw BaselineError(
                file: path, message: "cannot read the baseline: \((error as NSError).localizedDescription)")
        }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws(BaselineError) -> Baseline {
        func fail(_ message: String) -> BaselineError { BaselineError(file: file, message: message) }
        guard let document = try? JSONDecoder().decode(BaselineFile.self, from: data), let fields = document.fields
        else {
            throw fail("not a baseline: expected a JSON object (create one with 'auditree baseline create')")
        }
        guard let version = fields.version else { throw fail("not a baseline: no \"version\"") }
        guard version == formatVersion else {
            throw fail("baseline version \(version) is not supported (this auditree reads version \(formatVersion))")
        }
        if let fingerprints = fields.fingerprintVersion, fingerprints != Fingerprint.version {
            throw fail(
                "fingerprint version \(fingerprints) does not match this auditree's (\(Fingerprint.version)); re-create the baseline"
            )
        }
        guard let list = fields.entries else { throw fail("not a baseline: no \"entries\" array") }
        var entries: [Entry] = []
        for (index, item) in list.enumerated() {
            guard let object = item.object, let fingerprint = object.strings["fingerprint"], !fingerprint.isEmpty else {
                throw fail("entry \(index + 1): expected an object with a \"fingerprint\" string")
            }
            func text(_ key: Entry.Key) throws(BaselineError) -> String? {
                if object.others.contains(key.rawValue) {
                    throw fail("entry \(index + 1): \"\(key.rawValue)\" must be a string or null")
                }
                return object.strings[key.rawValue]
            }
            entries.append(
                Entry(
                    fingerprint: fingerprint, rule: try text(.rule) ?? "", host: try text(.host),
                    spawner: try text(.spawner) ?? "", shell: try text(.shell) ?? "", pattern: try text(.pattern) ?? "",
                    example: try text(.example) ?? "", firstSeen: try text(.firstSeen) ?? "", reason: try text(.reason))
            )
        }
        return Baseline(entries: entries)
    }
}

extension Baseline.Entry {
    /// The keys of an entry in the file, in the order written.
    enum Key: String, CaseIterable {
        case fingerprint, rule, host, spawner, shell, pattern, example
        case firstSeen = "first_seen"
        case reason
    }

    /// The entry's members as the baseline file has them; a report's list of stale entries
    /// (`executables: false`) leaves out the spawner and the shell.
    func write(_ json: inout JSONWriter, executables: Bool = true) {
        for key in Key.allCases {
            switch key {
            case .fingerprint: json.string(key.rawValue, fingerprint)
            case .rule: json.string(key.rawValue, rule)
            case .host: if let host { json.string(key.rawValue, host) } else { json.null(key.rawValue) }
            case .spawner: if executables { json.string(key.rawValue, spawner) }
            case .shell: if executables { json.string(key.rawValue, shell) }
            case .pattern: json.string(key.rawValue, pattern)
            case .example: json.string(key.rawValue, example)
            case .firstSeen: json.string(key.rawValue, firstSeen)
            case .reason: if let reason { json.string(key.rawValue, reason) } else { json.null(key.rawValue) }
            }
        }
    }
}

/// A baseline file as read, before it is checked: hand-written ones may hold anything, and
/// `Baseline.parse` says what is wrong in the file's own terms rather than the decoder's.
private struct BaselineFile: Decodable {
    struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct Fields {
        var version: Int?
        var fingerprintVersion: Int?
        var entries: [Item]?
    }

    /// One element of `entries`: an object's string members, and the names of those that hold
    /// neither a string nor null; nil when the element is not an object.
    struct Item: Decodable {
        struct Object {
            var strings: [String: String] = [:]
            var others: Set<String> = []
        }

        var object: Object?

        init(from decoder: any Decoder) {
            guard let container = try? decoder.container(keyedBy: Name.self) else { return }
            var object = Object()
            for key in container.allKeys where (try? container.decodeNil(forKey: key)) != true {
                if let text = try? container.decode(String.self, forKey: key) {
                    object.strings[key.stringValue] = text
                } else {
                    object.others.insert(key.stringValue)
                }
            }
            self.object = object
        }
    }

    /// Nil when the document is not an object.
    var fields: Fields?

    init(from decoder: any Decoder) {
        guard let container = try? decoder.container(keyedBy: Name.self) else { return }
        fields = Fields(
            version: try? container.decode(Int.self, forKey: Name(stringValue: "version")),
            fingerprintVersion: try? container.decode(Int.self, forKey: Name(stringValue: "fingerprint_version")),
            entries: try? container.decode([Item].self, forKey: Name(stringValue: "entries")))
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
