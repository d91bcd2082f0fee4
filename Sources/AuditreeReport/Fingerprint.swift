import AuditreeParser
import AuditreeEvents
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
        return JSONWriter.hex(Array(FingerprintDigest.sha256(message).prefix(16)))
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
                while end < bytes.count, isWordByte(bytes[end]) || bytes[end] == UInt8(ascii: ".") || bytes[end] == UInt8(ascii: "-") { end += 1 }
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
        if let first = rest.first, first == UInt8(ascii: ".") || first == UInt8(ascii: "_") || first == UInt8(ascii: "-") {
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
                if bytes[index] == UInt8(ascii: "0"), index + 2 < bytes.count, bytes[index + 1] | 0x20 == UInt8(ascii: "x"), isHex(bytes[index + 2]) {
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
                if run.count >= 8, run.contains(where: isDigit), !run.allSatisfy(isDigit), end == bytes.count || !isAlnum(bytes[end]) {
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

/// SHA-256 (FIPS 180-4), for fingerprints only.
enum FingerprintDigest {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func sha256(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        let bits = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                w[i] = UInt32(data[chunk + 4 * i]) << 24 | UInt32(data[chunk + 4 * i + 1]) << 16
                    | UInt32(data[chunk + 4 * i + 2]) << 8 | UInt32(data[chunk + 4 * i + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (i, value) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ value }
        }
        return h.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }
}
