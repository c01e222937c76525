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
    /// How long one statement may take before the connection counts as lost (nil: no bound, for
    /// migrations). A connection the server dropped while a lease was being handed out was seen to
    /// leave its query unanswered for good; closed after this, the pool replaces it and the worker
    /// pauses as for any unreachable store, instead of hanging with its batch.
    var statementTimeout: TimeAmount? = .seconds(45)

    init(connection: PostgresConnection, logger: Logger, store: String) {
        self.connection = connection
        self.logger = logger
        self.store = store
    }

    /// The rows `query` returns.
    func rows(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        try PostgresFailure.mapped(store: store) {
            try answer(connection.query(query, logger: logger)).rows.map { PostgresRandomAccessRow($0) }
        }
    }

    /// The first row `query` returns, if any.
    func row(_ query: PostgresQuery) throws -> PostgresRandomAccessRow? { try rows(query).first }

    /// Runs `query`; returns how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try PostgresFailure.mapped(store: store) {
            try answer(connection.query(query, logger: logger)).metadata.rows ?? 0
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

    /// Waits for `future`, at most `statementTimeout`; then closes the connection and throws the store
    /// as unavailable.
    private func answer(_ future: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        guard let statementTimeout else { return try future.wait() }
        let bounded = future.eventLoop.makePromise(of: PostgresQueryResult.self)
        future.cascade(to: bounded)
        let deadline = future.eventLoop.scheduleTask(in: statementTimeout) { bounded.fail(StatementUnanswered()) }
        defer { deadline.cancel() }
        do {
            return try bounded.futureResult.wait()
        } catch is StatementUnanswered {
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
            throw StoreFailure(
                .unavailable, store: store,
                detail:
                    "PostgreSQL did not answer a statement within \(statementTimeout.nanoseconds / 1_000_000_000) s; the connection is closed"
            )
        }
    }
}

/// A statement `PostgresSession.statementTimeout` gave up on.
private struct StatementUnanswered: Error {}
