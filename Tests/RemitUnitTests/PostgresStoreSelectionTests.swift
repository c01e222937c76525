import Foundation
import RemitApp
import RemitClient
import RemitPostgres
import RemitSQLite
import RemitStore
import Testing

/// `store-url` (REMIT_STORE_URL, `--store`) choosing the channel store's backend in the
/// composition root; a server is not needed to see the choice made.
@Suite("Postgres store selection")
struct PostgresStoreSelectionTests {
    private static func configuration(dataDirectory: String, storeURL: String?) throws -> RemitConfiguration {
        try RemitConfiguration(
            flags: [:], environment: ["REMIT_DATA_DIR": dataDirectory, "REMIT_STORE_URL": storeURL ?? ""], configFile: nil)
    }

    @Test("unset: the channel store is the data directory's SQLite file, as before")
    func sqliteByDefault() async throws {
        try await StoreDirectory.with { directory in
            let configuration = try Self.configuration(dataDirectory: directory.path, storeURL: nil)
            #expect(try StoreSelection.postgresURL(configuration) == nil)
            let channel = try StoreSelection.stores(configuration, logger: .init(label: "test")).channel()
            #expect(channel is ChannelStore)
            #expect(channel.path.hasSuffix(ChannelStore.fileName))
        }
    }

    @Test("REMIT_STORE_URL is read as the PostgreSQL URL; a bad one names its wrong part, not the password")
    func urlFromEnvironment() async throws {
        try await StoreDirectory.with { directory in
            let good = try Self.configuration(dataDirectory: directory.path, storeURL: "postgres://remit:pw@db:5433/shop?sslmode=require")
            let url = try #require(try StoreSelection.postgresURL(good))
            #expect(url.description == "postgres://db:5433/shop")
            let bad = try Self.configuration(dataDirectory: directory.path, storeURL: "postgres://remit:hunter2@db/shop?sslmode=sometimes")
            let error = #expect(throws: PostgresStoreURLError.self) { try StoreSelection.stores(bad, logger: .init(label: "test")) }
            #expect(error?.part == .sslmode)
            #expect(error.map { !"\($0)".contains("hunter2") } ?? false)
        }
    }

    @Test("set: the channel store is opened on PostgreSQL, lazily; a server that is not there is a StoreError without the password")
    func postgresChosen() async throws {
        try await StoreDirectory.with { directory in
            // Port 1 on the loopback: nothing listens, the connection is refused.
            let configuration = try Self.configuration(
                dataDirectory: directory.path, storeURL: "postgres://remit:hunter2@127.0.0.1:1/shop?sslmode=disable")
            let stores = try StoreSelection.stores(configuration, logger: .init(label: "test"))
            #expect(stores.openedStores.isEmpty, "nothing is opened before a kind asks")
            let error = #expect(throws: StoreError.self) { try stores.channel() }
            #expect(error?.code == .cannotOpen)
            #expect(error?.path == "postgres://127.0.0.1:1/shop (channel)")
            #expect(error.map { !"\($0)".contains("hunter2") } ?? false)
            #expect(!FileManager.default.fileExists(atPath: "\(directory.path)/\(ChannelStore.fileName)"), "no SQLite file instead")
        }
    }

    @Test("store migrate without store-url migrates the data directory's channel and operations files")
    func migrateFiles() async throws {
        try await StoreDirectory.with { directory in
            let configuration = try Self.configuration(dataDirectory: directory.path, storeURL: nil)
            let lines = try StoreSelection.migrate(configuration, logger: .init(label: "test"))
            #expect(lines.count == 2)
            #expect(lines.allSatisfy { $0.hasSuffix(": at this build's schema") })
            #expect(FileManager.default.fileExists(atPath: "\(directory.path)/\(ChannelStore.fileName)"))
            #expect(FileManager.default.fileExists(atPath: "\(directory.path)/\(OperationsStore.fileName)"))
        }
    }
}
