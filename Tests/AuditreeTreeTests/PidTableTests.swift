import AuditreeBase
import Testing

@testable import AuditreeTree

/// `PidTable` answers as the `Dictionary` it replaces, across growth and pid reuse.
@Suite("Pid table")
struct PidTableTests {
    @Test(arguments: [0, 100])
    func answersAsADictionary(capacity: Int) {
        var table = PidTable(hash: TableHash(), capacity: capacity)
        var reference: [Int: ProcessNode] = [:]
        var state: UInt64 = 42
        for id in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Pids from a small range (reused often), a few huge or negative ones (a forged log).
            let pid = id % 97 == 0 ? Int(Int64(bitPattern: state)) : Int(state >> 33) % 4096
            let node = ProcessNode(id: id, host: nil, pid: pid, ppid: nil, time: 0)
            table.insert(node)
            reference[pid] = node
            let probe = Int(state >> 40) % 4096
            #expect(table[probe] === reference[probe])
            #expect(table[pid] === node)
        }
        #expect(table.count == reference.count)
        #expect(Set(table.nodes.map(\.id)) == Set(reference.values.map(\.id)))
    }
}
