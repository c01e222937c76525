import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

// SmokeRecordEntry in its SQLite table.
extension SmokeRecordEntry: StoredRecord {
    public static let databaseTableName = "smoke_record"

    public enum Columns {
        public static let id = Column("id")
        public static let key = Column("key")
        public static let amountMinor = Column("amount_minor")
        public static let currency = Column("currency")
        public static let messageId = Column("message_id")
        public static let recordedAt = Column("recorded_at")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["key"])
        self.init(
            key: row["key"], amount: stored.money("amount_minor", currency: try stored.currency()), messageId: row["message_id"],
            recordedAt: try stored.timestamp("recorded_at"))
        id = row["id"]
    }

    /// Stores the entry; returns its id. A key stored before is a constraint error.
    public func record(_ db: Database) throws -> Int64 {
        // The benchmarked path (one row per message): a cached statement, without the record's
        // Codable encoding, which doubled the smoke handler's cost.
        try db.cachedStatement(
            sql: """
                INSERT INTO smoke_record (key, amount_minor, currency, message_id, recorded_at) VALUES (?, ?, ?, ?, ?)
                """
        ).execute(arguments: [key, amountMinor, currency.code, messageId, Timestamp.format(recordedAt)])
        return db.lastInsertedRowID
    }
}
