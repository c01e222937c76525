import Foundation
import GRDB
import Testing
@testable import RemitCore
@testable import RemitMessages
@testable import RemitHQ
import RemitSQLite
import RemitStore

@Suite("HQ seed data")
struct HQSeedTests {
    let today = CalendarDate(year: 2026, month: 11, day: 29)!

    func withStore<T>(_ body: (HQStore) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-hq-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try body(try HQStore(dataDirectory: directory))
    }

    func fingerprint(_ store: HQStore) throws -> [String] {
        try store.pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT number || customer_account || due_date || total_minor || settled_minor || discount_taken_minor FROM invoice ORDER BY number
                    """)
                + String.fetchAll(db, sql: "SELECT account || name || IFNULL(invoice_account, '-') FROM customer ORDER BY account")
        }
    }

    @Test func theSameSeedGivesTheSameWorldAndAnotherSeedAnother() throws {
        let plan = HQSeeder.Plan(customers: 40, invoices: 300, seed: 7)
        let first = try withStore { store in (try HQSeeder(store: store, today: today).seed(plan), try fingerprint(store)) }
        let again = try withStore { store in (try HQSeeder(store: store, today: today).seed(plan), try fingerprint(store)) }
        let other = try withStore { store in
            try HQSeeder(store: store, today: today).seed(.init(customers: 40, invoices: 300, seed: 8))
            return try fingerprint(store)
        }
        #expect(first.0 == again.0)
        #expect(first.1 == again.1)
        #expect(first.1 != other)
    }

    @Test func theWorldHasEveryKindOfCustomerAndInvoice() throws {
        try withStore { store in
            let summary = try HQSeeder(store: store, today: today).seed(.init(customers: 60, invoices: 1_000, seed: 3))
            #expect(summary.customers == 60 && summary.invoices == 1_000)
            #expect(summary.organizations > 0)
            for status in InvoicePaymentStatus.allCases { #expect((summary.byStatus[status] ?? 0) > 50, "\(status)") }
            #expect(summary.overdue > 0)
            try store.pool.read { db in
                // Members of an organization have it as their invoice account, and a user each.
                let members = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM customer WHERE invoice_account IS NOT NULL") ?? 0
                #expect(members >= 2 * summary.organizations)
                let orphans =
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) FROM customer c LEFT JOIN customer o ON o.account = c.invoice_account
                            WHERE c.invoice_account IS NOT NULL AND o.account IS NULL
                            """) ?? 0
                #expect(orphans == 0)
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM payment_terms WHERE discount_basis_points IS NOT NULL") ?? 0 > 0)
                // Stored amounts agree with the status rules; lines add up to totals.
                let mismatched =
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) FROM invoice i WHERE total_minor != (SELECT SUM(amount_minor) FROM invoice_line l WHERE l.invoice_number = i.number)
                               OR settled_minor + discount_taken_minor > total_minor OR settled_minor < 0
                            """) ?? 0
                #expect(mismatched == 0)
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM b2b_user") == summary.users)
            }
            #expect(summary.demoLogins.contains { $0.organization != nil })
            #expect(summary.demoLogins.contains { $0.organization == nil })
        }
    }

    @Test func seedingTwiceIsRefused() throws {
        try withStore { store in
            try HQSeeder(store: store, today: today).seed(.init(customers: 3, invoices: 1))
            #expect(throws: HQError.self) { try HQSeeder(store: store, today: today).seed(.init(customers: 3, invoices: 1)) }
        }
    }
}

@Suite("Customer credit")
struct CustomerCreditTests {
    @Test func balanceIsOpenInvoicesAndHeadroomSubtractsUninvoicedOrders() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-credit-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try HQStore(dataDirectory: directory)
        try HQSeeder(store: store, today: CalendarDate(year: 2026, month: 11, day: 29)!).seed(.init(customers: 5, invoices: 0))
        try store.pool.write { db in
            try db.execute(sql: "UPDATE customer SET credit_limit_minor = 100000 WHERE account = 'C000001'")
            for (number, total, settled, discount) in [("I-1", 30_000, 0, 0), ("I-2", 20_000, 5_000, 0), ("I-3", 10_000, 9_800, 200)] {
                try db.execute(
                    sql: "INSERT INTO invoice VALUES (?, 'C000001', NULL, '2026-11-01', '2026-12-01', NULL, 0, 'EUR', ?, ?, ?, 'x')",
                    arguments: [number, total, settled, discount])
            }
            try db.execute(
                sql: """
                    INSERT INTO sales_order (order_number, customer_account, ordered_on, on_account, status, total_minor, currency)
                    VALUES ('SO-1', 'C000001', '2026-11-29', 1, 'open', 12000, 'EUR'), ('SO-2', 'C000001', '2026-11-29', 1, 'invoiced', 9999, 'EUR')
                    """)
            let hq = SQLiteHQTransaction(db, store: store.path)
            let credit = try #require(try CustomerCredit.fetch(hq, account: "C000001"))
            #expect(credit.balance.minorUnits == 45_000)
            #expect(credit.uninvoicedOrders.minorUnits == 12_000)
            #expect(credit.headroom.minorUnits == 100_000 - 45_000 - 12_000)
            #expect(try CustomerCredit.fetch(hq, account: "nobody") == nil)
        }
    }
}
