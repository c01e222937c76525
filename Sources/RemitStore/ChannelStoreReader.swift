/// The channel store as its readers hold it (the portal, which never writes it): read-only
/// transactions with the channel's queries, awaited without holding a thread of the cooperative pool.
public protocol ChannelStoreReader: Sendable {
    func readChannel<T: Sendable>(_ body: @escaping @Sendable (any ChannelStoreTransaction) throws -> T) async throws -> T
}
