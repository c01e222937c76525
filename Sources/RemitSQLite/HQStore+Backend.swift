import GRDB
import RemitStore

// The HQ store as the seam's backend: its transactions carry HQ's queries.
extension HQStore: HQStoreBackend {
    public func writeHQ<T>(_ body: (any HQStoreTransaction) throws -> T) throws -> T {
        try SQLiteFailure.mapped(store: path) {
            try pool.write { db in try body(SQLiteHQTransaction(db, store: path)) }
        }
    }

    public func readHQ<T>(_ body: (any HQStoreTransaction) throws -> T) throws -> T {
        try SQLiteFailure.mapped(store: path) {
            try pool.read { db in try body(SQLiteHQTransaction(db, store: path)) }
        }
    }

    public func writeHQ<T: Sendable>(_ body: @escaping @Sendable (any HQStoreTransaction) throws -> T) async throws -> T {
        let path = self.path
        return try await SQLiteFailure.mapped(store: path) {
            try await pool.write { db in try body(SQLiteHQTransaction(db, store: path)) }
        }
    }

    public func readHQ<T: Sendable>(_ body: @escaping @Sendable (any HQStoreTransaction) throws -> T) async throws -> T {
        let path = self.path
        return try await SQLiteFailure.mapped(store: path) {
            try await pool.read { db in try body(SQLiteHQTransaction(db, store: path)) }
        }
    }

    /// While `body` writes, the writer keeps 64 MB of pages in memory (SQLite's default is 2 MB) and
    /// checkpoints the WAL every 64 MB rather than every 4 MB: the account index takes rows in random
    /// order, and each of its pages would otherwise be read and written again and again.
    public func loadingInBulk<T>(_ body: () throws -> T) throws -> T {
        try SQLiteFailure.mapped(store: path) {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384")
            }
        }
        defer {
            try? pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000")
            }
        }
        return try body()
    }
}
