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

/// Every invoice number `browser` sees on all pages of `path`, following the page links.
func allInvoiceRows(_ browser: Browser, _ path: String, pageLimit: Int = 400) async throws -> (rows: [String], pages: Int) {
    var rows: [String] = []
    var next: String? = path
    var pages = 0
    while let uri = next, pages < pageLimit {
        let page = try await browser.get(uri)
        #expect(page.status == .ok, "\(uri)")
        rows += page.html.invoiceRows
        pages += 1
        next = page.html.matches(of: /<a href="([^"]+)" rel="next">/).first.map {
            String($0.output.1).replacingOccurrences(of: "&amp;", with: "&")
        }
    }
    return (rows, pages)
}

@Suite("Portal: the account summary, filters, sort orders and the invoice detail page")
struct InvoicePagesTests {
    @Test func theSummaryShowsTheChargedAccountsBalanceCreditLimitAndHeadroom() async throws {
        try await PortalWorld.with { world in
            // mem charges T-ORG (their invoice account): 40 open invoices of 100.00, a limit of 10,000.00,
            // and a payment on account the channel took and has not uploaded yet.
            try await world.store.pool.write { db in
                _ = try ChannelTransaction(
                    id: "pay-1", kind: .invoicePayment, customerAccount: "T-ORG", userLogin: "mem", invoiceNumber: "T-ORG-001",
                    amount: Money(minorUnits: 25_000, currency: .EUR), tender: Tender.onAccount.rawValue, createdAt: world.clock.now()
                ).record(db)
            }
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let html = try await browser.get("/invoices").html
                #expect(html.contains("Account T-ORG · Customer T-ORG"))
                #expect(html.contains("<dt>Balance</dt><dd>4000.00 EUR</dd>"), "\(html)")
                #expect(html.contains("<dt>Credit limit</dt><dd>10000.00 EUR</dd>"))
                #expect(html.contains("<dt>Headroom</dt><dd>5750.00 EUR</dd>"), "10,000 − 4,000 open − 250 not yet uploaded")
                #expect(html.contains("<dd>250.00 EUR</dd>"))
            }
        }
    }

    @Test func theFiltersByAccountDueDateAndNumberCombineAndKeepTheirValuesAcrossPages() async throws {
        try await PortalWorld.with { world in
            try await world.test(settings: world.settings { $0.pageSize = 10 }) { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let org = try await allInvoiceRows(browser, "/invoices?account=T-ORG")
                #expect(Set(org.rows) == Set((1...40).map { PortalWorld.number("T-ORG", $0) }) && org.pages == 4)
                // T-MEM's invoices fall due in 3 days ago, in 20 or in 25 days; T-ORG's in 30.
                let today = PortalWorld.today
                let soon = try await allInvoiceRows(
                    browser, "/invoices?due-from=\(today.adding(days: 1))&due-to=\(today.adding(days: 25))")
                let expected = Set(
                    (1...70).filter { [.partiallyPaid, .unpaid].contains(PortalWorld.kind($0)) }.map { PortalWorld.number("T-MEM", $0) }
                        + ["T-MEM-DISC"])
                #expect(Set(soon.rows) == expected && soon.rows.count == expected.count, "\(soon.rows.sorted()) \(expected.sorted())")
                let first = try await browser.get("/invoices?due-from=\(today.adding(days: 1))&due-to=\(today.adding(days: 25))")
                #expect(first.html.contains(#"href="/invoices?due-from=2026-11-30&amp;due-to=2026-12-24&amp;page=2""#))
                #expect(first.html.contains(#"id="due-from" name="due-from" type="date" value="2026-11-30""#))

                let sixties = try await allInvoiceRows(browser, "/invoices?number=T-MEM-06&status=unpaid")
                // Unpaid includes the overdue unpaid ones, which fall due first.
                let unpaidSixties = [.overdue, .unpaid].flatMap { kind in
                    (60...69).filter { PortalWorld.kind($0) == kind }.map { PortalWorld.number("T-MEM", $0) }
                }
                #expect(sixties.rows == unpaidSixties, "by due date, then number")
                // Characters that mean something to SQL's LIKE match only themselves.
                #expect(try await browser.get("/invoices?number=%25").html.invoiceRows.isEmpty)
                #expect(try await browser.get("/invoices?number=T_MEM").html.invoiceRows.isEmpty)
                #expect(try await browser.get("/invoices?number=T-SOLO").html.invoiceRows.isEmpty, "another account's numbers")
            }
        }
    }

    @Test func theSortOrdersAreDueDateInvoiceDateAndAmountEitherWay() async throws {
        try await PortalWorld.with { world in
            try await world.store.pool.write { db in
                // Three T-MATE invoices with distinct amounts and dates.
                for (number, total, invoiceDay, dueDay) in [
                    ("T-MATE-001", 30_000, -5, 40), ("T-MATE-002", 10_000, -1, 50), ("T-MATE-003", 20_000, -9, 45),
                ] {
                    try db.execute(
                        sql: "UPDATE channel_invoice SET total_minor = ?, invoice_date = ?, due_date = ? WHERE number = ?",
                        arguments: [
                            total, PortalWorld.today.adding(days: invoiceDay).description,
                            PortalWorld.today.adding(days: dueDay).description, number,
                        ])
                }
            }
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mate")
                func order(_ query: String) async throws -> [String] {
                    try await browser.get("/invoices?\(query)").html.invoiceRows.map { String($0.suffix(1)) }
                }
                #expect(try await order("") == ["1", "3", "2"])
                #expect(try await order("order=desc") == ["2", "3", "1"])
                #expect(try await order("sort=invoice-date") == ["3", "1", "2"])
                #expect(try await order("sort=amount") == ["2", "3", "1"])
                #expect(try await order("sort=amount&order=desc") == ["1", "3", "2"])
                let selected = try await browser.get("/invoices?sort=amount&order=desc").html
                #expect(selected.contains(#"<option value="amount" selected>Amount</option>"#))
            }
        }
    }

    @Test func wrongFiltersAreA400NamingEveryFieldAndListNothing() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let page = try await browser.get(
                    "/invoices?status=lost&account=T-SOLO&due-from=2026-13-01&due-to=tomorrow&sort=colour&order=up&page=0")
                #expect(page.status == .badRequest)
                #expect(page.html.invoiceRows.isEmpty)
                for text in [
                    "Filter by status: unpaid, partially-paid, paid or overdue.", "Choose one of your accounts: T-MEM, T-ORG.",
                    "Write a date as YYYY-MM-DD", "Sort by due-date, invoice-date or amount.", "Order is asc or desc.",
                    "Pages are numbered from 1",
                ] {
                    #expect(page.html.contains(text), "\(text)")
                }
                #expect(page.html.contains(##"href="#due-from""##) && page.html.contains(##"href="#due-to""##))
                let backwards = try await browser.get("/invoices?due-from=2026-12-31&due-to=2026-12-01")
                #expect(
                    backwards.status == .badRequest && backwards.html.contains("The last due date must not come before the first."))
                let long = try await browser.get("/invoices?number=\(String(repeating: "A", count: 65))")
                #expect(long.status == .badRequest && long.html.contains("at most 64 characters"))
                // The form itself still works from there.
                #expect(page.html.contains(#"<select id="status" name="status">"#))
            }
        }
    }

    @Test func theDetailPageShowsHeaderLinesPaymentsSettlementsAndTheUsersRequests() async throws {
        try await PortalWorld.with { world in
            let now = world.clock.now()
            try await world.store.pool.write { db in
                try ChannelInvoiceDetail.replace(
                    db, invoice: "T-MEM-005",
                    lines: [
                        ChannelInvoiceLine(description: "P-1 × 2 <b>bold</b>", amount: Money(minorUnits: 6_000, currency: .EUR)),
                        ChannelInvoiceLine(description: "P-2 × 1", amount: Money(minorUnits: 4_000, currency: .EUR)),
                    ],
                    settlements: [
                        ChannelSettlement(
                            settledOn: PortalWorld.today.adding(days: -2), settled: Money(minorUnits: 2_500, currency: .EUR),
                            discount: .zero(.EUR), paymentId: "pay-settled")
                    ])
                for (id, amount) in [("pay-settled", 2_500), ("pay-waiting", 1_000), ("pay-refused", 700)] as [(String, Int64)] {
                    try ChannelTransaction(
                        id: id, kind: .invoicePayment, customerAccount: "T-MEM", userLogin: "mem", invoiceNumber: "T-MEM-005",
                        amount: Money(minorUnits: amount, currency: .EUR), tender: Tender.card.rawValue, createdAt: now
                    ).record(db)
                }
                try ChannelTransaction.applyHQOutcome(db, paymentId: "pay-settled", posted: true, reason: nil)
                try ChannelTransaction.applyHQOutcome(db, paymentId: "pay-refused", posted: false, reason: "The card was declined.")
                for (id, user) in [("req-1", "mem"), ("req-other", "colleague")] {
                    _ = try B2BRequest(
                        requestId: id, userLogin: user, customerAccount: "T-MEM", invoiceNumber: "T-MEM-005", submittedAt: now
                    ).record(db)
                }
            }
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let list = try await browser.get("/invoices?number=T-MEM-005")
                #expect(list.html.contains(#"<a href="/invoices/T-MEM-005">T-MEM-005</a>"#))
                let page = try await browser.get("/invoices/T-MEM-005")
                #expect(page.status == .ok)
                let html = page.html
                #expect(html.contains("<h1>Invoice T-MEM-005</h1>"))
                #expect(html.contains("<dt>Total</dt><dd>100.00 EUR</dd>") && html.contains("<dt>Paid</dt><dd>25.00 EUR</dd>"))
                #expect(html.contains("<dt>Pending</dt><dd>10.00 EUR</dd>") && html.contains("<dt>Open</dt><dd>65.00 EUR</dd>"))
                #expect(html.contains("<td>P-1 × 2 &lt;b&gt;bold&lt;/b&gt;</td><td class=\"num\">60.00 EUR</td>"), "escaped")
                #expect(html.contains("<td>posted</td>") && html.contains("<td>pending</td>"))
                #expect(html.contains("<td>refused <span class=\"error\">— The card was declined.</span></td>"))
                #expect(html.contains("<td>2026-11-27</td><td class=\"num\">25.00 EUR</td>"))
                #expect(html.contains("<td>submitted</td>"))
                #expect(html.matches(of: /<td>submitted<\/td>/).count == 1, "only the user's own request")
                #expect(html.contains(#"action="/cart/invoices""#) && html.contains(#"action="/requests""#))

                let bare = try await browser.get("/invoices/T-ORG-001")
                #expect(bare.status == .ok && bare.html.contains("The shop has not sent this invoice's lines."))
            }
        }
    }
}

