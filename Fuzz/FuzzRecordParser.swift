// libFuzzer target: bytes -> LineReader -> RecordParser.
//
// Oracles besides "no crash, no ASan report":
//  - LineReader delivers exactly the lines a naive split gives (cut at the limit,
//    `truncated` set, numbered 1...), whatever the read sizes;
//  - a rejection's column lies in 1...line.count + 1;
//  - an accepted record's stamp prints back to the bytes in the line (docs/architecture.md,
//    "Stamp exactness");
//  - the same line parses the same way twice (no hidden state, except the node cache).
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    // Two shapes per input: the shipped limits, and a tiny limit with uneven reads.
    let small = 16 + size % 200
    for (limit, readSize, chunked) in [(LineReader.defaultMaxLineLength, 1 << 20, false), (small, 1 + size % 13, true)]
    {
        let expected = referenceLines(bytes, limit: limit)
        var got: [([UInt8], Bool)] = []
        var reader = LineReader(maxLineLength: limit, readSize: readSize)
        var parser = RecordParser()
        var again = RecordParser()
        func body(_ number: Int, _ line: Span<UInt8>, _ truncated: Bool) {
            check(number == got.count + 1, "line number \(number) after \(got.count) lines")
            var copy = [UInt8]()
            copy.reserveCapacity(line.count)
            for i in 0..<line.count { copy.append(line[i]) }
            got.append((copy, truncated))
            check(line.count < limit + readSize, "line of \(line.count) bytes, limit \(limit) + read \(readSize)")
            let first = parser.parse(line, lineNumber: number)
            let second = again.parse(line, lineNumber: number)
            switch (first, second) {
            case (nil, nil): break
            case (.success(let record)?, .success(let other)?):
                check(record.stamp == other.stamp && record.kind == other.kind, "parse differs on a second parser")
                let printed = Array("msg=audit(\(record.stamp))".utf8)
                check(contains(copy, printed), "stamp \(record.stamp) does not round-trip")
            case (.failure(let rejection)?, .failure(let other)?):
                check(rejection == other, "rejection differs on a second parser")
                check(
                    rejection.column >= 1 && rejection.column <= line.count + 1,
                    "column \(rejection.column) outside 1...\(line.count + 1)")
            default:
                check(false, "parse outcome differs on a second parser")
            }
        }
        if chunked {
            var source = ChunkedByteSource(bytes, seed: size)
            try! reader.forEachLine(of: &source) { (n: Int, l: Span<UInt8>, t: Bool) throws(Never) in body(n, l, t) }
        } else {
            var source = MemoryByteSource(bytes)
            try! reader.forEachLine(of: &source) { (n: Int, l: Span<UInt8>, t: Bool) throws(Never) in body(n, l, t) }
        }
        check(
            got.count == expected.count,
            "\(got.count) lines delivered, \(expected.count) expected (limit \(limit), read \(readSize))")
        for (index, (line, cut)) in got.enumerated() where index < expected.count {
            check(
                matchesReference(line, cut, expected[index], limit: limit, readSize: readSize),
                "line \(index + 1) differs from a naive split (limit \(limit), read \(readSize))")
        }
    }
    return 0
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle)
    {
        return true
    }
    return false
}
