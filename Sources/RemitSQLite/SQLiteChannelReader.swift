import GRDB
import RemitStore

/// A GRDB reader of a channel store's file as the seam's `ChannelStoreReader`: the store's own pool
/// (`ChannelStore` is one), or a reader opened otherwise (a test's closed pool).
public struct SQLiteChannelReader: ChannelStoreReader {
    let reader: any DatabaseReader
    let path: String

    public init(_ reader: any DatabaseReader, path: String) {
        self.reader = reader
        self.path = path
    }

    public func readChannel<T: Sendable>(_ body: @escaping @Sendable (any ChannelStoreTransaction) throws -> T) async throws -> T {
        let path = self.path
        return try await SQLiteFailure.mapped(store: path) {
            try await reader.read { db in try body(SQLiteChannelTransaction(db, store: path)) }
        }
    }
}

extension ChannelStore: ChannelStoreReader {
    public func readChannel<T: Sendable>(_ body: @escaping @Sendable (any ChannelStoreTransaction) throws -> T) async throws -> T {
        try await SQLiteChannelReader(pool, path: path).readChannel(body)
    }
}

// The portal writes its own state (sessions, failed sign-ins) in the file it reads.
extension ChannelStore: PortalChannelStore {}
