import Foundation
import TestSupport
import Testing

@testable import AuditreeParser
@testable import AuditreeTree

@Suite("Recorded fixtures")
struct RecordedFixtureTests {
    @Test(
        "each scenario is flagged once with the right rule, spawner and shell; look-alikes never",
        arguments: Fixtures.recordedNames)
    func findingsMatchTheRecordingScript(name: String) throws {
        let report = try Fixtures.scan([Fixtures.recorded(name)])
        let expectations = try Expectation.load(name)
        let hasScenario = expectations.contains { $0.isFinding }
        #expect(hasScenario, "no scenario in \(name).expected.tsv")
        for expectation in expectations {
            let hits = report.findings.filter { argvContains($0.process.image, expectation.marker) }
            if expectation.isFinding {
                try #require(hits.count == 1, "\(name): \(expectation.marker) flagged \(hits.count) times")
                let finding = hits[0]
                #expect(finding.rule.id == expectation.rule, "\(expectation.marker)")
                if expectation.isInferred {
                    #expect(finding.spawner.image == nil && finding.inference != nil, "\(expectation.marker)")
                } else {
                    #expect(finding.spawner.image?.exe == LogString(expectation.spawnerExe), "\(expectation.marker)")
                }
                #expect(finding.process.image?.exe == LogString(expectation.shellExe), "\(expectation.marker)")
            } else if !expectation.isAmbiguous {
                let spawnedBy = report.findings.filter { argvContains($0.spawner.image, expectation.marker) }
                #expect(hits.isEmpty && spawnedBy.isEmpty, "\(name): look-alike \(expectation.marker) was flagged")
            }
        }
        let ambiguous = expectations.filter(\.isAmbiguous).map(\.marker)
        let counted = report.findings.filter { finding in
            !ambiguous.contains { argvContains(finding.process.image, $0) }
        }
        #expect(counted.count == expectations.filter(\.isFinding).count)
    }

    @Test("every non-blank line is a record or a rejection", arguments: Fixtures.recordedNames)
    func linesAreAccountedFor(name: String) throws {
        let path = Fixtures.recorded(name)
        let report = try Fixtures.scan([path])
        #expect(report.summary.lines == (try Fixtures.nonBlankLines(path)))
        #expect(report.summary.records + report.summary.rejected == report.summary.lines)
        #expect(report.summary.rejected == 0, "auditd's own output should parse: \(report.diagnostics)")
    }

