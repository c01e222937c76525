/// The operations store as a backend provides it: transactions awaited without holding a thread of
/// the cooperative pool. Errors of the store itself are `StoreFailure`s; anything `body` throws is
/// rethrown as it is, after the rollback.
public protocol OperationsStoreBackend: Sendable {
    /// Names the store in messages to the operator (a file path; never a password).
    var path: String { get }

    /// Runs `body` in one write transaction: committed when it returns, rolled back when it throws.
    func writeOperations<T: Sendable>(_ body: @escaping @Sendable (any OperationsStoreTransaction) throws -> T) async throws -> T

    /// Runs `body` in a read-only transaction that sees one committed state.
    func readOperations<T: Sendable>(_ body: @escaping @Sendable (any OperationsStoreTransaction) throws -> T) async throws -> T
}
