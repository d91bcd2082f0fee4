/// A rule's condition over its searches numbered as bits (search n is bit n of a mask), as a
/// postfix program on a stack of bits: evaluated per event without names, closures or
/// allocation. `gate`: searches one of which holds whenever the condition does, so an event
/// none of whose records made one of them hold needs no evaluation.
struct SigmaBitCondition: Sendable {
    private enum Step: Sendable {
        /// Pushes whether some search of the mask holds.
        case any(UInt64)
        /// Pushes whether every search of the mask holds.
        case all(UInt64)
        case and, or, not
    }

    private let steps: [Step]
    /// Searches one of which holds whenever the condition does (all of them when the condition
    /// gives no smaller set: it never holds with none, `SigmaAuditdRules.refusal`).
    let gate: UInt64

    /// nil when the condition is deeper than the stack of 64 bits (then `SigmaCondition.evaluate` is used).
    init?(_ condition: SigmaCondition, numbers: [String: Int]) {
        var steps: [Step] = []
        func mask(_ names: [String]) -> UInt64 {
            names.reduce(0) { mask, name in numbers[name].map { mask | 1 << UInt64($0) } ?? mask }
        }
        var depth = 0
        var maximum = 0
        func emit(_ condition: SigmaCondition) {
            switch condition {
            case .search(let name):
                steps.append(.any(mask([name])))
                depth += 1
            case .oneOf(let names):
                steps.append(.any(mask(names)))
                depth += 1
            case .allOf(let names):
                // A name that is not a search never holds (as `holds(rule:searches:)` reads it).
                steps.append(names.allSatisfy { numbers[$0] != nil } ? .all(mask(names)) : .any(0))
                depth += 1
            case .not(let inner):
                emit(inner)
                steps.append(.not)
            case .and(let left, let right):
                emit(left)
                emit(right)
                steps.append(.and)
                depth -= 1
            case .or(let left, let right):
                emit(left)
                emit(right)
                steps.append(.or)
                depth -= 1
            }
            maximum = max(maximum, depth)
        }
        emit(condition)
        guard maximum <= 64 else { return nil }
        self.steps = steps
        let all = numbers.values.reduce(UInt64(0)) { $0 | 1 << UInt64($1) }
        gate = Self.gate(condition, numbers: numbers) ?? all
    }

    func evaluate(_ mask: UInt64) -> Bool {
        var stack: UInt64 = 0
        for step in steps {
            switch step {
            case .any(let searches): stack = stack << 1 | (mask & searches != 0 ? 1 : 0)
            case .all(let searches): stack = stack << 1 | (mask & searches == searches ? 1 : 0)
            case .not: stack ^= 1
            case .and: stack = (stack >> 1) & (stack | ~1)
            case .or: stack = (stack >> 1) | (stack & 1)
            }
        }
        return stack & 1 != 0
    }

    /// Searches one of which must hold for the condition to: a search itself, the smaller side of
    /// an `and`, both sides of an `or`; nil where none can be told (a `not`).
    private static func gate(_ condition: SigmaCondition, numbers: [String: Int]) -> UInt64? {
        func bits(_ names: [String]) -> UInt64? {
            var mask: UInt64 = 0
            for name in names {
                guard let number = numbers[name] else { return nil }
                mask |= 1 << UInt64(number)
            }
            return mask
        }
        switch condition {
        case .search(let name): return bits([name])
        case .oneOf(let names): return bits(names)
        case .allOf(let names): return names.first.flatMap { bits([$0]) }
        case .not: return nil
        case .or(let left, let right):
            guard let left = gate(left, numbers: numbers), let right = gate(right, numbers: numbers) else { return nil }
            return left | right
        case .and(let left, let right):
            switch (gate(left, numbers: numbers), gate(right, numbers: numbers)) {
            case (let left?, let right?): return left.nonzeroBitCount <= right.nonzeroBitCount ? left : right
            case (let left?, nil): return left
            case (nil, let right?): return right
            case (nil, nil): return nil
            }
        }
    }
}
