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
/// never opens (or is stopped by) a store it does not use.
public final class DataDirectoryStores: Sendable {
    public let directory: String
    private let opened: Mutex<(channel: ChannelStore?, hq: HQStore?)>

    public init(directory: String) {
        self.directory = directory
        opened = Mutex((nil, nil))
    }

    /// Stores opened already (tests).
    public init(channel: ChannelStore, hq: HQStore) {
        directory = (channel.path as NSString).deletingLastPathComponent
        opened = Mutex((channel, hq))
    }

    public func channel() throws -> ChannelStore { try openOnce(\.channel) }

    public func hq() throws -> HQStore { try openOnce(\.hq) }

    /// The stores opened so far (by the kinds this process runs).
    public var openedStores: [any MessageStore] {
        opened.withLock { opened in [opened.channel as (any MessageStore)?, opened.hq].compactMap { $0 } }
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
