import Logging
import RemitCore
import RemitStore

/// The operations store in PostgreSQL (schema `remit_operations`): the dead letters every host
/// collects, and the audit of what operators did to them.
public final class PostgresOperationsStore: OperationsStoreBackend {
    let database: PostgresDatabase

    public init(url: PostgresStoreURL, logger: Logger = Logger(label: "remit.postgres")) throws {
        database = try PostgresDatabase(url: url, kind: .operations, logger: logger)
    }

    public var path: String { database.store }

    public func shutdown() { database.shutdown() }

    public func writeOperations<T: Sendable>(
        _ body: @escaping @Sendable (any OperationsStoreTransaction) throws -> T
    ) async throws -> T {
        try await BlockingPool.run {
            try self.database.transaction(readOnly: false) { try body(PostgresOperationsTransaction(session: $0)) }
        }
    }

    public func readOperations<T: Sendable>(
        _ body: @escaping @Sendable (any OperationsStoreTransaction) throws -> T
    ) async throws -> T {
        try await BlockingPool.run {
            try self.database.transaction(readOnly: true) { try body(PostgresOperationsTransaction(session: $0)) }
        }
    }
}
