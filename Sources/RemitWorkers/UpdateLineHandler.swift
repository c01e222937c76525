import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

struct UpdateLineHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<CartUpdateLine>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: channel) {
            let buyer = try Buyer.load(channel, login: body.user, actingUser: envelope.actingUser)
            guard let cart = try channel.storefront.openCart(user: buyer.user.login),
                let line = try channel.storefront.cartLine(id: body.lineId, cart: cart.id)
            else { throw StorefrontRefusal.lineNotFound(String(body.lineId.prefix(128))) }
            switch line.kind {
            case .invoice:
                let invoice = try buyer.invoice(channel, number: line.invoiceNumber ?? "")
                let amount = try buyer.balance(channel, of: invoice).checkPayment(body.amount, today: CalendarDate(context.now))
                try channel.storefront.setCartLineAmount(id: line.id, quantity: 1, amount: amount)
            case .item:
                let quantity = body.quantity ?? line.quantity
                try CartRules.checkQuantity(quantity)
                try channel.storefront.setCartLineAmount(id: line.id, quantity: quantity, amount: try lineAmount(line.unitPrice, quantity))
            }
            try channel.storefront.touchCart(id: cart.id, at: context.now)
            return Accepted(lineId: line.id)
        }
    }
}