@Suite struct InvoiceDownloadTests {
    @Test func theDetailPageAndTheAPIOfferThePDFThatReadsBackExactlyAndOnlyForTheBuyersInvoices() async throws {
        try await PortalWorld.with { world in
            let now = world.clock.now()
            try await world.store.pool.write { db in
                try ChannelInvoiceDetail.replace(
                    db, invoice: "T-MEM-DISC",
                    lines: [
                        ChannelInvoiceLine(description: "Kaasschaaf “IJsselmeer” × 3", amount: Money(minorUnits: 7_500, currency: .EUR)),
                        ChannelInvoiceLine(
                            description: "Verzendkosten (Zeeuws-Vlaanderen)", amount: Money(minorUnits: 2_500, currency: .EUR)),
                    ],
                    settlements: [])
                try db.execute(
                    sql: "UPDATE channel_customer SET address = ? WHERE account = 'T-MEM'",
                    arguments: ["Havenstraat 7\n3011 AB Rotterdam\u{7}\n\nNetherlands"])
                try ChannelTransaction(
                    id: "pay-waiting", kind: .invoicePayment, customerAccount: "T-MEM", userLogin: "mem", invoiceNumber: "T-MEM-DISC",
                    amount: Money(minorUnits: 1_000, currency: .EUR), tender: Tender.card.rawValue, createdAt: now
                ).record(db)
            }
            let seller = Seller(name: "Remit Shop B.V.", address: ["Keizersgracht 1", "1015 CJ Amsterdam"])
            try await world.test(settings: world.settings { $0.seller = seller }) { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let page = try await browser.get("/invoices/T-MEM-DISC")
                #expect(page.html.contains(#"<a href="/invoices/T-MEM-DISC.pdf" download>Download PDF</a>"#))
                let download = try await browser.get("/invoices/T-MEM-DISC.pdf")
                #expect(download.status == .ok)
                #expect(download.headers[.contentType] == "application/pdf")
                #expect(download.headers[.contentDisposition] == #"attachment; filename="invoice-T-MEM-DISC.pdf""#)
                #expect(download.headers[.cacheControl] == "private, no-store")
                let bytes = Array(download.body.readableBytesView)
                let (sound, report) = try PDFReader.check(bytes)
                #expect(sound, "\(report)")
                let text = try PDFReader.text(bytes)
                for expected in [
                    "Remit Shop B.V.", "Keizersgracht 1", "1015 CJ Amsterdam", "Invoice T-MEM-DISC", "Customer T-MEM (T-MEM)",
                    "Havenstraat 7", "3011 AB Rotterdam", "Netherlands",
                    "Kaasschaaf “IJsselmeer” × 3", "75.00 EUR", "Verzendkosten (Zeeuws-Vlaanderen)", "25.00 EUR", "100.00 EUR",
                    "10.00 EUR", PortalWorld.today.adding(days: 25).description,
                ] {
                    #expect(text.contains(expected), "the PDF reads back \(expected)")
                }
                // The cash discount (2.00 until today + 5) is still earned today: the PDF offers it.
                #expect(text.contains("2.00 EUR") && text.contains(PortalWorld.today.adding(days: 5).description))

                // The API: the same bytes for the same day, and the same 404 for what is not the buyer's.
                let api = Browser(client)
                _ = try await api.apiSignIn("mem")
                let viaAPI = try await api.api(.get, "/api/v1/invoices/T-MEM-DISC.pdf")
                #expect(viaAPI.status == .ok && viaAPI.headers[.contentType] == "application/pdf")
                #expect(viaAPI.headers[.contentDisposition] == #"attachment; filename="invoice-T-MEM-DISC.pdf""#)
                #expect(Array(viaAPI.body.readableBytesView) == bytes)
                let asked = try await api.api(.get, "/api/v1/invoices/T-MEM-DISC.pdf", headers: ["Accept": "application/pdf"])
                #expect(asked.status == .ok && Array(asked.body.readableBytesView) == bytes)
                for accept in ["application/json", "application/pdf", "*/*"] {
                    let foreign = try await api.api(.get, "/api/v1/invoices/T-SOLO-001.pdf", headers: ["Accept": accept])
                    #expect(foreign.status == .notFound && foreign.problem["code"] as? String == "not-found", "\(accept)")
                }
                #expect(try await browser.get("/invoices/T-SOLO-001.pdf").status == .notFound)
                // The JSON detail is still the detail: the PDF route does not swallow it.
                #expect(try await api.api(.get, "/api/v1/invoices/T-MEM-DISC").object["invoice"] != nil)

                // Signed out: to the sign-in page, no bytes.
                let stranger = Browser(client)
                let away = try await stranger.get("/invoices/T-MEM-DISC.pdf")
                #expect(away.status == .seeOther || away.status == .found)
                #expect(try await stranger.api(.get, "/api/v1/invoices/T-MEM-DISC.pdf").status == .unauthorized)
            }
        }
    }
}

