import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

struct AddInvoiceHandler: TypedMessageHandler {
    let policy: StorefrontPolicy

    func handle(
        _ envelope: Envelope<CartAddInvoice>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: channel) {
            let buyer = try Buyer.load(channel, login: body.user, actingUser: envelope.actingUser)
            let invoice = try buyer.invoice(channel, number: body.invoiceNumber)
            let amount = try buyer.balance(channel, of: invoice).checkPayment(body.amount, today: CalendarDate(context.now))
            let cart = try CartValidation.openCart(channel, buyer: buyer, header: envelope.header, at: context.now)
            let lines = try channel.storefront.cartLines(cart: cart.id)
            try CartRules.checkAdding(.invoice, to: lines.map(\.kind), policy: policy)
            guard !lines.contains(where: { $0.invoiceNumber == invoice.number }) else {
                throw StorefrontRefusal.invoiceAlreadyInCart(invoice.number)
            }
            let line = CartLine(
                id: DeterministicID.make(from: envelope.id, "line"), cartId: cart.id, position: CartValidation.nextPosition(lines),
                kind: .invoice, invoiceNumber: invoice.number, sku: nil, description: "Invoice \(invoice.number)", quantity: 1,
                unitPrice: amount, amount: amount)
            try CartValidation.append(line, to: cart, channel, at: context.now)
            return Accepted(lineId: line.id)
        }
    }
}
