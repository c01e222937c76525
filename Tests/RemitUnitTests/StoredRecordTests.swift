import Foundation
import GRDB
import Testing
import RemitCore
import RemitMessages
@testable import RemitStore

@Suite("Store records")
struct StoredRecordTests {
    @Test func recordsWriteTimesAsTheISOTextEveryTableHolds() throws {
        let queue = try DatabaseQueue()
        try ChannelStore.migrator.migrate(queue)
        let at = Date(timeIntervalSince1970: 1_800_000_000.123)
        let id = try queue.write { db in
            try SmokeRecordEntry(key: "k", amount: Money(minorUnits: 1250, currency: .EUR), messageId: "m-1", recordedAt: at).record(db)
        }
        try queue.read { db in
            #expect(
                try String.fetchOne(db, sql: "SELECT recorded_at FROM smoke_record WHERE id = ?", arguments: [id])
                    == Timestamp.format(at))
            let entry = try #require(try SmokeRecordEntry.fetchOne(db, key: id))
            #expect(entry.amountMinor == 1250 && entry.currency == .EUR && entry.recordedAt == Timestamp.normalize(at))
        }
    }

    @Test func aValueRemitNeverWritesIsACorruptStoredValueNotADefault() throws {
        let queue = try DatabaseQueue()
        try HQStore.migrator.migrate(queue)
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO job_run (job, run_id, started_at, status, worker) VALUES ('sync', 'run-1', 'yesterday', 'running', 'w')
                    """)
        }
        #expect(throws: CorruptStoredValue.self) { try queue.read { try JobRun.find($0, runId: "run-1") } }
    }
}
