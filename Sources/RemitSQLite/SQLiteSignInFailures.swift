import Foundation
import GRDB
import RemitCore
import RemitStore

/// Failed sign-ins (`SignInFailureQueries`) in the channel store's `sign_in_failure` table.
struct SQLiteSignInFailures: SignInFailureQueries {
    let db: Database

    func record(keys: [String], at: Date) throws {
        for key in keys {
            try db.execute(sql: "INSERT INTO sign_in_failure (key, at) VALUES (?, ?)", arguments: [key, Timestamp.format(at)])
        }
    }

    func recent(key: String, since: Date, limit: Int) throws -> [Date] {
        try Row.fetchAll(
            db, sql: "SELECT id, at FROM sign_in_failure WHERE key = ? AND at > ? ORDER BY at DESC, id DESC LIMIT ?",
            arguments: [key, Timestamp.format(since), limit]
        ).map { row in try StoredRow(row, table: "sign_in_failure", key: "\(row["id"] as Int64? ?? 0)").timestamp("at") }
    }

    func clear(key: String) throws {
        try db.execute(sql: "DELETE FROM sign_in_failure WHERE key = ?", arguments: [key])
    }

    func prune(upTo cutoff: Date, limit: Int) throws -> Int {
        try db.execute(
            sql: "DELETE FROM sign_in_failure WHERE id IN (SELECT id FROM sign_in_failure WHERE at <= ? ORDER BY at LIMIT ?)",
            arguments: [Timestamp.format(cutoff), limit])
        return db.changesCount
    }
}
