import Foundation
import RemitSQLite
import RemitStore
import RemitWorkers
import Synchronization

/// The data directory's stores in SQLite files, each opened the first time a worker kind asks for
/// it: the backend this composition root picks for the workers (`WorkerStores`).
public final class DataDirectoryStores: WorkerStores {
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

    public func channel() throws -> any MessageStoreBackend & ChannelStoreReader { try openOnce(\.channel) }

    public func hq() throws -> any HQStoreBackend { try openOnce(\.hq) }

    public var openedStores: [any MessageStoreBackend] {
        opened.withLock { opened in [opened.channel as (any MessageStoreBackend)?, opened.hq].compactMap { $0 } }
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
