/// A store failing an operation, in words every backend can say: callers branch on `code`, never on
/// a backend's own error type. The SQLite backend maps GRDB's `DatabaseError` here (and a
/// PostgreSQL backend its SQLSTATE), so the runtime decides bad input, retry or pause the same way
/// whichever database holds the store.
public struct StoreFailure: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable, CaseIterable {
        /// A uniqueness, not-null, check or foreign-key rule refused the data: the message's fault.
        case constraint
        /// A value of the wrong type, or too big, for where it was written: the message's fault.
        case invalidValue
        /// Locked from outside for longer than the store waits.
        case busy
        /// The disk or the database is full.
        case full
        /// Reading or writing the storage failed.
        case io
        /// The store's data is damaged, or the file is not a store at all.
        case damaged
        /// The store cannot be reached or used as asked: cannot open, read-only, permissions, memory.
        case unavailable
        /// The store lacks the schema this build expects (no such table or column).
        case schema
        /// Anything else the backend reports: worth another attempt.
        case other
    }

    public var code: Code
    /// The store, as its backend names it in errors (a file path; never a password).
    public var store: String
    /// The backend's words for what happened, without the statement or its arguments (they may hold
    /// message data).
    public var detail: String

    public init(_ code: Code, store: String, detail: String) {
        self.code = code
        self.store = store
        self.detail = detail
    }

    /// True when the data offered was refused: the same data can never be written.
    public var refusesTheData: Bool { code == .constraint || code == .invalidValue }

    /// True when the store itself is failing, whatever the data: every operation would fail alike,
    /// so a worker holds its batch rather than blaming the messages.
    public var isTheStoresFault: Bool {
        switch code {
        case .busy, .full, .io, .damaged, .unavailable, .schema: return true
        case .constraint, .invalidValue, .other: return false
        }
    }

    public var description: String { "\(store): \(detail)" }
}
