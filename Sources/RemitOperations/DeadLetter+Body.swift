import Foundation
import RemitMessages
import RemitStore

extension DeadLetter {
    /// A dead letter of `body`, its digest computed: how the collector builds one from a delivery.
    public init(
        messageId: String, messageType: String, correlationId: String?, deadLetterQueue: String, worker: String,
        originalQueue: String, originalExchange: String?, originalRoutingKey: String?, reason: String, error: String,
        attempts: Int, failedAt: Date, properties: String, body: Data, collectedAt: Date, replayCount: Int
    ) {
        self.init(
            id: nil, messageId: messageId, messageType: messageType, correlationId: correlationId, deadLetterQueue: deadLetterQueue,
            worker: worker, originalQueue: originalQueue, originalExchange: originalExchange, originalRoutingKey: originalRoutingKey,
            reason: reason, error: error, attempts: attempts, failedAt: failedAt, properties: properties, body: body,
            bodyDigest: ContentDigest.sha256([UInt8](body)), collectedAt: collectedAt, replayCount: replayCount)
    }
}
