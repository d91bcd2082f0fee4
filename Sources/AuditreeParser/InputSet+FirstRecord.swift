import AuditreeInput

extension InputSet {
    /// The files the names stand for, oldest first by their first record's time.
    public static func expand(_ names: [String]) -> Expansion {
        expand(names, firstRecordTime: firstRecordTime)
    }

    /// The stamp time of the first record in the file's first 64 KiB (gzip read through).
    public static func firstRecordTime(_ path: String) -> Int64? {
        guard let file = try? FileByteSource(path: path) else { return nil }
        let compressed = GzipByteSource.looksCompressed(FileByteSource.head(path: path, count: 2))
        if compressed {
            guard var source = try? GzipByteSource(file: file) else { return nil }
            return firstTime(&source)
        }
        var source = file
        defer { source.close() }
        return firstTime(&source)
    }

    private enum Stop: Error {
        case found(Int64)
        case gaveUp
    }

    private static func firstTime<Source: ByteSource & ~Copyable>(_ source: inout Source) -> Int64? {
        var reader = LineReader(maxLineLength: 1 << 16, readSize: 1 << 14)
        var parser = RecordParser(detail: .scan)
        var seen = 0
        do {
            try reader.forEachLine(of: &source) { (number: Int, line: Span<UInt8>, _: Bool) throws(Stop) in
                if case .success(let record) = parser.parse(line, lineNumber: number), !record.isDaemon {
                    throw .found(record.stamp.time)
                }
                seen += line.count + 1
                if seen > 1 << 16 { throw .gaveUp }
            }
        } catch {
            if case .body(.found(let time)) = error { return time }
        }
        return nil
    }
}
