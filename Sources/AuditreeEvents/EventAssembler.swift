import AuditreeParser

/// Groups records into events by (node, stamp), never by adjacency.
///
/// auditd's files may have no EOE records and may interleave the records of
/// several events, so an event stays open until the log's own clock (the
/// highest stamp seen so far) has moved `window` past it, or its end shows:
/// an EOE, or, in a log without EOEs, its PROCTITLE after its SYSCALL (the
/// kernel writes PROCTITLE last, before the EOE: `audit_log_exit`; libauparse
/// ends events there too). A log that shows a record after a PROCTITLE
/// (another kernel's order) turns the PROCTITLE rule off for the rest of the
/// scan (`closesAtTitle`). Run speed never matters: the same input closes the
/// same events at the same points. Events with a SYSCALL leave in the order
/// they were opened, except those an EOE closes; events without one (which
/// the tree ignores) leave when they close.
public struct EventAssembler {
    /// How far (in log milliseconds) the log may run ahead before an open event is closed.
    public var window: Int64
    /// At most this many open events; beyond it the oldest is closed (a flood of never-closed stamps).
    public var maxOpenEvents: Int

    /// The host by number (see `HostNumbers`): keys are hashed several times per event.
    struct Key: Hashable {
        var host: Int
        var stamp: EventStamp
        var isDaemon: Bool

        /// Two words instead of five fields (the small ones go through Hasher's byte tail):
        /// keys are hashed several times per event. Equality still compares every field.
        func hash(into hasher: inout Hasher) {
            hasher.combine(stamp.serial)
            hasher.combine(
                UInt64(bitPattern: stamp.time) << 17 ^ UInt64(bitPattern: Int64(host)) << 1 ^ (isDaemon ? 1 : 0))
        }
    }

    /// An event with its key, so closing it does not number its host again. A flag, not an
    /// optional event, says whether it is still open: testing an optional this large made
    /// the compiler copy the whole event aside on every record. A closed slot holds `closed`.
    private struct Slot {
        var key: Key
        var isOpen: Bool
        var event: AuditEvent
        /// Where the event's first record is: a checkpointed run that stops while the event is open resumes there.
        var origin: EventOrigin
        /// Ended by its PROCTITLE, waiting for an older event with a SYSCALL still open (`releaseComplete`).
        var isComplete = false
    }

    /// What a closed slot holds: nothing on the heap. Made afresh each time: copying a stored
    /// one went through the event's whole copy routine, once per event.
    private static var closed: AuditEvent {
        AuditEvent(
            node: nil, stamp: EventStamp(seconds: 0, milliseconds: 0, serial: 0), isDaemon: false,
            location: LogLocation(file: "", line: 0))
    }

