import RemitStore

/// The stores of a data directory as the worker kinds use them, through the seam: the composition
/// root picks the backend (`DataDirectoryStores` in RemitApp opens SQLite files), and each store
/// is opened the first time a kind asks for it — a kind never opens (or is stopped by) a store it
/// does not use.
public protocol WorkerStores: Sendable {
    /// The data directory (the file outbox lives under it).
    var directory: String { get }
    /// The channel store: what the storefront's kinds apply messages to, and what the portal reads
    /// (keeping its sessions and failed sign-ins there).
    func channel() throws -> any MessageStoreBackend & PortalChannelStore
    /// The HQ store: what HQ's jobs apply their runs to.
    func hq() throws -> any HQStoreBackend
    /// The stores opened so far (by the kinds this process runs).
    var openedStores: [any MessageStoreBackend] { get }
}
