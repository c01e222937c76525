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

/// The basic properties of a message, as far as Remit uses them.
public struct AMQPProperties: Sendable, Equatable {
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
