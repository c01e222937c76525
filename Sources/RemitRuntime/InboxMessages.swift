import Foundation
import RemitMessages
import RemitStore

// The inbox keeps follow-ups as plain stored values (the store knows no message types); these turn
// the runtime's messages into them and back, byte for byte.

extension OutgoingMessage {
    /// The follow-up as the inbox kept it.
    public init(stored: StoredFollowUp) {
        self.init(
            type: stored.type, messageId: stored.messageId, correlationId: stored.correlationId, body: stored.body,
            reply: stored.replyTo.map { ReplyAddress(queue: $0, correlationId: stored.replyCorrelationId) })
    }

    /// The follow-up as the inbox keeps it.
    public var stored: StoredFollowUp {
        StoredFollowUp(
            type: type, messageId: messageId, correlationId: correlationId, body: body, replyTo: reply?.queue,
            replyCorrelationId: reply?.correlationId)
    }
}

extension InboxRecord {
    /// The record of the message `header` names, applied by `consumer` at `processedAt`.
    public init(
        consumer: String, header: EnvelopeHeader, contentDigest: String, processedAt: Date, followUps: [OutgoingMessage]
    ) {
        self.init(
            consumer: consumer, messageId: header.id, messageType: header.type, correlationId: header.correlationId,
            contentDigest: contentDigest, processedAt: processedAt, followUps: followUps.map(\.stored))
    }
}
