import Foundation
import Logging
import PostgresNIO
import RemitStore

/// A connection leased for one transaction, queried synchronously from the blocking thread that runs
/// the transaction (never an event loop: `wait()` there would deadlock). Every query's error comes
/// out as a `StoreFailure`.
final class PostgresSession {
    let connection: PostgresConnection
    let logger: Logger
    /// The store, as errors name it.
    let store: String
    private var savepoints = 0

    init(connection: PostgresConnection, logger: Logger, store: String) {
        self.connection = connection
        self.logger = logger
        self.store = store
    }

    /// The rows `query` returns.
    func rows(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        try PostgresFailure.mapped(store: store) {
            try connection.query(query, logger: logger).wait().rows.map { PostgresRandomAccessRow($0) }
        }
    }

    /// The first row `query` returns, if any.
    func row(_ query: PostgresQuery) throws -> PostgresRandomAccessRow? { try rows(query).first }

    /// Runs `query`; returns how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try PostgresFailure.mapped(store: store) {
            try connection.query(query, logger: logger).wait().metadata.rows ?? 0
        }
    }

    /// Runs `body` in `SAVEPOINT s_n`: rolled back to it when `body` throws (so the transaction,
    /// which PostgreSQL otherwise aborts at a failed statement, goes on), released when it returns.
    func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepoints += 1
        let name = "s_\(savepoints)"
        try execute(PostgresQuery(unsafeSQL: "SAVEPOINT \(name)"))
        do {
            let result = try body()
            try execute(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(name)"))
            return result
        } catch {
            try execute(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(name)"))
            try execute(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(name)"))
            throw error
        }
    }
}