@Suite struct CollectionLetterPagesTests {
    @Test func theInvoicesPageTheDetailAndMyAccountShowTheLettersSentAndOnlyTheBuyersOnes() async throws {
        try await PortalWorld.with { world in
            let today = PortalWorld.today
            func letter(_ id: String, _ account: String, _ title: String, level: Int, daysAgo: Int, _ invoices: [String]) -> SentLetter {
                SentLetter(
                    letterId: id, customerAccount: account, level: level, title: title, issuedOn: today.adding(days: -daysAgo),
                    sentAt: Date(timeIntervalSince1970: Double(today.adding(days: -daysAgo).daysSinceEpoch) * 86_400 + 36_000),
                    invoiceNumbers: invoices)
            }
            let letters = [
                letter("L-MEM-1", "T-MEM", "Payment reminder", level: 1, daysAgo: 20, ["T-MEM-003", "T-MEM-007"]),
                letter("L-MEM-2", "T-MEM", "First reminder", level: 2, daysAgo: 3, ["T-MEM-003"]),
                letter("L-ORG-1", "T-ORG", "Final notice <b>", level: 4, daysAgo: 1, ["T-ORG-001"]),
                letter("L-SOLO-1", "T-SOLO", "First reminder", level: 2, daysAgo: 2, ["T-SOLO-001"]),
            ]
            try await world.store.write { transaction in for letter in letters { try transaction.channel().storefront.record(letter) } }
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let list = try await browser.get("/invoices?number=T-MEM-003")
                #expect(list.html.contains("<th scope=\"col\">Latest letter</th>"))
                #expect(list.html.contains("<td data-label=\"Latest letter\">First reminder, \(today.adding(days: -3))</td>"))
                let quiet = try await browser.get("/invoices?number=T-MEM-001")
                #expect(quiet.html.contains("<td data-label=\"Latest letter\"></td>"), "no letter, an empty cell")
                let detail = try await browser.get("/invoices/T-MEM-003")
                #expect(detail.html.contains("<h2>Collection letters</h2>"))
                #expect(detail.html.contains("<td>\(today.adding(days: -3)) 10:00 UTC</td><td>First reminder</td>"))
                #expect(detail.html.contains("<td>\(today.adding(days: -20)) 10:00 UTC</td><td>Payment reminder</td>"))
                #expect(try await browser.get("/invoices/T-MEM-001").html.contains("<p>No collection letters.</p>"))
                let account = try await browser.get("/requests")
                #expect(account.html.contains("<h2 id=\"letters\">Collection letters</h2>"))
                #expect(account.html.contains("<td>Final notice &lt;b&gt;</td>"), "escaped")
                #expect(account.html.contains(#"<a href="/invoices/T-MEM-003">T-MEM-003</a> <a href="/invoices/T-MEM-007">T-MEM-007</a>"#))
                #expect(!account.html.contains("T-SOLO-001"), "another account's letter is not shown")
                let order = ["Final notice", "First reminder", "Payment reminder"].compactMap {
                    account.html.range(of: "<td>\($0)")?.lowerBound
                }
                #expect(order.count == 3 && order == order.sorted(), "newest first")

                let api = Browser(client)
                _ = try await api.apiSignIn("mem")
                let page = try await api.api(.get, "/api/v1/invoices?number=T-MEM-003")
                let row = try #require((page.object["invoices"] as? [[String: Any]])?.first)
                let latest = try #require(row["latestLetter"] as? [String: Any])
                #expect(latest["title"] as? String == "First reminder" && latest["level"] as? Int == 2)
                #expect(latest["invoices"] as? [String] == ["T-MEM-003"])
                let detailAPI = try await api.api(.get, "/api/v1/invoices/T-MEM-003")
                #expect((detailAPI.object["letters"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["L-MEM-2", "L-MEM-1"])
                let listed = try await api.api(.get, "/api/v1/letters")
                #expect(listed.status == .ok)
                #expect(
                    (listed.object["letters"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["L-ORG-1", "L-MEM-2", "L-MEM-1"])
                let solo = Browser(client)
                _ = try await solo.apiSignIn("solo")
                #expect(
                    ((try await solo.api(.get, "/api/v1/letters")).object["letters"] as? [[String: Any]])?.compactMap {
                        $0["id"] as? String
                    }
                        == ["L-SOLO-1"])
                #expect(try await Browser(client).api(.get, "/api/v1/letters").status == .unauthorized)
            }
        }
    }
}
