import Foundation
import GRDB
import RemitCore
import RemitStore

// A dead letter in its SQLite table (`dead_letter`).
extension DeadLetter: StoredRecord {
    public static let databaseTableName = "dead_letter"

    public enum Columns {
        public static let id = Column("id")
        public static let messageId = Column("message_id")
        public static let messageType = Column("message_type")
        public static let deadLetterQueue = Column("dead_letter_queue")
        public static let failedAt = Column("failed_at")
        public static let bodyDigest = Column("body_digest")
        public static let reason = Column("reason")
        public static let error = Column("error")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64? ?? 0)")
        self.init(
            id: row["id"], messageId: row["message_id"], messageType: row["message_type"], correlationId: row["correlation_id"],
            deadLetterQueue: row["dead_letter_queue"], worker: row["worker"], originalQueue: row["original_queue"],
            originalExchange: row["original_exchange"], originalRoutingKey: row["original_routing_key"], reason: row["reason"],
            error: row["error"], attempts: row["attempts"], failedAt: try stored.timestamp("failed_at"),
            properties: row["properties"], body: row["body"], bodyDigest: row["body_digest"],
            collectedAt: try stored.timestamp("collected_at"), replayCount: row["replay_count"])
    }
}
