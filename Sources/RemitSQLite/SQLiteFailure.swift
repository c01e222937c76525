import GRDB
import RemitStore

/// GRDB's `DatabaseError` in the seam's words (`StoreFailure`): the one place SQLite's result codes
/// are read.
public enum SQLiteFailure {
    /// The code of a SQLite error: the data refused, the store failing, or neither.
    public static func code(of error: DatabaseError) -> StoreFailure.Code {
        switch error.resultCode {
        case .SQLITE_CONSTRAINT: return .constraint
        case .SQLITE_MISMATCH, .SQLITE_TOOBIG, .SQLITE_RANGE: return .invalidValue
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy
        case .SQLITE_FULL: return .full
        case .SQLITE_IOERR, .SQLITE_NOLFS: return .io
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .damaged
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_NOMEM, .SQLITE_PERM, .SQLITE_PROTOCOL, .SQLITE_AUTH: return .unavailable
        // SQLITE_ERROR is mostly "no such table/column": the file lacks the schema this build expects.
        case .SQLITE_SCHEMA, .SQLITE_ERROR: return .schema
        default: return .other
        }
    }

    /// `error` as a `StoreFailure` naming `store`, in SQLite's words without the SQL or its arguments.
    public static func failure(_ error: DatabaseError, store: String) -> StoreFailure {
        StoreFailure(code(of: error), store: store, detail: SQLiteStore.describe(error))
    }

    /// Runs `body`, throwing a `DatabaseError` as a `StoreFailure`; every other error as it is.
    public static func mapped<T>(store: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw failure(error, store: store)
        }
    }

    public static func mapped<T>(store: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw failure(error, store: store)
        }
    }
}
