import Foundation
import GRDB
import Logging
import Testing
@testable import RemitApp
import RemitWorkers
import RemitCore
import RemitMessages
@testable import RemitHQ
@testable import RemitSQLite
import RemitStore

/// A store file is Remit's, of the right kind, undamaged and not from a newer build — or it is
/// refused with an error naming the file, and left as it was.
@Suite("Store files")
struct StoreFileTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-store-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var channelPath: String { (directory as NSString).appendingPathComponent(ChannelStore.fileName) }
    var hqPath: String { (directory as NSString).appendingPathComponent(HQStore.fileName) }

    func tables(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
    }

    func refusal(_ open: () throws -> Void) -> StoreError? {
        do { try open() } catch let error as StoreError { return error } catch {
            Issue.record("expected a StoreError, got \(error)")
        }
        return nil
    }

    @Test func processesOpeningOneNewFileAtOnceMigrateItOnceAndAllOpenIt() async throws {
        // Each opener has its own pool, as two processes have: GRDB serialises migrations only
        // within one pool. Before the lock, the loser failed with "duplicate column name".
        for round in 0..<8 {
            let path = (directory as NSString).appendingPathComponent("race-\(round).sqlite")
            let opened = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let store = try ChannelStore(path: path)
                        return try store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM grdb_migrations") ?? 0 } > 0
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(opened == [true, true, true, true], "round \(round)")
        }
    }

    @Test func aForeignSQLiteFileIsRefusedAndLeftAsItWas() throws {
        try DatabaseQueue(path: channelPath).write { try $0.execute(sql: "CREATE TABLE recipes (name TEXT)") }
        let error = try #require(refusal { _ = try ChannelStore(path: channelPath) })
        #expect(error.code == .foreign)
        #expect(error.description.contains(channelPath))
        #expect(error.description.contains("another application"))
        #expect(try tables(channelPath) == ["recipes"], "no Remit table was added")
    }

    @Test func aFileThatIsNotSQLiteIsRefused() throws {
        try Data("just some text, not a database at all".utf8 + Array(repeating: 0x41, count: 4096)).write(
            to: URL(fileURLWithPath: channelPath))
        let error = try #require(refusal { _ = try ChannelStore(path: channelPath) })
        #expect(error.description.contains(channelPath))
        #expect([StoreError.Code.foreign, .damaged].contains(error.code))
    }

    @Test func oneStoresFileOpenedAsTheOtherIsRefused() throws {
        _ = try HQStore(path: hqPath)
        let error = try #require(refusal { _ = try ChannelStore(path: hqPath) })
        #expect(error.code == .foreign)
        #expect(error.description.contains("is the HQ store, not the channel store"))
    }

    @Test func aStoreFromANewerBuildIsRefused() throws {
        _ = try ChannelStore(path: channelPath)
        try DatabaseQueue(path: channelPath).write {
            try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        let error = try #require(refusal { _ = try ChannelStore(path: channelPath) })
        #expect(error.code == .newerBuild)
        #expect(error.description.contains("v99-from-the-future"))
        #expect(error.description.contains(channelPath))
    }

    /// A channel store written before the invoice list's keys (v7) opens, gains them, and keeps
    /// every invoice: the indexes are rebuilt with the number at their end, the open amounts get theirs.
    @Test func aStoreFromBeforeTheListKeysUpgradesInPlaceAndKeepsItsInvoices() throws {
        try ChannelStore.migrator.migrate(DatabaseQueue(path: channelPath), upTo: "v6-inbox-by-time")
        try DatabaseQueue(path: channelPath).write { db in
            for index in 0..<300 {
                try db.execute(
                    sql: """
                        INSERT INTO channel_invoice (number, customer_account, invoice_date, due_date, discount_minor, currency,
                            total_minor, settled_minor, discount_taken_minor, status, hq_changed_at)
                        VALUES (?, ?, '2026-01-01', '2026-02-01', 0, 'EUR', 1000, ?, 0, 'unpaid', '2026-01-01T00:00:00.000Z')
                        """, arguments: ["U-\(index)", index % 2 == 0 ? "A" : "B", index % 3 == 0 ? 400 : 0])
            }
        }
        let store = try ChannelStore(path: channelPath)
        try store.pool.read { db in
            #expect(try ChannelStore.migrator.appliedIdentifiers(db).contains("v7-invoice-list-keys"))
            #expect(try ChannelInvoice.fetchCount(db) == 300)
            let indexes = Dictionary(uniqueKeysWithValues: try db.indexes(on: "channel_invoice").map { ($0.name, $0.columns) })
            let columns = { (index: String) in indexes[index] }
            #expect(columns("channel_invoice_by_status") == ["customer_account", "status", "due_date", "number"])
            #expect(columns("channel_invoice_by_customer") == ["customer_account", "due_date", "number"])
            #expect(columns("channel_invoice_by_date") == ["customer_account", "invoice_date", "number"])
            #expect(columns("channel_invoice_by_amount") == ["customer_account", "total_minor", "number"])
            #expect(
                columns("channel_invoice_open_amounts")
                    == ["customer_account", "currency", "total_minor", "settled_minor", "discount_taken_minor"])
            // 150 invoices of A at 1000, 50 of them 400 settled.
            #expect(
                try ChannelInvoice.openBalance(db, account: "A", currency: .EUR) == Money(minorUnits: 150 * 1000 - 50 * 400, currency: .EUR)
            )
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
        }
    }

    @Test func aDamagedStoreIsRefusedBeforeAnythingIsWritten() throws {
        let store = try ChannelStore(path: channelPath)
        try store.pool.write { db in
            for index in 0..<2_000 {
                try db.execute(
                    sql: "INSERT INTO smoke_record (key, amount_minor, currency, message_id, recorded_at) VALUES (?, 1, 'EUR', 'm', 'x')",
                    arguments: ["key-\(index)"])
            }
        }
        _ = try store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try store.pool.close()
        // Overwrite a page in the middle of the file: the index and table pages no longer agree.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: channelPath))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4096))
        try handle.close()
        let error = try #require(refusal { _ = try ChannelStore(path: channelPath) })
        #expect([StoreError.Code.damaged, .cannotOpen].contains(error.code), "\(error)")
        #expect(error.description.contains(channelPath))
    }

    @Test func aStoreWrittenBeforeTheStampIsAdopted() throws {
        _ = try ChannelStore(path: channelPath)
        try DatabaseQueue(path: channelPath).writeWithoutTransaction { try $0.execute(sql: "PRAGMA application_id = 0") }
        _ = try ChannelStore(path: channelPath)
        let stamp = try DatabaseQueue(path: channelPath).read { try Int32.fetchOne($0, sql: "PRAGMA application_id") }
        #expect(stamp == StoreIdentity.channel.rawValue)
    }

    @Test func readOnlyOpeningCreatesNothing() throws {
        let error = try #require(refusal { _ = try HQStore(dataDirectory: directory, readOnly: true) })
        #expect(error.code == .missing)
        #expect(!FileManager.default.fileExists(atPath: hqPath))
    }

    @Test func aDataDirectoryThatIsAFileIsNamedInTheError() throws {
        let file = (directory as NSString).appendingPathComponent("not-a-directory")
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let error = try #require(refusal { _ = try ChannelStore(dataDirectory: file + "/inner") })
        #expect(error.code == .unusableDirectory)
        #expect(error.description.contains("\(file) is a file"))
        #expect(!error.description.contains("NSCocoaErrorDomain"))
    }

    @Test func aKindOpensOnlyTheStoreItUses() throws {
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: hqPath))
        let dependencies = WorkerDependencies(dataDirectory: directory, logger: Logger(label: "test"))
        let topology = try Topology.load(from: repositoryTopology)
        _ = try WorkerKinds.handler(for: "smoke", dependencies: dependencies)
        #expect(throws: Never.self) { _ = try dependencies.store(for: topology.kind(named: "smoke")) }
        #expect(throws: StoreError.self) { _ = try dependencies.store(for: topology.kind(named: "hq-sync")) }
    }
}
