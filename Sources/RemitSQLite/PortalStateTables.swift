import GRDB

/// The portal's own tables in the channel store: sign-in sessions and failed sign-ins, shared by
/// every portal process on the file.
enum PortalStateTables {
    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-portal-state") { db in
            try db.create(table: "portal_session") { t in
                // The SHA-256 of the session cookie's key, never the cookie.
                t.primaryKey("key", .text)
                t.column("value", .blob).notNull()
                t.column("expires_at", .text).notNull()
            }
            try db.create(index: "portal_session_by_expiry", on: "portal_session", columns: ["expires_at"])
            try db.create(table: "sign_in_failure") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("key", .text).notNull()
                t.column("at", .text).notNull()
            }
            try db.create(index: "sign_in_failure_by_key", on: "sign_in_failure", columns: ["key", "at"])
            try db.create(index: "sign_in_failure_by_time", on: "sign_in_failure", columns: ["at"])
        }
    }
}
