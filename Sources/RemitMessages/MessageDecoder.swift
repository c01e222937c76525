import Foundation
import RemitCore

/// Decodes `Decodable` values from JSON the way every Remit message is read: the bytes go through
/// `JSONReader` once into a `JSONTape`, and the value is decoded from that tape — the same one the
/// schema check walked, so a worker parses each delivery once and builds no tree. Dates are ISO 8601
/// timestamps (`Timestamp`), `Data` is base64. Errors are `DecodingError`s with their coding path,
/// as from Foundation's `JSONDecoder`.
public struct MessageDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decode(type, from: try tape(data), at: JSONTape.root)
    }

    /// `data` read by `JSONReader`; text that is not JSON throws a `DecodingError`, as a decode does.
    public func read(_ data: Data) throws -> JSONValue { try tape(data).value() }

    /// `data` read into a tape by `JSONReader`; text that is not JSON throws a `DecodingError`.
    public func tape(_ data: Data) throws -> JSONTape {
        do {
            return try JSONReader.tape(data)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "the text is not valid JSON (\(error))", underlyingError: error))
        }
    }

    public func decode<T: Decodable>(_ type: T.Type, from json: JSONValue) throws -> T {
        try decode(type, from: JSONTape(json), at: JSONTape.root)
    }

    /// Decodes node `node` of `tape`, found at `codingPath` (so errors name where it sits in a
    /// larger document).
    public func decode<T: Decodable>(
        _ type: T.Type, from tape: JSONTape, at node: Int, codingPath: [any CodingKey] = []
    ) throws -> T {
        try TapeDecoder(tape, node, basePath: codingPath).decodeValue(type)
    }
}

/// A `Decoder` over one node of a `JSONTape`. Its coding path is made only when asked for (an
/// error, or a type that reads it): each decoder knows its parent and its own step.
private final class TapeDecoder: Decoder {
    enum Step {
        case none
        case key(any CodingKey)
        case index(Int)
    }

