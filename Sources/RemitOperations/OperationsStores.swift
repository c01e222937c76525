import Foundation
import RemitClient
import RemitPostgres
import RemitSQLite
import RemitStore

/// Where operations finds the operations store: the one place this module names a backend
/// (SQLite's `operations.sqlite` in the data directory, or PostgreSQL's when `store-url` is set);
/// everything else works through the seam.
public enum OperationsStores {
    /// The operations store `configuration` names: PostgreSQL's (schema `remit_operations`) when
    /// `store-url` is set, else the data directory's file; created and migrated when missing.
    public static func open(_ configuration: RemitConfiguration) throws -> any OperationsStoreBackend {
        if let text = configuration[.storeURL], !text.isEmpty { return try PostgresOperationsStore(url: try PostgresStoreURL(text)) }
        return try open(dataDirectory: configuration.dataDirectory)
    }

    /// The operations store of `dataDirectory`, created and migrated when missing.
    public static func open(dataDirectory: String) throws -> any OperationsStoreBackend {
        try OperationsStore(dataDirectory: dataDirectory)
    }

    /// The operations store of `dataDirectory` opened read-only, or nil when there is none: reading
    /// creates nothing.
    public static func existing(dataDirectory: String) throws -> (any OperationsStoreBackend)? {
        let path = (dataDirectory as NSString).appendingPathComponent(OperationsStore.fileName)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try OperationsStore(path: path, readOnly: true)
    }
}
