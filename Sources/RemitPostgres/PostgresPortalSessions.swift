import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// The portal's sessions (`PortalSessionQueries`) in the channel store's `portal_session` table on
/// PostgreSQL, shared by the portals of every host.
struct PostgresPortalSessions: PortalSessionQueries {
    let session: PostgresSession

    func session(key: String, now: Date) throws -> StoredPortalSession? {
        guard
            let row = try session.row(
                "SELECT value, expires_at FROM portal_session WHERE key = \(key) AND expires_at > \(Timestamp.format(now))")
        else { return nil }
        // The row is named by its expiry, not its key: the key opens nothing, but it is nobody's business.
        let stored = PostgresStoredRow(row, table: "portal_session", keyColumn: "expires_at")
        return StoredPortalSession(key: key, value: try stored.data("value"), expiresAt: try stored.timestamp("expires_at"))
    }

    /// One statement: two portals saving one session at once both succeed, the later write kept.
    func save(_ stored: StoredPortalSession) throws {
        try session.execute(
            """
            INSERT INTO portal_session (key, value, expires_at) VALUES (\(stored.key), \(stored.value), \(Timestamp.format(stored.expiresAt)))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
            """)
    }

    func remove(key: String) throws {
        try session.execute("DELETE FROM portal_session WHERE key = \(key)")
    }

    func prune(expiredAt now: Date, limit: Int) throws -> Int {
        try session.execute(
            """
            DELETE FROM portal_session WHERE key IN
                (SELECT key FROM portal_session WHERE expires_at <= \(Timestamp.format(now)) ORDER BY expires_at LIMIT \(Int64(limit)))
            """)
    }
}
