import AuditreeBase
import AuditreeEvents
import AuditreeParser
import AuditreeRules

/// A finding's stable identity across scans, for baselines and SARIF `partialFingerprints`.
///
/// It is the first 128 bits (32 hex digits) of SHA-256 over, NUL-separated:
/// `auditree-fingerprint-v1`, the rule id, the host (`node=`, empty when absent), the
/// spawner's exe, the shell's exe, and the shell's arguments each normalised by
/// `normalize`. Pids, ppids, times, event serials, users, cwd, file names and line
/// numbers are left out, so the same attack pattern matches in every run.
/// docs/ci-gate.md lists exactly what is normalised; change `version` when that changes.
public enum Fingerprint {
    public static let version = 1
    /// The key used in SARIF `partialFingerprints`.
    public static let sarifKey = "auditree/v1"

    public static func of(_ finding: Finding) -> String {
        var message = Array("auditree-fingerprint-v\(version)".utf8)
        func field(_ bytes: [UInt8]) {
            message.append(0)
            message += bytes
        }
        field(Array(finding.rule.id.utf8))
        field(Array((finding.host ?? "").utf8))
        field(finding.spawner.image?.exe?.bytes ?? [])
        field(finding.process.image?.exe?.bytes ?? [])
        for argument in finding.process.image?.argv.arguments ?? [] { field(normalize(argument.bytes)) }
        return Hex.lowercase(Array(SHA256.digest(message).prefix(16)))
    }

    /// The normalised command line, shown as `CommandLineText` would (for baselines and docs).
    public static func pattern(_ finding: Finding) -> String {
        let arguments = (finding.process.image?.argv.arguments ?? []).map { LogString(bytes: normalize($0.bytes)) }
        return CommandLineText.render(ArgumentVector(arguments: arguments, isComplete: true))
    }

    /// Normalises one argument, in this order:
    /// 1. temporary names: the name right after `/tmp/`, `/var/tmp/` or `/dev/shm/` (up to a
    ///    byte other than `[A-Za-z0-9._-]`) that is `tmp` followed by an optional `.`, `_` or `-` and 6 or more of `[A-Za-z0-9_]`
    ///    (mktemp's `tmp.XXXXXXXXXX`, Python's `tmpXXXXXXXX`) becomes `tmp.<tmp>`;
    /// 2. hex-looking words: a run of 8 or more hex digits with at least one decimal digit
    ///    and one letter, no letter or digit right before or after it, becomes `<hex>` (with a `0x`
    ///    prefix, any length: `0x<hex>`), so hashes, UUID parts and addresses collapse;
    /// 3. numbers: a run of more than 3 decimal digits becomes `<n>` (ports like 80 and
    ///    443 stay; pids, timestamps, 8080 collapse).
    public static func normalize(_ bytes: [UInt8]) -> [UInt8] {
        collapseDigits(collapseHex(collapseTempNames(bytes)))
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66) }
    private static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
    private static func isWordByte(_ b: UInt8) -> Bool { isAlnum(b) || b == UInt8(ascii: "_") }

    static func collapseTempNames(_ bytes: [UInt8]) -> [UInt8] {
        let directories = ["/tmp/", "/var/tmp/", "/dev/shm/"].map { Array($0.utf8) }
        var out: [UInt8] = []
        var index = 0
        outer: while index < bytes.count {
            for directory in directories where bytes[index...].starts(with: directory) {
                out += directory
                index += directory.count
                var end = index
                while end < bytes.count,
                    isWordByte(bytes[end]) || bytes[end] == UInt8(ascii: ".") || bytes[end] == UInt8(ascii: "-")
                { end += 1 }
                let component = Array(bytes[index..<end])
                if isTempName(component) { out += Array("tmp.<tmp>".utf8) } else { out += component }
                index = end
                continue outer
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }

    private static func isTempName(_ component: [UInt8]) -> Bool {
        guard component.starts(with: Array("tmp".utf8)) else { return false }
        var rest = component.dropFirst(3)
        if let first = rest.first,
            first == UInt8(ascii: ".") || first == UInt8(ascii: "_") || first == UInt8(ascii: "-")
        {
            rest = rest.dropFirst()
        }
        return rest.count >= 6 && rest.allSatisfy(isWordByte)
    }

    static func collapseHex(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let boundary = index == 0 || !isAlnum(bytes[index - 1])
            if boundary, isHex(bytes[index]) {
                // 0x-prefixed: any length.
                if bytes[index] == UInt8(ascii: "0"), index + 2 < bytes.count,
                    bytes[index + 1] | 0x20 == UInt8(ascii: "x"), isHex(bytes[index + 2])
                {
                    var end = index + 2
                    while end < bytes.count, isHex(bytes[end]) { end += 1 }
                    if end == bytes.count || !isAlnum(bytes[end]) {
                        out += Array("0x<hex>".utf8)
                        index = end
                        continue
                    }
                }
                var end = index
                while end < bytes.count, isHex(bytes[end]) { end += 1 }
                let run = bytes[index..<end]
                if run.count >= 8, run.contains(where: isDigit), !run.allSatisfy(isDigit),
                    end == bytes.count || !isAlnum(bytes[end])
                {
                    out += Array("<hex>".utf8)
                    index = end
                    continue
                }
                // Not hex-looking: copy the whole alphanumeric word so its tail is not taken for a word start.
                var wordEnd = index
                while wordEnd < bytes.count, isAlnum(bytes[wordEnd]) { wordEnd += 1 }
                out += bytes[index..<wordEnd]
                index = wordEnd
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }

    static func collapseDigits(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard isDigit(bytes[index]) else {
                out.append(bytes[index])
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, isDigit(bytes[end]) { end += 1 }
            if end - index > 3 { out += Array("<n>".utf8) } else { out += bytes[index..<end] }
            index = end
        }
        return out
    }
}
