import Logging
import RemitClient
import RemitPostgres
import RemitSQLite
import RemitStore
import RemitWorkers

/// Which backend holds the channel store: PostgreSQL when `store-url` is set (REMIT_STORE_URL,
/// `--store`), shared by the workers and portals of every host; else SQLite's `channel.sqlite` in
/// the data directory. The HQ store stays on SQLite either way (it stands in for the back office,
/// whose job queues have one active consumer, on one host).
public enum StoreSelection {
    /// The PostgreSQL URL, parsed, when one is set; a bad one throws naming the part that is wrong.
    public static func postgresURL(_ configuration: RemitConfiguration) throws -> PostgresStoreURL? {
        guard let text = configuration[.storeURL], !text.isEmpty else { return nil }
        return try PostgresStoreURL(text)
    }

    /// The data directory's stores, the channel store on PostgreSQL when `store-url` says so
    /// (opened, and migrated, by the first kind that needs it).
    public static func stores(_ configuration: RemitConfiguration, logger: Logger) throws -> DataDirectoryStores {
        guard let url = try postgresURL(configuration) else { return DataDirectoryStores(directory: configuration.dataDirectory) }
        return DataDirectoryStores(directory: configuration.dataDirectory) { try PostgresChannelStore(url: url, logger: logger) }
    }

    /// The channel store the portal alone reads, and keeps its sessions and failed sign-ins in:
    /// PostgreSQL's, or the data directory's file (it must exist: the workers create it).
    public static func portalChannel(_ configuration: RemitConfiguration, logger: Logger) throws -> any PortalChannelStore {
        if let url = try postgresURL(configuration) { return try PostgresChannelStore(url: url, logger: logger) }
        // Opened read-only first: a missing file is refused (a wrong --data-dir), not created empty.
        _ = try ChannelStore(dataDirectory: configuration.dataDirectory, readOnly: true)
        return try ChannelStore(dataDirectory: configuration.dataDirectory)
    }

    /// Opens the channel and operations stores `configuration` names, which migrates them to this
    /// build's schema (on PostgreSQL under an advisory lock, so it may run beside starting workers);
    /// a line per store. A store from a newer build or of another application is refused.
    public static func migrate(_ configuration: RemitConfiguration, logger: Logger) throws -> [String] {
        if let url = try postgresURL(configuration) {
            let channel = try PostgresChannelStore(url: url, logger: logger)
            defer { channel.shutdown() }
            let operations = try PostgresOperationsStore(url: url, logger: logger)
            defer { operations.shutdown() }
            return [channel.path, operations.path].map { "\($0): at this build's schema" }
        }
        let channel = try ChannelStore(dataDirectory: configuration.dataDirectory)
        let operations = try OperationsStore(dataDirectory: configuration.dataDirectory)
        return [channel.path, operations.path].map { "\($0): at this build's schema" }
    }
}
