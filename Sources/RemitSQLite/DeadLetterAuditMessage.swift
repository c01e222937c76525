import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// One message an audited action touched (`dead_letter_audit_message`).
public struct DeadLetterAuditMessage: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "dead_letter_audit_message"

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

    public enum Columns {
        public static let auditId = Column("audit_id")
        public static let messageId = Column("message_id")
    }

    init(
        auditId: Int64, messageId: String, deadLetterQueue: String, reason: String, error: String, attempts: Int,
        failedAt: Date, change: String?
    ) {
        self.auditId = auditId
        self.messageId = messageId
        self.deadLetterQueue = deadLetterQueue
        self.reason = reason
        self.error = error
        self.attempts = attempts
        self.failedAt = failedAt
        self.change = change
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64? ?? 0)")
        id = row["id"]
        auditId = row["audit_id"]
        messageId = row["message_id"]
        deadLetterQueue = row["dead_letter_queue"]
        reason = row["reason"]
        error = row["error"]
        attempts = row["attempts"]
        failedAt = try stored.timestamp("failed_at")
        change = row["change"]
    }

    /// The row written, column by column, in the order of `WrittenRow.columns` (a replay writes one
    /// per message).
    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        for (column, value) in zip(Self.columns, writtenValues) { container[column] = value }
    }

    /// What happened to `messageId`, oldest first, with the audit entry of each.
    public static func history(_ db: Database, messageId: String) throws -> [(DeadLetterAudit, DeadLetterAuditMessage)] {
        let entries = try filter(Columns.messageId == messageId).order(Column("id")).fetchAll(db)
        let audits = try DeadLetterAudit.filter(Set(entries.map(\.auditId)).contains(DeadLetterAudit.Columns.id)).fetchAll(db)
        let byId = Dictionary(uniqueKeysWithValues: audits.compactMap { audit in audit.id.map { ($0, audit) } })
        return entries.compactMap { entry in byId[entry.auditId].map { ($0, entry) } }
    }

    /// The message ids an audit entry touched.
    public static func messageIds(_ db: Database, auditId: Int64) throws -> [String] {
        try filter(Columns.auditId == auditId).order(Column("id")).select(Columns.messageId, as: String.self).fetchAll(db)
    }

    /// The messages an audit entry touched, with what an edit changed in each.
    public static func touched(_ db: Database, auditId: Int64) throws -> [DeadLetterAuditMessage] {
        try filter(Columns.auditId == auditId).order(Column("id")).fetchAll(db)
    }
}

extension DeadLetterAuditMessage: WrittenRow {
    public static let columns = [
        "audit_id", "message_id", "dead_letter_queue", "reason", "error", "attempts", "failed_at", "change",
    ]
    public var writtenValues: [(any DatabaseValueConvertible)?] {
        [auditId, messageId, deadLetterQueue, reason, error, attempts, Timestamp.format(failedAt), change]
    }
}
