import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore

/// How a dead letter's AMQP properties are kept in the store: typed JSON, keys sorted.
public enum DeadLetterProperties {
    public static func encode(_ properties: AMQPProperties) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(properties), as: UTF8.self)
    }

    /// Reads what `encode` wrote, straight from the parsed JSON: through a `Decoder`, Foundation's
    /// or Remit's, this was half of a replay's CPU. Anything else in the column is a corrupt value.
    public static func decode(_ letter: DeadLetter) throws -> AMQPProperties {
        guard let json = try? JSONValue.parse(Array(letter.properties.utf8)), let properties = properties(json) else {
            throw CorruptStoredValue(
                table: "dead_letter", row: "\(letter.id ?? 0)", column: "properties",
                found: letter.properties, expected: "AMQP properties as Remit stores them")
        }
        return properties
    }

    static func properties(_ json: JSONValue) -> AMQPProperties? {
        guard case .object(let fields) = json, case .bool(let persistent)? = fields["persistent"],
            case .object(let table)? = fields["headers"], let headers = headers(table)
        else { return nil }
        func text(_ key: String) -> String?? {
            switch fields[key] {
            case nil, .null?: return .some(nil)
            case .string(let value)?: return .some(value)
            default: return nil
            }
        }
        var timestamp: UInt64?
        switch fields["timestamp"] {
        case nil, .null?: timestamp = nil
        case .integer(let value)? where value >= 0: timestamp = UInt64(value)
        default: return nil
        }
        guard let contentType = text("contentType"), let messageId = text("messageId"),
            let correlationId = text("correlationId"), let replyTo = text("replyTo"), let type = text("type"),
            let appId = text("appId"), let expiration = text("expiration")
        else { return nil }
        return AMQPProperties(
            contentType: contentType, messageId: messageId, correlationId: correlationId, replyTo: replyTo, type: type,
            timestamp: timestamp, appId: appId, expiration: expiration, persistent: persistent, headers: headers)
    }

    static func headers(_ table: [String: JSONValue]) -> AMQPTable? {
        var headers: AMQPTable = [:]
        headers.reserveCapacity(table.count)
        for (name, json) in table {
            guard let value = value(json) else { return nil }
            headers[name] = value
        }
        return headers
    }

    /// One field value: an object with exactly one type key (`AMQPValue`'s `Codable` form).
    static func value(_ json: JSONValue) -> AMQPValue? {
        guard case .object(let typed) = json, typed.count == 1, let (type, inner) = typed.first else { return nil }
        switch (type, inner) {
        case ("string", .string(let value)): return .string(value)
        case ("int", .integer(let value)): return .int(value)
        case ("bool", .bool(let value)): return .bool(value)
        case ("double", .number(let value)): return .double(value)
        case ("double", .integer(let value)): return .double(Double(value))  // 2.0 is written as 2
        case ("timestamp", .integer(let value)) where value >= 0: return .timestamp(UInt64(value))
        case ("bytes", .string(let base64)): return Data(base64Encoded: base64).map { .bytes([UInt8]($0)) }
        case ("array", .array(let items)):
            var values: [AMQPValue] = []
            values.reserveCapacity(items.count)
            for item in items {
                guard let value = value(item) else { return nil }
                values.append(value)
            }
            return .array(values)
        case ("table", .object(let table)): return headers(table).map { .table($0) }
        case ("void", _): return .void
        default: return nil
        }
    }
}
