import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

struct AddItemHandler: TypedMessageHandler {
    let policy: StorefrontPolicy

    func handle(
        _ envelope: Envelope<CartAddItem>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: channel) {
            let buyer = try Buyer.load(channel, login: body.user, actingUser: envelope.actingUser)
            try CartRules.checkQuantity(body.quantity)
            guard let product = try channel.storefront.product(sku: body.sku) else {
                throw StorefrontRefusal.productNotFound(String(body.sku.prefix(64)))
            }
            let cart = try CartValidation.openCart(channel, buyer: buyer, header: envelope.header, at: context.now)
            let lines = try channel.storefront.cartLines(cart: cart.id)
            try CartRules.checkAdding(.item, to: lines.map(\.kind), policy: policy)
            if let existing = lines.first(where: { $0.sku == product.sku }) {
                // Adding a product already in the cart raises its quantity.
                let quantity = existing.quantity + body.quantity
                try CartRules.checkQuantity(quantity)
                try channel.storefront.setCartLineAmount(
                    id: existing.id, quantity: quantity, amount: try lineAmount(product.price, quantity))
                try channel.storefront.touchCart(id: cart.id, at: context.now)
                return Accepted(lineId: existing.id)
            }
            let line = CartLine(
                id: DeterministicID.make(from: envelope.id, "line"), cartId: cart.id, position: CartValidation.nextPosition(lines),
                kind: .item, invoiceNumber: nil, sku: product.sku, description: product.name, quantity: body.quantity,
                unitPrice: product.price, amount: try lineAmount(product.price, body.quantity))
            try CartValidation.append(line, to: cart, channel, at: context.now)
            return Accepted(lineId: line.id)
        }
    }
}
