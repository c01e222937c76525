import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// Failed sign-ins (`SignInFailureQueries`) in the channel store's `sign_in_failure` table on
/// PostgreSQL, counted alike by the portals of every host.
struct PostgresSignInFailures: SignInFailureQueries {
    let session: PostgresSession

    func record(keys: [String], at: Date) throws {
        let at = Timestamp.format(at)
        for key in keys {
            try session.execute("INSERT INTO sign_in_failure (key, at) VALUES (\(key), \(at))")
        }
    }

    func recent(key: String, since: Date, limit: Int) throws -> [Date] {
        try session.rows(
            """
            SELECT id, at FROM sign_in_failure WHERE key = \(key) AND at > \(Timestamp.format(since))
            ORDER BY at DESC, id DESC LIMIT \(Int64(limit))
            """
        ).map { try PostgresStoredRow($0, table: "sign_in_failure", keyColumn: "id").timestamp("at") }
    }

    func clear(key: String) throws {
        try session.execute("DELETE FROM sign_in_failure WHERE key = \(key)")
    }

    func prune(upTo cutoff: Date, limit: Int) throws -> Int {
        try session.execute(
            """
            DELETE FROM sign_in_failure WHERE id IN
                (SELECT id FROM sign_in_failure WHERE at <= \(Timestamp.format(cutoff)) ORDER BY at LIMIT \(Int64(limit)))
            """)
    }
}
