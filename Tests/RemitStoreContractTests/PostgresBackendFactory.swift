import Foundation
import RemitPostgres
import RemitStore
import RemitTestSupport
import Testing

/// The PostgreSQL backend: the stores of one test in a database of their own (named for the test's
/// directory) on the test server (`PostgresTestServer`). The HQ store stays on SQLite (issue #24:
/// it stands in for the back office, whose job queues have one active consumer, on one host), so
/// this factory has none and the HQ contract tests run on SQLite only.
struct PostgresBackendFactory: StoreBackendFactory {
    var testDescription: String { "PostgreSQL" }

    struct NoHQStore: Error, CustomStringConvertible {
        var description: String { "the HQ store stays on SQLite; there is no PostgreSQL HQ store" }
    }

    func url(for directory: URL) throws -> PostgresStoreURL {
        try PostgresTestServer.shared.get().database(directory.lastPathComponent)
    }

    func channelStore(in directory: URL) throws -> any MessageStoreBackend {
        try PostgresChannelStore(url: url(for: directory))
    }

    func hqStore(in directory: URL) throws -> any HQStoreBackend { throw NoHQStore() }

    func operationsStore(in directory: URL) throws -> any OperationsStoreBackend {
        try PostgresOperationsStore(url: url(for: directory))
    }
}
