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
        depth <= maxIndentLevels ? String(repeating: "  ", count: depth)
            : String(repeating: "  ", count: maxIndentLevels) + "[depth \(depth)] "
    }

    /// `root`: only the subtree of this process (a `processID`), else the whole log.
    public func render(_ records: [ExecRecord], root: Int? = nil) -> String {
        // Indices, not copies: a record is a few hundred bytes and a tree may have millions.
        var execsOf: [Int: [Int]] = [:]
        var order: [Int] = []
        var info: [Int: (pid: Int, host: String?, parent: Int?)] = [:]
        var parentOf: [Int: Int] = [:]
        var childrenOf: [Int: [Int]] = [:]
        func link(_ child: Int, _ parent: Int) {
            guard parentOf[child] == nil, child != parent else { return }
            parentOf[child] = parent
            childrenOf[parent, default: []].append(child)
        }
        for (index, record) in records.enumerated() {
            if info[record.processID] == nil {
                order.append(record.processID)
                info[record.processID] = (record.pid, record.host, record.parentID)
            }
            execsOf[record.processID, default: []].append(index)
            // Ancestors that never exec'd in the log still get a line, from the lineage.
            var child = record.processID
            for entry in record.lineage where entry.generation >= 1 && entry.relation != .replacedImage {
                if info[entry.processID] == nil {
                    info[entry.processID] = (entry.pid, entry.host, nil)
                    order.append(entry.processID)
                }
                link(child, entry.processID)
                child = entry.processID
            }
        }
        let roots: [Int]
        if let root { roots = info[root] == nil ? [] : [root] } else {
            roots = order.filter { parentOf[$0] == nil }
        }
        var text = ""
        var visited: Set<Int> = []
        var stack: [(Int, Int)] = roots.reversed().map { ($0, 0) }
        while let (id, depth) = stack.popLast() {
            guard visited.insert(id).inserted, let process = info[id] else { continue }
            let indent = Self.indent(depth)
            let host = process.host.map { " [\(TextEscaper.escape($0))]" } ?? ""
            if let execs = execsOf[id] {
                for (index, recordIndex) in execs.enumerated() {
                    let record = records[recordIndex]
                    let lead = index == 0 ? "pid \(process.pid)\(host)" : String(repeating: " ", count: "pid \(process.pid)".count) + " then"
                    text += "\(indent)\(lead)  \(TimeFormat.iso8601(record.image.stamp))  uid=\(record.image.uid.map(String.init) ?? "?")  "
                        + "\(record.image.exe?.description ?? "?")  \(CommandLineText.render(record.image.argv))\n"
                }
            } else {
                text += "\(indent)pid \(process.pid)\(host) (no exec in the log\(parentOf[id] == nil ? "; parent unknown" : ""))\n"
            }
            stack += (childrenOf[id] ?? []).reversed().map { ($0, depth + 1) }
        }
        return text
    }
}
