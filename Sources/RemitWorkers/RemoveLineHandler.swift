import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

struct RemoveLineHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<CartRemoveLine>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: channel) {
            let buyer = try Buyer.load(channel, login: body.user, actingUser: envelope.actingUser)
            guard let cart = try channel.storefront.openCart(user: buyer.user.login),
                let line = try channel.storefront.cartLine(id: body.lineId, cart: cart.id)
            else { throw StorefrontRefusal.lineNotFound(String(body.lineId.prefix(128))) }
            try channel.storefront.removeCartLine(id: line.id)
            try channel.storefront.touchCart(id: cart.id, at: context.now)
            return Accepted(lineId: line.id)
        }
    }
}
