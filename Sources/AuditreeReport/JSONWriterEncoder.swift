/// `Encodable` values written through `JSONWriter`, so JSON is written one way (the reports'
/// writer, its escaping and layout) whether a document is built by hand or from a struct.
/// Keys come in the order `encode(to:)` writes them (a synthesized one: declaration order);
/// nil optionals are left out, as `JSONEncoder` leaves them.
extension JSONWriter {
    public mutating func encode(_ value: some Encodable) throws {
        let state = JSONEncodingState(self)
        try state.encode(value, key: nil, codingPath: [])
        state.closeContainers(downTo: 0)
        self = state.json
    }

    /// A compact document (one line, no newline) holding `value`.
    public static func encoded(_ value: some Encodable) throws -> String {
        var json = JSONWriter(pretty: false)
        try json.encode(value)
        return json.output
    }
}

/// The writer and the containers open in it, innermost last. A container is closed when a
/// value is next written at an outer level, or when the value that opened it is done: the
/// writer streams, so nested containers must be filled before their parent goes on (as every
/// synthesized `encode(to:)` does).
private final class JSONEncodingState {
    var json: JSONWriter
    private var open: [Bool] = []  // true: an object, false: an array

    init(_ json: JSONWriter) { self.json = json }

    var level: Int { open.count }

    func closeContainers(downTo level: Int) {
        while open.count > level {
            if open.removeLast() { json.endObject() } else { json.endArray() }
        }
    }

    func beginObject(_ key: String?, at level: Int) {
        closeContainers(downTo: level)
        json.beginObject(key)
        open.append(true)
    }

    func beginArray(_ key: String?, at level: Int) {
        closeContainers(downTo: level)
        json.beginArray(key)
        open.append(false)
    }

    /// Writes `value` as the member `key` (nil: an array element or the document) of the
    /// container open at the current level.
    func encode(_ value: some Encodable, key: String?, codingPath: [any CodingKey]) throws {
        let level = self.level
        switch value {
        case let text as String: json.string(key, text)
        case let flag as Bool: json.bool(key, flag)
        case let number as any BinaryInteger: json.number(key, number)
        case is Double, is Float:
            // The reports and the checkpoint hold integers only; JSONWriter has no number format for others.
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(
                    codingPath: codingPath, debugDescription: "JSONWriter writes integers, not \(value)"))
        default:
            let encoder = JSONValueEncoder(state: self, key: key, level: level, codingPath: codingPath)
            try value.encode(to: encoder)
            if self.level == level && !encoder.wrote {
                json.beginObject(key)  // nothing encoded: an empty object, as JSONEncoder writes
                json.endObject()
            }
            closeContainers(downTo: level)
        }
    }
}

/// The encoder one value is written with: its first container or single value is the value.
private final class JSONValueEncoder: Encoder {
    let state: JSONEncodingState
    let key: String?
    let level: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// Set once the value is written or its container opened.
    var wrote = false

    init(state: JSONEncodingState, key: String?, level: Int, codingPath: [any CodingKey]) {
        self.state = state
        self.key = key
        self.level = level
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if !wrote {
            wrote = true
            state.beginObject(key, at: level)
        }
        return KeyedEncodingContainer(JSONKeyedContainer<Key>(state: state, level: level + 1, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if !wrote {
            wrote = true
            state.beginArray(key, at: level)
        }
        return JSONUnkeyedContainer(state: state, level: level + 1, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(encoder: self)
    }
}

private struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: JSONEncodingState
    let level: Int
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        state.closeContainers(downTo: level)
        state.json.null(key.stringValue)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeValue(value, forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeValue(value, forKey: key) }

    private func encodeValue(_ value: some Encodable, forKey key: Key) throws {
        state.closeContainers(downTo: level)
        try state.encode(value, key: key.stringValue, codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        state.beginObject(key.stringValue, at: level)
        return KeyedEncodingContainer(
            JSONKeyedContainer<NestedKey>(state: state, level: level + 1, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        state.beginArray(key.stringValue, at: level)
        return JSONUnkeyedContainer(state: state, level: level + 1, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        JSONValueEncoder(state: state, key: "super", level: level, codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        JSONValueEncoder(state: state, key: key.stringValue, level: level, codingPath: codingPath + [key])
    }
}

private struct JSONUnkeyedContainer: UnkeyedEncodingContainer, EncodesValuesInOrder {
    let state: JSONEncodingState
    let level: Int
    let codingPath: [any CodingKey]
    private(set) var count = 0

    init(state: JSONEncodingState, level: Int, codingPath: [any CodingKey]) {
        self.state = state
        self.level = level
        self.codingPath = codingPath
    }

    mutating func encodeNil() throws {
        state.closeContainers(downTo: level)
        state.json.null(nil)
        count += 1
    }

    mutating func encodeValue(_ value: some Encodable) throws {
        state.closeContainers(downTo: level)
        try state.encode(value, key: nil, codingPath: codingPath)
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        state.beginObject(nil, at: level)
        count += 1
        return KeyedEncodingContainer(
            JSONKeyedContainer<NestedKey>(state: state, level: level + 1, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        state.beginArray(nil, at: level)
        count += 1
        return JSONUnkeyedContainer(state: state, level: level + 1, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        count += 1
        return JSONValueEncoder(state: state, key: nil, level: level, codingPath: codingPath)
    }
}

/// The value itself: written in place of the encoder's container.
private struct JSONSingleValueContainer: SingleValueEncodingContainer, EncodesValuesInOrder {
    let encoder: JSONValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws {
        encoder.wrote = true
        encoder.state.closeContainers(downTo: encoder.level)
        encoder.state.json.null(encoder.key)
    }

    mutating func encodeValue(_ value: some Encodable) throws {
        encoder.wrote = true
        encoder.state.closeContainers(downTo: encoder.level)
        try encoder.state.encode(value, key: encoder.key, codingPath: encoder.codingPath)
    }
}

/// The unkeyed and single-value containers' `encode` overloads: each writes its value in turn.
private protocol EncodesValuesInOrder {
    mutating func encodeValue(_ value: some Encodable) throws
}

extension EncodesValuesInOrder {
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value) }
    mutating func encode(_ value: Bool) throws { try encodeValue(value) }
    mutating func encode(_ value: String) throws { try encodeValue(value) }
    mutating func encode(_ value: Double) throws { try encodeValue(value) }
    mutating func encode(_ value: Float) throws { try encodeValue(value) }
    mutating func encode(_ value: Int) throws { try encodeValue(value) }
    mutating func encode(_ value: Int8) throws { try encodeValue(value) }
    mutating func encode(_ value: Int16) throws { try encodeValue(value) }
    mutating func encode(_ value: Int32) throws { try encodeValue(value) }
    mutating func encode(_ value: Int64) throws { try encodeValue(value) }
    mutating func encode(_ value: UInt) throws { try encodeValue(value) }
    mutating func encode(_ value: UInt8) throws { try encodeValue(value) }
    mutating func encode(_ value: UInt16) throws { try encodeValue(value) }
    mutating func encode(_ value: UInt32) throws { try encodeValue(value) }
    mutating func encode(_ value: UInt64) throws { try encodeValue(value) }
}
