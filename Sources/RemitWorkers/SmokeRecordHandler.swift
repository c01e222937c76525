import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// The built-in `smoke` worker kind: one insert per message and one follow-up. It exists to test the
/// runtime and the broker end to end (and to benchmark them), not for business use.
public struct SmokeRecordHandler: TypedMessageHandler {
    public init() {}

    public func handle(
        _ envelope: Envelope<SmokeRecord>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let record = envelope.body
        if let failAttempts = record.failAttempts, context.attempt <= failAttempts {
            throw SmokeTransientFailure(attempt: context.attempt)
        }
        let recordId = try channel.storefront.record(
            SmokeRecordEntry(key: record.key, amount: record.amount, messageId: envelope.id, recordedAt: context.now))
        let recorded = SmokeRecorded(key: record.key, amount: record.amount, recordId: recordId)
        return [
            try OutgoingMessage(
                envelope.header.followUp(
                    recorded, key: record.key, occurredAt: context.now,
                    actingUser: "system:smoke"))
        ]
    }
}
