import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import RemitCore
import RemitMessages
import RemitPortal
import RemitSQLite
import RemitStore
import RemitTestSupport
import Testing

/// 10,000 invoices of one account, each made from its index so the tests know what every filter
/// and sort order must show.
struct BigAccount {
    static let count = 10_000
    static let account = "T-BIG"

    struct Invoice {
        let number: String
        let invoiceDate: CalendarDate
        let dueDate: CalendarDate
        let totalMinor: Int64
        let settledMinor: Int64
        var status: InvoicePaymentStatus { settledMinor == totalMinor ? .paid : settledMinor > 0 ? .partiallyPaid : .unpaid }
        func overdue(_ today: CalendarDate) -> Bool { status != .paid && dueDate < today }
    }

    static func invoice(_ i: Int) -> Invoice {
        let total = Int64(1_000 + (i * 7_919) % 500_000)
        return Invoice(
            number: "B-\(String(format: "%05d", i))", invoiceDate: PortalWorld.today.adding(days: -(i % 90) - 1),
            dueDate: PortalWorld.today.adding(days: i % 120 - 60), totalMinor: total,
            settledMinor: i % 4 == 0 ? total : i % 4 == 1 ? total / 2 : 0)
    }

    static let invoices = (0..<count).map(invoice)

    /// Adds the account, its user `big` (password as the world's) and its invoices to `world`.
    static func add(to world: PortalWorld) async throws {
        let hash = try await PasswordHasher(cost: PasswordHasher.demoCost).hash(PortalWorld.password)
        let now = world.clock.now()
        try await world.store.pool.write { db in
            try ChannelCustomer(
                account: account, name: "Big Buyer", email: "big@shop.example", currency: "EUR", invoiceAccount: nil,
                allowOnAccount: true, creditLimitMinor: 900_000_000, hqChangedAt: now
            ).insert(db)
            try ChannelUser(login: "big", customerAccount: account, displayName: "Big Buyer", email: "big@shop.example").insert(db)
            try ChannelCredential(login: "big", passwordHash: hash, updatedAt: now).insert(db)
            for invoice in invoices {
                try ChannelInvoice(
                    number: invoice.number, customerAccount: account, invoiceDate: invoice.invoiceDate, dueDate: invoice.dueDate,
                    discountLastDay: nil, discountMinor: 0, currency: .EUR, totalMinor: invoice.totalMinor,
                    settledMinor: invoice.settledMinor, discountTakenMinor: 0, status: invoice.status, hqChangedAt: now
                ).insert(db)
            }
        }
    }
}

