import Foundation
import RemitSQLite
import RemitStore
import Testing

/// The SQLite backend: real store files in the test's temporary directory.
struct SQLiteBackendFactory: StoreBackendFactory {
    var testDescription: String { "SQLite" }

    func channelStore(in directory: URL) throws -> any MessageStoreBackend {
        try ChannelStore(dataDirectory: directory.path)
    }

    func hqStore(in directory: URL) throws -> any HQStoreBackend {
        try HQStore(dataDirectory: directory.path)
    }

    func operationsStore(in directory: URL) throws -> any OperationsStoreBackend {
        try OperationsStore(dataDirectory: directory.path)
    }
}
