import Foundation
import GRDB
import RemitCore
import RemitStore

/// The portal's sessions (`PortalSessionQueries`) in the channel store's `portal_session` table.
struct SQLitePortalSessions: PortalSessionQueries {
    let db: Database

    func session(key: String, now: Date) throws -> StoredPortalSession? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT value, expires_at FROM portal_session WHERE key = ? AND expires_at > ?",
                arguments: [key, Timestamp.format(now)])
        else { return nil }
        // The row is named without its key: the key opens nothing, but it is nobody's business either.
        let stored = StoredRow(row, table: "portal_session", key: "(a session)")
        guard let value = Data.fromDatabaseValue(row["value"] as DatabaseValue) else {
            throw CorruptStoredValue(table: "portal_session", row: "(a session)", column: "value", found: "(not bytes)", expected: "bytes")
        }
        return StoredPortalSession(key: key, value: value, expiresAt: try stored.timestamp("expires_at"))
    }

    func save(_ session: StoredPortalSession) throws {
        try db.execute(
            sql: """
                INSERT INTO portal_session (key, value, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                """,
            arguments: [session.key, session.value, Timestamp.format(session.expiresAt)])
    }

    func remove(key: String) throws {
        try db.execute(sql: "DELETE FROM portal_session WHERE key = ?", arguments: [key])
    }

    func prune(expiredAt now: Date, limit: Int) throws -> Int {
        try db.execute(
            sql: """
                DELETE FROM portal_session WHERE key IN
                    (SELECT key FROM portal_session WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)
                """,
            arguments: [Timestamp.format(now), limit])
        return db.changesCount
    }
}
