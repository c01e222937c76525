import Foundation
import RemitCore

/// The `Encoder` a value writes itself into; `node` is what it wrote.
final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: EncodedNode?

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: EncodedObject
        if case .object(let existing) = node {
            object = existing
        } else {
            object = EncodedObject()
            node = .object(object)
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: EncodedArray
        if case .array(let existing) = node {
            array = existing
        } else {
            array = EncodedArray()
            node = .array(array)
        }
        return UnkeyedContainer(array: array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueContainer(encoder: self) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: EncodedObject
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) { object.set(.null, for: key.stringValue) }
    mutating func encode(_ value: Bool, forKey key: Key) { object.set(.bool(value), for: key.stringValue) }
    mutating func encode(_ value: String, forKey key: Key) { object.set(.string(value), for: key.stringValue) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        object.set(try .number(value, codingPath: codingPath + [key]), for: key.stringValue)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        object.set(try .number(Double(value), codingPath: codingPath + [key]), for: key.stringValue)
    }
    mutating func encode(_ value: Int, forKey key: Key) { object.set(.integer(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: Int8, forKey key: Key) { object.set(.integer(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: Int16, forKey key: Key) { object.set(.integer(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: Int32, forKey key: Key) { object.set(.integer(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: Int64, forKey key: Key) { object.set(.integer(value), for: key.stringValue) }
    mutating func encode(_ value: UInt, forKey key: Key) { object.set(.unsigned(UInt64(value)), for: key.stringValue) }
    mutating func encode(_ value: UInt8, forKey key: Key) { object.set(.integer(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: UInt16, forKey key: Key) { object.set(.integer(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: UInt32, forKey key: Key) { object.set(.integer(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: UInt64, forKey key: Key) { object.set(.unsigned(value), for: key.stringValue) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        object.set(try EncodedNode.make(value, codingPath: codingPath + [key]), for: key.stringValue)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedObject()
        object.set(.object(nested), for: key.stringValue)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = EncodedArray()
        object.set(.array(nested), for: key.stringValue)
        return UnkeyedContainer(array: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { SlotEncoder(object: object, key: "super", codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        SlotEncoder(object: object, key: key.stringValue, codingPath: codingPath + [key])
    }
}

/// An encoder whose result lands in an object member once it has written something (for
/// `superEncoder`, which is rare; the member is set on every container request).
private final class SlotEncoder: Encoder {
    let object: EncodedObject
    let key: String
    let inner: TreeEncoder
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(object: EncodedObject, key: String, codingPath: [any CodingKey]) {
        self.object = object
        self.key = key
        inner = TreeEncoder(codingPath: codingPath)
        object.set(.object(EncodedObject()), for: key)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        defer { object.set(inner.node ?? .null, for: key) }
        return inner.container(keyedBy: type)
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        defer { object.set(inner.node ?? .null, for: key) }
        return inner.unkeyedContainer()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SlotValueContainer(slot: self)
    }

    private struct SlotValueContainer: SingleValueEncodingContainer {
        let slot: SlotEncoder
        var codingPath: [any CodingKey] { slot.codingPath }
        private func store(_ node: EncodedNode) { slot.object.set(node, for: slot.key) }
        mutating func encodeNil() { store(.null) }
        mutating func encode(_ value: Bool) { store(.bool(value)) }
        mutating func encode(_ value: String) { store(.string(value)) }
        mutating func encode(_ value: Double) throws { store(try .number(value, codingPath: codingPath)) }
        mutating func encode(_ value: Float) throws { store(try .number(Double(value), codingPath: codingPath)) }
        mutating func encode(_ value: Int) { store(.integer(Int64(value))) }
        mutating func encode(_ value: Int8) { store(.integer(Int64(value))) }
        mutating func encode(_ value: Int16) { store(.integer(Int64(value))) }
        mutating func encode(_ value: Int32) { store(.integer(Int64(value))) }
        mutating func encode(_ value: Int64) { store(.integer(value)) }
        mutating func encode(_ value: UInt) { store(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt8) { store(.integer(Int64(value))) }
        mutating func encode(_ value: UInt16) { store(.integer(Int64(value))) }
        mutating func encode(_ value: UInt32) { store(.integer(Int64(value))) }
        mutating func encode(_ value: UInt64) { store(.unsigned(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { store(try EncodedNode.make(value, codingPath: codingPath)) }
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let array: EncodedArray
    let codingPath: [any CodingKey]
    var count: Int { array.elements.count }

    private func path() -> [any CodingKey] { codingPath + [IndexKey(index: array.elements.count)] }

    mutating func encodeNil() { array.elements.append(.null) }
    mutating func encode(_ value: Bool) { array.elements.append(.bool(value)) }
    mutating func encode(_ value: String) { array.elements.append(.string(value)) }
    mutating func encode(_ value: Double) throws { array.elements.append(try .number(value, codingPath: path())) }
    mutating func encode(_ value: Float) throws { array.elements.append(try .number(Double(value), codingPath: path())) }
    mutating func encode(_ value: Int) { array.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) { array.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) { array.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) { array.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) { array.elements.append(.integer(value)) }
    mutating func encode(_ value: UInt) { array.elements.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) { array.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: UInt16) { array.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: UInt32) { array.elements.append(.integer(Int64(value))) }
    mutating func encode(_ value: UInt64) { array.elements.append(.unsigned(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { array.elements.append(try EncodedNode.make(value, codingPath: path())) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedObject()
        let nestedPath = path()
        array.elements.append(.object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: nested, codingPath: nestedPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = EncodedArray()
        let nestedPath = path()
        array.elements.append(.array(nested))
        return UnkeyedContainer(array: nested, codingPath: nestedPath)
    }

    mutating func superEncoder() -> any Encoder {
        // Rare: encode into a fresh object appended now.
        let holder = EncodedObject()
        array.elements.append(.object(holder))
        return SlotEncoder(object: holder, key: "super", codingPath: path())
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func store(_ node: EncodedNode) { encoder.node = node }
    mutating func encodeNil() { store(.null) }
    mutating func encode(_ value: Bool) { store(.bool(value)) }
    mutating func encode(_ value: String) { store(.string(value)) }
    mutating func encode(_ value: Double) throws { store(try .number(value, codingPath: codingPath)) }
    mutating func encode(_ value: Float) throws { store(try .number(Double(value), codingPath: codingPath)) }
    mutating func encode(_ value: Int) { store(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) { store(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) { store(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) { store(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) { store(.integer(value)) }
    mutating func encode(_ value: UInt) { store(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) { store(.integer(Int64(value))) }
    mutating func encode(_ value: UInt16) { store(.integer(Int64(value))) }
    mutating func encode(_ value: UInt32) { store(.integer(Int64(value))) }
    mutating func encode(_ value: UInt64) { store(.unsigned(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { store(try EncodedNode.make(value, codingPath: codingPath)) }
}
