import Foundation
import GRDB
import RemitCore
import RemitStore

// DistributionHold in its SQLite table (`distribution_held`).
extension DistributionHold: StoredRecord {
    public static let databaseTableName = "distribution_held"

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["stream"] as String? ?? "")/\(row["key"] as String? ?? "")")
        self.init(
            stream: try stored.value("stream", as: DistributionStream.self), key: row["key"], reason: row["reason"],
            since: try stored.timestamp("since"))
    }

    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-distribution-held") { db in
            try db.create(table: databaseTableName) { t in
                t.column("stream", .text).notNull()
                t.column("key", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("since", .text).notNull()
                t.primaryKey(["stream", "key"])
            }
        }
    }

    /// The keys held back in `stream`, oldest first.
    public static func keys(_ db: Database, of stream: DistributionStream) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT key FROM distribution_held WHERE stream = ? ORDER BY since, key", arguments: [stream.rawValue])
    }

    /// Holds `key` back with `reason`; one held before keeps the time it was first held.
    public static func hold(_ db: Database, _ stream: DistributionStream, key: String, reason: String, at: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO distribution_held (stream, key, reason, since) VALUES (?, ?, ?, ?)
                ON CONFLICT(stream, key) DO UPDATE SET reason = excluded.reason
                """, arguments: [stream.rawValue, key, reason, Timestamp.format(at)])
    }

    /// `key` went out: it is no longer held.
    public static func release(_ db: Database, _ stream: DistributionStream, key: String) throws {
        try db.execute(sql: "DELETE FROM distribution_held WHERE stream = ? AND key = ?", arguments: [stream.rawValue, key])
    }

    /// Every held record, oldest first (`remit hq runs`, tests).
    public static func all(_ db: Database) throws -> [DistributionHold] {
        try fetchAll(db, sql: "SELECT * FROM distribution_held ORDER BY since, stream, key")
    }
}
