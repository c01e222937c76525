/// The channel store as the portal holds it: it reads what buyers see, and writes only its own
/// state (`PortalState`: sessions and failed sign-ins), which every portal process shares.
public protocol PortalChannelStore: ChannelStoreReader {
    /// Runs `body` in one write transaction on the portal's state: committed when it returns,
    /// rolled back when it throws.
    func writePortalState<T: Sendable>(_ body: @escaping @Sendable (PortalState) throws -> T) async throws -> T
}

extension PortalChannelStore where Self: MessageStoreBackend {
    public func writePortalState<T: Sendable>(_ body: @escaping @Sendable (PortalState) throws -> T) async throws -> T {
        try await write { transaction in try body(PortalState(try transaction.channel())) }
    }
}
