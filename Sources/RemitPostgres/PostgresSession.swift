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
    /// migrations). Closed after this, the pool replaces the connection and the worker pauses as for
    /// any unreachable store, instead of hanging with its batch.
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

    /// Waits for `future`, the answer to a query just sent, at most `statementTimeout`; then closes
    /// the connection and throws the store as unavailable.
    ///
    /// PostgresNIO writes a query to its channel without a promise for the write: on a channel that
    /// has already closed (the server dropped it, say in a restart, before or while the pool lent it)
    /// the write fails unseen and the answer never comes. So right after the write, on the
    /// connection's event loop (which runs the write first: tasks one thread submits run in order),
    /// a closed channel fails the statement at once. A channel still open then has the query in its
    /// handler, which answers it or fails it when the connection closes.
    private func answer(_ future: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        let bounded = future.eventLoop.makePromise(of: PostgresQueryResult.self)
        future.cascade(to: bounded)
        future.eventLoop.execute { [connection] in
            if connection.isClosed { bounded.fail(ConnectionDropped()) }
        }
        let deadline = statementTimeout.map { timeout in
            future.eventLoop.scheduleTask(in: timeout) { bounded.fail(StatementUnanswered()) }
        }
        defer { deadline?.cancel() }
        do {
            return try bounded.futureResult.wait()
        } catch is ConnectionDropped {
            throw StoreFailure(.unavailable, store: store, detail: "the PostgreSQL connection closed before the statement was answered")
        } catch is StatementUnanswered {
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
            let seconds = (statementTimeout?.nanoseconds ?? 0) / 1_000_000_000
            throw StoreFailure(
                .unavailable, store: store,
                detail: "PostgreSQL did not answer a statement within \(seconds) s; the connection is closed")
        }
    }
}

/// A statement `PostgresSession.statementTimeout` gave up on.
private struct StatementUnanswered: Error {}

/// A statement whose connection closed before it was answered.
private struct ConnectionDropped: Error {}
