import GRDB

/// The inbox's tables (`SQLiteInbox` reads and writes them): every `MessageStore` registers these
/// migrations.
public enum Inbox {
    /// The inbox tables; every `MessageStore` registers these migrations.
    public static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1-inbox") { db in
            try db.create(table: "inbox") { table in
                table.column("consumer", .text).notNull()
                table.column("message_id", .text).notNull()
                table.column("message_type", .text).notNull()
                table.column("correlation_id", .text).notNull()
                table.column("processed_at", .text).notNull()
                table.primaryKey(["consumer", "message_id"])
            }
            // The follow-ups a message produced, kept so a redelivery re-publishes the same bytes.
            try db.create(table: "inbox_follow_up") { table in
                table.column("consumer", .text).notNull()
                table.column("message_id", .text).notNull()
                table.column("position", .integer).notNull()
                table.column("type", .text).notNull()
                table.column("follow_up_id", .text).notNull()
                table.column("correlation_id", .text).notNull()
                table.column("body", .blob).notNull()
                table.primaryKey(["consumer", "message_id", "position"])
            }
        }
        // The id is the producer's de-duplication key; the digest tells a redelivery (same content)
        // from another message that reuses the id (an id conflict, never silently dropped).
        migrator.registerMigration("v3-inbox-content-digest") { db in
            try db.alter(table: "inbox") { table in table.add(column: "content_digest", .text) }
        }
        // A reply to a producer goes to its reply_to address with its correlation id, not to the exchange.
        migrator.registerMigration("v4-inbox-replies") { db in
            try db.alter(table: "inbox_follow_up") { table in
                table.add(column: "reply_to", .text)
                table.add(column: "reply_correlation_id", .text)
            }
        }
    }

    /// The inbox by correlation id, for `remit trace` (registered last by each store).
    public static func registerCorrelationIndex(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-inbox-by-correlation") { db in
            try db.create(index: "inbox_by_correlation", on: "inbox", columns: ["correlation_id", "processed_at"])
        }
    }

    /// The inbox by time, so pruning finds the oldest records without a scan (registered after the
    /// correlation index by each store).
    public static func registerRetentionIndex(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-inbox-by-time") { db in
            try db.create(index: "inbox_by_processed_at", on: "inbox", columns: ["processed_at"])
        }
    }
}
