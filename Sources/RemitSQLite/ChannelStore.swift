import Foundation
import GRDB
import RemitStore

/// The channel store: what the storefront knows and the portal reads, plus the inbox that makes
/// message handling idempotent. One SQLite file (`channel.sqlite`) in the data directory.
public final class ChannelStore: DataDirectoryStore {
    public static let fileName = "channel.sqlite"
    public let pool: DatabasePool
    public let path: String

    public func transaction(_ db: Database) -> SQLiteTransaction { SQLiteChannelTransaction(db, store: path) }

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
