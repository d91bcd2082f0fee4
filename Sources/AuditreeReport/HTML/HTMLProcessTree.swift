import AuditreeParser
import AuditreeRules
import AuditreeScan
import AuditreeTree

/// The scan's execs as the HTML report's full process tree of each host (docs/html-report.md).
///
/// A log of a million execs would make a page of over 100 MB that no browser opens
/// comfortably, so the tree is capped: the first `perHost` execs of each host, and
/// `inAll` in all, in log order. The execs on the path down to every finding's shell
/// (its image and every image of its lineage) are always embedded on top of the caps,
/// so "show in the process tree" works from any finding. What was left out is counted
/// where it was cut: per host, and on the process whose execs or children are missing.
///
/// The block is compact JSON, written by `JSONWriter` (every log value escaped) and
/// wrapped by `HTMLReporter.embeddable`:
///
///     {"caps": [perHost, inAll, commandBytes],
///      "execs": [[id, parent id|null, pid, host index, time, uid|null, exe|null, [argv], bytes cut]],
///      "hosts": [[name|null, execs in the log, execs embedded]],        // name order, null first
///      "stubs": [[id, parent id|null, pid, host index]],                // processes with no exec embedded
///      "cut": [[id, its execs not embedded, its child processes not embedded]],
///      "findings": [shell id|null], "suppressed": [shell id|null]}     // by index into the data block
struct HTMLProcessTree {
    /// Execs embedded per host, and in all, before the finding paths (documented in docs/html-report.md).
    static let defaultPerHost = 20_000
    static let defaultInAll = 100_000
    /// Bytes of one command line embedded: the tree shows one line per exec, and one exec with
    /// megabytes of arguments must not make the page that big. The finding cards have them all.
    static let defaultCommandBytes = 1_000

    var perHost = Self.defaultPerHost
    var inAll = Self.defaultInAll
    var commandBytes = Self.defaultCommandBytes

    /// A finding's shell: its exec is found among the execs by host, pid and event stamp.
    private struct ShellKey: Hashable {
        var host: String?
        var pid: Int
        var stamp: EventStamp
    }

    /// One exec row: a process instance and the image it exec'd.
    private struct RowKey: Hashable {
        var process: Int
        var stamp: EventStamp
    }

    /// The execs on the paths to the findings' shells, and the hosts in the order the block lists them.
    private struct Paths {
        var hosts: [String?] = []
        var hostIndex: [String: Int] = [:]
        /// Each finding's shell, by its process id.
        var shellOf: [ShellKey: Int] = [:]
        /// Rows embedded whatever the caps.
        var pinned: Set<RowKey> = []

        func index(of host: String?) -> Int { host.flatMap { hostIndex[$0] } ?? 0 }
    }

    /// A process the tree shows without an exec of its own, from a row's lineage.
    private typealias Stub = (id: Int, parent: Int?, pid: Int, host: Int)

    /// What pass 2 embedded and left out, for the blocks after the rows.
    private struct Rows {
        var inLog: [Int]
        var embedded: [Int]
        var withRows: Set<Int> = []
        var stubs: [Stub] = []
        var omitted: [Int: (parent: Int?, rows: Int)] = [:]
    }

    func json(_ report: ScanReport) -> String {
        let lists = [report.findings, report.summary.suppressedFindings]
        // Kept records' lineages end at their nearest exec'd ancestor; `chain` goes on through its record.
        var byImage: [[ExecRecord].ImageKey: Int] = [:]
        for (index, record) in report.execs.enumerated() {
            byImage[.init(process: record.processID, stamp: record.image.stamp)] = index
        }
        let paths = findingPaths(report, lists: lists, byImage: byImage)
        var json = JSONWriter(pretty: false)
        json.beginObject()
        json.beginArray("caps")
        json.number(nil, perHost)
        json.number(nil, inAll)
        json.number(nil, commandBytes)
        json.endArray()
        let rows = writeRows(report.execs, paths, byImage: byImage, &json)
        writeHosts(paths.hosts, rows, &json)
        // A process with an exec embedded later is not a stub.
        let shownStubs = rows.stubs.filter { !rows.withRows.contains($0.id) }
        writeStubs(shownStubs, &json)
        writeCut(rows, inTree: rows.withRows.union(shownStubs.map(\.id)), &json)
        for (name, list) in zip(["findings", "suppressed"], lists) {
            json.beginArray(name)
            for finding in list {
                if let stamp = finding.process.image?.stamp,
                    let id = paths.shellOf[ShellKey(host: finding.host, pid: finding.process.pid, stamp: stamp)]
                {
                    json.number(nil, id)
                } else {
                    json.null(nil)
                }
            }
            json.endArray()
        }
        json.endObject()
        return json.output
    }

    /// Pass 1: the hosts, and the rows on the path to each finding's shell.
    private func findingPaths(_ report: ScanReport, lists: [[Finding]], byImage: [[ExecRecord].ImageKey: Int]) -> Paths
    {
        var wanted: Set<ShellKey> = []
        for list in lists {
            for finding in list {
                if let stamp = finding.process.image?.stamp {
                    wanted.insert(ShellKey(host: finding.host, pid: finding.process.pid, stamp: stamp))
                }
            }
        }
        var paths = Paths()
        var hostNames: Set<String> = []
        var hasUnnamed = false
        for record in report.execs {
            if let host = record.host { hostNames.insert(host) } else { hasUnnamed = true }
            let key = ShellKey(host: record.host, pid: record.pid, stamp: record.image.stamp)
            guard wanted.contains(key) else { continue }
            paths.shellOf[key] = record.processID
            paths.pinned.insert(RowKey(process: record.processID, stamp: record.image.stamp))
            for entry in report.execs.chain(from: record, byImage: byImage) {
                if let image = entry.image { paths.pinned.insert(RowKey(process: entry.processID, stamp: image.stamp)) }
                if let host = entry.host { hostNames.insert(host) } else { hasUnnamed = true }
            }
        }
        // Lineage entries of other rows share their record's host, so the list is complete.
        paths.hosts = (hasUnnamed ? [nil] : []) + hostNames.sorted().map { Optional($0) }
        for (index, host) in paths.hosts.enumerated() { if let host { paths.hostIndex[host] = index } }
        return paths
    }

