import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import RemitCore
import RemitMessages
@testable import RemitPortal
import RemitSQLite
import RemitStore
import RemitTestSupport
import Testing

/// Issue #22: what a buyer in a real browser found — pending payments, dead cart lines, tenders,
/// echoed input and wording.
@Suite("Portal: pending payments, dead cart lines, tenders, errors without echoes, wording")
struct BuyerEdgesTests {
    static func euros(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .EUR) }

    /// A payment another user of the account took for `invoice`, not yet settled by HQ.
    static func pendingPayment(_ world: PortalWorld, _ invoice: String, _ minor: Int64) async throws {
        try await world.store.pool.write { db in
            _ = try ChannelTransaction(
                id: "pay-\(invoice)", kind: .invoicePayment, customerAccount: "T-ORG", userLogin: "org-buyer", invoiceNumber: invoice,
                amount: euros(minor), tender: Tender.card.rawValue, createdAt: world.clock.now()
            ).record(db)
        }
    }

    /// mem's cart with an invoice line for `invoice`.
    static func cart(_ world: PortalWorld, _ invoice: String, _ minor: Int64) async throws {
        let now = world.clock.now()
        try await world.store.pool.write { db in
            try Cart(id: "cart-mem", userLogin: "mem", customerAccount: "T-MEM", createdAt: now).insert(db)
            try CartLine(
                id: "line-mem", cartId: "cart-mem", position: 1, kind: .invoice, invoiceNumber: invoice, sku: nil,
                description: "Invoice \(invoice)", quantity: 1, unitPrice: euros(minor), amount: euros(minor)
            ).insert(db)
        }
    }

    /// The API document's `Refusal` codes are exactly the codes the shop refuses with.
    @Test func theAPIDocumentListsEveryRefusalCodeAndNoOther() {
        let money = Self.euros(1)
        let refusals: [StorefrontRefusal] = [
            .invoiceNotFound("X"), .invoiceAlreadyPaid("X"), .paymentPending("X", pending: money), .amountNotPositive,
            .amountOverOpen(available: money), .currencyMismatch(amount: .USD, invoice: .EUR), .cartHoldsItems, .cartHoldsInvoices,
            .invoiceAlreadyInCart("X"), .productNotFound("P"), .quantityOutOfRange, .lineNotFound("L"), .cartEmpty,
            .onAccountNotForInvoices, .onAccountNotAllowed, .creditExceeded(needed: money, headroom: money), .cardAuthorizationMissing,
            .notActingUser, .unknownUser("u"), .idempotencyKeyReused,
        ]
        #expect(refusals.allSatisfy { BuyerAPI.refusal($0)?.message == $0.description })
        #expect(Set(Components.Schemas.Refusal.CodePayload.allCases.map(\.rawValue)) == Set(refusals.map(\.code)))
    }

    @Test func aPendingPaymentThatEarnsTheCashDiscountLeavesNothingOpenAndProposesNothing() async throws {
        try await PortalWorld.with { world in
            // T-MEM-DISC: 100.00, 2.00 off until 2026-12-04; someone paid the 98.00 that earns it.
            try await Self.pendingPayment(world, "T-MEM-DISC", 9_800)
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let page = try await browser.get("/invoices?number=T-MEM-DISC")
                let row = try #require(page.html.split(separator: "<tr").first { $0.contains(#"href="/invoices/T-MEM-DISC""#) })
                #expect(row.contains(#"<td class="num" data-label="Pending">98.00 EUR</td>"#), "\(row)")
                #expect(row.contains(#"<td class="num" data-label="Open">0.00 EUR</td>"#), "not the discount as still open: \(row)")
                #expect(!row.contains("Pay invoice") && !row.contains("pay 2.00") && !row.contains("pay 98.00"), "\(row)")
                _ = try await browser.apiSignIn("mem")
                let invoice = try await browser.api(.get, "/api/v1/invoices/T-MEM-DISC").object["invoice"] as? [String: Any] ?? [:]
                #expect((invoice["open"] as? [String: Any])?["amount"] as? String == "0.00")
                #expect(invoice["payable"] as? Bool == false && invoice["discountOffer"] == nil, "\(invoice)")
            }
        }
    }

    @Test func aCartLineAnotherUsersPendingPaymentCoversSaysSoAndCheckoutNamesIt() async throws {
        try await PortalWorld.with { world in
            try await Self.cart(world, "T-MEM-001", 10_000)
            try await Self.pendingPayment(world, "T-MEM-001", 10_000)
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let page = try await browser.get("/cart")
                let said = "A payment of 100.00 EUR is pending for invoice T-MEM-001"
                #expect(page.html.contains(#"<tr class="refused">"#) && page.html.contains(said), "\(page.html)")
                #expect(page.html.contains(#"aria-describedby="problem-line-mem">Remove</button>"#), "a way to remove it")
                let token = try #require(page.html.firstCSRFToken)
                let checkout = try await browser.post(
                    "/cart/checkout", [("csrf", token), ("tender", "card"), ("cardAuthorization", "psp-1")])
                #expect(checkout.status == .conflict && checkout.html.contains(said) && !checkout.html.contains("already paid"))
                let pay = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "T-MEM-001")])
                #expect(pay.status == .conflict && pay.html.contains(said), "not “already paid”")
                #expect(world.publisher.published.isEmpty)

                let apiToken = try await browser.apiSignIn("mem")
                let cart = try await browser.api(.get, "/api/v1/cart")
                let problem = (cart.object["lines"] as? [[String: Any]])?.first?["problem"] as? [String: Any]
                #expect(problem?["code"] as? String == "payment-pending", "\(cart.html)")
                let refused = try await browser.api(
                    .post, "/api/v1/cart/checkout", json: #"{"tender": "card", "cardAuthorization": "psp-1"}"#, csrf: apiToken)
                #expect(refused.status == .conflict && refused.problem["code"] as? String == "payment-pending", "\(refused.html)")
            }
        }
    }

    @Test func onlyTheTendersTheCustomerMayUseAreOfferedOnThePageAndInTheAPI() async throws {
        try await PortalWorld.with { world in
            try await Self.cart(world, "T-MEM-001", 10_000)
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let allowed = try await browser.get("/cart").html
                #expect(allowed.contains(#"value="onAccount" checked"#) && allowed.contains(#"value="card">"#))
                _ = try await browser.apiSignIn("mem")
                #expect(try await browser.api(.get, "/api/v1/cart").object["tenders"] as? [String] == ["onAccount", "card"])

                // T-ORG, the account mem's charges go to, may no longer buy on account.
                try await world.store.pool.write {
                    try $0.execute(sql: "UPDATE channel_customer SET allow_on_account = 0 WHERE account = 'T-ORG'")
                }
                let cardOnly = try await browser.get("/cart").html
                #expect(!cardOnly.contains(#"value="onAccount""#) && cardOnly.contains(#"value="card" checked"#), "\(cardOnly)")
                #expect(try await browser.api(.get, "/api/v1/cart").object["tenders"] as? [String] == ["card"])
            }
        }
    }

    @Test func errorsNameTheFieldAndWhatIsExpectedNeverTheValueSent() async throws {
        try await PortalWorld.with { world in
            try await Self.cart(world, "T-MEM-001", 2_500)
            try await world.test { client in
                let browser = Browser(client)
                let page = try await browser.signIn("mem")
                let token = try #require(try await browser.get("/cart").html.firstCSRFToken)
                _ = page
                let pay = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "T-MEM-001"), ("amount", "abc-typed")])
                #expect(pay.status == .badRequest && !pay.html.contains("abc-typed") && pay.html.contains("amount in EUR"), "\(pay.html)")
                let update = try await browser.post("/cart/lines/update", [("csrf", token), ("line", "line-mem"), ("amount", "xyz-typed")])
                #expect(update.status == .badRequest && !update.html.contains("xyz-typed"))
                let dates = try await browser.get("/invoices?due-from=2026-12-31&due-to=2026-12-01")
                let alert = try #require(dates.html.split(separator: #"role="alert""#).last?.split(separator: "</div>").first)
                #expect(dates.status == .badRequest && alert.contains("due date") && !alert.contains("2026-12-31"), "\(alert)")

                let apiToken = try await browser.apiSignIn("mem")
                let apiPay = try await browser.api(
                    .post, "/api/v1/invoices/T-MEM-001/pay", json: #"{"amount": "abc-typed"}"#, csrf: apiToken)
                #expect(apiPay.status == .badRequest && !apiPay.html.contains("abc-typed"), "\(apiPay.html)")
                #expect(apiPay.fieldMessages["amount"]?.contains("EUR") == true)
                let over = try await browser.api(
                    .post, "/api/v1/invoices/T-MEM-001/pay", json: #"{"amount": "123.45"}"#, csrf: apiToken)
                #expect(over.status == .conflict && over.problem["code"] as? String == "amount-over-open" && !over.html.contains("123.45"))
                let apiDates = try await browser.api(.get, "/api/v1/invoices?due-from=2026-12-31&due-to=2026-12-01")
                #expect(apiDates.status == .badRequest && !apiDates.html.contains("2026-12-31"), "\(apiDates.html)")
            }
        }
    }

    @Test func theListCountsPagesInGoodEnglishAsksOnceToCheckTheFiltersAndARepeatedRequestSaysItJoined() async throws {
        try await PortalWorld.with { world in
            let first = world.clock.now()
            world.clock.advance(by: 90)
            let now = world.clock.now()
            try await world.store.pool.write { db in
                _ = try B2BRequest(
                    requestId: "request-1", userLogin: "mem", customerAccount: "T-MEM", invoiceNumber: "T-MEM-001", submittedAt: first
                ).record(db)
                _ = try B2BRequest(
                    requestId: "request-2", userLogin: "mem", customerAccount: "T-MEM", invoiceNumber: "T-MEM-002", submittedAt: now
                ).record(db)
                for (command, request) in [("command-joined", "request-1"), ("command-new", "request-2")] {
                    try CommandOutcome(
                        messageId: command, type: InvoiceRequest.messageType, userLogin: "mem", correlationId: command, outcome: .accepted,
                        requestId: request, at: now
                    ).insert(db)
                }
            }
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let beyond = try await browser.get("/invoices?number=T-MEM-DISC&page=2")
                #expect(beyond.html.contains("No invoices on page 2; there is 1 page."), "\(beyond.html)")
                let wrong = try await browser.get("/invoices?status=lost")
                #expect(wrong.html.components(separatedBy: "check the filters").count == 2, "said once: \(wrong.html)")
                let joined = try await browser.get("/commands/command-joined").html
                #expect(joined.contains("joined your request of 2026-11-29 12:00 UTC"), "\(joined)")
                let fresh = try await browser.get("/commands/command-new").html
                #expect(fresh.contains("Your request is recorded") && !fresh.contains("joined"), "\(fresh)")
                _ = try await browser.apiSignIn("mem")
                let joinedAPI = try await browser.api(.get, "/api/v1/commands/command-joined").object
                #expect((joinedAPI["joinedRequestAt"] as? String)?.hasPrefix("2026-11-29T12:00:00") == true, "\(joinedAPI)")
                #expect(try await browser.api(.get, "/api/v1/commands/command-new").object["joinedRequestAt"] == nil)
            }
        }
    }
}
