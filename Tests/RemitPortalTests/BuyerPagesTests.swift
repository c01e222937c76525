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

@Suite("Portal: invoices, commands, B2B requests and health")
struct BuyerPagesTests {
    /// Every invoice number `browser` sees on all pages of `path`, following the page links.
    func allRows(_ browser: Browser, _ path: String) async throws -> (rows: [String], pages: Int) {
        var rows: [String] = []
        var next: String? = path
        var pages = 0
        while let uri = next {
            let page = try await browser.get(uri)
            #expect(page.status == .ok)
            rows += page.html.invoiceRows
            pages += 1
            next = page.html.matches(of: /<a href="([^"]+)" rel="next">/).first.map {
                String($0.output.1).replacingOccurrences(of: "&amp;", with: "&")
            }
            if pages > 10 { break }
        }
        return (rows, pages)
    }

    @Test func theInvoicesPageListsOwnAndInvoiceAccountInvoicesFiftyAPageAndNothingElse() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let first = try await browser.get("/invoices")
                #expect(first.html.invoiceRows.count == 50)
                #expect(first.html.contains("Invoices 1–50 of 111, page 1 of 3."))
                #expect(first.html.contains(#"href="/invoices?page=2""#) && first.html.contains(#"href="/invoices?page=3""#))
                let third = try await browser.get("/invoices?page=3")
                #expect(third.html.invoiceRows.count == 11)
                let (rows, pages) = try await allRows(browser, "/invoices")
                #expect(pages == 3)
                #expect(rows.count == Set(rows).count, "no invoice on two pages")
                #expect(Set(rows) == world.memInvoices)
                #expect(!rows.contains { $0.hasPrefix("T-SOLO") })
                // Sorted by due date: the overdue and paid ones (due 3 days ago) first, T-ORG's (in 30 days) last.
                #expect(rows.last?.hasPrefix("T-ORG") == true && rows.first.map { PortalWorld.kind(Int($0.suffix(3))!) } != .unpaid)
                // The account is named on each row, and the invoice account's rows carry it.
                #expect(third.html.contains(#"<td data-label="Account">T-ORG</td>"#))
                #expect(try await browser.get("/invoices?page=0").status == .badRequest)
                #expect(try await browser.get("/invoices?status=lost").status == .badRequest)
            }
        }
    }

    @Test func theStatusFilterShowsExactlyTheInvoicesInThatStateAcrossItsPages() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let mem = Array(1...70)
                func numbers(_ kinds: Set<PortalWorld.Kind>) -> Set<String> {
                    Set(mem.filter { kinds.contains(PortalWorld.kind($0)) }.map { PortalWorld.number("T-MEM", $0) })
                }
                let organisation = Set((1...40).map { PortalWorld.number("T-ORG", $0) })
                let expected: [(String, Set<String>)] = [
                    ("paid", numbers([.paid])),
                    ("partially-paid", numbers([.partiallyPaid])),
                    ("overdue", numbers([.overdue])),
                    ("unpaid", numbers([.unpaid, .overdue]).union(organisation).union(["T-MEM-DISC"])),
                ]
                for (status, invoices) in expected {
                    let (rows, _) = try await allRows(browser, "/invoices?status=\(status)")
                    #expect(Set(rows) == invoices, "\(status)")
                    #expect(rows.count == invoices.count, "\(status)")
                }
                let unpaid = try await browser.get("/invoices?status=unpaid")
                #expect(unpaid.html.contains(#"<option value="unpaid" selected>"#))
                #expect(unpaid.html.contains(#"href="/invoices?status=unpaid&amp;page=2""#), "page links keep the filter")
                let overdue = try await browser.get("/invoices?status=overdue")
                #expect(overdue.html.contains(#"<strong class="badge">overdue</strong>"#))
                // Paid invoices offer no payment; open ones do, with what is open proposed.
                let paid = try await browser.get("/invoices?status=paid")
                #expect(!paid.html.contains("Pay invoice") && paid.html.contains("Request invoice"))
                #expect(unpaid.html.contains(#"name="amount" inputmode="decimal" value="100.00""#))
            }
        }
    }

    @Test func theCashDiscountOfferSaysWhatToPayAndByWhen() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                // T-MEM-DISC is due after mem's own invoices and before T-ORG's: row 71, page 2.
                let page = try await browser.get("/invoices?page=2")
                let row = try #require(page.html.split(separator: "<tr").first { $0.contains("T-MEM-DISC") })
                #expect(row.contains("pay 98.00 EUR by 2026-12-04"), "\(row)")
                #expect(row.contains(#"value="98.00""#), "the proposed payment earns the discount")
                world.clock.advance(by: 6 * 86_400)
                // Six days on, the session (8 hours on the portal's clock) has expired: sign in again.
                #expect(try await browser.get("/invoices?page=2").location == "/sign-in")
                try await browser.signIn("mem")
                let later = try await browser.get("/invoices?page=2")
                let rowLater = try #require(later.html.split(separator: "<tr").first { $0.contains("T-MEM-DISC") })
                #expect(!rowLater.contains("pay 98.00") && rowLater.contains(#"value="100.00""#), "past its last day no offer")
            }
        }
    }

    @Test func payInvoicePublishesCartAddInvoiceAsTheSignedInUserAndShowsItPendingUntilItsOutcome() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                let sent = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "T-ORG-007"), ("amount", "12.50")])
                #expect(sent.status == .seeOther)
                let envelope = try #require(try world.publisher.envelopes().first)
                #expect(envelope["type"] == .string("cart.add-invoice"))
                #expect(envelope["actingUser"] == .string("user:mem"))
                #expect(
                    envelope["body"]
                        == .object([
                            "user": .string("mem"), "invoiceNumber": .string("T-ORG-007"),
                            "amount": .object(["amount": .string("12.50"), "currency": .string("EUR")]),
                        ]))
                let id = try #require(world.publisher.published.first?.properties.messageId)
                #expect(sent.location == "/commands/\(id)")
                #expect(world.publisher.published.first?.routingKey == "cart.add-invoice")

                let pending = try await browser.get("/commands/\(id)")
                #expect(pending.status == .ok)
                #expect(pending.html.contains("Pay invoice T-ORG-007") && pending.html.contains("waiting for the shop"))
                #expect(pending.html.contains(#"<meta http-equiv="refresh" content="2">"#))
                #expect(!pending.html.contains("Accepted") && !pending.html.contains("Refused"))

                // The worker records the outcome; the page then says so, and stops refreshing.
                try await world.store.pool.write {
                    try CommandOutcome(
                        messageId: id, type: "cart.add-invoice", userLogin: "mem", correlationId: id, outcome: .refused,
                        code: "amount-over-open", reason: "The amount 12.50 EUR is more than the 10.00 EUR open.", at: world.clock.now()
                    ).insert($0)
                }
                let refused = try await browser.get("/commands/\(id)")
                #expect(refused.html.contains("Refused: The amount 12.50 EUR is more than the 10.00 EUR open."))
                #expect(!refused.html.contains("http-equiv=\"refresh\""))

                // Without an amount the worker proposes one; nothing is sent as an amount.
                _ = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "T-MEM-DISC"), ("amount", "")])
                guard case .object(let body) = try world.publisher.envelopes().last?["body"] else { Issue.record("no body"); return }
                #expect(body["amount"] == nil && body["invoiceNumber"] == .string("T-MEM-DISC"))
                // An amount that is no amount is a form error, published nowhere.
                let count = world.publisher.published.count
                let bad = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "T-MEM-001"), ("amount", "12,5x")])
                #expect(
                    bad.status == .badRequest && bad.html.contains("Write the amount in EUR as a number") && !bad.html.contains("12,5x"))
                #expect(world.publisher.published.count == count)
            }
        }
    }

    @Test func requestInvoicePublishesInvoiceRequestAndShowsItAcceptedOnceRecorded() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                let sent = try await browser.post("/requests", [("csrf", token), ("invoice", "T-MEM-007")])
                let envelope = try #require(try world.publisher.envelopes().first)
                #expect(envelope["type"] == .string("invoice.request") && envelope["actingUser"] == .string("user:mem"))
                #expect(envelope["body"] == .object(["user": .string("mem"), "invoiceNumber": .string("T-MEM-007")]))
                let id = try #require(world.publisher.published.first?.properties.messageId)
                #expect(sent.location == "/commands/\(id)")
                try await world.store.pool.write {
                    try CommandOutcome(
                        messageId: id, type: "invoice.request", userLogin: "mem", correlationId: id, outcome: .accepted, requestId: "r-1",
                        at: world.clock.now()
                    ).insert($0)
                }
                let accepted = try await browser.get("/commands/\(id)")
                #expect(accepted.html.contains("Request invoice T-MEM-007") && accepted.html.contains("Accepted. Your request is recorded"))
            }
        }
    }

    @Test func theCartPageChangesRemovesAndChecksOutItsLinesAsCommandsOfTheSignedInUser() async throws {
        try await PortalWorld.with { world in
            // The carts as the cart worker left them: mem's with an invoice line, solo's with an item.
            let now = world.clock.now()
            try await world.store.pool.write { db in
                try Cart(id: "cart-mem", userLogin: "mem", customerAccount: "T-MEM", createdAt: now).insert(db)
                try CartLine(
                    id: "line-mem", cartId: "cart-mem", position: 1, kind: .invoice, invoiceNumber: "T-MEM-001", sku: nil,
                    description: "Invoice T-MEM-001", quantity: 1, unitPrice: Money(minorUnits: 2_500, currency: .EUR),
                    amount: Money(minorUnits: 2_500, currency: .EUR)
                ).insert(db)
                try Cart(id: "cart-solo", userLogin: "solo", customerAccount: "T-SOLO", createdAt: now).insert(db)
                try CartLine(
                    id: "line-solo", cartId: "cart-solo", position: 1, kind: .item, invoiceNumber: nil, sku: "P-1",
                    description: "Oak pallet", quantity: 2, unitPrice: Money(minorUnits: 1_250, currency: .EUR),
                    amount: Money(minorUnits: 2_500, currency: .EUR)
                ).insert(db)
            }
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let page = try await browser.get("/cart")
                #expect(page.status == .ok)
                #expect(page.html.contains("Invoice T-MEM-001") && page.html.contains("25.00 EUR") && page.html.contains(#"value="25.00""#))
                #expect(page.html.contains("takes no items"), "the cart rule is explained")
                #expect(!page.html.contains("Oak pallet"), "only the user's own cart")
                let token = try #require(page.html.firstCSRFToken)

                let changed = try await browser.post("/cart/lines/update", [("csrf", token), ("line", "line-mem"), ("amount", "10.00")])
                #expect(changed.status == .seeOther)
                var envelope = try #require(try world.publisher.envelopes().last)
                #expect(envelope["type"] == .string("cart.update-line") && envelope["actingUser"] == .string("user:mem"))
                #expect(
                    envelope["body"]
                        == .object([
                            "user": .string("mem"), "lineId": .string("line-mem"),
                            "amount": .object(["amount": .string("10.00"), "currency": .string("EUR")]),
                        ]))
                let count = world.publisher.published.count
                let bad = try await browser.post("/cart/lines/update", [("csrf", token), ("line", "line-mem"), ("amount", "ten")])
                #expect(bad.status == .badRequest && world.publisher.published.count == count)
                let foreign = try await browser.post("/cart/lines/remove", [("csrf", token), ("line", "line-solo")])
                #expect(foreign.status == .notFound && world.publisher.published.count == count, "another user's line is not found")

                _ = try await browser.post("/cart/lines/remove", [("csrf", token), ("line", "line-mem")])
                envelope = try #require(try world.publisher.envelopes().last)
                #expect(envelope["body"] == .object(["user": .string("mem"), "lineId": .string("line-mem")]))

                let noTender = try await browser.post("/cart/checkout", [("csrf", token)])
                #expect(noTender.status == .badRequest)
                let checkout = try await browser.post(
                    "/cart/checkout", [("csrf", token), ("tender", "card"), ("cardAuthorization", "psp-42")])
                envelope = try #require(try world.publisher.envelopes().last)
                #expect(envelope["type"] == .string("cart.checkout"))
                #expect(
                    envelope["body"]
                        == .object(["user": .string("mem"), "tender": .string("card"), "cardAuthorization": .string("psp-42")]))
                let id = try #require(world.publisher.published.last?.properties.messageId)
                #expect(checkout.location == "/commands/\(id)")
                try await world.store.pool.write {
                    try CommandOutcome(
                        messageId: id, type: "cart.checkout", userLogin: "mem", correlationId: id, outcome: .accepted, at: world.clock.now()
                    ).insert($0)
                }
                let accepted = try await browser.get("/commands/\(id)")
                #expect(accepted.html.contains("Checkout") && accepted.html.contains("Accepted. Your payment is submitted"))
                let withoutToken = try await browser.post("/cart/checkout", [("tender", "onAccount")])
                #expect(withoutToken.status == .forbidden)
            }
        }
    }

    @Test func anotherAccountsOrAMissingInvoiceIsNotFoundAlikeAndNothingIsPublished() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                var bodies: Set<String> = []
                for path in ["/cart/invoices", "/requests"] {
                    for invoice in ["T-SOLO-001", "T-NOPE-1", ""] {
                        let answer = try await browser.post(path, [("csrf", token), ("invoice", invoice), ("amount", "1.00")])
                        #expect(answer.status == .notFound, "\(path) \(invoice)")
                        bodies.insert(answer.html)
                    }
                }
                #expect(bodies.count == 1, "a foreign invoice and a missing one look the same")
                #expect(world.publisher.published.isEmpty)
            }
        }
    }

    @Test func aCommandIsShownOnlyToItsUser() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let mem = Browser(client)
                try await mem.signIn("mem")
                let token = try #require(try await mem.get("/invoices").html.firstCSRFToken)
                _ = try await mem.post("/requests", [("csrf", token), ("invoice", "T-MEM-001")])
                let id = try #require(world.publisher.published.first?.properties.messageId)
                let solo = Browser(client)
                try await solo.signIn("solo")
                #expect(try await solo.get("/commands/\(id)").status == .notFound, "pending: not solo's click")
                try await world.store.pool.write {
                    try CommandOutcome(
                        messageId: id, type: "invoice.request", userLogin: "mem", correlationId: id, outcome: .accepted,
                        at: world.clock.now()
                    ).insert($0)
                }
                #expect(try await solo.get("/commands/\(id)").status == .notFound, "recorded: still mem's")
                #expect(try await mem.get("/commands/\(id)").status == .ok)
                #expect(try await mem.get("/commands/unknown-id").status == .notFound)
            }
        }
    }

    @Test func whenTheBrokerDoesNotConfirmTheUserIsToldToTryAgain() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                world.publisher.setConfirms(false)
                let answer = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "T-MEM-001")])
                #expect(answer.status == .serviceUnavailable)
                #expect(answer.html.contains("Not sent — please try again") && answer.html.contains("nothing was done"))
                #expect(answer.headers[.retryAfter] == "5")
            }
        }
    }

    @Test func theRequestsPageListsTheUsersOwnRequestsWithStatusTimesAndReason() async throws {
        try await PortalWorld.with { world in
            let submitted = world.clock.now()
            try await world.store.pool.write { db in
                for (id, user, account, invoice) in [
                    ("req-1", "mem", "T-MEM", "T-MEM-001"), ("req-2", "mem", "T-MEM", "T-ORG-002"),
                    ("req-3", "solo", "T-SOLO", "T-SOLO-001"),
                ] {
                    _ = try B2BRequest(
                        requestId: id, userLogin: user, customerAccount: account, invoiceNumber: invoice, submittedAt: submitted
                    )
                    .record(db)
                }
                try B2BRequest.applyChange(
                    db, requestId: "req-2", status: .failed, detail: "550 mailbox <mem@shop.example> unavailable",
                    at: submitted + 3_600)
            }
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let page = try await browser.get("/requests")
                #expect(page.status == .ok)
                #expect(page.html.contains("T-MEM-001") && page.html.contains("T-ORG-002") && !page.html.contains("T-SOLO-001"))
                #expect(page.html.contains("<td>submitted</td>"))
                #expect(page.html.contains(#"<meta http-equiv="refresh" content="5">"#), "req-1 is on its way: the page follows it")
                #expect(page.html.contains(#"<strong class="error">failed</strong>"#))
                #expect(page.html.contains("550 mailbox &lt;mem@shop.example&gt; unavailable"), "the reason, escaped")
                #expect(page.html.contains("2026-11-29 12:00 UTC") && page.html.contains("2026-11-29 13:00 UTC"))
            }
        }
    }

    @Test func healthIsOkOnlyWhileTheStoreAnswersAndTheBrokerIsConnected() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let ok = try await client.execute(uri: "/health", method: .get)
                #expect(ok.status == .ok && ok.html == "store: ok\nbroker: ok\n")
                world.publisher.setConnected(false)
                let down = try await client.execute(uri: "/health", method: .get)
                #expect(down.status == .serviceUnavailable && down.html.contains("broker: unavailable"))
            }
            world.publisher.setConnected(true)
            let closed = try ChannelStore(dataDirectory: world.directory)
            try closed.pool.close()
            try await world.test(channel: closed) { client in
                let down = try await client.execute(uri: "/health", method: .get)
                #expect(down.status == .serviceUnavailable && down.html.contains("store: unavailable"))
            }
        }
    }
}
