import AuditreeInput
import AuditreeRules
import AuditreeTree

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Everything one scan needs; the command line builds it, the library runs it.
public struct ScanConfiguration: Sendable {
    /// Log files to read in this order; `-` is standard input.
    public var inputs: [String]
    /// A loaded rule set to use as is (tests); when nil, the built-in pack and `ruleFiles` are loaded.
    public var ruleSet: RuleSet?
    /// Rule files loaded after the built-in pack, in order (`--rules`).
    public var ruleFiles: [String] = []
    /// Load the built-in pack first (`--no-default-rules` turns it off).
    public var useDefaultRules = true
    /// Sigma rule files and folders (`--sigma`), loaded after the pack and before `ruleFiles`.
    public var sigmaPaths: [String] = []
    /// List the matches exceptions suppressed (`--show-suppressed`); they are always counted.
    public var showSuppressed = false
    /// Fold identical findings (same rule, host, spawner exe and command line) into one with a count.
    /// The command line does so unless `--no-group`; the library default keeps every finding.
    public var groupFindings = false
    /// Stop at the first line that cannot be parsed.
    public var strict: Bool
    /// Lines longer than this are rejected (see `LineReader`).
    public var maxLineLength: Int
    /// At most this many rejected-line warnings are printed per file; all are counted.
    public var maxWarningsPerFile: Int
    /// Descendants listed per finding.
    public var descendantLimit: Int
    /// How many folded matches wait before a grouped scan first looks for those it can settle
    /// (`MatchFolding`); tests set 1 so that every match is settled as soon as it can be.
    package var settleLook = 256
    /// The host of records without `node=` (`--host NAME`): they are read as if they carried
    /// `node=NAME`, so it names them in findings, fingerprints, event identity, `--node` and
    /// host-scoped exceptions. nil keeps them host-less.
    public var host: String?
    /// The same per input (`--host FILE=NAME`), ahead of `host` for that input.
    public var hostByInput: [String: String] = [:]
    /// Which findings to report (time range, host, pid); the whole input is still read.
    public var filter = FindingFilter()
    /// Resume after a previous run (`--checkpoint`): nil for a first run. Set `checkpointing`
    /// to get a new checkpoint in the report even without one to resume from.
    public var checkpoint: Checkpoint?
    public var checkpointing = false
    /// Keep every exec in the report (`auditree tree`, the HTML report), each with its lineage
    /// up to its nearest exec'd ancestor (`ExecRecord.compacted`): memory then grows with the
    /// number of execs, unlike a scan.
    public var collectExecs = false
    /// Told every exec with its whole lineage as soon as the rules have seen it, instead of
    /// keeping it (`auditree events` streams them): memory then stays flat.
    public var onExecRecord: (@Sendable (ExecRecord) -> Void)?
    /// Told every few megabytes how far the reading is (a progress bar on a terminal).
    public var progress: (@Sendable (ScanProgress) -> Void)?
    /// 1: read, parse and assemble on the calling thread. N > 1: N - 1 threads read and parse
    /// (one reads and cuts the input into chunks of lines, and parses those no other thread is
    /// free for) while the calling thread takes the parsed chunks in order and assembles events
    /// (`ParsePipeline`); with N > 2 gzipped files inflate on threads of their own
    /// (`InflateAhead`). The report is the same for every N.
    public var threads = 1
    /// Bytes of lines per parsed chunk handed from the reading thread to the calling one.
    /// Big enough that handing over costs nothing next to parsing; tests make it tiny so
    /// chunk boundaries fall between every pair of lines.
    public var chunkSize = ParsePipeline.defaultChunkSize
    /// Chunks cut and not yet taken by the calling thread: bounds the pipeline's memory.
    /// nil: two per parsing thread, at least 4 (`ParsePipeline.defaultChunksInFlight`).
    public var chunksInFlight: Int?

    /// Fault injection for the test suite (`AUDITREE_FAULT_KILL=read:N`): the scan kills its own
    /// process with SIGKILL once it has read N bytes of lines. nil (always, outside tests): never.
    public var faultKillAtByte: Int?

    public static let defaultInput = "/var/log/audit/audit.log"

    /// The most threads the command line uses unless told (`--threads`). The calling thread's
    /// stage (assembler, tree, rules) is sequential and costs 1.5-1.9 times what reading and
    /// parsing cost per byte, on every log shape (docs/performance.md, "Parsing on several
    /// cores"): one parsing thread keeps it busy, and more only add the cost of handing chunks
    /// over (15-20 % more CPU for the same wall time). Raise it when that stage costs less per
    /// byte than parsing.
    public static let defaultThreadCap = 2

    /// The command line's default for `threads`: the online CPUs, at most `defaultThreadCap`.
    public static var defaultThreads: Int {
        min(max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1), defaultThreadCap)
    }

    /// Gzipped files inflated at once with `threads` > 2 (`InflateAhead`): the one being read
    /// and the next, more with more threads, at most 8 (1 MiB of inflated bytes ahead each).
    static func inflatingFiles(threads: Int) -> Int { min(max(threads - 1, 2), 8) }

    public init(
        inputs: [String] = [ScanConfiguration.defaultInput], ruleSet: RuleSet? = nil, strict: Bool = false,
        maxLineLength: Int = LineReader.defaultMaxLineLength, maxWarningsPerFile: Int = 20, descendantLimit: Int = 200
    ) {
        self.inputs = inputs
        self.ruleSet = ruleSet
        self.strict = strict
        self.maxLineLength = maxLineLength
        self.maxWarningsPerFile = maxWarningsPerFile
        self.descendantLimit = descendantLimit
    }
}

/// How far a scan has read, for a progress display.
public struct ScanProgress: Sendable {
    /// Bytes of lines read so far, all inputs together (decompressed for gzip).
    public var bytesRead: Int
    /// The inputs' size on disk when every input is a plain regular file, else nil.
    public var totalBytes: Int?
    public var finished: Bool
}
