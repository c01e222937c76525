import Foundation

/// The record of messages each consumer has applied: what makes handling idempotent. Every store a
/// worker kind applies messages to has one, written in the same transaction as the handler's effects.
public protocol MessageInbox {
    /// The record of `messageId` applied by `consumer`, or nil when it has not applied it.
    func applied(consumer: String, messageId: String) throws -> AppliedMessage?

    /// Records a message applied, with its follow-ups. A second record of the same (consumer,
    /// message id) is refused with `StoreFailure.Code.constraint`.
    func record(_ record: InboxRecord) throws

    /// Deletes at most `limit` of the oldest records applied before `cutoff`, with their
    /// follow-ups; returns how many. One small transaction's worth: the caller loops.
    func prune(appliedBefore cutoff: Date, limit: Int) throws -> Int

    /// Records in the inbox now.
    func count() throws -> Int
}