    private var hosts = HostNumbers()
    /// The newest event, held apart from `slots` and `open` while its records come one after
    /// another (most events: SYSCALL ... PROCTITLE): no table entry, no slot, unless a record
    /// of another event comes first (`spillCurrent`). Stale whenever `hasCurrent` is false: a
    /// delivered event stays here (`deliverCurrent`) until the next one replaces it, so every
    /// read goes through `hasCurrent`.
    private var current = Self.closed
    private var currentKey = Key(host: 0, stamp: EventStamp(seconds: 0, milliseconds: 0, serial: 0), isDaemon: false)
    private var currentOrigin = EventOrigin()
    private var hasCurrent = false
    /// Whether the event at hand is `held`, not `current`: it holds only the SYSCALL record of a
    /// call that is not an exec (clone, exit_group, ...), kept as that record. Ended by its
    /// PROCTITLE as most such events are, it reaches the tree as a `TreeUpdate`, with no
    /// `AuditEvent` built or taken apart; any other record for it first makes it the `current`
    /// event it stands for (`unhold`), so every other path sees the event it saw before.
    private var isHeld = false
    private var held = TreeUpdate(
        node: nil, stamp: EventStamp(seconds: 0, milliseconds: 0, serial: 0), location: LogLocation(file: "", line: 0),
        syscall: SyscallRecord(), proctitle: nil)
    /// Open slots below this index are older than an event already delivered (at hand when it
    /// closed): a checkpoint cut must not hold them back.
    private var deliveredPast = 0
    /// Open slots that hold a SYSCALL and are not complete: a complete event waits behind them,
    /// so the tree sees events that have a SYSCALL in the order they were opened, as with the
    /// window. Events without one (user-space messages: the tree ignores them) hold nothing back.
    private var openSyscallEvents = 0
    /// Complete slots not yet delivered, and where `releaseComplete` resumes its walk.
    private var completeWaiting = 0
    private var releaseFrom = 0
    private var open: [Key: Int] = [:]
    /// The highest serial of a key ever entered in `open`: a key above it is not there. Serials
    /// grow, so a new event's first record (the usual record that is not at hand) skips the two
    /// lookups it would make while older events (user-space messages waiting for their window)
    /// are open.
    private var openSerialBound: UInt64 = 0
    /// The event the previous record went to: an event's records are mostly adjacent, and
    /// comparing a key is cheaper than hashing it. Slots are never reused until compaction.
    private var last: (key: Key, slot: Int)?
    private var slots: [Slot] = []
    private var head = 0
    private var highWater = Int64.min
    private var seen = EventDeduplicator()
    /// Recently delivered events, bounded (see `DeliveredEvents`).
    private var delivered = DeliveredEvents()
    public private(set) var eventCount = 0
    /// Whether a PROCTITLE closes its event. Cleared for good by the first EOE (the log ends its
    /// events itself) and when a record (not the SYSCALL of a repeat) comes for an event its
    /// PROCTITLE closed: that record is a late rest of the event (as after the window), and
    /// from then on every event waits for its window or EOE again.
    public private(set) var closesAtTitle = true
    /// EOEs that came after their event's PROCTITLE had closed it: part of that event (in no
    /// event's `recordCount`, never counted as events of their own).
    public private(set) var trailingEOEs = 0
    /// Keys of the events the last PROCTITLEs closed, newest at `titledNext - 1`, whose EOE has
    /// not come yet: an EOE is mostly the very next record of its event, a few more when other
    /// CPUs' events interleave. Beyond these, an EOE stands alone as after the window.
    private var titled: [Key?] = Array(repeating: nil, count: Self.titledKept)
    private var titledNext = 0
    static let titledKept = 64
    /// Events whose (node, stamp) had been read before (a file read twice,
    /// overlapping rotations): counted, not passed on.
    public private(set) var duplicateEvents = 0

    /// `closesAtTitle: false` waits for every event's window or EOE (for comparisons in tests).
    public init(window: Int64 = 10_000, maxOpenEvents: Int = 100_000, closesAtTitle: Bool = true) {
        self.window = window
        self.maxOpenEvents = maxOpenEvents
        self.closesAtTitle = closesAtTitle
    }

    public mutating func add(
        _ record: Record, file: String, origin: EventOrigin = EventOrigin(), emit: (AuditEvent) -> Void
    ) {
        var record = record
        add(&record, file: file, origin: origin, holding: false, emit: emit, update: { _ in })
    }

    /// `add`, with the record's body moved into its event (`record.body` is `.none` after), not
    /// copied: for a caller that parses each line into one record and reads nothing of it after.
    public mutating func add(
        taking record: inout Record, file: String, origin: EventOrigin = EventOrigin(), emit: (AuditEvent) -> Void
    ) {
        add(&record, file: file, origin: origin, holding: false, emit: emit, update: { _ in })
    }

    /// `add`, with the events of calls that only update the tree (a SYSCALL record of any call
    /// but an exec, then its PROCTITLE, nothing else) handed to `update` as a `TreeUpdate` instead
    /// of to `emit` as an `AuditEvent`. Everything else (order, repeats, counts) is as with `add`.
    public mutating func add(
        _ record: Record, file: String, origin: EventOrigin = EventOrigin(), emit: (AuditEvent) -> Void,
        update: (TreeUpdate) -> Void
    ) {
        var record = record
        add(&record, file: file, origin: origin, holding: true, emit: emit, update: update)
    }

    /// The `add` above, with the record's body moved (see `add(taking:file:origin:emit:)`).
    public mutating func add(
        taking record: inout Record, file: String, origin: EventOrigin = EventOrigin(), emit: (AuditEvent) -> Void,
        update: (TreeUpdate) -> Void
    ) {
        add(&record, file: file, origin: origin, holding: true, emit: emit, update: update)
    }

