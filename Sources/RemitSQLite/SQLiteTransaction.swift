import GRDB
import RemitStore

/// A transaction on a SQLite store: GRDB's `Database` inside one `write` or `read`.
public class SQLiteTransaction: StoreTransaction {
    /// GRDB's connection in the transaction; the SQLite module's queries run on it.
    public let db: Database
    /// The store's file, named in errors.
    public let store: String

    public init(_ db: Database, store: String) {
        self.db = db
        self.store = store
    }

    public var inbox: any MessageInbox { SQLiteInbox(db) }

    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try SQLiteFailure.mapped(store: store) {
            try db.inSavepoint {
                result = try body()
                return .commit
            }
        }
        return result!
    }
}
