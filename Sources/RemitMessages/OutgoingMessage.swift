import Foundation
import RemitCore

/// A message ready to publish on the Remit exchange: the encoded envelope and the fields the broker
/// sees. Handlers return these; the inbox stores them so a redelivery re-publishes the same bytes.
public struct OutgoingMessage: Sendable, Codable, Equatable {
    /// The message type; it is also the routing key on the Remit exchange.
    public var type: String
    public var messageId: String
    public var correlationId: String
    public var body: Data
    /// Set for an answer to a producer: it goes to this address, not to the Remit exchange.
    public var reply: ReplyAddress?
    /// The span it continues, carried in its `traceparent` header: the span of the message or the
    /// job item that made it. The runtime sets it on a follow-up that has none.
    public var trace: TraceContext?

    public init(type: String, messageId: String, correlationId: String, body: Data, reply: ReplyAddress? = nil) {
        self.type = type
        self.messageId = messageId
        self.correlationId = correlationId
        self.body = body
        self.reply = reply
    }

    public init<Body: MessageBody>(_ envelope: Envelope<Body>, replyTo reply: ReplyAddress? = nil) throws {
        self.init(
            type: envelope.type, messageId: envelope.id, correlationId: envelope.correlationId,
            body: try MessageCoding.shared.encode(envelope), reply: reply)
    }
}
