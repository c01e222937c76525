import Foundation
import RemitCore
import RemitStore
import Testing

/// The channel store's parts as every backend answers them: storefront commands, channel updates,
/// uploads and the buyer's views.
@Suite("Store contract: the channel store")
struct ChannelContractTests {
    typealias F = ChannelFixtures

    /// A channel store filled with `ChannelFixtures.fill`.
    static func filled(_ backend: any StoreBackendFactory, in directory: URL) throws -> any MessageStoreBackend {
        let store = try backend.channelStore(in: directory)
        try store.write { try F.fill($0.channel()) }
        return store
    }

    @Test("a buyer is their user, customer and reach; an unknown login is nobody", arguments: StoreBackends.all)
    func buyer(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            let buyer = try #require(try store.read { try $0.channel().buyerViews.buyer(login: "ada") })
            #expect(buyer.customer.account == "C-1")
            #expect(buyer.access.allows(invoiceOwnedBy: "ORG") && !buyer.access.allows(invoiceOwnedBy: "C-2"))
            #expect(try store.read { try $0.channel().buyerViews.buyer(login: "nobody") } == nil)
        }
    }

    @Test("the Invoices page filters by status and overdue, sorts and pages", arguments: StoreBackends.all)
    func invoicePages(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            func numbers(_ query: BuyerView.InvoiceQuery, offset: Int = 0, limit: Int = 10) throws -> ([String], Int) {
                let page = try store.read {
                    try $0.channel().buyerViews.invoicePage(
                        accounts: ["C-1", "ORG"], query: query, today: F.today, offset: offset, limit: limit)
                }
                return (page.rows.map(\.invoice.number), page.total)
            }
            #expect(try numbers(.init(status: .unpaid)).0 == ["INV-4", "INV-1", "ORG-1"])
            #expect(try numbers(.init(status: .partiallyPaid)).0 == ["INV-2"])
            #expect(try numbers(.init(status: .paid)).0 == ["INV-3"])
            #expect(try numbers(.init(status: .overdue)).0 == ["INV-4"])
            #expect(try numbers(.init(account: "ORG")).0 == ["ORG-1"])
            #expect(try numbers(.init(account: "C-2")).1 == 0, "an account out of reach finds nothing")
            #expect(try numbers(.init(numberPrefix: "INV-")).1 == 4)
            #expect(try numbers(.init(sort: .amount, descending: true)).0.first == "ORG-1")
            let first = try numbers(.init(), offset: 0, limit: 2)
            let second = try numbers(.init(), offset: 2, limit: 2)
            let third = try numbers(.init(), offset: 4, limit: 2)
            #expect(first.1 == 5 && second.1 == 5 && third.1 == 5)
            #expect(first.0 + second.0 + third.0 == ["INV-4", "INV-3", "INV-2", "INV-1", "ORG-1"])
        }
    }

    @Test("a payment is recorded once, shows as pending, and is pending no more once HQ posts it", arguments: StoreBackends.all)
    func paymentsPendAndSettle(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            try store.write { transaction in
                let channel = try transaction.channel()
                #expect(try channel.storefront.record(F.payment("pay-1", invoice: "INV-1", minor: 2_500)))
                #expect(try !channel.storefront.record(F.payment("pay-1", invoice: "INV-1", minor: 2_500)), "the same id again")
                #expect(try channel.storefront.transaction(id: "pay-1")?.amount == Money(minorUnits: 2_500, currency: .EUR))
            }
            let invoice = try #require(try store.read { try $0.channel().storefront.invoice(number: "INV-1") })
            let pending = try store.read { try $0.channel().buyerViews.row(invoice) }
            #expect(pending.pending == Money(minorUnits: 2_500, currency: .EUR))
            #expect(pending.open == Money(minorUnits: 7_500, currency: .EUR))
            try store.write { try $0.channel().channelUpdates.applyHQOutcome(paymentId: "pay-1", posted: true, reason: nil) }
            #expect(try store.read { try $0.channel().buyerViews.row(invoice) }.pending == .zero(.EUR))
        }
    }

    @Test("carts: one open per user, lines in order, amounts changed, removed, submitted", arguments: StoreBackends.all)
    func carts(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            let euro = { (minor: Int64) in Money(minorUnits: minor, currency: .EUR) }
            try store.write { transaction in
                let storefront = try transaction.channel().storefront
                #expect(try storefront.openCart(user: "ada") == nil)
                try storefront.insert(Cart(id: "cart-1", userLogin: "ada", customerAccount: "C-1", createdAt: F.now))
                for (position, number) in ["INV-1", "INV-2"].enumerated() {
                    try storefront.insert(
                        CartLine(
                            id: "line-\(position + 1)", cartId: "cart-1", position: position + 1, kind: .invoice, invoiceNumber: number,
                            sku: nil, description: number, quantity: 1, unitPrice: euro(1_000), amount: euro(1_000)))
                }
                try storefront.setCartLineAmount(id: "line-2", quantity: 1, amount: euro(500))
                #expect(try storefront.cartLines(cart: "cart-1").map(\.amount) == [euro(1_000), euro(500)])
                try storefront.removeCartLine(id: "line-1")
                #expect(try storefront.cartLine(id: "line-1", cart: "cart-1") == nil)
                #expect(try storefront.openCart(user: "ada")?.id == "cart-1")
                try storefront.submitCart(id: "cart-1", tender: .card, at: F.now)
                #expect(try storefront.openCart(user: "ada") == nil, "a submitted cart is no longer open")
            }
        }
    }

    @Test("the open cart says why a line can no longer be paid", arguments: StoreBackends.all)
    func openCartRefusals(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            let euro = { (minor: Int64) in Money(minorUnits: minor, currency: .EUR) }
            try store.write { transaction in
                let storefront = try transaction.channel().storefront
                try storefront.insert(Cart(id: "cart-1", userLogin: "ada", customerAccount: "C-1", createdAt: F.now))
                for (position, (number, minor)) in [("INV-1", Int64(1_000)), ("INV-3", 100), ("INV-2", 9_000)].enumerated() {
                    try storefront.insert(
                        CartLine(
                            id: "line-\(position + 1)", cartId: "cart-1", position: position + 1, kind: .invoice, invoiceNumber: number,
                            sku: nil, description: number, quantity: 1, unitPrice: euro(minor), amount: euro(minor)))
                }
            }
            let buyer = try #require(try store.read { try $0.channel().buyerViews.buyer(login: "ada") })
            let cart = try store.read { try $0.channel().buyerViews.openCart(buyer: buyer, today: F.today) }
            #expect(cart.lines.map(\.id) == ["line-1", "line-2", "line-3"])
            #expect(cart.refusals["line-1"] == nil)
            #expect(cart.refusals["line-2"] != nil, "paid since")
            #expect(cart.refusals["line-3"] != nil, "more than is open")
            #expect(cart.firstRefusal == cart.refusals["line-2"])
        }
    }

    @Test("the account summary charges the invoice account and counts what is not uploaded yet", arguments: StoreBackends.all)
    func accountSummary(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            let buyer = try #require(try store.read { try $0.channel().buyerViews.buyer(login: "ada") })
            let summary = try #require(try store.read { try $0.channel().buyerViews.accountSummary(buyer: buyer) })
            #expect(summary.account.account == "ORG")
            #expect(summary.balance == Money(minorUnits: 50_000, currency: .EUR))
            #expect(summary.creditLimit == Money(minorUnits: 100_000, currency: .EUR))
            // An invoice HQ settled beyond its total (an overpayment) owes nothing; it does not lower
            // what the others owe.
            try store.write { transaction in
                _ = try transaction.channel().channelUpdates.storeIfNewer(
                    F.invoice("ORG-2", of: "ORG", totalMinor: 10_000, settledMinor: 12_000))
            }
            let after = try #require(try store.read { try $0.channel().buyerViews.accountSummary(buyer: buyer) })
            #expect(after.balance == Money(minorUnits: 50_000, currency: .EUR))
        }
    }

    @Test("an older snapshot never overwrites a newer one; detail windows land at their places", arguments: StoreBackends.all)
    func channelUpdates(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            let euro = { (minor: Int64) in Money(minorUnits: minor, currency: .EUR) }
            try store.write { transaction in
                let updates = try transaction.channel().channelUpdates
                #expect(try !updates.storeIfNewer(F.invoice("INV-1", of: "C-1", settledMinor: 9_999, changedAt: F.now - 60)))
                #expect(try updates.storeIfNewer(F.invoice("INV-1", of: "C-1", settledMinor: 1_000, changedAt: F.now + 60)))
                let lines = (1...4).map { ChannelInvoiceLine(description: "line \($0)", amount: euro(Int64($0) * 100)) }
                // Two parts of one snapshot, the second first.
                try updates.replaceDetail(
                    InvoiceDetailUpdate(invoice: "INV-1", lines: Array(lines[2...]), linesFrom: 3, lineCount: 4, settlements: nil))
                try updates.replaceDetail(
                    InvoiceDetailUpdate(
                        invoice: "INV-1", lines: Array(lines[..<2]), linesFrom: 1, lineCount: 4,
                        settlements: [ChannelSettlement(settledOn: F.today, settled: euro(1_000), discount: .zero(.EUR), paymentId: "p")]))
            }
            let buyer = try #require(try store.read { try $0.channel().buyerViews.buyer(login: "ada") })
            let detail = try #require(try store.read { try $0.channel().buyerViews.invoiceDetail(buyer: buyer, number: "INV-1") })
            #expect(detail.row.invoice.settledMinor == 1_000)
            #expect(detail.lines.map(\.description) == ["line 1", "line 2", "line 3", "line 4"])
            #expect(detail.settlements.map(\.paymentId) == ["p"])
        }
    }

    @Test("a customer's address comes with its snapshot, and an older snapshot does not take it back", arguments: StoreBackends.all)
    func customerAddress(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            var customer = try #require(try store.read { try $0.channel().storefront.customer(account: "C-1") })
            #expect(customer.address == nil)
            customer.address = "Keizersgracht 1\n1015 CJ Amsterdam"
            customer.hqChangedAt = F.now + 60
            var older = customer
            older.address = "Old street 9"
            older.hqChangedAt = F.now + 30
            let stored = try store.write { transaction in
                let updates = try transaction.channel().channelUpdates
                return (try updates.storeIfNewer(customer), try updates.storeIfNewer(older))
            }
            #expect(stored == (true, false))
            #expect(try store.read { try $0.channel().storefront.customer(account: "C-1") } == customer)
        }
    }

    @Test("an invoice stored from distribution reads back column for column", arguments: StoreBackends.all)
    func invoiceRoundTrip(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            var invoice = F.invoice("INV-RT", of: "C-1", totalMinor: 123_456, settledMinor: 23_456, changedAt: F.now + 30)
            invoice.discountLastDay = F.today.adding(days: 4)
            invoice.discountMinor = 2_469
            invoice.discountTakenMinor = 7
            invoice.status = .partiallyPaid
            let newer = ChannelInvoice(
                number: "INV-RT", customerAccount: "C-1", invoiceDate: F.today.adding(days: -99), dueDate: F.today.adding(days: 60),
                discountLastDay: nil, discountMinor: 0, currency: .USD, totalMinor: 123_456, settledMinor: 123_456,
                discountTakenMinor: 0, status: .paid, hqChangedAt: F.now + 90)
            let buyer = try #require(try store.read { try $0.channel().buyerViews.buyer(login: "ada") })
            func stored() throws -> ChannelInvoice? {
                try store.read { try $0.channel().buyerViews.invoiceDetail(buyer: buyer, number: "INV-RT")?.row.invoice }
            }
            #expect(try store.write { try $0.channel().channelUpdates.storeIfNewer(invoice) })
            #expect(try stored() == invoice)
            #expect(try store.write { try $0.channel().channelUpdates.storeIfNewer(newer) })
            // The invoice date and currency never change in HQ: kept as first stored.
            var expected = newer
            expected.invoiceDate = invoice.invoiceDate
            expected.currency = invoice.currency
            #expect(try stored() == expected)
        }
    }

    @Test("requests: recorded once, merged repeats, moved forward never back, uploaded once", arguments: StoreBackends.all)
    func requestsAndUploads(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            try store.write { transaction in
                let channel = try transaction.channel()
                let request = B2BRequest(
                    requestId: "req-1", userLogin: "ada", customerAccount: "C-1", invoiceNumber: "INV-1", submittedAt: F.now)
                #expect(try channel.storefront.record(request))
                #expect(try !channel.storefront.record(request))
                #expect(try channel.storefront.recentRequest(user: "ada", invoice: "INV-1", since: F.now - 60)?.requestId == "req-1")
                try channel.storefront.recordRepeat(requestId: "req-1", at: F.now + 1)
                _ = try channel.storefront.record(F.payment("pay-1", invoice: "INV-1", minor: 100))
                #expect(try channel.uploads.pendingRequests(limit: 10).map(\.requestId) == ["req-1"])
                #expect(try channel.uploads.pendingTransactions(limit: 10).map(\.id) == ["pay-1"])
                try channel.uploads.markRequestsUploaded(ids: ["req-1"], at: F.now + 2)
                try channel.uploads.markTransactionsUploaded(ids: ["pay-1"], at: F.now + 2)
                #expect(try channel.uploads.pendingRequests(limit: 10).isEmpty)
                #expect(try channel.uploads.pendingTransactions(limit: 10).isEmpty)
                try channel.storefront.applyRequestChange(requestId: "req-1", status: .completed, detail: "sent", at: F.now + 3)
                try channel.channelUpdates.applyRequestChange(requestId: "req-1", status: .processing, detail: "late", at: F.now + 4)
            }
            let rows = try store.read { try $0.channel().buyerViews.requests(user: "ada", limit: 10) }
            #expect(rows.map(\.status) == [.completed], "a late, lower status never moves a request back")
            #expect(rows.first?.repeats == 1)
        }
    }

    @Test("outcomes and the e-mail ledger read back as written", arguments: StoreBackends.all)
    func outcomesAndLedger(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            try store.write { transaction in
                let storefront = try transaction.channel().storefront
                let outcome = CommandOutcome(
                    messageId: "m-1", type: "cart.add-invoice", userLogin: "ada", correlationId: "c", outcome: .refused,
                    code: "invoice-not-found", reason: "no such invoice", at: F.now)
                try storefront.record(outcome)
                #expect(try storefront.outcome(messageId: "m-1") == outcome)
                var entry = EmailLedgerEntry(
                    requestId: "req-1", messageId: "<x@example.com>", recipient: "ada@example.com", status: .sending, attempts: 1,
                    detail: nil, createdAt: F.now, updatedAt: F.now)
                try storefront.save(entry)
                entry.status = .sent
                entry.detail = "250 ok"
                try storefront.save(entry)
                #expect(try storefront.ledgerEntry(requestId: "req-1") == entry)
            }
        }
    }
}
