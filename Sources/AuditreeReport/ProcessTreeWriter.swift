import AuditreeBase
import AuditreeParser
import AuditreeTree

/// `auditree tree`: the reconstructed process tree as indented text, every value escaped.
///
/// Each process shows its pid, its execs in order (time, user, exe, command line);
/// children are indented below the process that created them, in log order. A parent
/// the log never describes is shown as `pid N (unknown)`.
///
/// Indentation stops growing at `maxIndentLevels`: a deeper process is printed at that
/// indentation with its depth (`[depth 12000] pid ...`), so a chain of any depth costs a
/// constant per line, not its depth (a 12,000-deep chain made 138 MiB of spaces otherwise).
public struct ProcessTreeWriter {
    public static let maxIndentLevels = 32

    public init() {}

    /// Two spaces per level up to the cap; beyond it the cap and the depth, written out.
    static func indent(_ depth: Int) -> String {
        depth <= maxIndentLevels
            ? String(repeating: "  ", count: depth)
            : String(repeating: "  ", count: maxIndentLevels) + "[depth \(depth)] "
    }

    /// A note after one line of the tree (ours, never from the log): on the exec with `stamp`, or
    /// on the process's first line when the stamp is nil or the process never exec'd.
    public struct Mark: Sendable {
        public var stamp: EventStamp?
        public var note: String

        public init(stamp: EventStamp?, note: String) {
            self.stamp = stamp
            self.note = note
        }
    }

    /// `root`: only the subtree of this process (a `processID`), else the whole log.
    /// `withAncestors`: the chain of processes above `root` too, oldest first, one line each
    /// without their other children. `marks`: notes by `processID`; `ancestorMark`: a note on
    /// the nearest process of that chain with this pid (a finding's spawner).
    public func render(
        _ records: [ExecRecord], root: Int? = nil, withAncestors: Bool = false, marks: [Int: Mark] = [:],
        ancestorMark: (pid: Int, mark: Mark)? = nil
    ) -> String {
        let forest = Forest(records)
        var chain: [Int] = []
        var marks = marks
        let roots: [Int]
        if let root {
            roots = forest.info[root] == nil ? [] : [root]
            if withAncestors, !roots.isEmpty { chain = forest.ancestors(of: root) }
            if let ancestorMark, let id = chain.last(where: { forest.info[$0]?.pid == ancestorMark.pid }) {
                marks[id] = ancestorMark.mark
            }
        } else {
            roots = forest.order.filter { forest.parentOf[$0] == nil }
        }
        var lines: [String] = []
        for (depth, id) in chain.enumerated() { forest.describe(id, depth: depth, mark: marks[id], into: &lines) }
        var visited: Set<Int> = []
        var stack: [(Int, Int)] = roots.reversed().map { ($0, chain.count) }
        while let (id, depth) = stack.popLast() {
            guard visited.insert(id).inserted, forest.info[id] != nil else { continue }
            forest.describe(id, depth: depth, mark: marks[id], into: &lines)
            stack += (forest.childrenOf[id] ?? []).reversed().map { ($0, depth + 1) }
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// The last process with this pid that the whole tree shows (the latest to appear in the
    /// log): one that exec'd, or one known only above an exec (a forked worker that never
    /// exec'd, an unknown parent). `host`: only that host's, when given.
    public func lastProcess(pid: Int, host: String? = nil, in records: [ExecRecord]) -> Int? {
        for record in records.reversed() where host == nil || record.host == host {
            if record.pid == pid { return record.processID }
            if let entry = record.lineage.first(where: { $0.pid == pid && $0.generation >= 1 }) {
                return entry.processID
            }
        }
        return nil
    }

    /// Processes, their execs and parent links, as the tree shows them.
    struct Forest {
        var execsOf: [Int: [ExecRecord]] = [:]
        var order: [Int] = []
        var info: [Int: (pid: Int, host: String?, parent: Int?)] = [:]
        /// What the log shows of a process that never exec'd (its observed or inherited image), from the lineage.
        var seenAs: [Int: ProcessImage] = [:]
        var parentOf: [Int: Int] = [:]
        var childrenOf: [Int: [Int]] = [:]

        init(_ records: [ExecRecord]) {
            for record in records {
                if info[record.processID] == nil {
                    order.append(record.processID)
                    info[record.processID] = (record.pid, record.host, record.parentID)
                }
                execsOf[record.processID, default: []].append(record)
                // Ancestors that never exec'd in the log still get a line, from the lineage.
                var child = record.processID
                for entry in record.lineage where entry.generation >= 1 && entry.relation != .replacedImage {
                    if info[entry.processID] == nil {
                        info[entry.processID] = (entry.pid, entry.host, nil)
                        order.append(entry.processID)
                    }
                    if seenAs[entry.processID] == nil, let image = entry.image, image.origin != .exec {
                        seenAs[entry.processID] = image
                    }
                    link(child, entry.processID)
                    child = entry.processID
                }
            }
        }

        private mutating func link(_ child: Int, _ parent: Int) {
            guard parentOf[child] == nil, child != parent else { return }
            parentOf[child] = parent
            childrenOf[parent, default: []].append(child)
        }

        /// The processes above `id`, oldest first (a cycle, which links never make, stops the walk).
        func ancestors(of id: Int) -> [Int] {
            var chain: [Int] = []
            var seen: Set<Int> = [id]
            var current = id
            while let parent = parentOf[current], seen.insert(parent).inserted {
                chain.append(parent)
                current = parent
            }
            return chain.reversed()
        }

        /// The lines of one process: each exec, or a line saying it never exec'd.
        func describe(_ id: Int, depth: Int, mark: Mark?, into lines: inout [String]) {
            guard let process = info[id] else { return }
            let indent = ProcessTreeWriter.indent(depth)
            let host = process.host.map { " [\(TextEscaper.escape($0))]" } ?? ""
            if let execs = execsOf[id] {
                let markedIndex = mark.map { mark in execs.firstIndex { $0.image.stamp == mark.stamp } ?? 0 }
                for (index, record) in execs.enumerated() {
                    let lead =
                        index == 0
                        ? "pid \(process.pid)\(host)"
                        : String(repeating: " ", count: "pid \(process.pid)".count) + " then"
                    let note = index == markedIndex ? mark.map { "  <- \($0.note)" } ?? "" : ""
                    lines.append(
                        "\(indent)\(lead)  \(TimeFormat.iso8601(record.image.stamp))  uid=\(record.image.uid.map(String.init) ?? "?")  "
                            + "\(record.image.exe?.description ?? "?")  \(CommandLineText.render(record.image.argv))\(note)"
                    )
                }
            } else {
                var what = "no exec in the log"
                var seen = ""
                if let image = seenAs[id] {
                    let comm = image.comm?.description ?? "?"
                    what +=
                        image.origin == .inherited
                        ? "; forked, runs its parent's program as \(comm)" : "; seen as \(comm)"
                    seen =
                        "  \(TimeFormat.iso8601(image.stamp))  uid=\(image.uid.map(String.init) ?? "?")  \(image.exe?.description ?? "?")"
                }
                if parentOf[id] == nil { what += "; parent unknown" }
                lines.append(
                    "\(indent)pid \(process.pid)\(host)\(seen)  (\(what))" + (mark.map { "  <- \($0.note)" } ?? ""))
            }
        }
    }
}
