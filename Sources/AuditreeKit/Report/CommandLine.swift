/// Shows a command line on one line, each argument quoted as a shell would need
/// and escaped with `TextEscaper`, so hostile arguments stay visible and inert.
public enum CommandLineText {
    public static func render(_ argv: ArgumentVector) -> String {
        var text = argv.arguments.map(quote).joined(separator: " ")
        if !argv.isComplete { text += " [command line incomplete in the log]" }
        return text
    }

    static func quote(_ argument: LogString) -> String {
        let escaped = TextEscaper.escape(argument.bytes)
        let plain = !argument.isEmpty && argument.bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: Array("_./:=@%+,-".utf8).contains(byte)
            }
        }
        if plain { return escaped }
        return "'" + escaped.replacingAll("'", with: "'\\''") + "'"
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
