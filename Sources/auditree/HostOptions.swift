import ArgumentParser
import AuditreeKit

/// `--host NAME` / `--host FILE=NAME`: the host of records that carry no `node=` (auditd's
/// default `name_format = none`), shared by `scan`, `tree`, `events` and `baseline create`.
struct HostOptions: ParsableArguments {
    @Option(
        name: .customLong("host"),
        help: ArgumentHelp(
            "Name the host of records without node= (read as if they carried node=NAME: findings, fingerprints, event identity, --node, "
                + "host exceptions). FILE=NAME names it for one input only; repeatable.",
            valueName: "name"))
    var hosts: [String] = []

    /// Host names have no '=', paths may: the last '=' splits FILE=NAME.
    func apply(to configuration: inout ScanConfiguration) throws { try Self.apply(hosts, to: &configuration) }

    static func apply(_ hosts: [String], to configuration: inout ScanConfiguration) throws {
        for value in hosts {
            if let split = value.lastIndex(of: "=") {
                let file = String(value[..<split])
                let name = String(value[value.index(after: split)...])
                guard !name.isEmpty, !file.isEmpty else {
                    throw ValidationError("--host \(value): expected NAME or FILE=NAME")
                }
                guard configuration.inputs.contains(file) else {
                    throw ValidationError(
                        "--host \(value): '\(file)' is not one of the inputs (\(configuration.inputs.joined(separator: ", ")))"
                    )
                }
                configuration.hostByInput[file] = name
            } else {
                guard !value.isEmpty else { throw ValidationError("--host: the host name is empty") }
                guard configuration.host == nil || configuration.host == value else {
                    throw ValidationError(
                        "--host: two names for every input ('\(configuration.host!)', '\(value)'); use FILE=NAME per input"
                    )
                }
                configuration.host = value
            }
        }
    }
}
