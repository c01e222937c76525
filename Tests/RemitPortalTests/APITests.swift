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

extension Browser {
    /// Signs in through the API; returns the session's CSRF token.
    func apiSignIn(_ login: String, _ password: String = PortalWorld.password) async throws -> String {
        let answer = try await api(.post, "/api/v1/session", json: #"{"login": "\#(login)", "password": "\#(password)"}"#)
        guard answer.status == .ok, let token = answer.object["csrfToken"] as? String else {
            throw APISignInFailed(status: answer.status.code)
        }
        return token
    }

    struct APISignInFailed: Error {
        let status: Int
    }
}

extension TestResponse {
    var problem: [String: Any] { object["error"] as? [String: Any] ?? [:] }
    var fieldMessages: [String: String] {
        Dictionary(
            ((problem["fields"] as? [[String: Any]]) ?? []).map { ($0["field"] as? String ?? "", $0["message"] as? String ?? "") },
            uniquingKeysWith: { first, _ in first })
    }
}

@Suite("Portal: the JSON API (/api/v1)")
struct APITests {
    /// Both contracts are read without signing in: the API's (OpenAPI) and the producers' (AsyncAPI,
    /// the same bytes as docs/asyncapi.json).
    @Test func theContractsAreServedWithoutSigningIn() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                let openAPI = try await browser.api(.get, "/api/v1/openapi.yaml")
                #expect(openAPI.status == .ok && openAPI.html.contains("operationId: listInvoices"))
                let asyncAPI = try await browser.api(.get, "/api/v1/asyncapi.json")
                #expect(asyncAPI.status == .ok && asyncAPI.headers[.contentType] == "application/json; charset=utf-8")
                let committed = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/asyncapi.json"), encoding: .utf8)
                #expect(asyncAPI.html == committed)
                #expect((asyncAPI.object["channels"] as? [String: Any])?.keys.sorted() == ["invoice-pay", "invoice-request", "reply"])
            }
        }
    }

    @Test func signInSetsTheSessionCookieAndAnswersTheCSRFTokenWrongInputIsA400WithoutTheValue() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                let signedOut = try await browser.api(.get, "/api/v1/invoices")
                #expect(signedOut.status == .unauthorized && signedOut.problem["code"] as? String == "signed-out")
                #expect(signedOut.headers[.contentType]?.hasPrefix("application/json") == true)

                let wrong = try await browser.api(.post, "/api/v1/session", json: #"{"login": "mem", "password": "s3cret-Guess"}"#)
                #expect(wrong.status == .unauthorized && !wrong.html.contains("s3cret-Guess"))
                let missing = try await browser.api(.post, "/api/v1/session", json: #"{"login": "mem"}"#)
                #expect(missing.status == .badRequest && missing.fieldMessages["password"] == "Is required.", "\(missing.html)")
                let typed = try await browser.api(.post, "/api/v1/session", json: #"{"login": "mem", "password": 12345678}"#)
                #expect(typed.status == .badRequest && typed.fieldMessages["password"] == "Must be a string.", "\(typed.html)")
                let broken = try await browser.api(.post, "/api/v1/session", json: #"{"login": "mem", "password": "hunter2-leak"#)
                #expect(broken.status == .badRequest && !broken.html.contains("hunter2"), "\(broken.html)")
                let form = try await browser.api(
                    .post, "/api/v1/session", json: "login=mem&password=x", contentType: "application/x-www-form-urlencoded")
                #expect(form.status == .badRequest)

                let huge = try await browser.api(
                    .post, "/api/v1/session", json: #"{"login": "mem", "password": "\#(String(repeating: "x", count: 200_000))"}"#)
                #expect(huge.status == .contentTooLarge, "a body over 64 KiB is refused, not read whole: \(huge.status)")
                let token = try await browser.apiSignIn("mem")
                #expect(token.count == 43)
                #expect(browser.cookies["remit_session"] != nil)
                let account = try await browser.api(.get, "/api/v1/account")
                #expect(account.status == .ok)
                #expect(account.object["csrfToken"] as? String == token)
                #expect(account.object["accounts"] as? [String] == ["T-MEM", "T-ORG"])
                let summary = account.object["summary"] as? [String: Any] ?? [:]
                #expect(summary["account"] as? String == "T-ORG")
                #expect((summary["headroom"] as? [String: Any])?["amount"] as? String == "6000.00")
                #expect((summary["balance"] as? [String: Any])?["currency"] as? String == "EUR")

                #expect(try await browser.api(.delete, "/api/v1/session").status == .forbidden, "signing out needs the token too")
                #expect(try await browser.api(.delete, "/api/v1/session", csrf: token).status == .noContent)
                #expect(try await browser.api(.get, "/api/v1/account").status == .unauthorized)
            }
        }
    }

    @Test func theInvoiceListFiltersSortsAndPagesAsThePageDoesWithFieldErrors() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                _ = try await browser.apiSignIn("mem")
                let first = try await browser.api(.get, "/api/v1/invoices")
                #expect(first.status == .ok)
                #expect(first.object["total"] as? Int == 111 && first.object["pageCount"] as? Int == 3)
                #expect((first.object["invoices"] as? [[String: Any]])?.count == 50)
                var seen: [String] = []
                for page in 1...3 {
                    let answer = try await browser.api(.get, "/api/v1/invoices?page=\(page)")
                    seen += ((answer.object["invoices"] as? [[String: Any]]) ?? []).compactMap { $0["number"] as? String }
                }
                #expect(Set(seen) == world.memInvoices && seen.count == 111)

                let paid = try await browser.api(.get, "/api/v1/invoices?status=paid&account=T-MEM")
                let paidRows = (paid.object["invoices"] as? [[String: Any]]) ?? []
                #expect(
                    paidRows.count == 10 && paidRows.allSatisfy { $0["status"] as? String == "paid" && $0["payable"] as? Bool == false })
                let row = try #require(paidRows.first)
                #expect((row["total"] as? [String: Any])?["amount"] as? String == "100.00")

                let bad = try await browser.api(.get, "/api/v1/invoices?status=lost&account=T-SOLO&due-to=someday&page=-1")
                #expect(bad.status == .badRequest)
                #expect(Set(bad.fieldMessages.keys) == ["status", "account", "due-to", "page"], "\(bad.html)")
                #expect(bad.fieldMessages["account"] == "Choose one of your accounts: T-MEM, T-ORG.")
            }
        }
    }

    @Test func theDetailAnswersLinesPaymentsAndSettlementsAndAnythingElseIs404() async throws {
        try await PortalWorld.with { world in
            try await world.store.pool.write { db in
                try ChannelInvoiceDetail.replace(
                    db, invoice: "T-MEM-005",
                    lines: [ChannelInvoiceLine(description: "P-1 × 2", amount: Money(minorUnits: 10_000, currency: .EUR))],
                    settlements: [
                        ChannelSettlement(
                            settledOn: PortalWorld.today, settled: Money(minorUnits: 2_500, currency: .EUR), discount: .zero(.EUR),
                            paymentId: "pay-1")
                    ])
            }
            try await world.test { client in
                let browser = Browser(client)
                _ = try await browser.apiSignIn("mem")
                let detail = try await browser.api(.get, "/api/v1/invoices/T-MEM-005")
                #expect(detail.status == .ok)
                #expect((detail.object["invoice"] as? [String: Any])?["status"] as? String == "partially-paid")
                #expect((detail.object["lines"] as? [[String: Any]])?.first?["description"] as? String == "P-1 × 2")
                #expect((detail.object["settlements"] as? [[String: Any]])?.first?["settledOn"] as? String == "2026-11-29")
                for number in ["T-SOLO-001", "T-NOPE", "t-mem-005"] {
                    let answer = try await browser.api(.get, "/api/v1/invoices/\(number)")
                    #expect(answer.status == .notFound && answer.problem["code"] as? String == "not-found", "\(number)")
                }
                let nowhere = try await browser.api(.get, "/api/v1/nowhere")
                #expect(nowhere.status == .notFound && nowhere.problem["code"] as? String == "not-found")
                let document = try await browser.api(.get, "/api/v1/openapi.yaml")
                #expect(document.status == .ok && document.html.contains("operationId: listInvoices"))
            }
        }
    }

    @Test func payAndRequestPublishCommandsFollowedToTheirOutcomeWithCSRFRefusalsAndRetry() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                let token = try await browser.apiSignIn("mem")
                let forged = try await browser.api(.post, "/api/v1/invoices/T-MEM-001/pay", json: #"{"amount": "10.00"}"#)
                #expect(forged.status == .forbidden && forged.problem["code"] as? String == "csrf")
                let wrongToken = try await browser.api(
                    .post, "/api/v1/invoices/T-MEM-001/pay", json: #"{"amount": "10.00"}"#, csrf: String(token.reversed()))
                #expect(wrongToken.status == .forbidden)
                #expect(world.publisher.published.isEmpty)

                let pay = try await browser.api(.post, "/api/v1/invoices/T-MEM-001/pay", json: #"{"amount": "10.00"}"#, csrf: token)
                #expect(pay.status == .accepted, "\(pay.html)")
                let id = try #require(pay.object["id"] as? String)
                #expect(pay.object["status"] as? String == "pending" && pay.object["href"] as? String == "/api/v1/commands/\(id)")
                let envelope = try #require(try world.publisher.envelopes().last)
                #expect(envelope["type"]?.stringValue == CartAddInvoice.messageType)
                #expect(envelope["actingUser"]?.stringValue == "user:mem")
                #expect(envelope["body"]?["amount"]?["amount"]?.stringValue == "10.00")

                let pending = try await browser.api(.get, "/api/v1/commands/\(id)")
                #expect(pending.object["status"] as? String == "pending")
                try await world.store.pool.write { db in
                    try CommandOutcome(
                        messageId: id, type: CartAddInvoice.messageType, userLogin: "mem", correlationId: id, outcome: .refused,
                        code: "amount-over-open", reason: "The amount is more than is open.", at: world.clock.now()
                    ).insert(db)
                }
                let refused = try await browser.api(.get, "/api/v1/commands/\(id)")
                #expect(refused.object["status"] as? String == "refused" && refused.object["code"] as? String == "amount-over-open")

                // Someone else's command is not found.
                let other = Browser(client)
                _ = try await other.apiSignIn("solo")
                #expect(try await other.api(.get, "/api/v1/commands/\(id)").status == .notFound)

                // Without a body the proposed amount is paid; a wrong amount names the field.
                let proposed = try await browser.api(.post, "/api/v1/invoices/T-MEM-002/pay", csrf: token)
                #expect(proposed.status == .accepted, "\(proposed.status) \(proposed.html)")
                let words = try await browser.api(.post, "/api/v1/invoices/T-MEM-002/pay", json: #"{"amount": "ten"}"#, csrf: token)
                #expect(words.status == .badRequest && words.fieldMessages["amount"]?.contains("amount in EUR as a number") == true)
                // More than is open, or an invoice already paid: a 409 with the rule's code, nothing published.
                let published = world.publisher.published.count
                let over = try await browser.api(.post, "/api/v1/invoices/T-MEM-004/pay", json: #"{"amount": "100.01"}"#, csrf: token)
                #expect(over.status == .conflict && over.problem["code"] as? String == "amount-over-open", "\(over.html)")
                let paid = try await browser.api(.post, "/api/v1/invoices/T-MEM-007/pay", csrf: token)
                #expect(paid.status == .conflict && paid.problem["code"] as? String == "invoice-paid")
                #expect(world.publisher.published.count == published)

                let request = try await browser.api(.post, "/api/v1/invoices/T-ORG-001/request", csrf: token)
                #expect(request.status == .accepted)
                try await world.store.pool.write { db in
                    _ = try B2BRequest(
                        requestId: "req-api", userLogin: "mem", customerAccount: "T-MEM", invoiceNumber: "T-ORG-001",
                        submittedAt: world.clock.now()
                    ).record(db)
                    _ = try B2BRequest(
                        requestId: "req-solo", userLogin: "solo", customerAccount: "T-SOLO", invoiceNumber: "T-SOLO-001",
                        submittedAt: world.clock.now()
                    ).record(db)
                }
                let requests = try await browser.api(.get, "/api/v1/requests")
                let listed = (requests.object["requests"] as? [[String: Any]]) ?? []
                #expect(listed.map { $0["id"] as? String } == ["req-api"], "only the user's own")
                #expect(listed.first?["status"] as? String == "submitted" && listed.first?["invoice"] as? String == "T-ORG-001")
                #expect(try world.publisher.envelopes().last?["type"]?.stringValue == InvoiceRequest.messageType)

                // The broker does not confirm: 503 with Retry-After, and the user is told nothing was done.
                world.publisher.setConfirms(false)
                let down = try await browser.api(.post, "/api/v1/invoices/T-ORG-002/request", csrf: token)
                #expect(down.status == .serviceUnavailable && down.headers[.retryAfter] == "5")
                #expect((down.problem["message"] as? String)?.contains("nothing was done") == true)
            }
        }
    }

    @Test func theCartRuleAndTheTenderAreRefusedWith409AndLinesOfOthersAreNotFound() async throws {
        try await PortalWorld.with { world in
            let now = world.clock.now()
            try await world.store.pool.write { db in
                try Cart(id: "cart-solo", userLogin: "solo", customerAccount: "T-SOLO", createdAt: now).insert(db)
                try CartLine(
                    id: "line-solo", cartId: "cart-solo", position: 1, kind: .item, invoiceNumber: nil, sku: "P-1",
                    description: "Oak pallet", quantity: 2, unitPrice: Money(minorUnits: 1_250, currency: .EUR),
                    amount: Money(minorUnits: 2_500, currency: .EUR)
                ).insert(db)
            }
            try await world.test { client in
                let browser = Browser(client)
                let token = try await browser.apiSignIn("solo")
                let cart = try await browser.api(.get, "/api/v1/cart")
                #expect((cart.object["lines"] as? [[String: Any]])?.first?["kind"] as? String == "item")
                let mixed = try await browser.api(.post, "/api/v1/invoices/T-SOLO-001/pay", csrf: token)
                #expect(mixed.status == .conflict && mixed.problem["code"] as? String == "cart-holds-items", "\(mixed.html)")
                #expect((mixed.problem["message"] as? String)?.hasPrefix("Your cart holds items.") == true)
                let card = try await browser.api(.post, "/api/v1/cart/checkout", json: #"{"tender": "card"}"#, csrf: token)
                #expect(card.status == .conflict && card.problem["code"] as? String == "card-authorization-missing")
                let tender = try await browser.api(.post, "/api/v1/cart/checkout", json: #"{"tender": "cash"}"#, csrf: token)
                #expect(tender.status == .badRequest && tender.fieldMessages["tender"] != nil, "\(tender.html)")
                let quantity = try await browser.api(.patch, "/api/v1/cart/lines/line-solo", json: #"{"quantity": 0}"#, csrf: token)
                #expect(quantity.status == .badRequest && quantity.fieldMessages["quantity"] != nil)
                #expect(world.publisher.published.isEmpty)
                let changed = try await browser.api(.patch, "/api/v1/cart/lines/line-solo", json: #"{"quantity": 3}"#, csrf: token)
                #expect(changed.status == .accepted)
                #expect(try world.publisher.envelopes().last?["body"]?["quantity"] == .integer(3))
                let checkout = try await browser.api(
                    .post, "/api/v1/cart/checkout", json: #"{"tender": "card", "cardAuthorization": "auth-1"}"#, csrf: token)
                #expect(checkout.status == .accepted)
                #expect(try world.publisher.envelopes().last?["body"]?["cardAuthorization"]?.stringValue == "auth-1")
                let removed = try await browser.api(.delete, "/api/v1/cart/lines/line-solo", csrf: token)
                #expect(removed.status == .accepted && removed.object["type"] as? String == CartRemoveLine.messageType)
                #expect(try world.publisher.envelopes().last?["body"]?["lineId"]?.stringValue == "line-solo")

                let mem = Browser(client)
                let memToken = try await mem.apiSignIn("mem")
                #expect(try await mem.api(.delete, "/api/v1/cart/lines/line-solo", csrf: memToken).status == .notFound)
                let empty = try await mem.api(.post, "/api/v1/cart/checkout", json: #"{"tender": "onAccount"}"#, csrf: memToken)
                #expect(empty.status == .conflict && empty.problem["code"] as? String == "cart-empty")
            }
        }
    }
}
