import Foundation
import RemitSQLite
import RemitStore

/// Where operations finds the operations store of a data directory: the one place this module
/// names a backend (SQLite's `operations.sqlite`); everything else works through the seam.
public enum OperationsStores {
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