    let tape: JSONTape
    let node: Int
    private let parent: TapeDecoder?
    private let step: Step
    /// The path above the root decoder.
    private let basePath: [any CodingKey]
    /// Where a keyed container over this node looks for its next key first: types decode their
    /// keys in about the order they were written, so a look-up is mostly one comparison.
    var memberHint: Int
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ tape: JSONTape, _ node: Int, basePath: [any CodingKey]) {
        self.tape = tape
        self.node = node
        parent = nil
        step = .none
        self.basePath = basePath
        memberHint = node + 1
    }

    init(_ tape: JSONTape, _ node: Int, parent: TapeDecoder, step: Step) {
        self.tape = tape
        self.node = node
        self.parent = parent
        self.step = step
        basePath = []
        memberHint = node + 1
    }

    var codingPath: [any CodingKey] {
        var path = parent?.codingPath ?? basePath
        switch step {
        case .none: break
        case .key(let key): path.append(key)
        case .index(let index): path.append(IndexKey(index: index))
        }
        return path
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard tape.kind(node) == .object else { throw TapeDecoder.mismatch([String: JSONValue].self, tape, node, codingPath) }
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard tape.kind(node) == .array else { throw TapeDecoder.mismatch([JSONValue].self, tape, node, codingPath) }
        return UnkeyedContainer(decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValueContainer(decoder: self) }

    /// `T` from this node: the types with a wire form of their own first, then `T`'s `init(from:)`.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if type == Date.self { return try decodeDate() as! T }
        if type == Data.self { return try decodeData() as! T }
        return try T(from: self)
    }

    private func decodeDate() throws -> Date {
        let text = try TapeDecoder.string(tape, node, codingPath)
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath,
                    debugDescription: "'\(text.prefix(40))' is not an ISO 8601 timestamp like 2026-11-29T10:15:00Z"))
        }
        return date
    }

    private func decodeData() throws -> Data {
        guard let data = Data(base64Encoded: try TapeDecoder.string(tape, node, codingPath)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "not base64"))
        }
        return data
    }

    // MARK: Scalars, shared by the three containers

    static func mismatch(
        _ type: Any.Type, _ tape: JSONTape, _ node: Int, _ codingPath: @autoclosure () -> [any CodingKey]
    ) -> DecodingError {
        if tape.kind(node) == .null {
            return .valueNotFound(type, .init(codingPath: codingPath(), debugDescription: "found null"))
        }
        return .typeMismatch(type, .init(codingPath: codingPath(), debugDescription: "found \(tape.typeName(node))"))
    }

    static func string(_ tape: JSONTape, _ node: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> String {
        guard tape.kind(node) == .string else { throw mismatch(String.self, tape, node, codingPath()) }
        return tape.string(node)
    }

    static func bool(_ tape: JSONTape, _ node: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> Bool {
        switch tape.kind(node) {
        case .true: return true
        case .false: return false
        default: throw mismatch(Bool.self, tape, node, codingPath())
        }
    }

    /// A whole number as `T`, also when written `2.0`; out of `T`'s range is an error, not a wrap.
    static func integer<T: FixedWidthInteger>(
        _ tape: JSONTape, _ node: Int, _ codingPath: @autoclosure () -> [any CodingKey]
    ) throws -> T {
        let result: T?
        if let integer = tape.integer(node) {
            result = T(exactly: integer)
        } else if let number = tape.number(node) {
            result = T(exactly: number)
        } else {
            throw mismatch(T.self, tape, node, codingPath())
        }
        guard let result else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath(), debugDescription: "\(tape.value(node)) does not fit in \(T.self)"))
        }
        return result
    }

    static func floatingPoint<T: BinaryFloatingPoint>(
        _ tape: JSONTape, _ node: Int, _ codingPath: @autoclosure () -> [any CodingKey]
    ) throws -> T {
        if let integer = tape.integer(node) { return T(integer) }
        if let number = tape.number(node) { return T(number) }
        throw mismatch(T.self, tape, node, codingPath())
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: TapeDecoder
    var tape: JSONTape { decoder.tape }
    var object: Int { decoder.node }
    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] { tape.members(object).compactMap { Key(stringValue: tape.string($0.key)) } }

    func contains(_ key: Key) -> Bool { tape.member(object, key.stringValue) != nil }

    private func member(_ key: Key) throws -> Int {
        guard let value = tape.member(object, key.stringValue, startingAt: &decoder.memberHint) else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "no value for '\(key.stringValue)'"))
        }
        return value
    }

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    private func nested(_ key: Key) throws -> TapeDecoder { TapeDecoder(tape, try member(key), parent: decoder, step: .key(key)) }

    func decodeNil(forKey key: Key) throws -> Bool { tape.kind(try member(key)) == .null }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try TapeDecoder.bool(tape, member(key), path(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try TapeDecoder.string(tape, member(key), path(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try TapeDecoder.floatingPoint(tape, member(key), path(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try TapeDecoder.floatingPoint(tape, member(key), path(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try TapeDecoder.integer(tape, member(key), path(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try TapeDecoder.integer(tape, member(key), path(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try TapeDecoder.integer(tape, member(key), path(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try TapeDecoder.integer(tape, member(key), path(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try TapeDecoder.integer(tape, member(key), path(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try TapeDecoder.integer(tape, member(key), path(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try TapeDecoder.integer(tape, member(key), path(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try TapeDecoder.integer(tape, member(key), path(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try TapeDecoder.integer(tape, member(key), path(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try TapeDecoder.integer(tape, member(key), path(key)) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try nested(key).decodeValue(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try nested(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try nested(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        let path = codingPath + [IndexKey(stringValue: "super")]
        guard let value = tape.member(object, "super") else { return TapeDecoder(JSONTape(.null), JSONTape.root, basePath: path) }
        return TapeDecoder(tape, value, basePath: path)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        guard let value = tape.member(object, key.stringValue) else {
            return TapeDecoder(JSONTape(.null), JSONTape.root, basePath: path(key))
        }
        return TapeDecoder(tape, value, parent: decoder, step: .key(key))
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: TapeDecoder
    var tape: JSONTape { decoder.tape }
    var codingPath: [any CodingKey] { decoder.codingPath }
    let count: Int?
    var currentIndex = 0
    /// The node of the element at `currentIndex`.
    private var element: Int

    init(decoder: TapeDecoder) {
        self.decoder = decoder
        count = decoder.tape.count(decoder.node)
        element = decoder.node + 1
    }

    var isAtEnd: Bool { currentIndex >= count! }

    /// The next element's node and its index (its coding path is made only for an error).
    private mutating func next(_ type: Any.Type) throws -> (Int, Int) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: codingPath + [IndexKey(index: currentIndex)], debugDescription: "the array has no more elements"))
        }
        let node = element
        currentIndex += 1
        element = tape.after(node)
        return (node, currentIndex - 1)
    }

    private func path(_ index: Int) -> [any CodingKey] { codingPath + [IndexKey(index: index)] }

    private func nested(_ node: Int, _ index: Int) -> TapeDecoder { TapeDecoder(tape, node, parent: decoder, step: .index(index)) }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, tape.kind(element) == .null else { return false }
        currentIndex += 1
        element = tape.after(element)
        return true
    }

    /// The next element read by `read` (one of `TapeDecoder`'s scalar readers).
    private mutating func scalar<T>(
        _ type: T.Type, _ read: (JSONTape, Int, @autoclosure () -> [any CodingKey]) throws -> T
    ) throws -> T {
        let (node, index) = try next(type)
        return try read(tape, node, path(index))
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try scalar(type, TapeDecoder.bool) }
    mutating func decode(_ type: String.Type) throws -> String { try scalar(type, TapeDecoder.string) }
    mutating func decode(_ type: Double.Type) throws -> Double { try scalar(type, TapeDecoder.floatingPoint) }
    mutating func decode(_ type: Float.Type) throws -> Float { try scalar(type, TapeDecoder.floatingPoint) }
    mutating func decode(_ type: Int.Type) throws -> Int { try scalar(type, TapeDecoder.integer) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try scalar(type, TapeDecoder.integer) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try scalar(type, TapeDecoder.integer) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try scalar(type, TapeDecoder.integer) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try scalar(type, TapeDecoder.integer) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try scalar(type, TapeDecoder.integer) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try scalar(type, TapeDecoder.integer) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try scalar(type, TapeDecoder.integer) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try scalar(type, TapeDecoder.integer) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try scalar(type, TapeDecoder.integer) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (node, index) = try next(type)
        return try nested(node, index).decodeValue(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (node, index) = try next([String: JSONValue].self)
        return try nested(node, index).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (node, index) = try next([JSONValue].self)
        return try nested(node, index).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (node, index) = try next(JSONValue.self)
        return nested(node, index)
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let decoder: TapeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    private var tape: JSONTape { decoder.tape }
    private var node: Int { decoder.node }

    init(decoder: TapeDecoder) { self.decoder = decoder }

    func decodeNil() -> Bool { tape.kind(node) == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try TapeDecoder.bool(tape, node, codingPath) }
    func decode(_ type: String.Type) throws -> String { try TapeDecoder.string(tape, node, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try TapeDecoder.floatingPoint(tape, node, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try TapeDecoder.floatingPoint(tape, node, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try TapeDecoder.integer(tape, node, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try TapeDecoder.integer(tape, node, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try TapeDecoder.integer(tape, node, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try TapeDecoder.integer(tape, node, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try TapeDecoder.integer(tape, node, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try TapeDecoder.integer(tape, node, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try TapeDecoder.integer(tape, node, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try TapeDecoder.integer(tape, node, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try TapeDecoder.integer(tape, node, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try TapeDecoder.integer(tape, node, codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
}
