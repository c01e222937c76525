import Foundation
import RemitCore

/// A JSON document as a value: what topology files, queue arguments and schemas are made of.
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// Whole numbers stay integers, so queue arguments and money never pass through a float.
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Reads JSON text (`JSONReader`: strict, UTF-8 checked, nesting limited, duplicate keys refused).
    public static func parse(_ data: Data) throws -> JSONValue { try JSONReader.read(data) }

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue { try JSONReader.read(bytes) }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int64? { if case .integer(let i) = self { return i }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }

    /// Compact JSON with sorted keys.
    public var description: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "?"
    }

    /// The JSON type name as JSON Schema spells it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

// MARK: - Numbers and equality as JSON Schema sees them

extension JSONValue {
    /// True for both number cases: JSON has one number type, stored here as whichever fits.
    public var isNumber: Bool {
        switch self {
        case .integer, .number: return true
        default: return false
        }
    }

    /// The value as an Int64 when it is a whole number, also when written `2.0` (JSON Schema counts
    /// `2.0` as an integer).
    public var integralValue: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The order of two numbers by value, exact across the two cases (an Int64 beyond 2^53 has no
    /// exact Double); nil unless both are numbers.
    public func compareNumber(to other: JSONValue) -> ComparisonResult? {
        switch (self, other) {
        case (.integer(let a), .integer(let b)): return Self.order(a, b)
        case (.number(let a), .number(let b)): return a.isNaN || b.isNaN ? nil : Self.order(a, b)
        case (.integer(let a), .number(let b)): return Self.compare(a, b)
        case (.number, .integer): return other.compareNumber(to: self).map(\.reversed)
        default: return nil
        }
    }

    private static func order<Value: Comparable>(_ a: Value, _ b: Value) -> ComparisonResult {
        if a < b { return .orderedAscending }
        return a == b ? .orderedSame : .orderedDescending
    }

    private static func compare(_ integer: Int64, _ double: Double) -> ComparisonResult? {
        guard !double.isNaN else { return nil }
        // Compare whole parts as integers, then let the fraction decide.
        let whole = double.rounded(.down)
        guard let wholeInteger = Int64(exactly: whole) else {
            return whole > 0 ? .orderedAscending : .orderedDescending  // beyond Int64's range
        }
        if integer != wholeInteger { return order(integer, wholeInteger) }
        return whole == double ? .orderedSame : .orderedAscending
    }

    /// Equality as JSON Schema defines it for `enum` and `const`: numbers by value (`1` equals `1.0`),
    /// strings by code points (Swift's `==` would equate canonically equivalent strings), and a
    /// boolean never equals a number.
    public func equalsInJSONSchema(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.equalsInJSONSchema($1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map(value.equalsInJSONSchema) ?? false }
        default:
            if let order = compareNumber(to: other) { return order == .orderedSame }
            return self == other
        }
    }
}

private extension ComparisonResult {
    var reversed: ComparisonResult {
        switch self {
        case .orderedAscending: return .orderedDescending
        case .orderedDescending: return .orderedAscending
        case .orderedSame: return .orderedSame
        }
    }
}
