import Foundation

/// Reads JSON text (RFC 8259) into a `JSONTape` in one pass over the bytes: what every delivery
/// goes through before its schema check and its typed decode, so it is written for speed (no tree,
/// no key strings: a string is checked and left as a range of the bytes) and for hostile input —
/// strict grammar, UTF-8 checked, nesting limited, duplicate keys refused, and errors that name a
/// byte offset but never echo the input (a body may carry secrets).
public struct JSONReader {
    /// Deeper nesting than any Remit message needs; a limit keeps a hostile body from exhausting
    /// the stack.
    public static let maximumDepth = 64
    /// Above this many members, an object's keys are checked for duplicates through a set rather
    /// than against each other.
    static let pairwiseKeyLimit = 12

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Offset of the byte where reading stopped.
        public var offset: Int
        public var reason: String
        public var description: String { "byte \(offset): \(reason)" }
    }

    /// The text as a `JSONTape` (the bytes are kept by the tape, not copied).
    public static func tape(_ bytes: [UInt8]) throws(Failure) -> JSONTape {
        guard bytes.count < Int(UInt32.max) else { throw Failure(offset: 0, reason: "the text is larger than 4 GB") }
        let result: Result<([JSONTape.Node], [String]), Failure> = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(Failure) in
                var reader = JSONReader(buffer)
                try reader.document()
                return (reader.nodes, reader.unescaped)
            }
        }
        let (nodes, unescaped) = try result.get()
        return JSONTape(bytes: bytes, nodes: nodes, unescaped: unescaped)
    }

    public static func tape(_ data: Data) throws(Failure) -> JSONTape { try tape([UInt8](data)) }

    public static func read(_ bytes: [UInt8]) throws(Failure) -> JSONValue { try tape(bytes).value() }

    public static func read(_ data: Data) throws(Failure) -> JSONValue { try tape(data).value() }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    private var nodes: [JSONTape.Node] = []
    private var unescaped: [String] = []
    /// The key nodes (and their offsets) of the objects being read, innermost last.
    private var keys: [(node: Int, offset: Int)] = []

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        // About one node per eight bytes of a message; the array grows if it needs more.
        nodes.reserveCapacity(bytes.count / 8 + 4)
    }

    private mutating func document() throws(Failure) {
        try value()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
    }

    private func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func value() throws(Failure) {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of the text") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try object()
        case UInt8(ascii: "["): try array()
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true"); nodes.append(.init(kind: .true))
        case UInt8(ascii: "f"): try literal("false"); nodes.append(.init(kind: .false))
        case UInt8(ascii: "n"): try literal("null"); nodes.append(.init(kind: .null))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw fail("expected a JSON value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw fail("expected a JSON value") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw fail("expected a JSON value")
        }
        index += count
    }

    /// Opens a container at its bracket; returns its node's index.
    private mutating func enter(_ kind: JSONTape.Kind) throws(Failure) -> Int {
        depth += 1
        guard depth <= Self.maximumDepth else { throw fail("nested deeper than \(Self.maximumDepth) levels") }
        index += 1
        nodes.append(.init(kind: kind))
        return nodes.count - 1
    }

    private mutating func close(_ node: Int, count: Int) {
        index += 1
        depth -= 1
        nodes[node].count = UInt32(count)
        nodes[node].end = UInt32(nodes.count)
    }

    private mutating func object() throws(Failure) {
        let node = try enter(.object)
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            close(node, count: 0)
            return
        }
        // The keys of every open object share one stack, so reading an object allocates nothing.
        let base = keys.count
        defer { keys.removeSubrange(base...) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
            keys.append((nodes.count, index))
            try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
            index += 1
            try value()
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of the text in an object") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                try refuseDuplicates(keys[base...])
                close(node, count: keys.count - base)
                return
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    /// A key written twice in one object is refused, at the second one's offset; keys compare as
    /// `String`s do (so as dictionary keys would).
    private func refuseDuplicates(_ keys: ArraySlice<(node: Int, offset: Int)>) throws(Failure) {
        func duplicate(_ offset: Int) -> Failure { Failure(offset: offset, reason: "a key appears twice in one object") }
        if keys.count <= Self.pairwiseKeyLimit {
            for later in keys.indices.dropFirst() {
                for earlier in keys.startIndex..<later where keysEqual(keys[earlier].node, keys[later].node) {
                    throw duplicate(keys[later].offset)
                }
            }
            return
        }
        var seen = Set<String>(minimumCapacity: keys.count)
        for key in keys where !seen.insert(text(key.node)).inserted { throw duplicate(key.offset) }
    }

    private func keysEqual(_ a: Int, _ b: Int) -> Bool {
        let first = nodes[a]
        let second = nodes[b]
        if first.plain, first.ascii, second.plain, second.ascii {
            let length = Int(first.end - first.start)
            guard length == Int(second.end - second.start) else { return false }
            return memcmp(bytes.baseAddress! + Int(first.start), bytes.baseAddress! + Int(second.start), length) == 0
        }
        return text(a) == text(b)
    }

    private func text(_ node: Int) -> String {
        let entry = nodes[node]
        guard entry.plain else { return unescaped[Int(entry.payload)] }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(entry.start)..<Int(entry.end)]), as: UTF8.self)
    }

    private mutating func array() throws(Failure) {
        let node = try enter(.array)
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            close(node, count: 0)
            return
        }
        var count = 0
        while true {
            try value()
            count += 1
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of the text in an array") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                close(node, count: count)
                return
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    /// A string from its opening quote. The common case (no escapes) is checked and left as a
    /// range of the bytes; a string with escapes is unescaped once, here.
    private mutating func string() throws(Failure) {
        index += 1  // the opening quote
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if !ascii { try checkUTF8(start..<index) }
                nodes.append(.init(kind: .string, plain: true, ascii: ascii, start: UInt32(start), end: UInt32(index)))
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                let text = try escapedString(from: start)
                nodes.append(.init(kind: .string, payload: Int64(unescaped.count)))
                unescaped.append(text)
                return
            }
            guard byte >= 0x20 else { throw fail("a control character must be escaped in a string") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw fail("unterminated string")
    }

    /// Checks `range` is well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no surrogates,
    /// nothing above U+10FFFF) without making a `String` of it.
    private func checkUTF8(_ range: Range<Int>) throws(Failure) {
        let invalid = Failure(offset: range.lowerBound, reason: "a string is not valid UTF-8")
        var at = range.lowerBound
        func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            at + offset < range.upperBound && bytes[at + offset] >= low && bytes[at + offset] <= high
        }
        while at < range.upperBound {
            let lead = bytes[at]
            let length: Int
            switch lead {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = continuation(1) ? 2 : 0
            case 0xE0: length = continuation(1, 0xA0) && continuation(2) ? 3 : 0
            case 0xE1...0xEC, 0xEE...0xEF: length = continuation(1) && continuation(2) ? 3 : 0
            case 0xED: length = continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
            case 0xF0: length = continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
            case 0xF1...0xF3: length = continuation(1) && continuation(2) && continuation(3) ? 4 : 0
            case 0xF4: length = continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
            default: length = 0
            }
            guard length > 0 else { throw invalid }
            at += length
        }
    }

    private func utf8(_ range: Range<Int>) throws(Failure) -> String {
        guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) else {
            throw Failure(offset: range.lowerBound, reason: "a string is not valid UTF-8")
        }
        return text
    }

    private mutating func escapedString(from start: Int) throws(Failure) -> String {
        var text = try utf8(start..<index)
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): text.append("\"")
                case UInt8(ascii: "\\"): text.append("\\")
                case UInt8(ascii: "/"): text.append("/")
                case UInt8(ascii: "b"): text.append("\u{08}")
                case UInt8(ascii: "f"): text.append("\u{0C}")
                case UInt8(ascii: "n"): text.append("\n")
                case UInt8(ascii: "r"): text.append("\r")
                case UInt8(ascii: "t"): text.append("\t")
                case UInt8(ascii: "u"): text.unicodeScalars.append(try unicodeEscape())
                default:
                    index -= 1
                    throw fail("unknown escape in a string")
                }
            default:
                guard byte >= 0x20 else { throw fail("a control character must be escaped in a string") }
                let runStart = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"),
                    bytes[index] >= 0x20
                {
                    index += 1
                }
                text += try utf8(runStart..<index)
            }
        }
        throw fail("unterminated string")
    }

    /// The code point of `\uXXXX` (the `\u` already read), joining a surrogate pair.
    private mutating func unicodeEscape() throws(Failure) -> Unicode.Scalar {
        let first = try hexQuad()
        if (0xD800...0xDBFF).contains(first) {
            guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw fail("a lone surrogate in a \\u escape")
            }
            index += 2
            let second = try hexQuad()
            guard (0xDC00...0xDFFF).contains(second) else { throw fail("a lone surrogate in a \\u escape") }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(first) else { throw fail("a lone surrogate in a \\u escape") }
        return scalar
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        guard bytes.count - index >= 4 else { throw fail("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// A number: an `integer` when it has no fraction or exponent and fits in Int64, else a finite
    /// `number`.
    private mutating func number() throws(Failure) {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0 else { throw fail("expected a digit") }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            throw Failure(offset: integerStart, reason: "a number may not start with 0")
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("expected a digit after '.'") }
            isInteger = false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("expected a digit in the exponent") }
            isInteger = false
        }
        if isInteger, integerDigits <= 18 {
            var value: Int64 = 0
            for position in integerStart..<index { value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0")) }
            nodes.append(.init(kind: .integer, payload: negative ? -value : value))
            return
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let value = Int64(text) {
            nodes.append(.init(kind: .integer, payload: value))
            return
        }
        guard let value = Double(text), value.isFinite else {
            throw Failure(offset: start, reason: "a number is out of range")
        }
        nodes.append(.init(kind: .number, payload: Int64(bitPattern: value.bitPattern)))
    }
}
