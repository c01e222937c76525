/// The HQ store as a backend provides it: transactions with HQ's queries (`HQStoreTransaction`),
/// synchronous on the calling thread and their async counterparts, as `MessageStoreBackend` (whose
/// `write` and `read` hand out the same transactions as `any StoreTransaction`, for the runtime).
public protocol HQStoreBackend: MessageStoreBackend {
    /// Runs `body` in one write transaction: committed when it returns, rolled back when it throws.
    func writeHQ<T>(_ body: (any HQStoreTransaction) throws -> T) throws -> T

    /// Runs `body` in a read-only transaction that sees one committed state.
    func readHQ<T>(_ body: (any HQStoreTransaction) throws -> T) throws -> T

    func writeHQ<T: Sendable>(_ body: @escaping @Sendable (any HQStoreTransaction) throws -> T) async throws -> T

    func readHQ<T: Sendable>(_ body: @escaping @Sendable (any HQStoreTransaction) throws -> T) async throws -> T

    /// Runs `body`, which writes very many rows in transactions of its own (the seed): the backend
    /// may tune itself for bulk writes meanwhile, and restores its settings after.
    func loadingInBulk<T>(_ body: () throws -> T) throws -> T
}
