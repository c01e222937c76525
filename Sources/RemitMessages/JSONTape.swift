import Foundation

/// A JSON document read once into a flat list of nodes over its bytes: what a worker's schema check
/// and typed decode both walk, so a delivery is parsed once and no tree of dictionaries, arrays and
/// key strings is built for it. A string stays a range of the bytes until something asks for it as
/// a `String`; an object's members are its key and value nodes in the order they were written.
///
/// Node 0 is the document's root. A container's node is followed by its contents (an object's as
/// key, value, key, value…) and knows where its subtree ends, so skipping a member costs one step.
/// `JSONReader.tape(_:)` makes one from JSON text; `init(_:)` makes one from a `JSONValue` (the
/// schema check and the decoder have one implementation, over tapes).
public final class JSONTape: Sendable {
    public enum Kind: UInt8, Sendable {
        case null, `true`, `false`, integer, number, string, array, object
    }

    struct Node: Sendable {
        var kind: Kind
        /// A string: its bytes are UTF-8 without escapes (`bytes[start..<end]` is the text). False
        /// for a string written with escapes, whose text is `unescaped[Int(payload)]`.
        var plain: Bool = false
        /// A plain string: every byte is ASCII.
        var ascii: Bool = false
        /// A container: how many members or elements it has.
        var count: UInt32 = 0
        /// A plain string: the range of its text in `bytes`. A container: `end` is the index of
        /// the first node after its subtree.
        var start: UInt32 = 0
        var end: UInt32 = 0
        /// An integer's value, a number's bit pattern, an escaped string's index in `unescaped`.
        var payload: Int64 = 0
    }

    let bytes: [UInt8]
    let nodes: [Node]
    let unescaped: [String]

    init(bytes: [UInt8], nodes: [Node], unescaped: [String]) {
        self.bytes = bytes
        self.nodes = nodes
        self.unescaped = unescaped
    }

    /// The tape of a value built in code (the schema check and the decoder read only tapes).
    public convenience init(_ value: JSONValue) {
        var builder = Builder()
        builder.append(value)
        self.init(bytes: builder.bytes, nodes: builder.nodes, unescaped: builder.unescaped)
    }

    public static let root = 0

    public func kind(_ node: Int) -> Kind { nodes[node].kind }

    /// The index of the node after `node` and everything in it.
    @inline(__always)
    func after(_ node: Int) -> Int {
        let entry = nodes[node]
        return entry.kind == .array || entry.kind == .object ? Int(entry.end) : node + 1
    }

    public func count(_ node: Int) -> Int { Int(nodes[node].count) }

    /// An object's members in written order: (key node, value node).
    func members(_ object: Int) -> MemberSequence { MemberSequence(tape: self, object: object) }

    /// An array's element nodes in order.
    func elements(_ array: Int) -> [Int] {
        var found: [Int] = []
        found.reserveCapacity(count(array))
        var next = array + 1
        for _ in 0..<count(array) {
            found.append(next)
            next = after(next)
        }
        return found
    }

    /// The value node of `object`'s member `key`, or nil.
    public func member(_ object: Int, _ key: String) -> Int? {
        guard nodes[object].kind == .object else { return nil }
        for (keyNode, value) in members(object) where keyEquals(keyNode, key) { return value }
        return nil
    }

    /// The value node of `object`'s member `key`, looking from key node `hint` on (and round to it):
    /// `hint` is left at the member after the one found, so keys read in written order cost one
    /// comparison each.
    func member(_ object: Int, _ key: String, startingAt hint: inout Int) -> Int? {
        let entry = nodes[object]
        guard entry.kind == .object, entry.count > 0 else { return nil }
        let first = object + 1
        let end = Int(entry.end)
        var keyNode = hint > object && hint < end ? hint : first
        for _ in 0..<entry.count {
            let following = after(keyNode + 1)
            let next = following < end ? following : first
            if keyEquals(keyNode, key) {
                hint = next
                return keyNode + 1
            }
            keyNode = next
        }
        return nil
    }

    /// Whether string node `node` is `key`: bytes compared for a plain ASCII key, `String`
    /// equality (as a dictionary key compares) otherwise.
    @inline(__always)
    func keyEquals(_ node: Int, _ key: String) -> Bool {
        let entry = nodes[node]
        if entry.plain, entry.ascii {
            let length = Int(entry.end - entry.start)
            var key = key
            return key.withUTF8 { utf8 in
                guard utf8.count == length else { return false }
                return bytes.withUnsafeBufferPointer { all in
                    memcmp(all.baseAddress! + Int(entry.start), utf8.baseAddress!, length) == 0
                }
            }
        }
        return string(node) == key
    }

