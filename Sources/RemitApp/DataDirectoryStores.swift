import Foundation
import RemitSQLite
import RemitStore
import RemitWorkers
import Synchronization

/// The data directory's stores, each opened the first time a worker kind asks for it: the backend
/// this composition root picks for the workers (`WorkerStores`). The channel store is the data
/// directory's SQLite file, or a shared one of another backend (PostgreSQL, for several hosts),
/// opened by `openSharedChannel` on first use; HQ's is always the data directory's SQLite file.
public final class DataDirectoryStores: WorkerStores {
    /// A channel store every host shares: the seam's writer and reader of it.
    public typealias SharedChannel = any MessageStoreBackend & PortalChannelStore

    public let directory: String
    private let opened: Mutex<(channel: ChannelStore?, hq: HQStore?)>
    private let openSharedChannel: (@Sendable () throws -> SharedChannel)?
    private let sharedChannel = Mutex<SharedChannel?>(nil)

    /// - Parameter openSharedChannel: opens the channel store of another backend; nil: `channel.sqlite`.
    public init(directory: String, openSharedChannel: (@Sendable () throws -> SharedChannel)? = nil) {
        self.directory = directory
        opened = Mutex((nil, nil))
        self.openSharedChannel = openSharedChannel
    }

    /// Stores opened already (tests).
    public init(channel: ChannelStore, hq: HQStore) {
        directory = (channel.path as NSString).deletingLastPathComponent
        opened = Mutex((channel, hq))
        openSharedChannel = nil
    }

    /// The channel store the workers and the portal use: the shared one when there is one, else
    /// the data directory's file.
    public func channel() throws -> SharedChannel {
        guard let openSharedChannel else { return try openOnce(\.channel) }
        return try sharedChannel.withLock { shared in
            if let shared { return shared }
            let store = try openSharedChannel()
            shared = store
            return store
        }
    }

    public func hq() throws -> any HQStoreBackend { try openOnce(\.hq) }

    /// The stores opened so far (by the kinds this process runs).
    public var openedStores: [any MessageStoreBackend] {
        let files = opened.withLock { opened in [opened.channel as (any MessageStoreBackend)?, opened.hq].compactMap { $0 } }
        return files + [sharedChannel.withLock { $0 as (any MessageStoreBackend)? }].compactMap { $0 }
    }

    private func openOnce<Store: DataDirectoryStore>(
        _ slot: WritableKeyPath<(channel: ChannelStore?, hq: HQStore?), Store?>
    ) throws -> Store {
        try opened.withLock { opened in
            if let store = opened[keyPath: slot] { return store }
            let store = try Store(dataDirectory: directory)
            opened[keyPath: slot] = store
            return store
        }
    }
}
