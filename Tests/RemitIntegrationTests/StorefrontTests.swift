import Foundation
import GRDB
import Logging
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitHQ
import RemitMessages
import RemitOperations
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitTestSupport
import RemitWorkers
import Testing

/// A small, known shop added to the seeded HQ: an organisation `T-ORG` with a member `T-MEM` (user
/// `mem`, invoice account T-ORG), a standalone customer `T-SOLO` (user `solo`) and a customer
/// `T-CASH` (user `cash`) that may not buy on account; their invoices, and two products.
enum Shop {
    static let eur = Currency.EUR
    static func euros(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .EUR) }

    static func add(to world: HQWorld) async throws {
        let today = HQWorld.today
        let now = world.clock.now()
        try await world.hq.pool.write { db in
            func customer(_ account: String, invoiceAccount: String?, onAccount: Bool, limit: Int64) throws {
                try HQCustomer(
                    account: account, name: "Customer \(account)", email: "\(account.lowercased())@shop.example", currency: eur,
                    invoiceAccount: invoiceAccount, allowOnAccount: onAccount, creditLimitMinor: limit, paymentTerms: "NET30",
                    changedAt: now
                ).insert(db)
            }
            try customer("T-ORG", invoiceAccount: nil, onAccount: true, limit: 1_000_000)
            try customer("T-MEM", invoiceAccount: "T-ORG", onAccount: true, limit: 0)
            try customer("T-SOLO", invoiceAccount: nil, onAccount: true, limit: 100_000)
            try customer("T-CASH", invoiceAccount: nil, onAccount: false, limit: 1_000_000)
            try HQUser(login: "mem", customerAccount: "T-MEM", displayName: "Mia Member", email: "mem@shop.example").insert(db)
            try HQUser(login: "solo", customerAccount: "T-SOLO", displayName: "Sol Solo", email: "solo@shop.example").insert(db)
            try HQUser(login: "cash", customerAccount: "T-CASH", displayName: "Cas Cash", email: "cash@shop.example").insert(db)
            func invoice(_ number: String, _ account: String, total: Int64, settled: Int64 = 0, discount: Int64 = 0) throws {
                try HQInvoice(
                    number: number, customerAccount: account, invoiceDate: today.adding(days: -5), dueDate: today.adding(days: 25),
                    discountLastDay: discount > 0 ? today.adding(days: 5) : nil, discountMinor: discount, currency: eur,
                    totalMinor: total, settledMinor: settled, changedAt: now
                ).insert(db)
                try HQInvoiceLine(invoiceNumber: number, lineNo: 1, description: "Pallets <oak> & \"pine\"", amountMinor: total).insert(db)
            }
            try invoice("T-ORG-1", "T-ORG", total: 100_000)
            try invoice("T-MEM-1", "T-MEM", total: 20_000)
            try invoice("T-MEM-PAID", "T-MEM", total: 5_000, settled: 5_000)
            try invoice("T-MEM-DISC", "T-MEM", total: 10_000, discount: 200)
            try invoice("T-SOLO-1", "T-SOLO", total: 30_000, settled: 10_000)
            try invoice("T-SOLO-BIG", "T-SOLO", total: 45_000)
            try invoice("T-CASH-1", "T-CASH", total: 8_000)
            try HQProduct(sku: "T-P1", name: "Oak pallet", price: euros(1_250), changedAt: now).insert(db)
            try HQProduct(sku: "T-P2", name: "Pine pallet", price: euros(990), changedAt: now).insert(db)
        }
        try await world.distribute(until: "the channel has the test shop") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM channel_invoice WHERE number LIKE 'T-%'") == 7
                && Int.fetchOne(db, sql: "SELECT COUNT(*) FROM channel_product WHERE sku LIKE 'T-%'") == 2
                && Int.fetchOne(db, sql: "SELECT COUNT(*) FROM channel_user WHERE login IN ('mem', 'solo', 'cash')") == 3
        }
    }
}