    private mutating func add(
        _ record: inout Record, file: String, origin: EventOrigin, holding: Bool, emit: (AuditEvent) -> Void,
        update: (TreeUpdate) -> Void
    ) {
        let key = Key(host: hosts.number(record.node), stamp: record.stamp, isDaemon: record.isDaemon)
        let isCurrent = hasCurrent && currentKey == key
        if isHeld {
            // Where `add` would deliver the event at hand at once (its PROCTITLE, nothing waiting before it).
            if isCurrent, record.kind == .proctitle, closesAtTitle, openSyscallEvents == 0, completeWaiting == 0,
                record.ruleHits == nil
            {
                endHeld(at: &record, key: key, update)
                finishRecord(&record, emit)
                return
            }
            unhold()
        }
        if record.kind == .eoe {
            // A log with EOEs ends its events with them (in their order): PROCTITLE is not needed.
            closesAtTitle = false
            defer { releaseComplete(emit) }
            if isCurrent {
                current.recordCount += 1
                deliverCurrent(key: key, emit)
            } else if mayBeOpen(key), let slot = open.removeValue(forKey: key), slots[slot].isOpen {
                var event = take(slot)
                event.recordCount += 1
                deliver(event, key: key, emit)
            } else if forgetTitled(key) {
                trailingEOEs += 1
            } else {
                eventCount += 1  // an EOE whose event already closed stands alone
            }
            return
        }
        if isCurrent,
            AuditEvent.accepts(
                &record, kinds: current.kinds, hasCwd: current.cwd != nil, hasTitle: current.proctitle != nil)
        {
            current.add(&record, file: file)
            if record.kind == .proctitle, closesAtTitle, current.kinds & AuditEvent.syscallBit != 0 {
                rememberTitled(key)
                if openSyscallEvents == 0 && completeWaiting == 0 {
                    deliverCurrent(key: key, emit)
                } else {
                    spillCurrent()
                    complete(slots.count - 1)
                }
            }
        } else if !isCurrent, let slot = openSlot(key), slots[slot].isOpen,
            AuditEvent.accepts(
                &record, kinds: slots[slot].event.kinds, hasCwd: slots[slot].event.cwd != nil,
                hasTitle: slots[slot].event.proctitle != nil)
        {
            slots[slot].event.add(&record, file: file)
            if record.kind == .syscall, !slots[slot].isComplete { openSyscallEvents += 1 }
            if record.kind == .proctitle, closesAtTitle, !slots[slot].isComplete, slots[slot].event.hasSyscall {
                rememberTitled(key)
                complete(slot)
            }
        } else {
            // A record for an event its PROCTITLE closed (not the SYSCALL that starts a repeat):
            // this log's kernel writes records after PROCTITLE.
            if closesAtTitle, record.kind != .syscall, isTitled(key) { closesAtTitle = false }
            // The new event replaces a stamp's earlier one, which closes (a repeat of the stamp).
            if isCurrent {
                deliverCurrent(key: key, emit)
            } else {
                spillCurrent()
                if mayBeOpen(key), let slot = open.removeValue(forKey: key), slots[slot].isOpen {
                    deliver(take(slot), key: key, emit)
                }
            }
            if record.isDaemon {
                // auditd's own records close once they are the oldest: no need to hold them at hand.
                enterOpen(key, slot: slots.count)
                last = (key, slots.count)
                // Built in its slot: a local event would be copied into the slot (an event holds several arrays).
                slots.append(
                    Slot(
                        key: key, isOpen: true,
                        event: AuditEvent(
                            node: record.node, stamp: record.stamp, isDaemon: record.isDaemon,
                            location: LogLocation(file: file, line: record.line)),
                        origin: origin))
                slots[slots.count - 1].event.add(&record, file: file)
            } else {
                hasCurrent = true
                currentKey = key
                currentOrigin = origin
                if holding, record.ruleHits == nil, record.isNonExecSyscall {
                    hold(&record, file: file)
                } else {
                    current = AuditEvent(
                        node: record.node, stamp: record.stamp, isDaemon: record.isDaemon,
                        location: LogLocation(file: file, line: record.line))
                    current.add(&record, file: file)
                }
            }
            eventCount += 1
        }
        finishRecord(&record, emit)
    }

