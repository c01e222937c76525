import Foundation
import GRDB
import Testing
import RemitCore
import RemitMessages
@testable import RemitSQLite
import RemitStore

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

    /// `WrittenRow` records write the same row through GRDB's `insert` and through `insertAll`, and
    /// read it back equal: every column, with and without the optional ones.
    @Test func writtenRowsInsertAloneAndInBulkAlikeAndReadBackEqual() throws {
        let lastDay = try #require(CalendarDate(year: 2026, month: 10, day: 11))
        let invoices = [
            HQInvoice(
                number: "INV-0000001", customerAccount: "C000001", orderId: 42,
                invoiceDate: try #require(CalendarDate(year: 2026, month: 10, day: 1)),
                dueDate: try #require(CalendarDate(year: 2026, month: 10, day: 31)),
                discountLastDay: lastDay,
                discountMinor: 250, currency: .EUR, totalMinor: 12_500, settledMinor: 1_000, discountTakenMinor: 0,
                changedAt: Date(timeIntervalSince1970: 1_800_000_000.5)),
            HQInvoice(
                number: "INV-0000002", customerAccount: "C000002", invoiceDate: try #require(CalendarDate(year: 2026, month: 11, day: 1)),
                dueDate: try #require(CalendarDate(year: 2026, month: 11, day: 15)), discountLastDay: nil, discountMinor: 0, currency: .EUR,
                totalMinor: 99, changedAt: Date(timeIntervalSince1970: 1_800_000_001)),
        ]
        let lines = [HQInvoiceLine(invoiceNumber: "INV-0000001", lineNo: 1, description: "Copy paper", amountMinor: 12_500)]
        func rows(_ write: (Database) throws -> Void) throws -> [[Row]] {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = false  // the rows alone: no customers, orders or terms
            let queue = try DatabaseQueue(configuration: configuration)
            try HQStore.migrator.migrate(queue)
            try queue.write(write)
            return try queue.read { db in
                #expect(try HQInvoice.fetchAll(db, sql: "SELECT * FROM invoice ORDER BY number") == invoices)
                #expect(try HQInvoiceLine.fetchAll(db, sql: "SELECT * FROM invoice_line") == lines)
                return [
                    try Row.fetchAll(db, sql: "SELECT * FROM invoice ORDER BY number"),
                    try Row.fetchAll(db, sql: "SELECT * FROM invoice_line"),
                ]
            }
        }
        let one = try rows { db in
            for invoice in invoices { try invoice.insert(db) }
            for line in lines { try line.insert(db) }
        }
        let bulk = try rows { db in
            try HQInvoice.insertAll(invoices, db)
            try HQInvoiceLine.insertAll(lines, db)
        }
        #expect(one == bulk)
        #expect(one[0][0]["changed_at"] as String? == Timestamp.format(invoices[0].changedAt))
        #expect(one[0][1]["discount_last_day"] as String? == nil && one[0][1]["order_id"] as Int64? == nil)
    }

    /// Records name their columns through `SnakeCaseColumns` (remembered conversions) instead of
    /// GRDB's `convertToSnakeCase`; both must spell every name the way Foundation's encoder does.
    @Test(arguments: [
        "number", "customerAccount", "hqChangedAt", "discountTakenMinor", "requestId", "myURLValue", "URL", "aBCd",
        "ab1Cd", "x2y", "a", "lineNo", "userLogin", "isOverdue", "amountMinorUnits", "ABC", "aB",
    ])
    func columnNamesAreFoundationsSnakeCase(name: String) throws {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        struct One: Encodable {
            let name: String
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(0, forKey: Key(stringValue: name))
            }
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = try #require(try JSONSerialization.jsonObject(with: encoder.encode(One(name: name))) as? [String: Int])
        #expect(Array(json.keys) == [SnakeCaseColumns.convert(name)])
        #expect(SnakeCaseColumns.column(for: name) == SnakeCaseColumns.convert(name))
        #expect(SnakeCaseColumns.column(for: name) == SnakeCaseColumns.convert(name))  // the remembered one
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
