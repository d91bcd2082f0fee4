import AuditreeBase

/// The live process of each pid on one host: asked several times per event, so an
/// open-addressing array with a cheap seeded hash (`TableHash`) rather than a `Dictionary`
/// (SipHash per lookup). Entries are only ever replaced (a pid reused) or dropped all together
/// (`ProcessTree.forgetOldest` keeps the processes seen last in a new table), so there are no
/// tombstones and an empty slot ends every search.
struct PidTable {
    private struct Slot {
        var pid: Int
        var node: ProcessNode
    }
    private var slots: [Slot?]
    private let hash: TableHash
    private(set) var count = 0

    init(hash: TableHash, capacity: Int = 0) {
        self.hash = hash
        var size = 64
        while size < capacity * 2 { size *= 2 }
        slots = Array(repeating: nil, count: size)
    }

    var isEmpty: Bool { count == 0 }

    subscript(pid: Int) -> ProcessNode? {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash(UInt64(bitPattern: Int64(pid)))) & mask
        while let slot = slots[index] {
            if slot.pid == pid { return slot.node }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Enters `node` under its pid, replacing the process that had it.
    mutating func insert(_ node: ProcessNode) {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash(UInt64(bitPattern: Int64(node.pid)))) & mask
        while let slot = slots[index] {
            if slot.pid == node.pid {
                slots[index]!.node = node
                return
            }
            index = (index + 1) & mask
        }
        slots[index] = Slot(pid: node.pid, node: node)
        count += 1
    }

    /// Every process in the table, in no particular order.
    var nodes: [ProcessNode] {
        var result: [ProcessNode] = []
        result.reserveCapacity(count)
        for slot in slots { if let slot { result.append(slot.node) } }
        return result
    }

    private mutating func grow() {
        var old: [Slot?] = Array(repeating: nil, count: slots.count * 2)
        swap(&old, &slots)
        count = 0
        for slot in old { if let slot { insert(slot.node) } }
    }
}
