import Foundation
import GRDB
import RemitCore

/// The channel store: what the storefront knows and the portal reads, plus the inbox that makes
/// message handling idempotent. One SQLite file (`channel.sqlite`) in the data directory.
public final class ChannelStore: Sendable {
    public static let fileName = "channel.sqlite"
    public let pool: DatabasePool
    public let path: String

    public init(path: String) throws {
        self.path = path
        pool = try SQLiteStore.openPool(at: path, migrator: Self.migrator)
    }

    public convenience init(dataDirectory: String) throws {
        try self.init(path: (dataDirectory as NSString).appendingPathComponent(Self.fileName))
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-inbox") { db in
            try db.create(table: "inbox") { table in
                table.column("consumer", .text).notNull()
                table.column("message_id", .text).notNull()
                table.column("message_type", .text).notNull()
                table.column("correlation_id", .text).notNull()
                table.column("processed_at", .text).notNull()
                table.column("follow_ups", .blob).notNull()
                table.primaryKey(["consumer", "message_id"])
            }
            try db.create(table: "smoke_record") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("key", .text).notNull().unique()
                table.column("amount_minor", .integer).notNull()
                table.column("currency", .text).notNull()
                table.column("message_id", .text).notNull()
                table.column("recorded_at", .text).notNull()
            }
        }
        return migrator
    }
}

/// The record of messages a consumer has applied, with the follow-ups they produced. Written in the
/// same transaction as the handler's effects.
public enum Inbox {
    /// The follow-ups recorded for `messageId`, or nil when the consumer has not applied it.
    public static func followUps(_ db: Database, consumer: String, messageId: String) throws -> [OutgoingMessage]? {
        guard let data = try Data.fetchOne(db, sql: "SELECT follow_ups FROM inbox WHERE consumer = ? AND message_id = ?",
                                           arguments: [consumer, messageId]) else { return nil }
        return try JSONDecoder().decode([OutgoingMessage].self, from: data)
    }

    public static func record(_ db: Database, consumer: String, header: EnvelopeHeader, processedAt: Date,
                              followUps: [OutgoingMessage]) throws {
        try db.execute(sql: """
            INSERT INTO inbox (consumer, message_id, message_type, correlation_id, processed_at, follow_ups)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [consumer, header.id, header.type, header.correlationId, Timestamp.format(processedAt),
                             try JSONEncoder().encode(followUps)])
    }

    public static func count(_ db: Database, consumer: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE consumer = ?", arguments: [consumer]) ?? 0
    }
}
