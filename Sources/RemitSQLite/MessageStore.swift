import Foundation
import GRDB
import RemitStore

/// A store a worker kind applies messages to: a database with the inbox tables.
public protocol MessageStore: MessageStoreBackend {
    /// Where messages are applied: the store's pool, or an in-memory database in unit tests.
    var database: any DatabaseWriter { get }
    /// The SQLite file, named in every error about this store.
    var path: String { get }
    /// The seam's transaction on `db`: the channel store's offers its parts' queries.
    func transaction(_ db: Database) -> SQLiteTransaction
}

// The seam's transactions on a SQLite store: GRDB's, with its errors mapped to `StoreFailure`.
extension MessageStore {
    public func transaction(_ db: Database) -> SQLiteTransaction { SQLiteTransaction(db, store: path) }

    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try SQLiteFailure.mapped(store: path) {
            try database.write { db in try body(transaction(db)) }
        }
    }

    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try SQLiteFailure.mapped(store: path) {
            try database.read { db in try body(transaction(db)) }
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let path = self.path
        return try await SQLiteFailure.mapped(store: path) {
            try await database.write { db in try body(self.transaction(db)) }
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let path = self.path
        return try await SQLiteFailure.mapped(store: path) {
            try await database.read { db in try body(self.transaction(db)) }
        }
    }
}
