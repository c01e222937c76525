import Foundation
import GRDB
import RemitCore
import RemitStore

// A message an audited action touched, in its SQLite table (`dead_letter_audit_message`).
extension DeadLetterAuditMessage: StoredRecord {
    public static let databaseTableName = "dead_letter_audit_message"

    public enum Columns {
        public static let id = Column("id")
        public static let auditId = Column("audit_id")
        public static let messageId = Column("message_id")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64? ?? 0)")
        self.init(
            id: row["id"], auditId: row["audit_id"], messageId: row["message_id"], deadLetterQueue: row["dead_letter_queue"],
            reason: row["reason"], error: row["error"], attempts: row["attempts"], failedAt: try stored.timestamp("failed_at"),
            change: row["change"])
    }

    /// The row written, column by column, in the order of `WrittenRow.columns` (a replay writes one
    /// per message).
    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        for (column, value) in zip(Self.columns, writtenValues) { container[column] = value }
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
