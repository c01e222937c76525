import GRDB

extension Inbox {
    /// The inbox by time, so pruning finds the oldest records without a scan (registered after the
    /// correlation index by each store).
    public static func registerRetentionIndex(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-inbox-by-time") { db in
            try db.create(index: "inbox_by_processed_at", on: "inbox", columns: ["processed_at"])
        }
    }

    /// Deletes at most `limit` of the oldest inbox records applied before `cutoff` (an ISO 8601
    /// timestamp, `Timestamp.format`), with their kept follow-ups; returns how many. One small
    /// transaction's worth: the caller loops, so workers' writes get in between.
    public static func prune(_ db: Database, appliedBefore cutoff: String, limit: Int) throws -> Int {
        let keys = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT consumer, message_id FROM inbox WHERE processed_at < ? ORDER BY processed_at LIMIT ?"),
            arguments: [cutoff, limit])
        let deleteRecord = try db.cachedStatement(sql: "DELETE FROM inbox WHERE consumer = ? AND message_id = ?")
        let deleteFollowUps = try db.cachedStatement(sql: "DELETE FROM inbox_follow_up WHERE consumer = ? AND message_id = ?")
        for key in keys {
            let arguments: StatementArguments = [key["consumer"] as String, key["message_id"] as String]
            try deleteFollowUps.execute(arguments: arguments)
            try deleteRecord.execute(arguments: arguments)
        }
        return keys.count
    }

    /// Records in the inbox now.
    public static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox") ?? 0
    }
}
