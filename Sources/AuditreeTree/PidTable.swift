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
    let hash: TableHash
    private(set) var count = 0

    init(hash: TableHash, capacity: Int = 0) {
        self.hash = hash
        var size = 64
        while size < capacity * 2 { size *= 2 }
        slots = Array(repeating: nil, count: size)
    }

    /// A table without slots, to stand in for a host's table while it is worked on outside its
    /// property (`ProcessTree.HostTable.insert`): nothing is looked up in or entered into it.
    static func standIn(hash: TableHash) -> PidTable { PidTable(hash: hash, slots: []) }

    private init(hash: TableHash, slots: [Slot?]) {
        self.hash = hash
        self.slots = slots
    }

    var isEmpty: Bool { count == 0 }

    subscript(pid: Int) -> ProcessNode? {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash(UInt64(bitPattern: Int64(pid)))) & mask
        // The pid compared in place: binding the slot would retain its node at every step.
        while let slotPid = slots[index]?.pid {
            if slotPid == pid { return slots[index]?.node }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Enters `node` under its pid, and hands back the process that had it: released by the
    /// caller, once it is done with the table (a release may run any deinit).
    @discardableResult
    mutating func insert(_ node: ProcessNode) -> ProcessNode? {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        let pid = node.pid
        var index = Int(truncatingIfNeeded: hash(UInt64(bitPattern: Int64(pid)))) & mask
        while let slotPid = slots[index]?.pid {
            if slotPid == pid {
                var replaced: Slot? = Slot(pid: pid, node: node)
                swap(&replaced, &slots[index])
                return replaced?.node
            }
            index = (index + 1) & mask
        }
        slots[index] = Slot(pid: pid, node: node)
        count += 1
        return nil
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
