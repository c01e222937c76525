import Foundation
import RemitPostgres
import RemitStore
import RemitTestSupport
import Testing

/// The PostgreSQL stores' schemas as SQLite's `StoreIdentity` guards its files: a schema of a newer
/// build, of another application or of the other store is refused; starters racing on a new
/// database migrate it once.
@Suite("Postgres schemas: migrations and identity")
struct PostgresSchemaTests {
    private static func fresh(_ directory: URL) throws -> PostgresStoreURL {
        try PostgresBackendFactory().url(for: directory)
    }

    @Test("a schema written by a newer build is refused with a clear line")
    func newerBuild() throws {
        try TemporaryDirectory.with { directory in
            let url = try Self.fresh(directory)
            _ = try PostgresChannelStore(url: url)
            try PostgresTestServer.shared.get().execute(
                "UPDATE remit_channel.remit_store_identity SET schema_version = 99", in: url.database)
            let error = #expect(throws: StoreError.self) { try PostgresChannelStore(url: url) }
            #expect(error?.code == .newerBuild)
            #expect(error.map { "\($0)".contains("newer build") } ?? false)
        }
    }

    @Test("a migration this build does not know is refused as a newer build's")
    func unknownMigration() throws {
        try TemporaryDirectory.with { directory in
            let url = try Self.fresh(directory)
            _ = try PostgresOperationsStore(url: url)
            try PostgresTestServer.shared.get().execute(
                "INSERT INTO remit_operations.remit_migration VALUES (42, 'v42-future', '2030-01-01T00:00:00.000Z')", in: url.database)
            let error = #expect(throws: StoreError.self) { try PostgresOperationsStore(url: url) }
            #expect(error?.code == .newerBuild)
        }
    }

    @Test("another application's tables in the schema are left alone")
    func foreignSchema() throws {
        try TemporaryDirectory.with { directory in
            let url = try Self.fresh(directory)
            let server = try PostgresTestServer.shared.get()
            try server.execute("CREATE SCHEMA remit_operations", in: url.database)
            try server.execute("CREATE TABLE remit_operations.orders (id INTEGER)", in: url.database)
            let error = #expect(throws: StoreError.self) { try PostgresOperationsStore(url: url) }
            #expect(error?.code == .foreign)
        }
    }

    @Test("the schema of one store kind is not opened as the other's")
    func otherKind() throws {
        try TemporaryDirectory.with { directory in
            let url = try Self.fresh(directory)
            _ = try PostgresChannelStore(url: url)
            try PostgresTestServer.shared.get().execute(
                "UPDATE remit_channel.remit_store_identity SET store_kind = 'operations'", in: url.database)
            let error = #expect(throws: StoreError.self) { try PostgresChannelStore(url: url) }
            #expect(error?.code == .foreign)
        }
    }

    @Test("starters racing on a new database migrate it once, and all of them open it")
    func concurrentStarters() throws {
        try TemporaryDirectory.with { directory in
            let url = try Self.fresh(directory)
            let opened = DispatchGroup()
            let failures = FailureLog()
            for _ in 0..<4 {
                DispatchQueue.global().async(group: opened) {
                    do { _ = try PostgresChannelStore(url: url) } catch { failures.add("\(error)") }
                }
            }
            opened.wait()
            #expect(failures.all.isEmpty)
            let store = try PostgresChannelStore(url: url)
            try store.write { try $0.inbox.record(TransactionContractTests.record("m-1")) }
            #expect(try store.read { try $0.inbox.count() } == 1)
        }
    }
}

/// Errors collected from several threads.
// @unchecked Sendable: every access holds the lock.
private final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String] = []

    func add(_ failure: String) { lock.withLock { failures.append(failure) } }
    var all: [String] { lock.withLock { failures } }
}
