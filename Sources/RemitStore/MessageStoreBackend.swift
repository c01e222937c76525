/// A store a worker kind applies messages to, as a backend provides it: transactions, synchronous
/// on the calling thread (a blocking thread of the runtime, or a command's), and their async
/// counterparts that wait without holding a thread of the cooperative pool. Errors of the store
/// itself are `StoreFailure`s; anything `body` throws is rethrown as it is, after the rollback.
public protocol MessageStoreBackend: Sendable {
    /// Names the store in logs and errors (a file path; never a password).
    var path: String { get }

    /// Runs `body` in one write transaction: committed when it returns, rolled back when it throws.
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T

    /// Runs `body` in a read-only transaction that sees one committed state.
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T

    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T

    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T

    /// The most messages of a worker's batch one write transaction should apply (nil: the whole
    /// batch). A store with one writer at a time (SQLite) gains from large transactions; one that
    /// several processes write at once (PostgreSQL) holds each row a message locks until the commit,
    /// so small transactions keep another host's wait short and its deadlocks rare.
    var messagesPerTransaction: Int? { get }
}

extension MessageStoreBackend {
    public var messagesPerTransaction: Int? { nil }
}
