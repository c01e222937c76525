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
