import Foundation
import GRDB
import RemitCore
import RemitMessages

/// A store a worker kind applies messages to: a database with the inbox tables.
public protocol MessageStore: Sendable {
    /// Where messages are applied: the store's pool, or an in-memory database in unit tests.
    var database: any DatabaseWriter { get }
    /// The SQLite file, named in every error about this store.
    var path: String { get }
}

/// A store kept in one SQLite file of the data directory.
public protocol DataDirectoryStore: MessageStore {
    static var fileName: String { get }
    var pool: DatabasePool { get }
    /// Opens (creating and migrating when `readOnly` is false) the store at `path`.
    init(path: String, readOnly: Bool) throws
}

extension DataDirectoryStore {
    public var database: any DatabaseWriter { pool }

    public init(path: String) throws {
        try self.init(path: path, readOnly: false)
    }

    /// The store's file in `dataDirectory`. Read-only: creates nothing, refuses a missing file.
    public init(dataDirectory: String, readOnly: Bool = false) throws {
        try self.init(path: (dataDirectory as NSString).appendingPathComponent(Self.fileName), readOnly: readOnly)
    }
}

/// The channel store: what the storefront knows and the portal reads, plus the inbox that makes
/// message handling idempotent. One SQLite file (`channel.sqlite`) in the data directory.
public final class ChannelStore: DataDirectoryStore {
    public static let fileName = "channel.sqlite"
    public let pool: DatabasePool
    public let path: String

    public init(path: String, readOnly: Bool) throws {
        self.path = path
        pool = try SQLiteStore.openPool(at: path, identity: .channel, migrator: Self.migrator, readOnly: readOnly)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        Inbox.registerMigration(in: &migrator)
        migrator.registerMigration("v1-smoke") { db in
            try db.create(table: "smoke_record") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("key", .text).notNull().unique()
                table.column("amount_minor", .integer).notNull()
                table.column("currency", .text).notNull()
                table.column("message_id", .text).notNull()
                table.column("recorded_at", .text).notNull()
            }
        }
        ChannelTables.registerMigrations(in: &migrator)
        return migrator
    }
}

/// The record of messages a consumer has applied, with a digest of each message's content and the
/// follow-ups it produced. Written in the same transaction as the handler's effects.
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

    /// What the inbox knows of a message a consumer applied.
    public struct Applied: Sendable {
        /// SHA-256 of the delivered bytes; nil for messages applied before digests were kept.
        public var contentDigest: String?
        public var followUps: [OutgoingMessage]
    }

    /// The record of `messageId`, or nil when the consumer has not applied it.
    public static func applied(_ db: Database, consumer: String, messageId: String) throws -> Applied? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT content_digest FROM inbox WHERE consumer = ? AND message_id = ?
                        """), arguments: [consumer, messageId])
        else { return nil }
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT type, follow_up_id, correlation_id, body, reply_to, reply_correlation_id FROM inbox_follow_up
                    WHERE consumer = ? AND message_id = ? ORDER BY position
                    """), arguments: [consumer, messageId])
        return Applied(
            contentDigest: row["content_digest"],
            followUps: rows.map { row in
                OutgoingMessage(
                    type: row["type"], messageId: row["follow_up_id"], correlationId: row["correlation_id"],
                    body: row["body"],
                    reply: (row["reply_to"] as String?).map { ReplyAddress(queue: $0, correlationId: row["reply_correlation_id"]) })
            })
    }

    /// - Parameter processedAt: an ISO 8601 timestamp (`Timestamp.format`), formatted once per batch.
    public static func record(
        _ db: Database, consumer: String, header: EnvelopeHeader, contentDigest: String,
        processedAt: String, followUps: [OutgoingMessage]
    ) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO inbox (consumer, message_id, message_type, correlation_id, processed_at, content_digest)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [consumer, header.id, header.type, header.correlationId, processedAt, contentDigest])
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO inbox_follow_up
                    (consumer, message_id, position, type, follow_up_id, correlation_id, body, reply_to, reply_correlation_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (position, followUp) in followUps.enumerated() {
            try insert.execute(arguments: [
                consumer, header.id, position, followUp.type, followUp.messageId,
                followUp.correlationId, followUp.body, followUp.reply?.queue, followUp.reply?.correlationId,
            ])
        }
    }
}