    /// What follows every record: the log's clock, and the events it closes. Given the record in
    /// place: passed by value, it is copied whole when this is not inlined.
    private mutating func finishRecord(_ record: inout Record, _ emit: (AuditEvent) -> Void) {
        if !record.isDaemon, record.stamp.time > highWater { highWater = record.stamp.time }
        // Tested here, inline: mostly nothing closes (the oldest open event is in its window).
        if head > Self.compactAfter || (head < slots.count && !headWaits()) { closeExpired(emit: emit) }
        releaseComplete(emit)
    }

    /// Makes a SYSCALL record of a call that is not an exec the event at hand, held as that record.
    private mutating func hold(_ record: inout Record, file: String) {
        isHeld = true
        held.node = record.node
        held.stamp = record.stamp
        held.location = LogLocation(file: file, line: record.line)
        if case .syscall(let syscall) = record.body.take() { held.syscall = syscall }
        held.proctitle = nil
    }

    /// The held call becomes the `current` event, as `add` would have built it from its SYSCALL record.
    private mutating func unhold() {
        isHeld = false
        var syscall = SyscallRecord()
        swap(&syscall, &held.syscall)
        current = AuditEvent(
            node: held.node, stamp: held.stamp, isDaemon: false, syscall: syscall, location: held.location,
            recordCount: 1, kinds: AuditEvent.syscallBit)
    }

    /// Ends the held call at its PROCTITLE as `add` ends the event at hand there (remembered for
    /// its EOE, delivered unless a repeat), and hands it to the tree.
    private mutating func endHeld(at title: inout Record, key: Key, _ update: (TreeUpdate) -> Void) {
        isHeld = false
        hasCurrent = false
        deliveredPast = slots.count
        rememberTitled(key)
        let kinds = AuditEvent.syscallBit | AuditEvent.kindBit(title.kind, typeNumber: title.typeNumber)
        if case .proctitle(let value) = title.body.take() { held.proctitle = value } else { held.proctitle = nil }
        // Read in place: a copy of the record would retain its strings.
        let digest = AuditEvent.digest(
            pid: held.syscall.pid, ppid: held.syscall.ppid, number: held.syscall.number, exit: held.syscall.exit,
            a0: held.syscall.a0)
        if admits(key: key, kinds: kinds, digest: digest) { update(held) }
    }

    /// Marks an open slot's event ended by its PROCTITLE: delivered once no older event with a
    /// SYSCALL is still open.
    private mutating func complete(_ slot: Int) {
        slots[slot].isComplete = true
        openSyscallEvents -= 1
        completeWaiting += 1
    }

    /// Delivers the complete events that no older open event with a SYSCALL holds back.
    private mutating func releaseComplete(_ emit: (AuditEvent) -> Void) {
        guard completeWaiting > 0 else { return }
        var index = max(head, releaseFrom)
        while index < slots.count {
            if slots[index].isOpen {
                if slots[index].isComplete {
                    let key = slots[index].key
                    open[key] = nil
                    deliver(take(index), key: key, emit)
                } else if slots[index].event.hasSyscall {
                    break
                }
            }
            index += 1
        }
        releaseFrom = index
    }

    /// Moves the event at hand out (an event holds several arrays: not copied).
    private mutating func takeCurrent() -> AuditEvent {
        if isHeld { unhold() }
        var event = Self.closed
        swap(&event, &current)
        hasCurrent = false
        return event
    }

    /// Closes the event at hand, delivered before the open events older than it (`cut`), and
    /// delivers it where it lies: moving an event out copies its some 400 bytes several times.
    /// It stays there, no longer at hand, until the next event takes its place.
    private mutating func deliverCurrent(key: Key, _ emit: (AuditEvent) -> Void) {
        deliveredPast = slots.count
        if isHeld { unhold() }
        hasCurrent = false
        guard !current.isDaemon else { return Self.hand(&current, to: emit) }
        if admits(key: key, kinds: current.kinds, digest: AuditEvent.syscallDigest(of: &current)) {
            Self.hand(&current, to: emit)
        }
    }

    /// Calls `emit` with an event the assembler keeps, by its address: `emit(current)` copied the
    /// whole event to the stack twice first.
    @inline(never)
    private static func hand(_ event: inout AuditEvent, to emit: (AuditEvent) -> Void) { emit(event) }