extension HQWorld {
    /// Publishes `body` as `actingUser` (default: the user it names) and returns its outcome.
    @discardableResult
    func command<Body: MessageBody>(
        _ body: Body, as actingUser: String, id: String = UUID().uuidString.lowercased(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CommandOutcome {
        try await publish(body, as: actingUser, id: id)
        return try await outcome(of: id, sourceLocation: sourceLocation)
    }

    /// Publishes `body` as a producer would; returns what went onto the broker.
    @discardableResult
    func publish<Body: MessageBody>(
        _ body: Body, as actingUser: String, id: String, correlationId: String? = nil, replyTo: String? = nil
    ) async throws -> OutboundMessage {
        let json = try JSONValue.parse(try MessageCoding.shared.encode(body))
        var prepared = try Producer(topology: broker.topology, clock: clock).prepare(
            type: Body.messageType, body: json, actingUser: actingUser, messageId: id, correlationId: correlationId)
        prepared.outbound.properties.replyTo = replyTo
        try await republish(prepared.outbound)
        return prepared.outbound
    }

    /// Publishes the same bytes again, as a redelivery or a replay brings them.
    func republish(_ outbound: OutboundMessage) async throws {
        try await broker.withConnection { try await $0.publish(outbound) }
    }

    /// HQ's jobs, one after the other, with the clock moved on before each (HQ orders changes by time).
    func runHQ(_ jobs: String...) async throws {
        for job in jobs {
            clock.advance(by: 60)
            try await run(job)
        }
        clock.advance(by: 60)
    }

    func outcome(of id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> CommandOutcome {
        var found: CommandOutcome?
        try await expectEventually("the outcome of \(id) is recorded", timeout: .seconds(30), sourceLocation: sourceLocation) {
            found = try await channel.pool.read { try CommandOutcome.find($0, messageId: id) }
            return found != nil
        }
        return try #require(found, sourceLocation: sourceLocation)
    }

    func channelInt(_ sql: String, _ arguments: StatementArguments = []) async throws -> Int64 {
        try await channel.pool.read { try Int64.fetchOne($0, sql: sql, arguments: arguments) ?? -1 }
    }

    func cartLines(_ user: String) async throws -> [CartLine] {
        try await channel.pool.read { db in
            guard let cart = try Cart.open(db, user: user) else { return [] }
            return try CartLine.lines(db, cart: cart.id)
        }
    }

    func pending(_ invoice: String) async throws -> Int64 {
        try await channel.pool.read { try ChannelTransaction.pending($0, invoice: invoice, currency: .EUR).amount.minorUnits }
    }
}

@Suite("The storefront's workers against a real broker and SQLite", .serialized)
struct StorefrontTests {
    let eur = Currency.EUR
    func euros(_ minor: Int64) -> Money { Shop.euros(minor) }

    @Test func aUserReachesOwnAndInvoiceAccountInvoicesAndNothingElseWithNoHintThatItExists() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            let own = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:mem")
            #expect(own.outcome == .accepted && own.lineId != nil)
            let organisation = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-ORG-1"), as: "user:mem")
            #expect(organisation.outcome == .accepted, "the invoice account's invoices are the member's to pay")

            let foreign = try await world.command(CartAddInvoice(user: "solo", invoiceNumber: "T-ORG-1"), as: "user:solo")
            let missing = try await world.command(CartAddInvoice(user: "solo", invoiceNumber: "T-NOPE-1"), as: "user:solo")
            #expect(foreign.outcome == .refused && foreign.code == "invoice-not-found")
            #expect(missing.code == foreign.code)
            #expect(foreign.reason == "Invoice T-ORG-1 was not found." && missing.reason == "Invoice T-NOPE-1 was not found.")
            // The same check in payment posting and request handling.
            let pay = try await world.command(
                InvoicePay(
                    user: "solo", invoiceNumber: "T-MEM-1", amount: euros(100), tender: .card, cardAuthorization: "a", idempotencyKey: "k1"),
                as: "system:erp")
            #expect(pay.outcome == .refused && pay.code == "invoice-not-found")
            let request = try await world.command(InvoiceRequest(user: "solo", invoiceNumber: "T-MEM-1"), as: "user:solo")
            #expect(request.outcome == .refused && request.code == "invoice-not-found")
            // A signed-in user cannot act for another.
            let impostor = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:solo")
            #expect(impostor.code == "not-acting-user")
            #expect(try await world.channelInt("SELECT COUNT(*) FROM channel_transaction") == 0)
            #expect(try await world.channelInt("SELECT COUNT(*) FROM b2b_request") == 0)
        }
    }

    @Test func onlyOpenInvoicesWithinTheirOpenAmountAndTheProposedAmountHonoursTheCashDiscount() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            let paid = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-PAID"), as: "user:mem")
            #expect(paid.code == "invoice-paid")
            let zero = try await world.command(CartAddInvoice(user: "solo", invoiceNumber: "T-SOLO-1", amount: euros(0)), as: "user:solo")
            #expect(zero.code == "amount-not-positive")
            let negative = try await world.command(
                CartAddInvoice(user: "solo", invoiceNumber: "T-SOLO-1", amount: euros(-100)), as: "user:solo")
            #expect(negative.code == "amount-not-positive")
            let over = try await world.command(
                CartAddInvoice(user: "solo", invoiceNumber: "T-SOLO-1", amount: euros(20_001)), as: "user:solo")
            #expect(over.code == "amount-over-open" && over.reason?.contains("200.00 EUR") == true, "\(over.reason ?? "")")
            let dollars = try await world.command(
                CartAddInvoice(user: "solo", invoiceNumber: "T-SOLO-1", amount: Money(minorUnits: 100, currency: .USD)), as: "user:solo")
            #expect(dollars.code == "currency-mismatch")
            let whole = try await world.command(
                CartAddInvoice(user: "solo", invoiceNumber: "T-SOLO-1", amount: euros(20_000)), as: "user:solo")
            #expect(whole.outcome == .accepted, "exactly the open amount (due − settled) may be paid")
            // Without an amount: the open amount, less the cash discount inside its window.
            let proposed = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-DISC"), as: "user:mem")
            #expect(proposed.outcome == .accepted)
            let plain = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:mem")
            #expect(plain.outcome == .accepted)
            let amounts = Dictionary(uniqueKeysWithValues: try await world.cartLines("mem").map { ($0.invoiceNumber ?? "", $0.amount) })
            #expect(amounts["T-MEM-DISC"] == euros(9_800) && amounts["T-MEM-1"] == euros(20_000))
            let twice = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:mem")
            #expect(twice.code == "invoice-in-cart")
            // Changing a line's amount passes the same bounds.
            let line = try #require(plain.lineId)
            let raise = try await world.command(CartUpdateLine(user: "mem", lineId: line, amount: euros(20_001)), as: "user:mem")
            #expect(raise.code == "amount-over-open")
            let part = try await world.command(CartUpdateLine(user: "mem", lineId: line, amount: euros(7_500)), as: "user:mem")
            #expect(part.outcome == .accepted)
            #expect(try await world.cartLines("mem").first { $0.id == line }?.amount == euros(7_500))
            let removed = try await world.command(CartRemoveLine(user: "mem", lineId: line), as: "user:mem")
            let remaining = try await world.cartLines("mem")
            #expect(removed.outcome == .accepted && remaining.count == 1)
        }
    }

    @Test func invoicesAndItemsDoNotShareACartUnlessTheDeploymentAllowsIt() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            #expect(try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:mem").outcome == .accepted)
            let item = try await world.command(CartAddItem(user: "mem", sku: "T-P1", quantity: 2), as: "user:mem")
            #expect(item.code == "cart-holds-invoices")
            #expect(try await world.command(CartAddItem(user: "solo", sku: "T-P1", quantity: 2), as: "user:solo").outcome == .accepted)
            let invoice = try await world.command(CartAddInvoice(user: "solo", invoiceNumber: "T-SOLO-1"), as: "user:solo")
            #expect(invoice.code == "cart-holds-items" && invoice.reason?.contains("without items") == true)
            let unknown = try await world.command(CartAddItem(user: "solo", sku: "NOPE", quantity: 1), as: "user:solo")
            #expect(unknown.code == "product-not-found")
            let more = try await world.command(CartAddItem(user: "solo", sku: "T-P1", quantity: 3), as: "user:solo")
            #expect(more.outcome == .accepted)
            #expect(try await world.cartLines("solo").map(\.amount) == [euros(6_250)], "the same product adds to its line: 5 × 12.50")
        }
        var mixed = StorefrontPolicy()
        mixed.mixedCart = true
        try await HQWorld.with(storefront: HQWorld.storefrontKinds, policy: mixed) { world in
            try await Shop.add(to: world)
            #expect(try await world.command(CartAddItem(user: "solo", sku: "T-P2", quantity: 1), as: "user:solo").outcome == .accepted)
            #expect(
                try await world.command(CartAddInvoice(user: "solo", invoiceNumber: "T-SOLO-1", amount: euros(1_000)), as: "user:solo")
                    .outcome == .accepted)
            let checkout = try await world.command(CartCheckout(user: "solo", tender: .onAccount), as: "user:solo")
            #expect(checkout.outcome == .accepted)
            try await expectEventually("one checkout yields the order and the invoice payment") {
                let orders = try await world.channelInt("SELECT COUNT(*) FROM channel_transaction WHERE kind = 'order-on-account'")
                let payments = try await world.channelInt("SELECT COUNT(*) FROM channel_transaction WHERE kind = 'invoice-payment'")
                return orders == 1 && payments == 1
            }
            // P-0001 takes the order to HQ, where the sync job makes it a sales order with its line.
            try await world.runHQ("P-0001", "Synchronize orders and channel requests")
            #expect(
                try await world.hqCount(
                    "SELECT COUNT(*) FROM sales_order o JOIN sales_order_line l ON l.order_id = o.id WHERE o.customer_account = 'T-SOLO' AND l.sku = 'T-P2' AND o.on_account = 1"
                ) == 1)
        }
    }

    @Test func theTenderPolicyAndCreditHeadroomDecideOnAccount() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            // T-SOLO: limit 1,000.00, open invoices 200.00 + 450.00 → 350.00 headroom, not enough for 450.00 on account.
            _ = try await world.command(CartAddInvoice(user: "solo", invoiceNumber: "T-SOLO-BIG"), as: "user:solo")
            let credit = try await world.command(CartCheckout(user: "solo", tender: .onAccount), as: "user:solo")
            #expect(credit.code == "credit-exceeded", "\(credit.reason ?? "")")
            let noAuthorization = try await world.command(CartCheckout(user: "solo", tender: .card), as: "user:solo")
            #expect(noAuthorization.code == "card-authorization-missing")
            let card = try await world.command(CartCheckout(user: "solo", tender: .card, cardAuthorization: "psp-123"), as: "user:solo")
            #expect(card.outcome == .accepted)
            // T-CASH may not buy on account at all.
            _ = try await world.command(CartAddInvoice(user: "cash", invoiceNumber: "T-CASH-1"), as: "user:cash")
            #expect(
                try await world.command(CartCheckout(user: "cash", tender: .onAccount), as: "user:cash").code == "on-account-not-allowed")
            // The member pays on the organisation's credit (limit 10,000.00).
            _ = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:mem")
            #expect(try await world.command(CartCheckout(user: "mem", tender: .onAccount), as: "user:mem").outcome == .accepted)
            #expect(try await world.command(CartCheckout(user: "mem", tender: .onAccount), as: "user:mem").code == "cart-empty")
        }
        var noOnAccount = StorefrontPolicy()
        noOnAccount.onAccountForInvoices = false
        try await HQWorld.with(storefront: HQWorld.storefrontKinds, policy: noOnAccount) { world in
            try await Shop.add(to: world)
            _ = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:mem")
            let refused = try await world.command(CartCheckout(user: "mem", tender: .onAccount), as: "user:mem")
            #expect(refused.code == "on-account-not-for-invoices")
            _ = try await world.command(CartAddItem(user: "solo", sku: "T-P1", quantity: 1), as: "user:solo")
            #expect(
                try await world.command(CartCheckout(user: "solo", tender: .onAccount), as: "user:solo").outcome == .accepted,
                "orders stay payable on account")
        }
    }

    /// mem puts T-ORG-1 (1000.00) into the cart; meanwhile someone else of the organisation pays
    /// `minor` of it through a producer.
    func cartWhileAnotherPaysMeanwhile(_ world: HQWorld, paying minor: Int64) async throws {
        try await Shop.add(to: world)
        _ = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-ORG-1"), as: "user:mem")
        let other = try await world.command(
            InvoicePay(
                user: "mem", invoiceNumber: "T-ORG-1", amount: euros(minor), tender: .card, cardAuthorization: "x",
                idempotencyKey: "erp-\(minor)"), as: "system:erp")
        #expect(other.outcome == .accepted)
        #expect(try await world.pending("T-ORG-1") == minor)
    }

    @Test func checkoutChecksEveryLineAgainWhenAnotherPaymentLandedMeanwhile() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await cartWhileAnotherPaysMeanwhile(world, paying: 30_000)
            let checkout = try await world.command(CartCheckout(user: "mem", tender: .card, cardAuthorization: "y"), as: "user:mem")
            #expect(checkout.code == "amount-over-open" && checkout.reason?.contains("700.00 EUR") == true, "\(checkout.reason ?? "")")
            #expect(try await world.channelInt("SELECT COUNT(*) FROM channel_transaction") == 1, "nothing of the refused checkout posted")
            #expect(try await world.channelInt("SELECT COUNT(*) FROM cart WHERE status = 'open'") == 1, "the cart stays open to fix")
        }
    }

    /// Issue #22: another payment covering the invoice is pending, not "already paid"; the cart says
    /// so on the line the checkout refuses.
    @Test func checkoutNamesThePendingPaymentThatCoversAnInvoiceInTheCart() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await cartWhileAnotherPaysMeanwhile(world, paying: 100_000)
            let checkout = try await world.command(CartCheckout(user: "mem", tender: .card, cardAuthorization: "y"), as: "user:mem")
            #expect(checkout.code == "payment-pending", "\(checkout.code ?? "accepted")")
            #expect(
                checkout.reason?.hasPrefix("A payment of 1000.00 EUR is pending for invoice T-ORG-1") == true, "\(checkout.reason ?? "")")
            let cart = try await world.channel.pool.read { db -> BuyerView.OpenCart? in
                guard let buyer = try BuyerView.buyer(db, login: "mem") else { return nil }
                return try BuyerView.openCart(db, buyer: buyer, today: HQWorld.today)
            }
            let line = try #require(cart?.lines.first)
            #expect(cart?.refusals[line.id] == .paymentPending("T-ORG-1", pending: euros(100_000)))
        }
    }

    @Test func paymentPostingChecksTheOpenAmountAgainAndRefusesAnOverpayment() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            let first = try await world.command(
                PaymentPost(
                    paymentId: "pay-a", user: "mem", invoiceNumber: "T-MEM-1", amount: euros(15_000), tender: .onAccount,
                    cardAuthorization: nil),
                as: "user:mem")
            #expect(first.outcome == .accepted && first.paymentId == "pay-a")
            let second = try await world.command(
                PaymentPost(
                    paymentId: "pay-b", user: "mem", invoiceNumber: "T-MEM-1", amount: euros(6_000), tender: .onAccount,
                    cardAuthorization: nil),
                as: "user:mem")
            #expect(second.code == "amount-over-open" && second.reason?.contains("50.00 EUR") == true, "\(second.reason ?? "")")
            #expect(try await world.pending("T-MEM-1") == 15_000)
        }
    }

    @Test func anInvoicePaidInPartThenInFullThroughTheCartAndHQ() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            _ = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1", amount: euros(5_000)), as: "user:mem")
            let firstCheckout = try await world.command(CartCheckout(user: "mem", tender: .onAccount), as: "user:mem")
            #expect(firstCheckout.outcome == .accepted)
            try await expectEventually("payment posting records the payment as pending") { try await world.pending("T-MEM-1") == 5_000 }
            #expect(try await world.channelInt("SELECT COUNT(*) FROM cart WHERE status = 'submitted'") == 1)
            try await world.runHQ("P-0001", "Synchronize orders and channel requests")
            try await world.distribute(until: "the invoice shows partially paid and nothing pending") { db in
                try String.fetchOne(db, sql: "SELECT status FROM channel_invoice WHERE number = 'T-MEM-1'") == "partially-paid"
                    && ChannelTransaction.pending(db, invoice: "T-MEM-1", currency: .EUR).amount.isZero
            }
            // The rest: the proposed amount is what is still open.
            let rest = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:mem")
            #expect(try await world.cartLines("mem").first?.amount == euros(15_000), "\(rest)")
            #expect(try await world.command(CartCheckout(user: "mem", tender: .onAccount), as: "user:mem").outcome == .accepted)
            try await expectEventually("the second payment is pending") { try await world.pending("T-MEM-1") == 15_000 }
            try await world.runHQ("P-0001", "Synchronize orders and channel requests")
            try await world.distribute(until: "the invoice shows paid") { db in
                try Row.fetchOne(db, sql: "SELECT status, settled_minor FROM channel_invoice WHERE number = 'T-MEM-1'")
                    .map { $0["status"] == "paid" && $0["settled_minor"] == 20_000 } ?? false
            }
            #expect(try await world.hqCount("SELECT COUNT(*) FROM settlement WHERE invoice_number = 'T-MEM-1'") == 2)
            // `remit trace` follows the first checkout from the click to HQ's posting, in order.
            let (traced, trace) = try await RemitProcess.run(["trace", firstCheckout.messageId], broker: world.broker)
            #expect(traced == 0, "\(trace)")
            let expected = [
                "cart-validation applied cart.checkout", "cart.checkout accepted", "payment-posting applied payment.post",
                "for T-MEM-1 recorded", "uploaded to HQ (P-0001)", "HQ received payment", "HQ posted payment",
            ]
            #expect(expected.allSatisfy { trace.contains($0) }, "\(trace)")
            // In time order (the test's clock stands still within a click and moves on before each HQ job).
            for (earlier, later) in [
                ("cart-validation applied cart.checkout", "cart.checkout accepted"), ("for T-MEM-1 recorded", "uploaded to HQ (P-0001)"),
                ("uploaded to HQ (P-0001)", "HQ posted payment"),
            ] {
                let first = try #require(trace.range(of: earlier)).lowerBound
                let second = try #require(trace.range(of: later)).lowerBound
                #expect(first < second, "\(earlier) before \(later): \(trace)")
            }
            #expect(trace.contains("50.00 EUR"))
            let (unknown, nothing) = try await RemitProcess.run(["trace", "no-such-click"], broker: world.broker)
            #expect(unknown == 1 && nothing.contains("nothing is recorded for correlation id or message id no-such-click"), "\(nothing)")
            // The detail page's data reached the channel with the invoice: its line, both settlements
            // with the payments they came from, both payments posted.
            let detail = try await world.channel.pool.read { db -> BuyerView.InvoiceDetail? in
                guard let buyer = try BuyerView.buyer(db, login: "mem") else { return nil }
                return try BuyerView.invoiceDetail(db, buyer: buyer, number: "T-MEM-1")
            }
            #expect(detail?.lines == [ChannelInvoiceLine(description: "Pallets <oak> & \"pine\"", amount: euros(20_000))])
            #expect(detail?.settlements.map(\.settled) == [euros(5_000), euros(15_000)])
            #expect(Set(detail?.settlements.map(\.paymentId) ?? []) == Set(detail?.payments.map(\.transaction.id) ?? ["none"]))
            #expect(detail?.payments.map(\.state) == [.posted, .posted])
            let paidAgain = try await world.command(CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:mem")
            #expect(paidAgain.code == "invoice-paid")
        }
    }

    @Test func aPaymentHQRefusesStopsBeingPendingWithItsReason() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            #expect(
                try await world.command(
                    InvoicePay(
                        user: "solo", invoiceNumber: "T-SOLO-1", amount: euros(2_000), tender: .card, cardAuthorization: "a",
                        idempotencyKey: "k"), as: "system:erp"
                ).outcome == .accepted)
            try await world.runHQ("P-0001")
            // Meanwhile HQ's invoice changed currency in the back office: posting refuses the payment.
            try await world.hq.pool.write { try $0.execute(sql: "UPDATE invoice SET currency = 'USD' WHERE number = 'T-SOLO-1'") }
            try await world.runHQ("Synchronize orders and channel requests")
            try await world.distribute(until: "the refused payment is no longer pending") { db in
                try ChannelTransaction.pending(db, invoice: "T-SOLO-1", currency: .EUR).amount.isZero
            }
            let detail = try await world.channel.pool.read {
                try String.fetchOne($0, sql: "SELECT hq_detail FROM channel_transaction WHERE invoice_number = 'T-SOLO-1'")
            }
            #expect(detail?.contains("USD") == true, "\(detail ?? "nil")")
        }
    }

    @Test func redeliveredAndReplayedCommandsChangeNothingASecondTime() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            var sent: [OutboundMessage] = []
            sent.append(
                try await world.publish(
                    CartAddInvoice(user: "mem", invoiceNumber: "T-MEM-1", amount: euros(1_000)), as: "user:mem", id: "add-1"))
            _ = try await world.outcome(of: "add-1")
            sent.append(try await world.publish(CartCheckout(user: "mem", tender: .onAccount), as: "user:mem", id: "checkout-1"))
            _ = try await world.outcome(of: "checkout-1")
            try await expectEventually("the payment is pending") { try await world.pending("T-MEM-1") == 1_000 }
            let pay = InvoicePay(
                user: "mem", invoiceNumber: "T-MEM-1", amount: euros(500), tender: .card, cardAuthorization: "a", idempotencyKey: "erp-9")
            sent.append(try await world.publish(pay, as: "system:erp", id: "pay-1"))
            let first = try await world.outcome(of: "pay-1")
            sent.append(try await world.publish(InvoiceRequest(user: "mem", invoiceNumber: "T-MEM-1"), as: "user:mem", id: "request-1"))
            _ = try await world.outcome(of: "request-1")
            // The same messages again, byte for byte (a redelivery or a replay), an hour later —
            // outside the request merge window — and the producer sending its payment again under a
            // new message id with the same idempotency key.
            world.clock.advance(by: 3_600)
            for message in sent { try await world.republish(message) }
            let again = try await world.command(pay, as: "system:erp", id: "pay-2")
            #expect(again.outcome == .accepted && again.paymentId == first.paymentId, "the same key is the same payment")
            let reused = try await world.command(
                InvoicePay(
                    user: "mem", invoiceNumber: "T-MEM-1", amount: euros(700), tender: .card, cardAuthorization: "a",
                    idempotencyKey: "erp-9"), as: "system:erp")
            #expect(reused.code == "idempotency-key-reused")
            // The item commands too, for another user's cart.
            let item = try await world.publish(CartAddItem(user: "solo", sku: "T-P1", quantity: 2), as: "user:solo", id: "item-1")
            let line = try #require(try await world.outcome(of: "item-1").lineId)
            let update = try await world.publish(CartUpdateLine(user: "solo", lineId: line, quantity: 3), as: "user:solo", id: "update-1")
            _ = try await world.outcome(of: "update-1")
            try await world.republish(item)
            try await world.republish(update)
            let remove = try await world.publish(CartRemoveLine(user: "solo", lineId: line), as: "user:solo", id: "remove-1")
            _ = try await world.outcome(of: "remove-1")
            try await world.republish(remove)
            try await world.republish(item)
            // One worker per queue takes messages in order: once these later commands have their
            // outcomes, the copies published before them were handled.
            _ = try await world.command(CartRemoveLine(user: "mem", lineId: "no-such-line"), as: "user:mem")
            _ = try await world.command(InvoiceRequest(user: "mem", invoiceNumber: "T-MEM-DISC"), as: "user:mem")
            #expect(try await world.channelInt("SELECT COUNT(*) FROM channel_transaction") == 2)
            #expect(try await world.pending("T-MEM-1") == 1_500)
            #expect(try await world.channelInt("SELECT COUNT(*) FROM b2b_request WHERE invoice_number = 'T-MEM-1'") == 1)
            #expect(try await world.channelInt("SELECT repeat_count FROM b2b_request WHERE invoice_number = 'T-MEM-1'") == 0)
            #expect(try await world.channelInt("SELECT COUNT(*) FROM cart_line") == 1, "solo's removed line did not come back")
            #expect(try await world.channelInt("SELECT COUNT(*) FROM cart") == 2, "mem's (submitted) and solo's, no other")
            #expect(try await world.channelInt("SELECT COUNT(*) FROM cart WHERE status = 'submitted'") == 1)
        }
    }

    @Test func aRepeatedCopyRequestWithinTheWindowIsMergedAndOneLaterIsNew() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            let first = try await world.command(InvoiceRequest(user: "mem", invoiceNumber: "T-ORG-1"), as: "user:mem")
            world.clock.advance(by: 120)
            let repeated = try await world.command(InvoiceRequest(user: "mem", invoiceNumber: "T-ORG-1"), as: "user:mem")
            #expect(first.outcome == .accepted && repeated.requestId == first.requestId)
            #expect(try await world.channelInt("SELECT repeat_count FROM b2b_request") == 1, "the repeat is counted, not lost")
            world.clock.advance(by: 600)
            let later = try await world.command(InvoiceRequest(user: "mem", invoiceNumber: "T-ORG-1"), as: "user:mem")
            #expect(later.requestId != nil && later.requestId != first.requestId)
            let statuses = try await world.channel.pool.read {
                try String.fetchAll($0, sql: "SELECT status FROM b2b_request ORDER BY submitted_at")
            }
            #expect(statuses == ["submitted", "submitted"])
            try await world.run("P-0001")
            try await expectEventually("both requests show uploaded (HQ records the run before the channel's marking commits)") {
                try await world.channelInt("SELECT COUNT(*) FROM b2b_request WHERE status = 'uploaded'") == 2
            }
        }
    }

    @Test func theExamplePythonProducerGetsAcceptedAndRefusedAnswers() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            // The producer connects as its own broker user, as README's "For producers" says.
            let users = ProducerUsers(management: world.broker.management, amqp: world.broker.amqp, topology: world.broker.topology)
            let name = "example-\(UUID().uuidString.prefix(8).lowercased())"
            let added = try await users.add(name)
            do {
                try await examplePythonProducer(world, url: added.url)
                try await users.remove(name)
            } catch {
                try? await users.remove(name)
                throw error
            }
        }
    }

    func examplePythonProducer(_ world: HQWorld, url: String) async throws {
        try await Shop.add(to: world)
        let python = URL(fileURLWithPath: "/usr/bin/env")
        let script = repositoryRoot.appendingPathComponent("examples/producer/remit_producer.py").path
        func producer(_ arguments: [String]) async throws -> (Int32?, String) {
            try await RemitProcess.run(
                ["python3", script, "--timeout", "30", "--amqp-url", url] + arguments, broker: world.broker, executable: python)
        }
        let (paid, paidOutput) = try await producer([
            "pay", "--user", "solo", "--invoice", "T-SOLO-1", "--amount", "25.00", "--currency", "EUR", "--tender", "card",
            "--card-authorization", "psp-1", "--key", "erp-1",
        ])
        #expect(paid == 0 && paidOutput.contains("accepted: payment"), "\(paidOutput)")
        #expect(try await world.pending("T-SOLO-1") == 2_500)
        let (refused, refusedOutput) = try await producer([
            "pay", "--user", "solo", "--invoice", "T-ORG-1", "--amount", "25.00", "--currency", "EUR", "--tender", "card",
            "--card-authorization", "psp-1", "--key", "erp-2",
        ])
        #expect(
            refused == 1 && refusedOutput.contains("refused (invoice-not-found): Invoice T-ORG-1 was not found."), "\(refusedOutput)")
        let (requested, requestedOutput) = try await producer(["--json", "request", "--user", "mem", "--invoice", "T-ORG-1"])
        #expect(requested == 0, "\(requestedOutput)")
        let reply = try JSONValue.parse(Data(try #require(requestedOutput.split(separator: "\n").last).utf8))
        let requestId = try #require(reply["requestId"]?.stringValue)
        #expect(reply["outcome"]?.stringValue == "accepted")
        #expect(try await world.channelInt("SELECT COUNT(*) FROM b2b_request WHERE request_id = ?", [requestId]) == 1)
        let (invalid, invalidOutput) = try await producer([
            "pay", "--user", "solo", "--invoice", "T-SOLO-1", "--amount", "abc", "--currency", "EUR", "--tender", "card", "--key", "k",
        ])
        #expect(invalid == 2 && invalidOutput.contains("abc"), "invalid input is refused before anything is sent: \(invalidOutput)")
        #expect(try await world.channelInt("SELECT COUNT(*) FROM channel_transaction") == 1)
        // The answer on a server-named exclusive queue (RabbitMQ's RPC tutorial) instead of direct reply-to.
        let (exclusive, exclusiveOutput) = try await producer([
            "--reply-queue", "exclusive", "pay", "--user", "solo", "--invoice", "T-SOLO-1", "--amount", "5.00", "--currency", "EUR",
            "--tender", "card", "--card-authorization", "psp-3", "--key", "erp-3",
        ])
        #expect(exclusive == 0 && exclusiveOutput.contains("accepted: payment"), "\(exclusiveOutput)")
        #expect(try await world.pending("T-SOLO-1") == 3_000)
        let password = String(url.split(separator: ":")[2].split(separator: "@")[0])
        #expect(![paidOutput, refusedOutput, requestedOutput, exclusiveOutput].contains { $0.contains(password) }, "no password shown")
    }

    @Test func anAnswerGoesToTheProducersQueueAndAHostileReplyToIsIgnored() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            let replies = "erp.replies-\(UUID().uuidString.prefix(8))"
            _ = try await world.broker.withConnection { try await $0.declare(QueueDeclaration(name: replies)) }
            let request = InvoiceRequest(user: "mem", invoiceNumber: "T-MEM-1")
            let sent = try await world.publish(request, as: "system:erp", id: "req-r1", replyTo: replies)
            _ = try await world.outcome(of: "req-r1")
            let answers = try await world.broker.drain(replies, expected: 1)
            let answer = try MessageCoding.decoder().decode(Envelope<CommandReply>.self, from: Data(try #require(answers.first).body))
            #expect(answer.body.outcome == .accepted && answer.body.commandId == "req-r1" && answer.body.requestId != nil)
            #expect(answers.first?.properties.correlationId == sent.properties.correlationId)
            #expect(answers.first?.properties.persistent == true, "in a durable queue, the answer outlives a broker restart")
            // Resent for a lost answer: the same answer again, nothing applied twice.
            try await world.republish(sent)
            let again = try await world.broker.drain(replies, expected: 1)
            #expect(again.count == 1 && again.first?.body == answers.first?.body)
            // A reply_to naming one of Remit's own queues is not answered: no reply lands in the work queue.
            _ = try await world.publish(
                InvoiceRequest(user: "mem", invoiceNumber: "T-MEM-DISC"), as: "system:erp", id: "req-r2", replyTo: "remit.payment-posting")
            #expect(try await world.outcome(of: "req-r2").outcome == .accepted)
            // An answer sent there would reach payment posting before this later command does.
            let later = try await world.command(
                InvoicePay(
                    user: "mem", invoiceNumber: "T-MEM-1", amount: Shop.euros(100), tender: .card, cardAuthorization: "a",
                    idempotencyKey: "k-later"), as: "system:erp")
            #expect(later.outcome == .accepted)
            #expect(try await world.broker.readyCount("remit.payment-posting.dead") == 0)
            #expect(try await world.channelInt("SELECT COUNT(*) FROM b2b_request") == 2)
        }
    }

    @Test func remitTraceFindsAProducersCommandByItsMessageIdAndByItsCorrelationId() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            let pay = InvoicePay(
                user: "mem", invoiceNumber: "T-MEM-1", amount: Shop.euros(100), tender: .card, cardAuthorization: "psp-9",
                idempotencyKey: "erp-trace-1")
            _ = try await world.publish(pay, as: "system:erp", id: "erp-pay-traced", correlationId: "erp-batch-7")
            #expect(try await world.outcome(of: "erp-pay-traced").outcome == .accepted)
            try await expectEventually("payment posting records the payment") { try await world.pending("T-MEM-1") == 100 }
            var traces: [String] = []
            for id in ["erp-pay-traced", "erp-batch-7"] {
                let (traced, trace) = try await RemitProcess.run(["trace", id], broker: world.broker)
                #expect(traced == 0, "\(id): \(trace)")
                #expect(trace.contains("correlation id erp-batch-7:"), "\(trace)")
                #expect(
                    trace.contains("payment-posting applied invoice.pay erp-pay-traced") && trace.contains("invoice.pay accepted"),
                    "\(trace)")
                traces.append(trace)
            }
            #expect(traces[0] == traces[1], "the same click, whichever id names it")
        }
    }

    @Test func aServerNamedExclusiveReplyQueueGetsItsAnswerAndARefusedReplyToIsLoggedOnce() async throws {
        let log = RecordingLogHandler()
        try await HQWorld.with(storefront: HQWorld.storefrontKinds, logger: log.logger) { world in
            try await Shop.add(to: world)
            try await world.broker.withConnection { connection in
                // What queue_declare(queue='', exclusive=True) gives a producer (RabbitMQ's RPC tutorial).
                let queue = try await connection.declare(QueueDeclaration(name: "", durable: false, exclusive: true, autoDelete: true))
                #expect(queue.name.hasPrefix("amq.gen-"), "\(queue.name)")
                let sent = try await world.publish(
                    InvoiceRequest(user: "mem", invoiceNumber: "T-MEM-1"), as: "system:erp", id: "req-gen", replyTo: queue.name)
                let answers = try await world.broker.drain(queue.name, expected: 1, on: connection)
                let answer = try MessageCoding.decoder().decode(Envelope<CommandReply>.self, from: Data(try #require(answers.first).body))
                #expect(answer.body.outcome == .accepted && answer.body.commandId == "req-gen")
                #expect(answers.first?.properties.correlationId == sent.properties.correlationId)
            }
            // Refused addresses: the commands are applied, and each reason is logged once, not per message.
            for (index, replyTo) in ["remit.payment-posting", "remit.cart", "amq.direct"].enumerated() {
                _ = try await world.publish(
                    InvoiceRequest(user: "mem", invoiceNumber: "T-MEM-1"), as: "system:erp", id: "req-refused-\(index)", replyTo: replyTo)
                #expect(try await world.outcome(of: "req-refused-\(index)").outcome == .accepted)
            }
            let refusals = log.recorded.filter { $0.contains("reply_to refused") }
            #expect(refusals.count == 2, "one line per reason: \(refusals)")
            #expect(refusals.contains { $0.contains(ReplyAddress.Refusal.remitQueue.rawValue) && $0.contains("remit.payment-posting") })
            #expect(refusals.contains { $0.contains(ReplyAddress.Refusal.reservedName.rawValue) && $0.contains("amq.direct") })
            #expect(!log.recorded.contains { $0.contains("reply_to refused") && $0.contains("\"user\"") }, "never the body")
        }
    }
}