    /// Pass 2: the rows, in log order, within the caps (the pinned ones always).
    private func writeRows(
        _ execs: [ExecRecord], _ paths: Paths, byImage: [[ExecRecord].ImageKey: Int], _ json: inout JSONWriter
    ) -> Rows {
        var rows = Rows(
            inLog: [Int](repeating: 0, count: paths.hosts.count),
            embedded: [Int](repeating: 0, count: paths.hosts.count))
        var counted = [Int](repeating: 0, count: paths.hosts.count)  // embedded within the caps (not pinned)
        var countedInAll = 0
        var stubbed: Set<Int> = []
        json.beginArray("execs")
        for record in execs {
            let host = paths.index(of: record.host)
            rows.inLog[host] += 1
            let isPinned = paths.pinned.contains(RowKey(process: record.processID, stamp: record.image.stamp))
            guard isPinned || (counted[host] < perHost && countedInAll < inAll) else {
                rows.omitted[record.processID, default: (record.parentID, 0)].rows += 1
                continue
            }
            if !isPinned {
                counted[host] += 1
                countedInAll += 1
            }
            rows.embedded[host] += 1
            rows.withRows.insert(record.processID)
            writeRow(record, host: host, &json)
            // Ancestors with no exec of their own still get a node, from the lineage (as `auditree tree` does).
            let parents = execs.chain(from: record, byImage: byImage).filter {
                $0.generation >= 1 && $0.relation != .replacedImage
            }
            for (position, entry) in parents.enumerated() where stubbed.insert(entry.processID).inserted {
                let parent = position + 1 < parents.count ? parents[position + 1].processID : nil
                rows.stubs.append((entry.processID, parent, entry.pid, paths.index(of: entry.host)))
            }
        }
        json.endArray()
        return rows
    }

    private func writeHosts(_ hosts: [String?], _ rows: Rows, _ json: inout JSONWriter) {
        json.beginArray("hosts")
        for (position, host) in hosts.enumerated() {
            json.beginArray()
            if let host { json.string(nil, host) } else { json.null(nil) }
            json.number(nil, rows.inLog[position])
            json.number(nil, rows.embedded[position])
            json.endArray()
        }
        json.endArray()
    }

    private func writeStubs(_ stubs: [Stub], _ json: inout JSONWriter) {
        json.beginArray("stubs")
        for stub in stubs {
            json.beginArray()
            json.number(nil, stub.id)
            if let parent = stub.parent { json.number(nil, parent) } else { json.null(nil) }
            json.number(nil, stub.pid)
            json.number(nil, stub.host)
            json.endArray()
        }
        json.endArray()
    }

    /// What was cut is told on the nearest process the tree shows: its own execs, or its children.
    private func writeCut(_ rows: Rows, inTree: Set<Int>, _ json: inout JSONWriter) {
        var cut: [Int: (execs: Int, children: Int)] = [:]
        for (id, missing) in rows.omitted {
            if inTree.contains(id) {
                cut[id, default: (0, 0)].execs += missing.rows
            } else if let parent = missing.parent, inTree.contains(parent) {
                cut[parent, default: (0, 0)].children += 1
            }
        }
        json.beginArray("cut")
        for (id, counts) in cut.sorted(by: { $0.key < $1.key }) {
            json.beginArray()
            json.number(nil, id)
            json.number(nil, counts.execs)
            json.number(nil, counts.children)
            json.endArray()
        }
        json.endArray()
    }

    private func writeRow(_ record: ExecRecord, host: Int, _ json: inout JSONWriter) {
        json.beginArray()
        json.number(nil, record.processID)
        if let parent = record.parentID { json.number(nil, parent) } else { json.null(nil) }
        json.number(nil, record.pid)
        json.number(nil, host)
        json.time(nil, record.image.stamp)
        if let uid = record.image.uid { json.number(nil, uid) } else { json.null(nil) }
        if let exe = record.image.exe { json.string(nil, exe) } else { json.null(nil) }
        let arguments = record.image.argv.arguments
        // Length of the command line as arguments joined by one space, and how much of it is embedded.
        let length = arguments.reduce(0) { $0 + $1.bytes.count } + max(0, arguments.count - 1)
        var used = 0
        json.beginArray()
        for (position, argument) in arguments.enumerated() {
            let separator = position == 0 ? 0 : 1
            guard used + separator < commandBytes else { break }
            used += separator
            let room = commandBytes - used
            if argument.bytes.count <= room {
                json.string(nil, argument)
                used += argument.bytes.count
            } else {
                // Cut at a character boundary: never in the middle of a UTF-8 sequence.
                var end = room
                while end > 0 && argument.bytes[end] & 0xC0 == 0x80 { end -= 1 }
                json.string(nil, LogString(bytes: Array(argument.bytes[..<end])))
                used += end
                break
            }
        }
        json.endArray()
        json.number(nil, length - used)
        json.endArray()
    }
}
