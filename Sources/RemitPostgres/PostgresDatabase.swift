import Logging
import PostgresNIO
import RemitStore

/// One kind of Remit store in a PostgreSQL database: the client and its pool (run by a task this
/// owns, ended on `shutdown` or when the last reference goes), the schema migrated on open, and
/// transactions on a leased connection.
///
/// A transaction is synchronous on the calling thread (a blocking thread of the runtime, never an
/// event loop): it leases a connection for its whole length, runs `BEGIN` … `COMMIT` (or
/// `ROLLBACK`) with the connection's EventLoopFuture API and waits for each statement. Writes run
/// at READ COMMITTED, each rule that reads before it writes locking the rows it reads (`FOR
/// UPDATE`) or writing with `INSERT … ON CONFLICT`: a conflicting transaction waits for the other to
/// commit and then sees what it wrote. Reads run at REPEATABLE READ, READ ONLY: one committed state.
final class PostgresDatabase: Sendable {
    let kind: PostgresStoreKind
    /// `postgres://host:port/database (kind)`: no user, no password.
    let store: String
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>

    /// How long a transaction waits for a connection of the pool before the store counts as unavailable.
    static let leaseTimeout: Duration = .seconds(15)

    init(url: PostgresStoreURL, kind: PostgresStoreKind, logger: Logger) throws {
        var configuration = url.configuration
        // Each kind's connections see its own schema first, so its tables keep their SQLite names.
        configuration.options.additionalStartupParameters = [("search_path", kind.schema)]
        // The pool logs every failed connection attempt at info, several a second while the server
        // is away; the store's own error (and a worker's pause) says it once, so the pool speaks
        // only from warning up.
        var background = logger
        if background.logLevel < .warning { background.logLevel = .warning }
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.kind = kind
        self.client = client
        self.logger = logger
        store = "\(url) (\(kind.rawValue))"
        // The pool's own work runs off the cooperative pool too (see `PostgresLeaseExecutor`).
        running = Task(executorPreference: PostgresLeaseExecutor.shared) { await client.run() }
        do {
            try transaction(readOnly: false) { session in
                // A migration may rebuild an index over a million rows: no bound on its statements.
                session.statementTimeout = nil
                try PostgresSchemaMigrator(kind: kind, store: store).migrate(session)
            }
        } catch let failure as StoreFailure {
            running.cancel()
            throw StoreError(.cannotOpen, path: store, detail: failure.detail)
        } catch {
            running.cancel()
            throw error
        }
    }

    deinit { running.cancel() }

    /// Closes the pool's connections; transactions after this fail as unavailable.
    func shutdown() { running.cancel() }

    /// Runs `body` in one transaction on a leased connection: committed when it returns, rolled back
    /// when it throws (the error rethrown as it was).
    func transaction<T>(readOnly: Bool, _ body: (PostgresSession) throws -> T) throws -> T {
        let (session, lease) = try begin(readOnly: readOnly)
        defer { lease.release() }
        let result: T
        do {
            result = try body(session)
        } catch {
            // A connection that broke takes the transaction with it; the body's error is the one to tell.
            _ = try? session.execute("ROLLBACK")
            throw error
        }
        try session.execute("COMMIT")
        return result
    }

    /// How many connections the server has already dropped (a restart) a transaction passes over
    /// before it fails as unavailable.
    static let droppedConnectionsPassed = 3

    /// A leased connection with its transaction begun. The pool may lend a connection the server has
    /// just dropped, before it has seen the close: BEGIN changes nothing, so on such a connection the
    /// transaction begins again on another one.
    private func begin(readOnly: Bool) throws -> (PostgresSession, PostgresConnectionLease) {
        var dropped = 0
        while true {
            let (connection, lease) = try PostgresConnectionLease.lease(from: client, store: store, timeout: Self.leaseTimeout)
            let session = PostgresSession(connection: connection, logger: logger, store: store)
            // BEGIN answers at once from a server that answers at all: a short bound of its own.
            let statementTimeout = session.statementTimeout
            session.statementTimeout = .seconds(10)
            do {
                try session.execute(
                    readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN ISOLATION LEVEL READ COMMITTED")
                session.statementTimeout = statementTimeout
                return (session, lease)
            } catch let failure as StoreFailure
                where (connection.isClosed || failure.code == .unavailable) && dropped < Self.droppedConnectionsPassed
            {
                // Closed before BEGIN went out, or ended by the server while it was idle in the pool
                // (`pg_terminate_backend`, a restart: 57P01 answers the BEGIN before the close is seen).
                lease.release()
                dropped += 1
                logger.debug("leased PostgreSQL connection was closed; beginning on another", metadata: ["error": "\(failure)"])
            } catch {
                lease.release()
                throw error
            }
        }
    }
}
