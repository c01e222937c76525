import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

// ChannelCredential in its SQLite table.
extension ChannelCredential: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "channel_credential"

    public enum Columns {
        public static let login = Column("login")
        public static let passwordHash = Column("password_hash")
        public static let updatedAt = Column("updated_at")
    }

    /// The user's credential, if they have a password.
    public static func find(_ db: Database, login: String) throws -> ChannelCredential? {
        try fetchOne(db, key: login)
    }

    // Columns are snake_case and times ISO 8601 text, like every other table of the store.
    public static let databaseColumnEncodingStrategy = SnakeCaseColumns.strategy
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { Timestamp.format($0) }
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { value in String.fromDatabaseValue(value).flatMap(Timestamp.parse) }
    }

    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-channel-credentials") { db in
            try db.create(table: databaseTableName) { t in
                t.primaryKey("login", .text)
                t.column("password_hash", .text).notNull()
                t.column("updated_at", .text).notNull()
            }
            // Users came with a hash from HQ; that hash (our own SHA-256 scheme) is gone with the
            // message field that carried it. Users get a password again from the seed or
            // `remit users set-password`.
            try db.execute(sql: "ALTER TABLE channel_user DROP COLUMN password_hash")
        }
    }
}

extension ChannelCredential: CustomStringConvertible, CustomDebugStringConvertible {
    // A hash is still a secret (it can be attacked offline): never print it.
    public var description: String {
        "ChannelCredential(login: \(login), passwordHash: <redacted>, updatedAt: \(Timestamp.format(updatedAt)))"
    }
    public var debugDescription: String { description }
}
