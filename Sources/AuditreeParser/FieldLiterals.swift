/// The numbers of the Sigma exec rules' literals found in the fields of a record or of an exec
/// (`Record.fieldLiterals`), or that they were not looked for.
///
/// The first three numbers are packed into one word, any more go to an array: a record's fields
/// hold none or a few, and the value is made on a parsing thread and dropped on the scan's
/// thread, so an array per record would be allocated on one thread and freed on the other.
public struct FieldLiterals: Sendable, Equatable {
    /// Bit 63: looked for. Bits 0..<63: three slots of 21 bits, filled in order, each a number
    /// plus one (0: empty).
    @usableFromInline var packed: UInt64 = 0
    /// The numbers after the first three, and any number too large for a slot.
    @usableFromInline var more: [Int32] = []

    @usableFromInline static var lookedForBit: UInt64 { 1 << 63 }
    @usableFromInline static var slotBits: UInt64 { 21 }
    @usableFromInline static var slotMask: UInt64 { (1 << 21) - 1 }
    @usableFromInline static var slots: UInt64 { 3 }

    /// Not looked for.
    public init() {}

    /// Looked for, none found yet.
    public static var none: FieldLiterals {
        var literals = FieldLiterals()
        literals.packed = lookedForBit
        return literals
    }

    /// Whether the literals were looked for (the value is not `init()`'s).
    @inlinable public var wasLookedFor: Bool { packed & Self.lookedForBit != 0 }

    @inlinable public var isEmpty: Bool { packed & Self.slotMask == 0 && more.isEmpty }

    @inlinable public func contains(_ number: Int32) -> Bool {
        let wanted = UInt64(UInt32(bitPattern: number)) &+ 1
        var slots = packed & ~Self.lookedForBit
        while slots != 0 {
            if slots & Self.slotMask == wanted { return true }
            slots >>= Self.slotBits
        }
        return !more.isEmpty && more.contains(number)
    }

    /// Adds `number` (not checked for repeats), and marks the value looked for.
    @inlinable public mutating func append(_ number: Int32) {
        packed |= Self.lookedForBit
        let value = UInt64(UInt32(bitPattern: number)) &+ 1
        if value < Self.slotMask {
            for slot in 0..<Self.slots {
                let shift = slot * Self.slotBits
                if packed >> shift & Self.slotMask == 0 {
                    packed |= value << shift
                    return
                }
            }
        }
        more.append(number)
    }

    /// Adds every number of `other`, and marks the value looked for.
    @inlinable public mutating func append(contentsOf other: FieldLiterals) {
        packed |= Self.lookedForBit
        for number in other { append(number) }
    }

    /// The numbers, in the order the iterator gives them (those in place first).
    public var numbers: [Int32] { Array(self) }
}

extension FieldLiterals: Sequence {
    public struct Iterator: IteratorProtocol {
        @usableFromInline var slots: UInt64
        @usableFromInline var more: IndexingIterator<[Int32]>

        @usableFromInline init(slots: UInt64, more: IndexingIterator<[Int32]>) {
            self.slots = slots
            self.more = more
        }

        @inlinable public mutating func next() -> Int32? {
            guard slots & FieldLiterals.slotMask != 0 else { return more.next() }
            let number = Int32(truncatingIfNeeded: slots & FieldLiterals.slotMask) &- 1
            slots >>= FieldLiterals.slotBits
            return number
        }
    }

    /// Those in place first, then the others.
    @inlinable public func makeIterator() -> Iterator {
        Iterator(slots: packed & ~Self.lookedForBit, more: more.makeIterator())
    }
}
