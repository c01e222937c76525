import GRDB
import RemitStore

/// A transaction on the operations store in SQLite.
struct SQLiteOperationsTransaction: OperationsStoreTransaction {
    let db: Database

    var deadLetters: any DeadLetterQueries { SQLiteDeadLetters(db: db) }
    var audit: any DeadLetterAuditQueries { SQLiteDeadLetterAudit(db: db) }
}

extension OperationsStore: OperationsStoreBackend {
    public func writeOperations<T: Sendable>(
        _ body: @escaping @Sendable (any OperationsStoreTransaction) throws -> T
    ) async throws -> T {
        try await SQLiteFailure.mapped(store: path) {
            try await pool.write { db in try body(SQLiteOperationsTransaction(db: db)) }
        }
    }

    public func readOperations<T: Sendable>(
        _ body: @escaping @Sendable (any OperationsStoreTransaction) throws -> T
    ) async throws -> T {
        try await SQLiteFailure.mapped(store: path) {
            try await pool.read { db in try body(SQLiteOperationsTransaction(db: db)) }
        }
    }
}
