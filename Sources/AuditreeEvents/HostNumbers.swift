/// Numbers the `node=` hosts of a scan in order of appearance.
///
/// The assembler and the deduplicator key several tables per event by host:
/// an integer hashes and compares in a few instructions, a String does not.
/// Logs rarely switch hosts, so the previous host is compared before hashing.
struct HostNumbers {
    private var numbers: [String?: Int] = [:]
    private var last: (name: String?, number: Int)?

    /// How many hosts have been numbered (numbers run from 0 below it).
    var count: Int { numbers.count }

    mutating func number(_ name: String?) -> Int {
        if let last, last.name == name { return last.number }
        let number = numbers[name] ?? numbers.count
        if number == numbers.count { numbers[name] = number }
        last = (name, number)
        return number
    }
}
