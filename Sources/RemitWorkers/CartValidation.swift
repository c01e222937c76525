import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// The `cart-validation` worker kind: fills and checks out carts by the storefront's rules. Each
/// command ends as a cart change or a refusal the buyer reads (`command_outcome`); a checkout turns
/// invoice lines into `payment.post` messages and item lines into an order on account.
public enum CartValidation {
    public static func handler(policy: StorefrontPolicy) -> CompositeHandler {
        CompositeHandler([
            AddInvoiceHandler(policy: policy), AddItemHandler(policy: policy), UpdateLineHandler(),
            RemoveLineHandler(), CheckoutHandler(policy: policy),
        ])
    }

    /// The user's open cart, opened (with an id from the command that opened it) when there is none.
    static func openCart(_ channel: any ChannelStoreTransaction, buyer: Buyer, header: EnvelopeHeader, at now: Date) throws -> Cart {
        if let cart = try channel.storefront.openCart(user: buyer.user.login) { return cart }
        let cart = Cart(
            id: DeterministicID.make(from: header.id, "cart"), userLogin: buyer.user.login,
            customerAccount: buyer.customer.account, createdAt: now)
        try channel.storefront.insert(cart)
        return cart
    }

    static func append(_ line: CartLine, to cart: Cart, _ channel: any ChannelStoreTransaction, at now: Date) throws {
        try channel.storefront.insert(line)
        try channel.storefront.touchCart(id: cart.id, at: now)
    }

    static func nextPosition(_ lines: [CartLine]) -> Int { (lines.map(\.position).max() ?? 0) + 1 }
}

/// Price × quantity; a product priced so high that the line overflows is refused like a bad quantity.
func lineAmount(_ price: Money, _ quantity: Int) throws -> Money {
    do { return try price.multiplied(by: quantity) } catch { throw StorefrontRefusal.quantityOutOfRange }
}
