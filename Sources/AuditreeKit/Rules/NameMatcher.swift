/// Matches a process image's names against the named lists of a rule set.
public struct NameMatcher: Sendable {
    public let ruleSet: RuleSet

    public init(_ ruleSet: RuleSet) { self.ruleSet = ruleSet }

    /// The first of the image's names found in `list`, in the order exe, applet, comm, argv0.
    public func match(_ image: ProcessImage, list: String) -> MatchEvidence? {
        guard let names = ruleSet.lists[list] else { return nil }
        for (field, value) in identities(of: image) {
            if let entry = Self.entry(for: value, in: names) {
                return MatchEvidence(field: field, value: value, list: list, entry: entry)
            }
        }
        return nil
    }

    /// The names a process answers to. A multicall binary (busybox) answers
    /// only to its applet, so `busybox wget` is not a shell but `busybox sh` is.
    public func identities(of image: ProcessImage) -> [(IdentityField, String)] {
        var result: [(IdentityField, String)] = []
        let exe = image.exe.map { Self.plainName($0.basename) }
        let argv0 = image.argv.arguments.first.map { Self.plainName($0.basename) }
        if let exe, ruleSet.multicall.contains(exe) {
            if let argv0, argv0 != exe, !argv0.isEmpty {
                result.append((.applet, argv0))
            } else if image.argv.arguments.count > 1 {
                result.append((.applet, Self.plainName(image.argv.arguments[1].basename)))
            }
            return result
        }
        if let exe { result.append((.exe, exe)) }
        if let comm = image.comm { result.append((.comm, Self.plainName(comm))) }
        if let argv0 { result.append((.argv0, argv0)) }
        return result
    }

    /// A list entry equal to `name`, or to `name` without its version suffix.
    static func entry(for name: String, in names: Set<String>) -> String? {
        if names.contains(name) { return name }
        let stripped = withoutVersion(name)
        if stripped != name, !stripped.isEmpty, names.contains(stripped) { return stripped }
        return nil
    }

    /// `python3.11` -> `python`, `php-fpm8.2` -> `php-fpm`, `perl5.36.0` -> `perl`, `ksh93` -> `ksh`.
    static func withoutVersion(_ name: String) -> String {
        var scalars = Substring(name)
        while let last = scalars.last, last.isNumber || last == "." { scalars.removeLast() }
        while let last = scalars.last, last == "-" || last == "_" { scalars.removeLast() }
        return String(scalars)
    }

    /// A login shell's argv[0] is `-bash`; names are compared without that dash.
    static func plainName(_ value: LogString) -> String {
        var name = value.lossyString
        if name.hasPrefix("-") { name.removeFirst() }
        return name
    }
}

/// Which list entry matched which of a process's names.
public struct MatchEvidence: Sendable, Equatable {
    public var field: IdentityField
    public var value: String
    public var list: String
    public var entry: String
}
