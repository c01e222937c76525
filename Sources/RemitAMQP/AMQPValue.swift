import Foundation

/// A value in an AMQP field table (message headers, queue arguments).
public enum AMQPValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case timestamp(UInt64)
    case bytes([UInt8])
    case array([AMQPValue])
    case table(AMQPTable)
    case void

    public var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .timestamp(let t): return Int64(clamping: t)
        case .string(let s): return Int64(s)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return String(b)
        case .double(let d): return String(d)
        case .timestamp(let t): return "@\(t)"
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .table(let t): return "{" + t.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .void: return "void"
        }
    }
}

public typealias AMQPTable = [String: AMQPValue]

/// Field values are coded with their AMQP type (`{"int": 3}`, `{"string": "a"}`, `{"bytes":
/// "base64"}` …), so a message kept as JSON (a collected dead letter) is published again exactly as
/// it was: an integer header stays an integer, a timestamp a timestamp.
extension AMQPValue: Codable {
    private enum CodingKeys: String, CodingKey { case string, int, bool, double, timestamp, bytes, array, table, void }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let key = container.allKeys.first, container.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "an AMQP value has exactly one type key"))
        }
        switch key {
        case .string: self = .string(try container.decode(String.self, forKey: key))
        case .int: self = .int(try container.decode(Int64.self, forKey: key))
        case .bool: self = .bool(try container.decode(Bool.self, forKey: key))
        case .double: self = .double(try container.decode(Double.self, forKey: key))
        case .timestamp: self = .timestamp(try container.decode(UInt64.self, forKey: key))
        case .bytes: self = .bytes([UInt8](try container.decode(Data.self, forKey: key)))
        case .array: self = .array(try container.decode([AMQPValue].self, forKey: key))
        case .table: self = .table(try container.decode(AMQPTable.self, forKey: key))
        case .void: self = .void
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .string(let value): try container.encode(value, forKey: .string)
        case .int(let value): try container.encode(value, forKey: .int)
        case .bool(let value): try container.encode(value, forKey: .bool)
        case .double(let value): try container.encode(value, forKey: .double)
        case .timestamp(let value): try container.encode(value, forKey: .timestamp)
        case .bytes(let value): try container.encode(Data(value), forKey: .bytes)
        case .array(let value): try container.encode(value, forKey: .array)
        case .table(let value): try container.encode(value, forKey: .table)
        case .void: try container.encode(true, forKey: .void)
        }
    }
}
