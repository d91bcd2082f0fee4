/// The execs waiting for the rules, oldest first, and the processes created since the oldest of
/// them, which a finding made from it may still claim (`ProcessTree.observeDescendants`).
///
/// A value the tree holds in one stored property, so that each step is one access to the tree's
/// state rather than one per array and index it reads (`ProcessTree.releaseReady` runs for every
/// event). The arrays are consumed from a head index and compacted once half of them is behind it.
struct ExecQueue {
    private struct Waiting {
        var node: ProcessNode
        var image: Int
        var time: Int64
    }
    private var pending: [Waiting] = []
    private var pendingHead = 0
    /// Processes in creation order, from the oldest one a finding may still claim.
    private var recent: [ProcessNode] = []
    private var recentHead = 0

    var waitingExecs: Int { pending.count - pendingHead }
    var claimableCount: Int { recent.count - recentHead }
    /// The processes a finding made now may claim, in creation order.
    var claimable: ArraySlice<ProcessNode> { recent[recentHead...] }

    /// The processes of the waiting execs, oldest first.
    var waitingProcesses: [ProcessNode] { pending[pendingHead...].map(\.node) }

    mutating func append(exec node: ProcessNode, image: Int, time: Int64) {
        pending.append(Waiting(node: node, image: image, time: time))
    }

    mutating func created(_ node: ProcessNode) { recent.append(node) }

    /// Takes the oldest exec that is due: the log moved `limit` past it, or more than `maxWaiting`
    /// execs or new processes wait. Processes created before it can no longer be claimed by a
    /// finding made from it on.
    mutating func nextDue(upTo limit: Int64, maxWaiting: Int) -> (node: ProcessNode, image: Int)? {
        guard pendingHead < pending.count,
            pending[pendingHead].time <= limit || pending.count - pendingHead > maxWaiting
                || recent.count - recentHead > maxWaiting
        else { return nil }
        let item = pending[pendingHead]
        pendingHead += 1
        while recentHead < recent.count, recent[recentHead].firstSeen < item.time { recentHead += 1 }
        return (item.node, item.image)
    }

    /// Forgets the processes no finding can claim any more, once the due execs are taken.
    mutating func settle(upTo limit: Int64, maxWaiting: Int) {
        // Nothing older than the next exec to evaluate (or the delay) can be claimed any more.
        let horizon = min(limit, pendingHead < pending.count ? pending[pendingHead].time : limit)
        while recentHead < recent.count, recent[recentHead].firstSeen < horizon { recentHead += 1 }
        // With no exec waiting, no finding can claim more than the newest `maxWaiting`.
        if pendingHead == pending.count, recent.count - recentHead > maxWaiting {
            recentHead = recent.count - maxWaiting
        }
        if pendingHead > 1024 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        if recentHead > 1024 && recentHead * 2 > recent.count {
            recent.removeFirst(recentHead)
            recentHead = 0
        }
    }
}
