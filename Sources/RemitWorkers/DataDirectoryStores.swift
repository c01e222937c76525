import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitHQ
import RemitMail
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore
import Synchronization

/// The data directory's stores, each opened the first time a worker kind asks for it — a kind
/// never opens (or is stopped by) a store it does not use. The channel store may instead be a
/// shared one of another backend (PostgreSQL, for several hosts), opened by the composition root's
/// `openSharedChannel` on first use; HQ's is always the data directory's SQLite file.
public final class DataDirectoryStores: Sendable {
    /// A channel store every host shares: the seam's writer and reader of it.
    public typealias SharedChannel = any MessageStoreBackend & ChannelStoreReader

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

    public func channel() throws -> ChannelStore { try openOnce(\.channel) }

    public func hq() throws -> HQStore { try openOnce(\.hq) }

    /// The channel store the workers and the portal use: the shared one when there is one, else
    /// the data directory's file.
    public func channelBackend() throws -> SharedChannel {
        guard let openSharedChannel else { return try channel() }
        return try sharedChannel.withLock { shared in
            if let shared { return shared }
            let store = try openSharedChannel()
            shared = store
            return store
        }
    }

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