@Suite("Portal: 10,000 invoices — pages, filters, sort orders and their query plans", .serialized)
struct LargeStoreTests {
    @Test func everyFilterListsExactlyItsInvoicesOnceAcrossAllPagesInOrder() async throws {
        try await PortalWorld.with { world in
            try await BigAccount.add(to: world)
            let today = PortalWorld.today
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("big")
                let first = try await browser.get("/invoices")
                #expect(first.html.contains("Invoices 1–50 of 10000, page 1 of 200."))
                let last = try await browser.get("/invoices?page=200")
                #expect(last.html.invoiceRows.count == 50 && !last.html.contains(#"rel="next""#))
                let beyond = try await browser.get("/invoices?page=201")
                #expect(beyond.status == .ok && beyond.html.contains("No invoices on page 201; there are 200 pages."))

                let byDue: (BigAccount.Invoice, BigAccount.Invoice) -> Bool = {
                    ($0.dueDate, $0.number) < ($1.dueDate, $1.number)
                }
                let cases: [(String, (BigAccount.Invoice) -> Bool)] = [
                    ("", { _ in true }),
                    ("status=unpaid", { $0.status == .unpaid }),
                    ("status=partially-paid", { $0.status == .partiallyPaid }),
                    ("status=paid", { $0.status == .paid }),
                    ("status=overdue", { $0.overdue(today) }),
                ]
                // All of them and two filters page by page through the pages (as a person would); every
                // filter through the query the pages run, to the last row.
                for (query, belongs) in cases {
                    let expected = BigAccount.invoices.filter(belongs).sorted(by: byDue).map(\.number)
                    let filter = query.isEmpty ? nil : BuyerView.InvoiceFilter(rawValue: String(query.dropFirst("status=".count)))
                    let listed = try await world.store.pool.read { db in
                        try BuyerView.invoicePage(
                            db, accounts: [BigAccount.account], query: .init(status: filter), today: today, offset: 0, limit: 20_000)
                    }
                    #expect(listed.rows.map(\.invoice.number) == expected && listed.total == expected.count, "\(query)")
                    guard ["", "status=overdue", "status=partially-paid"].contains(query) else { continue }
                    let (rows, pages) = try await allInvoiceRows(browser, "/invoices?\(query)")
                    #expect(rows == expected, "\(query): every invoice once, by due date then number")
                    #expect(pages == max(1, (expected.count + 49) / 50), "\(query)")
                }
            }
        }
    }

    @Test func sortOrdersHoldAcrossPageBoundariesWithFiltersCombined() async throws {
        try await PortalWorld.with { world in
            try await BigAccount.add(to: world)
            let today = PortalWorld.today
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("big")
                let from = today.adding(days: -10)
                let to = today.adding(days: 20)
                let inRange = BigAccount.invoices.filter { $0.status == .unpaid && $0.dueDate >= from && $0.dueDate <= to }
                let byAmountDown = inRange.sorted { ($0.totalMinor, $0.number) > ($1.totalMinor, $1.number) }.map(\.number)
                let (rows, _) = try await allInvoiceRows(
                    browser, "/invoices?status=unpaid&due-from=\(from)&due-to=\(to)&sort=amount&order=desc")
                #expect(rows == byAmountDown)

                let byDate = BigAccount.invoices.filter { $0.number.hasPrefix("B-012") }
                    .sorted { ($0.invoiceDate, $0.number) < ($1.invoiceDate, $1.number) }.map(\.number)
                let (dated, _) = try await allInvoiceRows(browser, "/invoices?number=B-012&sort=invoice-date")
                #expect(dated == byDate && dated.count == 100)
            }
        }
    }

    /// The page everyone opens first (unpaid, by due date) and the account's balance read indexes
    /// only: the page's places come from the status index without a row, for one account and for
    /// an organisation's two, and only the rows shown are read; the balance sums its own index.
    @Test func theFirstPageAndTheBalanceReadOnlyIndexesAndTheRowsShown() async throws {
        try await PortalWorld.with { world in
            try await BigAccount.add(to: world)
            try await world.store.pool.write { db in try db.execute(sql: "ANALYZE") }
            for accounts in [[BigAccount.account], [BigAccount.account, "T-ORG"]] {
                let (page, plans, expected) = try await world.store.pool.read {
                    db -> (BuyerView.InvoicePage, [String: [String]], [String]) in
                    var statements: [String] = []
                    db.trace(options: .statement) { event in
                        if case .statement(let statement) = event { statements.append(statement.expandedSQL) }
                    }
                    let page = try BuyerView.invoicePage(
                        db, accounts: accounts, query: .init(status: .unpaid), today: PortalWorld.today, offset: 1_000, limit: 50)
                    _ = try ChannelInvoice.openBalance(db, account: BigAccount.account, currency: .EUR)
                    db.trace(options: [])
                    var plans: [String: [String]] = [:]
                    for sql in statements where sql.hasPrefix("SELECT") && !sql.contains("sqlite_") {
                        plans[sql] = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
                    }
                    // The same list asked plainly, all of it.
                    let expected = try String.fetchAll(
                        db,
                        sql: """
                            SELECT number FROM channel_invoice WHERE status = 'unpaid' AND customer_account IN (\(accounts.map { "'\($0)'" }.joined(separator: ", ")))
                            ORDER BY due_date, number
                            """)
                    return (page, plans, expected)
                }
                #expect(page.rows.map(\.invoice.number) == Array(expected[1_000..<1_050]) && page.total == expected.count)
                let places = try #require(plans.first { $0.key.contains("rowid") && $0.key.contains("LIMIT") })
                #expect(places.value.contains { $0.contains("COVERING INDEX channel_invoice_by_status") }, "\(places)")
                let shown = try #require(plans.first { $0.key.contains(#""rowid" IN ("#) })
                #expect(shown.key.components(separatedBy: ",").count == 50, "only the 50 rows shown are read: \(shown.key)")
                let balance = try #require(plans.first { $0.key.contains("SUM(") && $0.key.contains("FROM channel_invoice ") })
                #expect(balance.value.contains { $0.contains("COVERING INDEX channel_invoice_open_amounts") }, "\(balance)")
            }
        }
    }

    /// Every statement the Invoices page runs, for every filter and sort order, searches an index:
    /// none scans `channel_invoice` (or any table) from end to end.
    @Test func everyFilterAndSortOrderSearchesAnIndex() async throws {
        try await PortalWorld.with { world in
            try await BigAccount.add(to: world)
            try await world.store.pool.write { db in try db.execute(sql: "ANALYZE") }
            let today = PortalWorld.today
            let accounts = [BigAccount.account, "T-ORG"]
            var queries: [BuyerView.InvoiceQuery] = []
            for status in [nil] + BuyerView.InvoiceFilter.allCases.map({ Optional($0) }) {
                for sort in BuyerView.InvoiceSort.allCases {
                    for descending in [false, true] {
                        queries.append(BuyerView.InvoiceQuery(status: status, sort: sort, descending: descending))
                    }
                }
                queries.append(BuyerView.InvoiceQuery(account: BigAccount.account, status: status))
                queries.append(
                    BuyerView.InvoiceQuery(status: status, dueFrom: today.adding(days: -5), dueTo: today.adding(days: 5)))
                queries.append(BuyerView.InvoiceQuery(status: status, numberPrefix: "B-01"))
            }
            for query in queries {
                let plans = try await world.store.pool.read { db -> [(String, [String])] in
                    var statements: [String] = []
                    db.trace(options: .statement) { event in
                        if case .statement(let statement) = event { statements.append(statement.expandedSQL) }
                    }
                    defer { db.trace(options: []) }
                    _ = try BuyerView.invoicePage(db, accounts: accounts, query: query, today: today, offset: 500, limit: 50)
                    db.trace(options: [])
                    // GRDB's own look at the schema (sqlite_master) is not the page's.
                    return try statements.filter { $0.hasPrefix("SELECT") && !$0.contains("sqlite_") }.map { sql in
                        (sql, try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String })
                    }
                }
                #expect(plans.contains { $0.0.contains("channel_invoice") }, "the page's own queries were seen")
                for (sql, plan) in plans {
                    let scans = plan.filter { $0.hasPrefix("SCAN ") && !$0.hasPrefix("SCAN CONSTANT") }
                    #expect(scans.isEmpty, "\(query): \(sql) → \(plan)")
                    #expect(plan.contains { $0.hasPrefix("SEARCH ") }, "\(query): \(sql) → \(plan)")
                }
            }
        }
    }
}