    @Test("shells under a flagged shell are its story, not new findings")
    func nestedShellsAreDescendants() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        let nested = try #require(report.findings.first { argvContains($0.process.image, "tp-nested") })
        let below = nested.descendants.compactMap { $0.process.image?.exe?.lossyString }
        #expect(below.contains("/usr/bin/bash"))
        #expect(nested.descendants.contains { argvContains($0.process.image, "tp-nested") })
    }

    @Test(
        "a same-pid exec from an interpreter names the replaced image as spawner",
        arguments: ["enriched-fork", "raw-execve"])
    func sameProcessExec(name: String) throws {
        let report = try Fixtures.scan([Fixtures.recorded(name)])
        let execv = try #require(report.findings.first { argvContains($0.process.image, "tp-execv") })
        #expect(execv.spawnerRelation == .replacedImage)
        #expect(execv.spawner.pid == execv.process.pid)
        // An ordinary fork+exec is a parent relation even when the child made records before its exec.
        let forked = try #require(report.findings.first { argvContains($0.process.image, "tp-python-bash") })
        #expect(forked.spawnerRelation == .parent)
        #expect(forked.spawner.pid == forked.process.ppid)
    }

    @Test("Java: jspawnhelper is looked through, java is the parent")
    func javaThroughJspawnhelper() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        let java = try #require(report.findings.first { argvContains($0.process.image, "tp-java") })
        #expect(java.launchersSkipped == 1)
        #expect(java.ancestry.first?.process.image?.exe?.basename == "jspawnhelper")
        #expect(java.spawnerRelation == .parent)
    }

    @Test("busybox is a shell only as its sh applet")
    func busyboxApplet() throws {
        let report = try Fixtures.scan([Fixtures.recorded("raw-fork")])
        let busybox = try #require(report.findings.first { argvContains($0.process.image, "tp-busybox") })
        #expect(busybox.childMatch.field == .applet)
        #expect(busybox.childMatch.entry == "sh")
    }

    @Test("a CGI shell script is a shell by its exe although its comm is the script name")
    func cgiScriptComm() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-execve")])
        let cgi = try #require(report.findings.first { argvContains($0.process.image, "tp-lighttpd-cgi") })
        #expect(cgi.process.image?.comm?.lossyString.hasPrefix("tp-lighttpd") == true)
        #expect(cgi.childMatch.field == .exe)
        #expect(cgi.spawnerMatch.list == "web_servers")
    }

    @Test("fork records reach a forked web-server worker and its daemonised master")
    func workerAncestry() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        let modphp = try #require(report.findings.first { argvContains($0.process.image, "tp-apache-modphp") })
        let worker = try #require(modphp.spawner.image)
        #expect(worker.origin == .inherited)
        #expect(worker.userName == "www-data")
        // The chain goes past the daemonised master to the apache2 that was exec'd.
        #expect(
            modphp.ancestry.contains {
                $0.process.image?.origin == .exec && $0.process.image?.exe == "/usr/sbin/apache2"
            })
    }

    @Test("execve-only logs: a worker never described stays unknown, never guessed")
    func unknownParents() throws {
        let report = try Fixtures.scan([Fixtures.recorded("raw-execve")])
        #expect(report.summary.shellsWithUnknownParent == 3)
        #expect(!report.findings.contains { argvContains($0.process.image, "tp-phpfpm") })
    }

    @Test("a log concatenated with itself gives each finding once")
    func concatenatedTwice() throws {
        let path = Fixtures.recorded("enriched-fork")
        let once = try Fixtures.scan([path])
        let twice = try Fixtures.scan([path, path])
        #expect(twice.findings.count == once.findings.count)
        // Every SYSCALL event of the second copy is recognised as already seen.
        #expect(twice.summary.duplicateEvents == once.summary.recordsByKind[.syscall])
        #expect(twice.summary.lines == 2 * once.summary.lines)
    }

    @Test(
        "a replay with reused pids and later stamps is new activity: every attack is found again",
        arguments: ["enriched-execve", "raw-fork"])
    func replayWithReusedPids(name: String) throws {
        let original = try String(contentsOfFile: Fixtures.recorded(name), encoding: .isoLatin1)
        // Shift every stamp by a day and every serial by a million; pids, ppids and command lines stay as recorded.
        let shifted = original.replacing(/msg=audit\((\d+)\.(\d{3}):(\d+)\)/) { match in
            "msg=audit(\(Int(match.1)! + 86_400).\(match.2):\(Int(match.3)! + 1_000_000))"
        }
        let path = TestProcessFolder.url.appendingPathComponent(
            "replay-\(name)-\(getpid()).log")
        try (original + shifted).write(to: path, atomically: true, encoding: .isoLatin1)
        defer { try? FileManager.default.removeItem(at: path) }
        let once = try Fixtures.scan([Fixtures.recorded(name)])
        let replayed = try Fixtures.scan([path.path])
        #expect(replayed.findings.count == 2 * once.findings.count)
        #expect(replayed.summary.duplicateEvents == 0)
        for expectation in try Expectation.load(name) where expectation.isFinding {
            #expect(
                replayed.findings.filter { argvContains($0.process.image, expectation.marker) }.count == 2,
                "\(expectation.marker)")
        }
    }

    @Test("failed execs spawn nothing")
    func failedExec() throws {
        let report = try Fixtures.scan([Fixtures.recorded("enriched-fork")])
        let results = Fixtures.parseLines(
            Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.recorded("enriched-fork")))))
        let failed = results.compactMap { try? $0.get() }.filter {
            if case .syscall(let call) = $0.body { return call.syscall.isExec && call.success == false }
            return false
        }
        let succeeded = results.compactMap { try? $0.get() }.filter {
            if case .syscall(let call) = $0.body { return call.syscall.isExec && call.success != false }
            return false
        }
        #expect(!failed.isEmpty)
        #expect(report.summary.execs == succeeded.count)
        #expect(!report.findings.contains { argvContains($0.process.image, "benign-failed-exec") })
    }
}
