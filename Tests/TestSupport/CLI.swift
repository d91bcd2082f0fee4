import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The built `auditree` executable, run as a user would: the one way the tests start it.
public enum CLI {
    public static var executable: URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("auditree")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return PackageRoot.url.appendingPathComponent(".build/debug/auditree")
    }

    public struct Run: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        /// The signal that ended the run, or nil when it exited (`status` is then its exit status).
        public var signal: Int32? = nil
        public var text: String { String(decoding: stdout, as: UTF8.self) }

        public init(status: Int32, stdout: Data, stderr: String, signal: Int32? = nil) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
            self.signal = signal
        }
    }

    /// Runs auditree with `arguments`.
    /// - stdin: fed to it, else it reads /dev/null.
    /// - environment: added to this process's, after NO_COLOR=1.
    /// - directory: its working directory (the package root by default).
    /// - stdout: where its standard output goes (then `Run.stdout` is empty); a pipe by default.
    /// - shell: a sh prelude run before exec'ing it (`ulimit -d 4096 &&`, `trap '' PIPE;`), so a
    ///   limit or signal disposition applies to auditree alone.
    public static func run(
        _ arguments: [String], stdin: Data? = nil, environment extra: [String: String] = [:],
        in directory: URL = PackageRoot.url, stdout: FileHandle? = nil, shell: String? = nil
    ) throws -> Run {
        let process = Process()
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", shell + " exec \"$0\" \"$@\"", executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = stdout ?? out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if stdout != nil { try? out.fileHandleForWriting.close() }
        if let stdin {
            // auditree may exit without reading its input (it refuses a pipe it was not asked to
            // read): the write then fails with EPIPE, which must not kill the test process.
            signal(SIGPIPE, SIG_IGN)
            try? input.fileHandleForWriting.write(contentsOf: stdin)
            try? input.fileHandleForWriting.close()
        }
        // Read both pipes to the end before waiting, so a large report cannot block the child.
        let errData = ReadAll(err.fileHandleForReading)
        let outData = stdout == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        let signalled = process.terminationReason == .uncaughtSignal
        return Run(
            status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData.wait(), as: UTF8.self),
            signal: signalled ? process.terminationStatus : nil)
    }
}

/// Drains a pipe on another thread.
public final class ReadAll: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    public func wait() -> Data {
        done.wait()
        return data
    }
}
