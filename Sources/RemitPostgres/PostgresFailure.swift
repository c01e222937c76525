import PostgresNIO
import RemitStore

/// PostgreSQL's errors in the seam's words (`StoreFailure`): the one place SQLSTATEs are read. The
/// detail names the SQLSTATE and the server's message, never the statement, its arguments or the
/// password (a data exception's message may quote a value, so for those only the SQLSTATE is kept).
public enum PostgresFailure {
    /// The code of a SQLSTATE: the data refused, the store failing, or neither.
    public static func code(sqlState: String) -> StoreFailure.Code {
        switch sqlState {
        // A serialisation failure or a deadlock is a conflict with another host's transaction: the
        // runtime retries it as the worker's own business, never spending the message's attempts.
        case "40001", "40P01", "55P03": return .busy
        case "53100": return .full
        case "42P01", "42703", "3F000": return .schema
        case "XX001", "XX002": return .damaged
        // The server shutting down or starting up, or a read-only (standby) server: it cannot be used now.
        case "57P01", "57P02", "57P03", "25006": return .unavailable
        default: break
        }
        switch sqlState.prefix(2) {
        case "23": return .constraint
        case "22": return .invalidValue
        // Insufficient resources, connection exceptions, authentication: the store cannot be reached.
        case "53", "08", "28": return .unavailable
        case "58": return .io
        default: return .other
        }
    }

    /// `error` as a `StoreFailure` naming `store`; nil for an error that is not PostgreSQL's.
    public static func failure(_ error: any Error, store: String) -> StoreFailure? {
        if let failure = error as? StoreFailure { return failure }
        if let error = error as? PostgresDecodingError {
            // A column of another type than this build reads: the schema is not the one expected.
            return StoreFailure(.schema, store: store, detail: "PostgreSQL column of an unexpected type (\(error.code))")
        }
        guard let error = error as? PSQLError else { return nil }
        guard error.code == .server, let sqlState = error.serverInfo?[.sqlState] else {
            // The client's side: cannot connect, connection closed, TLS refused, pool shut down.
            return StoreFailure(.unavailable, store: store, detail: "PostgreSQL unreachable (\(error.code))")
        }
        let code = code(sqlState: sqlState)
        let message = code == .invalidValue ? "a value does not fit its column" : error.serverInfo?[.message] ?? "no message"
        return StoreFailure(code, store: store, detail: "PostgreSQL error \(sqlState): \(message)")
    }

    /// Runs `body`, throwing PostgreSQL's errors as `StoreFailure`s; every other error as it is.
    public static func mapped<T>(store: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw failure(error, store: store) ?? error
        }
    }
}
