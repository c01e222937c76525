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

/// Price × quantity; a product priced so high that the line overflows is refused like a bad quantity.
func lineAmount(_ price: Money, _ quantity: Int) throws -> Money {
    do { return try price.multiplied(by: quantity) } catch { throw StorefrontRefusal.quantityOutOfRange }
}

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
                try channel.storefront.record(
                    ChannelTransaction(
                        id: DeterministicID.make(from: envelope.id, "order"), kind: .orderOnAccount,
                        customerAccount: buyer.customer.account, userLogin: buyer.user.login, invoiceNumber: nil, amount: total,
                        tender: body.tender.rawValue,
                        lines: itemLines.map { .init(sku: $0.sku ?? "", quantity: $0.quantity, unitPrice: $0.unitPrice) },
                        createdAt: context.now))
            }
            try channel.storefront.submitCart(id: cart.id, tender: body.tender, at: context.now)
            return Accepted(followUps: followUps)
        }
    }
}