    /// The event at hand joins the open events, as the newest (a record of another event came).
    private mutating func spillCurrent() {
        guard hasCurrent else { return }
        if isHeld { unhold() }
        if current.hasSyscall { openSyscallEvents += 1 }
        enterOpen(currentKey, slot: slots.count)
        last = (currentKey, slots.count)
        slots.append(Slot(key: currentKey, isOpen: true, event: takeCurrent(), origin: currentOrigin))
    }

    /// Remembers the key of an event its PROCTITLE closed, for the EOE that may follow.
    private mutating func rememberTitled(_ key: Key) {
        titled[titledNext] = key
        titledNext = titledNext + 1 == Self.titledKept ? 0 : titledNext + 1
    }

    /// Whether one of the last few events closed at their PROCTITLE has this key (EOE not yet seen).
    private func isTitled(_ key: Key) -> Bool {
        var index = titledNext
        for _ in 0..<4 {
            index = index == 0 ? Self.titledKept - 1 : index - 1
            if titled[index] == key { return true }
        }
        return false
    }

    /// Finds the key among the events closed at their PROCTITLE, newest first, and forgets it.
    private mutating func forgetTitled(_ key: Key) -> Bool {
        var index = titledNext
        for _ in 0..<Self.titledKept {
            index = index == 0 ? Self.titledKept - 1 : index - 1
            if titled[index] == key {
                titled[index] = nil
                return true
            }
        }
        return false
    }

    /// Enters an event in the table of open events.
    private mutating func enterOpen(_ key: Key, slot: Int) {
        open[key] = slot
        openSerialBound = max(openSerialBound, key.stamp.serial)
    }

    /// Whether `open` may hold the key: false without a lookup for a serial above every one entered.
    private func mayBeOpen(_ key: Key) -> Bool { !open.isEmpty && key.stamp.serial <= openSerialBound }

    private mutating func openSlot(_ key: Key) -> Int? {
        if let last, last.key == key, slots[last.slot].isOpen { return last.slot }
        guard mayBeOpen(key), let slot = open[key] else { return nil }
        last = (key, slot)
        return slot
    }

    /// Closes every open event, oldest first (end of input).
    public mutating func flush(emit: (AuditEvent) -> Void) {
        spillCurrent()
        while head < slots.count { closeHead(emit: emit) }
        slots.removeAll(keepingCapacity: true)
        head = 0
        last = nil
        deliveredPast = 0
        openSyscallEvents = 0
        completeWaiting = 0
        releaseFrom = 0
    }

    /// The end of a checkpointed run: open events are delivered, oldest first, while `deliverNow`
    /// accepts their origin; that one and every later open event stay undelivered, and their
    /// origins are returned so the next run reads them again, whole. What is held back is the
    /// tail of the log from the first held event on, so nothing after it was delivered.
    public mutating func cut(deliverNow: (EventOrigin) -> Bool, emit: (AuditEvent) -> Void) -> [EventOrigin] {
        spillCurrent()
        var held: [EventOrigin] = []
        // An EOE or a PROCTITLE closes its event out of order: held events come only after the
        // last event delivered already, which the next run must not read again. Open events
        // before it are delivered now; records of theirs that come later make late rests.
        var firstHeld = slots.count
        while firstHeld > max(head, deliveredPast), slots[firstHeld - 1].isOpen { firstHeld -= 1 }
        while head < slots.count {
            if slots[head].isOpen {
                if head >= firstHeld && (!held.isEmpty || !deliverNow(slots[head].origin)) {
                    held.append(slots[head].origin)
                    head += 1
                    continue
                }
            }
            closeHead(emit: emit)
        }
        slots.removeAll(keepingCapacity: true)
        open.removeAll(keepingCapacity: true)
        head = 0
        last = nil
        deliveredPast = 0
        openSyscallEvents = 0
        completeWaiting = 0
        releaseFrom = 0
        return held
    }

    /// Closed slots kept at the front before `closeExpired` drops them.
    private static var compactAfter: Int { 4096 }

