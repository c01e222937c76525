import Foundation
import RemitCore

/// One encoded value. Objects and arrays are references because `Encoder` hands out containers
/// that are filled after they are created.
enum EncodedNode {
    case null
    case bool(Bool)
    case integer(Int64)
    case unsigned(UInt64)
    case number(Double)
    case string(String)
    case object(EncodedObject)
    case array(EncodedArray)

    static func make<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> EncodedNode {
        // Metatype comparisons, not `as?` casts: this runs for every nested value.
        if T.self == String.self { return .string(value as! String) }
        if T.self == Date.self { return .string(Timestamp.format(value as! Date)) }
        if T.self == Data.self { return .string((value as! Data).base64EncodedString()) }
        let encoder = TreeEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        // A type that encodes nothing is an empty object, as with Foundation's encoder.
        return encoder.node ?? .object(EncodedObject())
    }

    static func number(_ value: Double, codingPath: [any CodingKey]) throws -> EncodedNode {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "JSON has no \(value)"))
        }
        return .number(value)
    }

    func write(into bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let value): bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .integer(let value): bytes.append(contentsOf: String(value).utf8)
        case .unsigned(let value): bytes.append(contentsOf: String(value).utf8)
        case .number(let value):
            // Whole numbers without a fraction, as Foundation writes them; others in Swift's shortest
            // round-trip form (valid JSON, e.g. 0.1 or 1e-07).
            if value == value.rounded(), abs(value) < 1e15 {
                bytes.append(contentsOf: String(Int64(value)).utf8)
            } else {
                bytes.append(contentsOf: "\(value)".utf8)
            }
        case .string(let value): JSONWriting.appendString(value, to: &bytes)
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (position, member) in object.members.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONWriting.appendString(member.key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                member.node.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        case .array(let array):
            bytes.append(UInt8(ascii: "["))
            for (position, element) in array.elements.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                element.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }
}
