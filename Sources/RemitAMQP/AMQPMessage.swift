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

/// The basic properties of a message, as far as Remit uses them.
public struct AMQPProperties: Sendable, Equatable, Codable {
    public var contentType: String?
    public var messageId: String?
    public var correlationId: String?
    /// Where the publisher wants an answer: a queue name for the default exchange, or RabbitMQ's
    /// direct reply-to (`amq.rabbitmq.reply-to…`).
    public var replyTo: String?
    public var type: String?
    /// Seconds since 1970, as AMQP carries it.
    public var timestamp: UInt64?
    public var appId: String?
    public var expiration: String?
    public var persistent: Bool
    public var headers: AMQPTable

    public init(
        contentType: String? = nil, messageId: String? = nil, correlationId: String? = nil,
        replyTo: String? = nil, type: String? = nil, timestamp: UInt64? = nil, appId: String? = nil,
        expiration: String? = nil, persistent: Bool = true, headers: AMQPTable = [:]
    ) {
        self.contentType = contentType
        self.messageId = messageId
        self.correlationId = correlationId
        self.replyTo = replyTo
        self.type = type
        self.timestamp = timestamp
        self.appId = appId
        self.expiration = expiration
        self.persistent = persistent
        self.headers = headers
    }
}

/// A message to publish.
public struct OutboundMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var properties: AMQPProperties
    /// When set, a message that matches no queue is returned and the publish fails.
    public var mandatory: Bool

    public init(
        exchange: String, routingKey: String, body: [UInt8],
        properties: AMQPProperties = AMQPProperties(), mandatory: Bool = true
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}

/// A message the broker delivered to one of our consumers.
public struct Delivery: Sendable {
    public var deliveryTag: UInt64
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String
    public var consumerTag: String
    public var body: [UInt8]
    public var properties: AMQPProperties

    public init(
        deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String,
        consumerTag: String, body: [UInt8], properties: AMQPProperties
    ) {
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.consumerTag = consumerTag
        self.body = body
        self.properties = properties
    }
}

/// What a passive queue declaration reports.
public struct QueueState: Sendable, Equatable {
    public var name: String
    public var messageCount: Int
    public var consumerCount: Int
}

/// A queue to declare.
public struct QueueDeclaration: Sendable, Equatable {
    public var name: String
    public var durable: Bool
    public var exclusive: Bool
    public var autoDelete: Bool
    public var arguments: AMQPTable

    public init(
        name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
        arguments: AMQPTable = [:]
    ) {
        self.name = name
        self.durable = durable
        self.exclusive = exclusive
        self.autoDelete = autoDelete
        self.arguments = arguments
    }
}

/// An exchange to declare.
public struct ExchangeDeclaration: Sendable, Equatable {
    public var name: String
    public var type: String
    public var durable: Bool
    public var autoDelete: Bool
    public var `internal`: Bool
    public var arguments: AMQPTable

    public init(
        name: String, type: String, durable: Bool = true, autoDelete: Bool = false,
        internal: Bool = false, arguments: AMQPTable = [:]
    ) {
        self.name = name
        self.type = type
        self.durable = durable
        self.autoDelete = autoDelete
        self.internal = `internal`
        self.arguments = arguments
    }
}
