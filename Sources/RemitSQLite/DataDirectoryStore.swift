import Foundation
import GRDB
import RemitStore

/// A store kept in one SQLite file of the data directory.
public protocol DataDirectoryStore: MessageStore {
    static var fileName: String { get }
    var pool: DatabasePool { get }
    /// Opens (creating and migrating when `readOnly` is false) the store at `path`.
    init(path: String, readOnly: Bool) throws
}

extension DataDirectoryStore {
    public var database: any DatabaseWriter { pool }

    public init(path: String) throws {
        try self.init(path: path, readOnly: false)
    }

    /// The store's file in `dataDirectory`. Read-only: creates nothing, refuses a missing file.
    public init(dataDirectory: String, readOnly: Bool = false) throws {
        try self.init(path: (dataDirectory as NSString).appendingPathComponent(Self.fileName), readOnly: readOnly)
    }
}
