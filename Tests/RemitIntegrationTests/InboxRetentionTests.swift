import Foundation
import GRDB
@testable import RemitClient
import RemitCore
import RemitMessages
import RemitSQLite
import RemitStore
import Synchronization
import Testing
@testable import RemitRuntime

@Suite("Inbox retention: old records pruned in small batches", .serialized)
struct InboxRetentionTests {
    /// Inserts `count` inbox records applied at `at`, each with one kept follow-up, in one transaction.
    func seedInbox(_ store: any MessageStore, prefix: String, count: Int, at: Date) async throws {
        let processedAt = Timestamp.format(at)
        try await store.database.write { db in
            let record = try db.makeStatement(
                sql: """
                    INSERT INTO inbox (consumer, message_id, message_type, correlation_id, processed_at, content_digest)
                    VALUES ('smoke', ?, 'smoke.record', ?, ?, 'digest')
                    """)
            let followUp = try db.makeStatement(
                sql: """
                    INSERT INTO inbox_follow_up (consumer, message_id, position, type, follow_up_id, correlation_id, body)
                    VALUES ('smoke', ?, 0, 'smoke.recorded', ?, ?, x'7b7d')
                    """)
            for index in 0..<count {
                let id = "\(prefix)-\(index)"
                try record.execute(arguments: [id, id, processedAt])
                try followUp.execute(arguments: [id, "\(id)-f", id])
            }
        }
    }

    func rows(_ store: any MessageStore, _ sql: String) async throws -> Int {
        try await store.database.read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    @Test func recordsOlderThanTheWindowGoWithTheirFollowUpsAndNewerOnesStay() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-retention-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try ChannelStore(dataDirectory: directory)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let day = 86_400.0
        try await seedInbox(store, prefix: "old", count: 1_234, at: now.addingTimeInterval(-15 * day))
        try await seedInbox(store, prefix: "edge", count: 10, at: now.addingTimeInterval(-14 * day + 60))
        try await seedInbox(store, prefix: "new", count: 100, at: now.addingTimeInterval(-1 * day))
        var settings = InboxPruner.Settings(retention: .seconds(14 * 86_400))
        settings.batchSize = 500
        settings.pause = .milliseconds(1)
        let pruner = InboxPruner(stores: [store], settings: settings, clock: ManualWallClock(now), logger: testLogger)

        let pass = try await pruner.prune(store)
        #expect(pass == .init(pruned: 1_234, batches: 3, remaining: 110))
        #expect(try await rows(store, "SELECT COUNT(*) FROM inbox WHERE message_id LIKE 'old-%'") == 0)
        #expect(try await rows(store, "SELECT COUNT(*) FROM inbox_follow_up WHERE message_id LIKE 'old-%'") == 0)
        #expect(try await rows(store, "SELECT COUNT(*) FROM inbox_follow_up") == 110, "the kept records keep their follow-ups")
        #expect(try await pruner.prune(store) == .init(pruned: 0, batches: 0, remaining: 110), "a second pass finds nothing")
        // The oldest go first: found by the index on processed_at, not by a scan.
        let plan = try await store.database.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN SELECT consumer, message_id FROM inbox WHERE processed_at < ? ORDER BY processed_at LIMIT 500",
                arguments: ["x"]
            ).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("inbox_by_processed_at") }, "\(plan)")
    }

    @Test func theWindowComesFromTheConfigurationWithAClearErrorForABadValue() throws {
        let environment = ["REMIT_DATA_DIR": "/tmp/x"]
        #expect(try RemitConfiguration(flags: [:], environment: environment, configFile: nil).inboxRetention() == .seconds(14 * 86_400))
        #expect(
            try RemitConfiguration(flags: [.inboxRetentionDays: "30"], environment: environment, configFile: nil).inboxRetention()
                == .seconds(30 * 86_400))
        for bad in ["0", "-1", "3651", "two weeks", "1.5", ""] {
            #expect(throws: ConfigurationError.self) {
                try RemitConfiguration(flags: [.inboxRetentionDays: bad], environment: environment, configFile: nil).inboxRetention()
            }
        }
    }

    @Test func aWorkerKeepsApplyingWhileALargeInboxIsPruned() async throws {
        try await TestBroker.with { broker in
            let store = try broker.channelStore()
            try await seedInbox(store, prefix: "old", count: 150_000, at: Date().addingTimeInterval(-30 * 86_400))
            var settings = InboxPruner.Settings(retention: .seconds(14 * 86_400))
            settings.batchSize = 500
            let pruner = InboxPruner(stores: [store], settings: settings, clock: SystemWallClock(), logger: testLogger)
            let runtime = try broker.smokeRuntime(store: store)
            let running = Task { try await runtime.run() }

            let finished = Atomic<Bool>(false)
            let pruning = Task {
                defer { finished.store(true, ordering: .sequentiallyConsistent) }
                return try await pruner.prune(store)
            }
            try await expectEventually("pruning has begun") {
                try await rows(store, "SELECT COUNT(*) FROM inbox WHERE message_id LIKE 'old-%'") < 150_000
            }
            let ids = try await broker.publishSmoke(count: 300)
            try await expectEventually("the worker applies every message") {
                try await rows(store, "SELECT COUNT(*) FROM smoke_record") == 300
            }
            let prunerStillBusy = !finished.load(ordering: .sequentiallyConsistent)
            #expect(
                prunerStillBusy,
                "the worker applied its 300 messages between the pruner's batches, before pruning ended")
            let pass = try await pruning.value
            #expect(pass.pruned == 150_000 && pass.batches == 300)
            #expect(pass.remaining == 300)
            #expect(Set(try broker.strings("SELECT message_id FROM inbox")) == Set(ids))
            await runtime.drain()
            try await running.value
        }
    }
}