    /// Whether the oldest slot (`head`, below `slots.count`) stays as it is for now: an open
    /// event in its window. The newest event stays open even when the log's clock is far past
    /// it (records stamped by a clock that ran ahead, then stepped back): its next records are
    /// mostly the very next lines, and closing it at once would split every event.
    @inline(__always)
    private func headWaits() -> Bool {
        // Read through the key: binding the event would copy it (and retain all it holds).
        let key = slots[head].key
        return slots[head].isOpen && !key.isDaemon
            && (key.stamp.time >= highWater - window || (head == slots.count - 1 && !hasCurrent))
            && open.count + (hasCurrent ? 1 : 0) <= maxOpenEvents
    }

    private mutating func closeExpired(emit: (AuditEvent) -> Void) {
        while head < slots.count, !headWaits() { closeHead(emit: emit) }
        if head > Self.compactAfter && head * 2 > slots.count {
            slots.removeFirst(head)
            deliveredPast = max(0, deliveredPast - head)
            releaseFrom = max(0, releaseFrom - head)
            for (key, slot) in open { open[key] = slot - head }
            last = nil
            head = 0
        }
    }

    private mutating func closeHead(emit: (AuditEvent) -> Void) {
        defer { head += 1 }
        // Moved out, not copied: an event holds several arrays.
        guard slots[head].isOpen else { return }
        let event = take(head)
        let key = slots[head].key
        open[key] = nil
        deliver(event, key: key, emit)
    }

    /// Moves the event out of an open slot (an event holds several arrays: not copied) and closes the slot.
    private mutating func take(_ slot: Int) -> AuditEvent {
        if slots[slot].isComplete {
            completeWaiting -= 1
        } else if slots[slot].event.hasSyscall {
            openSyscallEvents -= 1
        }
        var event = Self.closed
        swap(&event, &slots[slot].event)
        slots[slot].isOpen = false
        return event
    }

    /// auditd's own records count their stamps apart and are never repeats of kernel events.
    /// An event is a repeat (dropped, counted) when an event with the same host and stamp and the
    /// same content was delivered (a file read twice, overlapping rotations). The same stamp with
    /// other content is another event: a reboot whose clock lands on a stamp already logged, or
    /// a second host's log without node=. A stamp whose records are of other kinds than those
    /// delivered under it is the late rest of an event the window had closed, passed on as an
    /// event of its own. The deduplicator's runs answer for stamps `delivered` has forgotten.
    private mutating func deliver(_ event: AuditEvent, key: Key, _ emit: (AuditEvent) -> Void) {
        guard !event.isDaemon else { return emit(event) }
        if admits(key: key, kinds: event.kinds, digest: event.syscallDigest) { emit(event) }
    }

    /// Whether a kernel event with these kinds of records and this SYSCALL digest is passed on
    /// (remembered as delivered), false for a repeat (counted).
    private mutating func admits(key: Key, kinds: UInt64, digest: Int?) -> Bool {
        let isRepeat = seen.isRepeat(host: key.host, stamp: key.stamp)
        // A stamp new to the deduplicator was never delivered, so there is nothing to look up,
        // unless it has forgotten runs (then it may not know a stamp `delivered` still holds).
        let earlier = isRepeat || seen.hasForgotten ? delivered.value(for: key) : nil
        if isRepeat {
            if let earlier {
                // Overlapping kinds: the same event again, unless its SYSCALL says another process
                // (a reboot, another host); a SYSCALL where none was delivered is news, not a repeat.
                if earlier.kinds & kinds != 0 && digest.map(earlier.holds) ?? true {
                    duplicateEvents += 1
                    return false
                }
            } else if delivered.hasForgotten {
                // Inside a run of stamps already read, too long ago to compare contents.
                duplicateEvents += 1
                return false
            }
        }
        var value = earlier ?? DeliveredEvents.Value(kinds: 0)
        value.kinds |= kinds
        if let digest { value.add(digest) }
        delivered.remember(key, value)
        return true
    }
}

/// Where an event's first record sits: the input's number in the scan, the line's byte offset
/// and its line number (what a checkpoint needs to read the event again).
public struct EventOrigin: Sendable, Equatable {
    public var input: Int
    public var offset: Int
    public var line: Int

    public init(input: Int = 0, offset: Int = 0, line: Int = 0) {
        self.input = input
        self.offset = offset
        self.line = line
    }
}
