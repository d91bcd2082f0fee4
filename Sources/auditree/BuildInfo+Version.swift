extension BuildInfo {
    /// `auditree --version`: "auditree 0.1.0 (commit 10ab46e1…, modified)"; "commit unknown" when
    /// the build had neither git nor an archive's commit (scripts/build-info.sh).
    static var versionLine: String {
        var commit = Self.commit
        let modified = commit.hasSuffix("-modified")
        if modified { commit.removeLast("-modified".count) }
        return "auditree \(version) (commit \(commit)\(modified ? ", with uncommitted changes" : ""))"
    }
}