    /// `body` of a string node's bytes when it is written in plain ASCII (no escapes); nil (and
    /// `body` not called) otherwise.
    func withPlainASCIIBytes<Result>(_ node: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        let entry = nodes[node]
        guard entry.kind == .string, entry.plain, entry.ascii else { return nil }
        return bytes.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[Int(entry.start)..<Int(entry.end)]))
        }
    }

    /// A string node's text.
    public func string(_ node: Int) -> String {
        let entry = nodes[node]
        guard entry.plain else { return unescaped[Int(entry.payload)] }
        return bytes.withUnsafeBufferPointer { all in
            String(decoding: UnsafeBufferPointer(rebasing: all[Int(entry.start)..<Int(entry.end)]), as: UTF8.self)
        }
    }

    /// A string node's length in Unicode code points (what JSON Schema's `minLength` counts).
    func codePointCount(_ node: Int) -> Int {
        let entry = nodes[node]
        guard entry.plain else { return unescaped[Int(entry.payload)].unicodeScalars.count }
        if entry.ascii { return Int(entry.end - entry.start) }
        // Valid UTF-8: every byte that is not a continuation byte starts a code point.
        return bytes[Int(entry.start)..<Int(entry.end)].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    public func integer(_ node: Int) -> Int64? { nodes[node].kind == .integer ? nodes[node].payload : nil }

    public func number(_ node: Int) -> Double? {
        nodes[node].kind == .number ? Double(bitPattern: UInt64(bitPattern: nodes[node].payload)) : nil
    }

    /// `node` and everything in it as a `JSONValue`.
    public func value(_ node: Int = JSONTape.root) -> JSONValue {
        switch nodes[node].kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .integer: return .integer(nodes[node].payload)
        case .number: return .number(number(node)!)
        case .string: return .string(string(node))
        case .array: return .array(elements(node).map { value($0) })
        case .object:
            var object: [String: JSONValue] = [:]
            object.reserveCapacity(count(node))
            for (key, member) in members(node) { object[string(key)] = value(member) }
            return .object(object)
        }
    }

    /// The JSON type name as JSON Schema spells it.
    func typeName(_ node: Int) -> String {
        switch nodes[node].kind {
        case .null: return "null"
        case .true, .false: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    struct MemberSequence: Sequence, IteratorProtocol {
        let tape: JSONTape
        var upcoming: Int
        var left: Int

        init(tape: JSONTape, object: Int) {
            self.tape = tape
            upcoming = object + 1
            left = tape.count(object)
        }

        mutating func next() -> (key: Int, value: Int)? {
            guard left > 0 else { return nil }
            left -= 1
            let key = upcoming
            upcoming = tape.after(key + 1)
            return (key, key + 1)
        }
    }

    /// Appends the nodes of a `JSONValue`; its strings' bytes go to `bytes` as they are (no escapes).
    private struct Builder {
        var bytes: [UInt8] = []
        var nodes: [Node] = []
        var unescaped: [String] = []

        mutating func append(_ value: JSONValue) {
            switch value {
            case .null: nodes.append(Node(kind: .null))
            case .bool(let flag): nodes.append(Node(kind: flag ? .true : .false))
            case .integer(let integer): nodes.append(Node(kind: .integer, payload: integer))
            case .number(let number): nodes.append(Node(kind: .number, payload: Int64(bitPattern: number.bitPattern)))
            case .string(let text): appendString(text)
            case .array(let elements):
                let at = open(.array, count: elements.count)
                for element in elements { append(element) }
                nodes[at].end = UInt32(nodes.count)
            case .object(let members):
                let at = open(.object, count: members.count)
                for (key, member) in members {
                    appendString(key)
                    append(member)
                }
                nodes[at].end = UInt32(nodes.count)
            }
        }

        private mutating func open(_ kind: Kind, count: Int) -> Int {
            nodes.append(Node(kind: kind, count: UInt32(count)))
            return nodes.count - 1
        }

        private mutating func appendString(_ text: String) {
            let start = bytes.count
            bytes.append(contentsOf: text.utf8)
            let ascii = bytes[start...].allSatisfy { $0 < 0x80 }
            nodes.append(Node(kind: .string, plain: true, ascii: ascii, start: UInt32(start), end: UInt32(bytes.count)))
        }
    }
}
