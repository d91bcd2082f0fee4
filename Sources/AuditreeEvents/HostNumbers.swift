/// Numbers the `node=` hosts of a scan in order of appearance.
///
/// The assembler and the deduplicator key several tables per event by host:
/// an integer hashes and compares in a few instructions, a String does not.
/// Logs rarely switch hosts, so the previous host is compared before hashing.
struct HostNumbers {
    private var numbers: [String?: Int] = [:]
    /// The previous host and its number (-1: none yet), compared where they lie: binding an
    /// optional tuple of them retained the name for every record.
    private var lastName: String?
    private var lastNumber = -1

    /// How many hosts have been numbered (numbers run from 0 below it).
    var count: Int { numbers.count }

    /// Inlined, the usual answer (the previous host) costs a few compares per record.
    @inline(__always)
    mutating func number(_ name: String?) -> Int {
        if lastNumber >= 0, name == lastName { return lastNumber }
        return numberAnew(name)
    }

    private mutating func numberAnew(_ name: String?) -> Int {
        let number = numbers[name] ?? numbers.count
        if number == numbers.count { numbers[name] = number }
        lastName = name
        lastNumber = number
        return number
    }
}
