import Foundation
import GRDB
import RemitCore
import RemitStore

// An audit entry in its SQLite table (`dead_letter_audit`).
extension DeadLetterAudit: StoredRecord {
    public static let databaseTableName = "dead_letter_audit"

    public enum Columns {
        public static let id = Column("id")
        public static let done = Column("done")
        public static let outcome = Column("outcome")
        public static let detail = Column("detail")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64? ?? 0)")
        self.init(
            id: row["id"], at: try stored.timestamp("at"), actor: row["actor"], action: try stored.value("action", as: Action.self),
            filter: row["filter"], matched: row["matched"], done: row["done"], outcome: try stored.value("outcome", as: Outcome.self),
            detail: row["detail"])
    }
}
