import Foundation
import RemitCore

/// One dead letter collected from the broker into the operations store: the message as it failed
/// (properties and body byte for byte), where it failed and why.
public struct DeadLetter: Sendable, Equatable, Codable {
    /// Assigned by the store when it is stored.
    public var id: Int64?
    public var messageId: String
    public var messageType: String
    public var correlationId: String?
    public var deadLetterQueue: String
    public var worker: String
    /// The work queue the message failed in.
    public var originalQueue: String
    public var originalExchange: String?
    public var originalRoutingKey: String?
    public var reason: String
    public var error: String
    public var attempts: Int
    public var failedAt: Date
    /// The AMQP properties and headers, as the runtime codes them (typed JSON).
    public var properties: String
    public var body: Data
    /// The body's SHA-256 (hex): with the message id, queue and failure time, what makes a
    /// redelivered dead letter the same one.
    public var bodyDigest: String
    public var collectedAt: Date
    /// How often the message was replayed before this failure.
    public var replayCount: Int

    /// A retry group: every dead letter with one reason and one last error.
    public struct Group: Sendable, Equatable, Codable {
        public var reason: String
        public var error: String
        public var count: Int

        public init(reason: String, error: String, count: Int) {
            self.reason = reason
            self.error = error
            self.count = count
        }
    }

    /// How many dead letters the store keeps for one dead-letter queue, and when the oldest failed.
    public struct Kept: Sendable, Equatable, Codable {
        public var count: Int
        public var oldestFailedAt: Date

        public init(count: Int, oldestFailedAt: Date) {
            self.count = count
            self.oldestFailedAt = oldestFailedAt
        }
    }

    public init(
        id: Int64? = nil, messageId: String, messageType: String, correlationId: String?, deadLetterQueue: String,
        worker: String, originalQueue: String, originalExchange: String?, originalRoutingKey: String?, reason: String,
        error: String, attempts: Int, failedAt: Date, properties: String, body: Data, bodyDigest: String, collectedAt: Date,
        replayCount: Int
    ) {
        self.id = id
        self.messageId = messageId
        self.messageType = messageType
        self.correlationId = correlationId
        self.deadLetterQueue = deadLetterQueue
        self.worker = worker
        self.originalQueue = originalQueue
        self.originalExchange = originalExchange
        self.originalRoutingKey = originalRoutingKey
        self.reason = reason
        self.error = error
        self.attempts = attempts
        self.failedAt = Timestamp.normalize(failedAt)
        self.properties = properties
        self.body = body
        self.bodyDigest = bodyDigest
        self.collectedAt = Timestamp.normalize(collectedAt)
        self.replayCount = replayCount
    }
}
