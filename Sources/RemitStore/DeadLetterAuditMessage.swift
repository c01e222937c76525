import Foundation

/// One message an audited action touched, with what it was then (so its history outlives the dead
/// letter) and, for edits, the change.
public struct DeadLetterAuditMessage: Sendable, Equatable, Codable {
    public var id: Int64?
    public var auditId: Int64
    public var messageId: String
    public var deadLetterQueue: String
    public var reason: String
    public var error: String
    public var attempts: Int
    public var failedAt: Date
    /// For edits: the change as JSON, `[{"path": …, "before": …, "after": …}]`.
    public var change: String?

    public init(
        id: Int64? = nil, auditId: Int64, messageId: String, deadLetterQueue: String, reason: String, error: String,
        attempts: Int, failedAt: Date, change: String?
    ) {
        self.id = id
        self.auditId = auditId
        self.messageId = messageId
        self.deadLetterQueue = deadLetterQueue
        self.reason = reason
        self.error = error
        self.attempts = attempts
        self.failedAt = failedAt
        self.change = change
    }

    /// The entry for `letter` handled under audit `auditId`.
    public init(auditId: Int64, letter: DeadLetter, change: String?) {
        self.init(
            auditId: auditId, messageId: letter.messageId, deadLetterQueue: letter.deadLetterQueue, reason: letter.reason,
            error: letter.error, attempts: letter.attempts, failedAt: letter.failedAt, change: change)
    }
}
