import Foundation

/// A message a consumer applied, as the inbox records it in the same transaction as its effects.
public struct InboxRecord: Sendable, Equatable {
    /// The worker kind that applied it.
    public var consumer: String
    public var messageId: String
    public var messageType: String
    public var correlationId: String
    /// SHA-256 of the delivered bytes: tells a redelivery from another message reusing the id.
    public var contentDigest: String
    public var processedAt: Date
    /// In the order they were produced.
    public var followUps: [StoredFollowUp]

    public init(
        consumer: String, messageId: String, messageType: String, correlationId: String, contentDigest: String,
        processedAt: Date, followUps: [StoredFollowUp]
    ) {
        self.consumer = consumer
        self.messageId = messageId
        self.messageType = messageType
        self.correlationId = correlationId
        self.contentDigest = contentDigest
        self.processedAt = processedAt
        self.followUps = followUps
    }
}
