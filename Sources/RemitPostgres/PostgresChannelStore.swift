import Logging
import RemitCore
import RemitStore

/// The channel store in PostgreSQL (schema `remit_channel`): what the storefront knows and the
/// portal reads, and the inbox, shared by every host's workers and portals.
public final class PostgresChannelStore: MessageStoreBackend, PortalChannelStore {
    let database: PostgresDatabase

    /// Connects, and migrates the schema when this build's is newer (refusing a newer or foreign one).
    public init(url: PostgresStoreURL, logger: Logger = Logger(label: "remit.postgres")) throws {
        database = try PostgresDatabase(url: url, kind: .channel, logger: logger)
    }

    public var path: String { database.store }

    /// Each message locks its buyer's, customer's and invoice's rows until the commit (see
    /// `PostgresStorefront`): a batch of hundreds in one transaction made another host wait for all
    /// of it, and deadlock with it (`scripts/bench postgres`: 4 processes drained 79 msg/s, 1 drained
    /// 372). Per message, the cost is the statements' round trips, not the commit, so a transaction
    /// of 10 messages costs one process little (BENCHMARKS.md).
    public static let messagesPerTransaction = 10

    public var messagesPerTransaction: Int? { Self.messagesPerTransaction }

    public func shutdown() { database.shutdown() }

    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try database.transaction(readOnly: false) { try body(PostgresChannelTransaction($0, locking: true)) }
    }

    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try database.transaction(readOnly: true) { try body(PostgresChannelTransaction($0, locking: false)) }
    }

    // The async forms run the synchronous one on the one pool for blocking work: the body the seam
    // hands in is synchronous anyway, so it needs a thread that may wait; one code path serves both.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await BlockingPool.run { try self.write(body) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await BlockingPool.run { try self.read(body) }
    }

    public func readChannel<T: Sendable>(_ body: @escaping @Sendable (any ChannelStoreTransaction) throws -> T) async throws -> T {
        try await BlockingPool.run {
            try self.database.transaction(readOnly: true) { try body(PostgresChannelTransaction($0, locking: false)) }
        }
    }
}
