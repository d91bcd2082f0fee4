import AuditreeParser

/// Remembers which events were already read, in memory that does not grow with the log.
///
/// The kernel numbers the events it logs with consecutive serials, so the
/// stamps seen form a few runs of consecutive serials (a new run where events
/// were lost, or records came out of order). Each run keeps its time range,
/// which tells a repeated event (same serial, time inside the run) from the
/// same serial after a reboot or a wrap (time after the run).
struct EventDeduplicator {
    private struct Run {
        var firstSerial: UInt64
        var lastSerial: UInt64
        var firstTime: Int64
        var lastTime: Int64

        func contains(_ stamp: EventStamp) -> Bool {
            firstSerial <= stamp.serial && stamp.serial <= lastSerial && firstTime <= stamp.time
                && stamp.time <= lastTime
        }
    }

    /// Runs kept per host; beyond it the run seen longest ago is forgotten.
    static let maxRuns = 1024

    /// Per host, by its number (see `HostNumbers`): an array index, not a hash per event.
    private var runs: [[Run]] = []
    private var lastRun: [Int?] = []
    /// Every run's first serial per host (a run may start where another one ends).
    private var starts: [Set<UInt64>] = []
    /// Whether a run was ever dropped (`maxRuns`): until then, every stamp it says is new really is.
    private(set) var hasForgotten = false

    /// Records `stamp` of host number `node` and answers whether it had been seen before.
    mutating func isRepeat(host node: Int, stamp: EventStamp) -> Bool {
        while runs.count <= node {
            runs.append([])
            lastRun.append(nil)
            starts.append([])
        }
        // The usual stamp extends the run the last one did: done in place. With one run nothing
        // can follow on (the kernel's serials run on, so most hosts have one run); with more (a
        // user-space event waits for its window), a run that started later (events delivered
        // out of order) may now follow on, and is joined to it.
        if let index = lastRun[node], index < runs[node].count {
            let run = runs[node][index]
            if stamp.serial == run.lastSerial &+ 1 && stamp.time >= run.lastTime {
                runs[node][index].lastSerial = stamp.serial
                runs[node][index].lastTime = stamp.time
                if runs[node].count > 1, someRun(startsAt: stamp.serial &+ 1, node: node) {
                    var list: [Run] = []
                    swap(&list, &runs[node])
                    mergeAdjacent(&list, node: node)
                    swap(&list, &runs[node])
                }
                return false
            }
        }
        // Taken out of the table while working on it, so the array is mutated in place, not copied.
        var list: [Run] = []
        swap(&list, &runs[node])
        defer { swap(&list, &runs[node]) }
        if let index = lastRun[node], index < list.count, list[index].contains(stamp) { return true }
        if list.contains(where: { $0.contains(stamp) }) { return true }
        if let index = list.firstIndex(where: { stamp.serial == $0.lastSerial &+ 1 && stamp.time >= $0.lastTime }) {
            list[index].lastSerial = stamp.serial
            list[index].lastTime = stamp.time
            lastRun[node] = index
        } else if let index = list.firstIndex(where: {
            stamp.serial &+ 1 == $0.firstSerial && stamp.time <= $0.firstTime
        }) {
            unmarkStart(list[index].firstSerial, node: node, in: list, except: index)
            starts[node].insert(stamp.serial)
            list[index].firstSerial = stamp.serial
            list[index].firstTime = stamp.time
            lastRun[node] = index
        } else {
            if list.count >= Self.maxRuns, let oldest = list.indices.min(by: { list[$0].lastTime < list[$1].lastTime })
            {
                let removed = list.remove(at: oldest)
                hasForgotten = true
                unmarkStart(removed.firstSerial, node: node, in: list, except: nil)
            }
            list.append(
                Run(firstSerial: stamp.serial, lastSerial: stamp.serial, firstTime: stamp.time, lastTime: stamp.time))
            starts[node].insert(stamp.serial)
            lastRun[node] = list.count - 1
        }
        mergeAdjacent(&list, node: node)
        return false
    }

    /// Runs walked instead of looking a first serial up in `starts`.
    static var runsWalked: Int { 8 }

    /// Whether one of the host's runs starts at `serial`. `starts` holds every run's first
    /// serial, but a few runs are walked: comparing them costs less than hashing the serial.
    private func someRun(startsAt serial: UInt64, node: Int) -> Bool {
        guard runs[node].count <= Self.runsWalked else { return starts[node].contains(serial) }
        return runs[node].contains { $0.firstSerial == serial }
    }

    /// Forgets a first serial unless another run (not `except`) still starts there.
    private mutating func unmarkStart(_ serial: UInt64, node: Int, in list: [Run], except: Int?) {
        if list.indices.contains(where: { $0 != except && list[$0].firstSerial == serial }) { return }
        starts[node].remove(serial)
    }

    /// Joins the run just extended with a run that now follows it directly.
    private mutating func mergeAdjacent(_ list: inout [Run], node: Int) {
        guard let index = lastRun[node] else { return }
        let run = list[index]
        if let next = list.firstIndex(where: { $0.firstSerial == run.lastSerial &+ 1 && $0.firstTime >= run.lastTime })
        {
            list[index].lastSerial = list[next].lastSerial
            list[index].lastTime = list[next].lastTime
            let merged = list.remove(at: next)
            unmarkStart(merged.firstSerial, node: node, in: list, except: nil)
            lastRun[node] = next < index ? index - 1 : index
        }
    }
}
