import Foundation
import RemitCore
import RemitStore
import Testing

/// HQ's writes and reads the jobs depend on, as every backend answers them: the payment journal,
/// settlement, credit, sales orders, channel requests and accounts.
/// They run on the backends that keep an HQ store (`StoreBackends.withHQ`: SQLite only — HQ stays on
/// SQLite, see `StoreBackends`).
@Suite("Store contract: the HQ store")
struct HQContractTests {
    typealias F = HQFixtures

    /// An HQ store filled with `HQFixtures.fill`.
    static func filled(_ backend: any StoreBackendFactory, in directory: URL) throws -> any HQStoreBackend {
        let store = try backend.hqStore(in: directory)
        try store.writeHQ { try F.fill($0) }
        return store
    }

    @Test("a payment uploaded twice is journalled once, then posted or refused", arguments: StoreBackends.withHQ)
    func journalLineUploadedOnce(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            let firstTime = try store.writeHQ { hq in
                [
                    try hq.paymentJournal.insertUnlessUploaded(F.payment("pay-1", invoice: "INV-1", amount: 1_000)),
                    try hq.paymentJournal.insertUnlessUploaded(F.payment("pay-2", invoice: "INV-1", amount: 2_000)),
                    try hq.paymentJournal.insertUnlessUploaded(F.payment("pay-3", invoice: "INV-2", amount: 4_000)),
                ]
            }
            #expect(firstTime == [true, true, true])
            #expect(
                try store.writeHQ { try $0.paymentJournal.insertUnlessUploaded(F.payment("pay-1", invoice: "INV-1", amount: 9)) } == false)
            let unposted = try store.readHQ { try $0.paymentJournal.unposted() }
            #expect(unposted.map(\.channelPaymentId) == ["pay-1", "pay-2", "pay-3"])
            #expect(unposted.first?.amount == F.euros(1_000) && unposted.first?.paidOn == F.today && unposted.first?.tender == "card")
            #expect(try store.readHQ { try $0.paymentJournal.unpostedMinor(invoice: "INV-1") } == 3_000)
            let ids = unposted.compactMap(\.id)
            try #require(ids.count == 3)
            try store.writeHQ { hq in
                try hq.paymentJournal.markPosted(id: ids[0], at: F.t0)
                try hq.paymentJournal.markFailed(id: ids[1], reason: "invoice in USD")
            }
            #expect(try store.readHQ { try $0.paymentJournal.unposted() }.map(\.channelPaymentId) == ["pay-3"])
            #expect(try store.readHQ { try $0.paymentJournal.unpostedMinor(invoice: "INV-1") } == 0)
            let outcomes = try store.readHQ { try $0.paymentJournal.outcomes(invoices: ["INV-1", "INV-2"]) }
            #expect(
                outcomes == [
                    "INV-1": [
                        HQPaymentOutcome(paymentId: "pay-1", posted: true, reason: nil),
                        HQPaymentOutcome(paymentId: "pay-2", posted: false, reason: "invoice in USD"),
                    ]
                ])
        }
    }

    @Test("settling an invoice changes its amounts; its settlements name their payments", arguments: StoreBackends.withHQ)
    func settlement(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            let later = F.t0.addingTimeInterval(60)
            try store.writeHQ { hq in
                #expect(try hq.paymentJournal.insertUnlessUploaded(F.payment("pay-1", invoice: "INV-1", amount: 29_400)))
                let line = try #require(try hq.paymentJournal.unposted().first?.id)
                try hq.invoices.settle(number: "INV-1", settledMinor: 29_400, discountTakenMinor: 600, at: later)
                try hq.invoices.insert(
                    HQSettlement(
                        journalLineId: line, invoiceNumber: "INV-1", settled: F.euros(29_400), discount: F.euros(600),
                        unapplied: F.euros(0), settledOn: F.today))
                try hq.paymentJournal.markPosted(id: line, at: later)
            }
            let invoice = try #require(try store.readHQ { try $0.invoices.invoice(number: "INV-1") })
            #expect(invoice.settled == F.euros(29_400) && invoice.discountTaken == F.euros(600) && invoice.changedAt == later)
            let settlements = try store.readHQ { try $0.invoices.settlementsByInvoice([invoice]) }
            #expect(
                settlements == [
                    "INV-1": [HQSettledPayment(settledOn: F.today, settled: F.euros(29_400), discount: F.euros(600), paymentId: "pay-1")]
                ])
            // The settled invoice now comes after the other in change order.
            #expect(try store.readHQ { try $0.invoices.changedInvoices(after: .start, limit: 10) }.map(\.number) == ["INV-2", "INV-1"])
            try store.writeHQ { try $0.invoices.touch(number: "INV-2", at: later.addingTimeInterval(1)) }
            #expect(try store.readHQ { try $0.invoices.changedInvoices(after: .start, limit: 10) }.map(\.number) == ["INV-1", "INV-2"])
        }
    }

    @Test("credit: open balances and orders on account not invoiced yet", arguments: StoreBackends.withHQ)
    func credit(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            try store.writeHQ { hq in
                try hq.seed.insertAll([F.invoice("INV-3", of: "ORG", total: 1_000, settled: 1_500)], lines: [])
                for (id, onAccount) in [("o-1", true), ("o-2", true), ("o-3", false)] {
                    _ = try hq.salesOrders.insertUnlessUploaded(
                        SalesOrder(
                            orderNumber: "SO-\(id)", customerAccount: "ORG", channelOrderId: id, orderedOn: F.today,
                            onAccount: onAccount, status: .uploaded, total: F.euros(700), lines: "[]"))
                }
                let second = try #require(try hq.salesOrders.orders(status: .uploaded).first { $0.channelOrderId == "o-2" }?.id)
                try hq.salesOrders.setStatus(id: second, to: .invoiced)
            }
            // An overpaid invoice counts as zero.
            #expect(try store.readHQ { try $0.invoices.openBalanceMinor(customerAccount: "ORG") } == 30_000)
            #expect(try store.readHQ { try $0.invoices.openBalanceMinor(customerAccount: "C-1") } == 15_000)
            #expect(try store.readHQ { try $0.invoices.openBalanceMinor(customerAccount: "nobody") } == 0)
            #expect(try store.readHQ { try $0.salesOrders.uninvoicedOnAccountMinor(customerAccount: "ORG") } == 700)
            #expect(try store.readHQ { try $0.salesOrders.uninvoicedOnAccountMinor(customerAccount: "C-1") } == 0)
        }
    }

    @Test("an order uploaded twice is one order; opened, its lines become an invoice's", arguments: StoreBackends.withHQ)
    func salesOrders(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            let order = SalesOrder(
                orderNumber: "SO-o-1", customerAccount: "C-1", channelOrderId: "o-1", orderedOn: F.today, onAccount: true,
                status: .uploaded, total: F.euros(2_500), lines: #"[{"sku":"P-1"}]"#)
            #expect(try store.writeHQ { try $0.salesOrders.insertUnlessUploaded(order) })
            #expect(try store.writeHQ { try $0.salesOrders.insertUnlessUploaded(order) } == false)
            let stored = try #require(try store.readHQ { try $0.salesOrders.orders(status: .uploaded) }.first)
            let id = try #require(stored.id)
            #expect(stored.lines == order.lines && stored.total == F.euros(2_500) && stored.channelOrderId == "o-1")
            try store.writeHQ { hq in
                try hq.salesOrders.insert(
                    SalesOrderLine(orderId: id, lineNo: 1, sku: "P-1", quantity: 2, unitPriceMinor: 1_250, amountMinor: 2_500))
                try hq.salesOrders.setStatus(id: id, to: .open)
            }
            #expect(try store.readHQ { try $0.salesOrders.orders(status: .uploaded) }.isEmpty)
            let open = try store.readHQ { try $0.salesOrders.openOrdersWithTerms() }
            #expect(open.map { $0.order.id } == [id] && open.map { $0.terms } == [F.terms])
            try store.writeHQ { hq in
                try hq.invoices.insert(F.invoice("INV-S1", of: "C-1", total: 2_500))
                try hq.invoices.copyLines(fromOrder: id, toInvoice: "INV-S1")
            }
            let lines = try store.readHQ { try $0.invoices.lines(invoice: "INV-S1") }
            #expect(lines == [HQInvoiceLine(invoiceNumber: "INV-S1", lineNo: 1, description: "P-1 × 2", amountMinor: 2_500)])
        }
    }

    @Test("a request uploaded twice is received once, then finished and reported", arguments: StoreBackends.withHQ)
    func channelRequests(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            let request = HQChannelRequest(
                requestId: "req-1", type: "invoice-copy", userLogin: "bob", invoiceNumber: "INV-1", customerAccount: "C-1",
                receivedAt: F.t0)
            #expect(try store.writeHQ { try $0.channelRequests.insertUnlessUploaded(request) })
            #expect(try store.writeHQ { try $0.channelRequests.insertUnlessUploaded(request) } == false)
            #expect(try store.readHQ { try $0.channelRequests.received() } == [request])
            #expect(try store.readHQ { try $0.channelRequests.changedRequests(after: .start, limit: 10) }.isEmpty)
            let done = F.t0.addingTimeInterval(30)
            try store.writeHQ { try $0.channelRequests.finish(requestId: "req-1", status: .processed, detail: "handed on", at: done) }
            #expect(try store.readHQ { try $0.channelRequests.received() }.isEmpty)
            let changed = try store.readHQ { try $0.channelRequests.changedRequests(after: .start, limit: 10) }
            #expect(changed.map(\.status) == [.processed] && changed.first?.detail == "handed on" && changed.first?.changedAt == done)
            #expect(try store.readHQ { try $0.channelRequests.requests(ids: ["req-1", "req-9"]) }.map(\.processedAt) == [done])
        }
    }

    @Test("accounts: customers, their users, logins", arguments: StoreBackends.withHQ)
    func accounts(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.filled(backend, in: directory)
            try store.readHQ { hq in
                #expect(try hq.accounts.customerCount() == 2)
                #expect(
                    try hq.accounts.customer(account: "C-1") == F.customer("C-1", invoiceAccount: "ORG", at: F.t0.addingTimeInterval(1)))
                #expect(try hq.accounts.customer(account: "nobody") == nil)
                #expect(try hq.accounts.user(login: "bob")?.customerAccount == "C-1")
                #expect(try hq.accounts.userExists(login: "ada") && !(try hq.accounts.userExists(login: "eve")))
                #expect(try hq.accounts.userLogins() == ["ada", "bob", "cy"])
                #expect(
                    try hq.accounts.usersByCustomer().mapValues { $0.map(\.login).sorted() } == ["ORG": ["ada", "cy"], "C-1": ["bob"]])
                #expect(try hq.invoices.customerAccount(ofInvoice: "INV-2") == "C-1")
                #expect(try hq.invoices.customerAccount(ofInvoice: "INV-9") == nil)
                let lines = try hq.invoices.linesByInvoice([try #require(try hq.invoices.invoice(number: "INV-1"))])
                #expect(lines["INV-1"]?.map(\.amount) == [F.euros(10_000), F.euros(20_000)])
            }
        }
    }
}
