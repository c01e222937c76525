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
