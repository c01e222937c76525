import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// Checkout: every line is checked again against the balances as they are now (a payment may have
/// landed since it was added), then the tender; only when all pass is anything posted.
struct CheckoutHandler: TypedMessageHandler {
    let policy: StorefrontPolicy

    func handle(
        _ envelope: Envelope<CartCheckout>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: channel) {
            let buyer = try Buyer.load(channel, login: body.user, actingUser: envelope.actingUser)
            guard let cart = try channel.storefront.openCart(user: buyer.user.login) else { throw StorefrontRefusal.cartEmpty }
            // Every invoice line against the balances as they are now, as the cart page shows them.
            let open = try channel.buyerViews.openCart(buyer: buyer.view, today: CalendarDate(context.now))
            let lines = open.lines
            guard let currency = lines.first?.amount.currency else { throw StorefrontRefusal.cartEmpty }
            if let refusal = open.firstRefusal { throw refusal }
            var charge = Money.zero(currency)
            for line in lines {
                guard line.amount.currency == currency else {
                    throw StorefrontRefusal.currencyMismatch(amount: line.amount.currency, invoice: currency)
                }
                charge = try charge.adding(line.amount)
            }
            let invoiceLines = lines.filter { $0.kind == .invoice }
            let itemLines = lines.filter { $0.kind == .item }
            try buyer.checkTender(
                channel, tender: body.tender, cardAuthorization: body.cardAuthorization, paysInvoices: !invoiceLines.isEmpty,
                charge: charge, policy: policy)

            var followUps: [OutgoingMessage] = []
            for line in invoiceLines {
                let post = PaymentPost(
                    paymentId: DeterministicID.make(from: envelope.id, "payment", line.id), user: buyer.user.login,
                    invoiceNumber: line.invoiceNumber ?? "", amount: line.amount, tender: body.tender,
                    cardAuthorization: body.cardAuthorization)
                followUps.append(try OutgoingMessage(envelope.header.followUp(post, key: line.id, occurredAt: context.now)))
            }
            if !itemLines.isEmpty {
                var total = Money.zero(currency)
                for line in itemLines { total = try total.adding(line.amount) }
                let orderId = DeterministicID.make(from: envelope.id, "order")
                try channel.storefront.record(
                    ChannelTransaction(
                        id: orderId, kind: .orderOnAccount,
                        customerAccount: buyer.customer.account, userLogin: buyer.user.login, invoiceNumber: nil, amount: total,
                        tender: body.tender.rawValue,
                        lines: itemLines.map { .init(sku: $0.sku ?? "", quantity: $0.quantity, unitPrice: $0.unitPrice) },
                        createdAt: context.now))
                if let trace = context.keptTrace { try channel.traceContexts.keep(trace, for: TracedItem(.transaction, orderId)) }
            }
            try channel.storefront.submitCart(id: cart.id, tender: body.tender, at: context.now)
            return Accepted(followUps: followUps)
        }
    }
}
