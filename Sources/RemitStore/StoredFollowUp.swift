import Foundation

/// A follow-up message as the inbox keeps it: the bytes published first and where they went, so a
/// redelivery re-publishes exactly them. The store knows no message types; the runtime turns these
/// into messages and back.
public struct StoredFollowUp: Sendable, Equatable {
    /// The message type; it is also the routing key on the Remit exchange.
    public var type: String
    public var messageId: String
    public var correlationId: String
    /// The encoded envelope, byte for byte.
    public var body: Data
    /// For an answer to a producer: its queue (AMQP `reply_to`), else nil.
    public var replyTo: String?
    /// The producer's own AMQP `correlation_id` for the answer.
    public var replyCorrelationId: String?

    public init(
        type: String, messageId: String, correlationId: String, body: Data, replyTo: String? = nil, replyCorrelationId: String? = nil
    ) {
        self.type = type
        self.messageId = messageId
        self.correlationId = correlationId
        self.body = body
        self.replyTo = replyTo
        self.replyCorrelationId = replyCorrelationId
    }
}
