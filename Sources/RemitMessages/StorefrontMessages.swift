import Foundation
import RemitCore

// The storefront's commands (cart, payment posting, copy requests), the public commands other
// systems publish (`invoice.pay`, `invoice.request`) and the reply a producer gets back. Each names
// the user it acts for; a worker refuses a command whose acting user is another user.

/// Put an invoice in the user's cart, for `amount` or (when nil) the proposed amount.
public struct CartAddInvoice: MessageBody, Equatable {
    public static let messageType = "cart.add-invoice"
    public static let schemaVersion = 1
    public var user: String
    public var invoiceNumber: String
    public var amount: Money?
    public init(user: String, invoiceNumber: String, amount: Money? = nil) {
        self.user = user
        self.invoiceNumber = invoiceNumber
        self.amount = amount
    }
}

/// Put `quantity` of product `sku` in the user's cart.
public struct CartAddItem: MessageBody, Equatable {
    public static let messageType = "cart.add-item"
    public static let schemaVersion = 1
    public var user: String
    public var sku: String
    public var quantity: Int
    public init(user: String, sku: String, quantity: Int) {
        self.user = user
        self.sku = sku
        self.quantity = quantity
    }
}

/// Change the amount of an invoice line or the quantity of an item line.
public struct CartUpdateLine: MessageBody, Equatable {
    public static let messageType = "cart.update-line"
    public static let schemaVersion = 1
    public var user: String
    public var lineId: String
    public var amount: Money?
    public var quantity: Int?
    public init(user: String, lineId: String, amount: Money? = nil, quantity: Int? = nil) {
        self.user = user
        self.lineId = lineId
        self.amount = amount
        self.quantity = quantity
    }
}

public struct CartRemoveLine: MessageBody, Equatable {
    public static let messageType = "cart.remove-line"
    public static let schemaVersion = 1
    public var user: String
    public var lineId: String
    public init(user: String, lineId: String) {
        self.user = user
        self.lineId = lineId
    }
}

/// Check the user's cart out with `tender`; a card payment carries the connector's authorization.
public struct CartCheckout: MessageBody, Equatable {
    public static let messageType = "cart.checkout"
    public static let schemaVersion = 1
    public var user: String
    public var tender: Tender
    public var cardAuthorization: String?
    public init(user: String, tender: Tender, cardAuthorization: String? = nil) {
        self.user = user
        self.tender = tender
        self.cardAuthorization = cardAuthorization
    }
}

/// Post one invoice payment a checkout accepted; `paymentId` makes posting idempotent.
public struct PaymentPost: MessageBody, Equatable {
    public static let messageType = "payment.post"
    public static let schemaVersion = 1
    public var paymentId: String
    public var user: String
    public var invoiceNumber: String
    public var amount: Money
    public var tender: Tender
    public var cardAuthorization: String?
    public init(paymentId: String, user: String, invoiceNumber: String, amount: Money, tender: Tender, cardAuthorization: String?) {
        self.paymentId = paymentId
        self.user = user
        self.invoiceNumber = invoiceNumber
        self.amount = amount
        self.tender = tender
        self.cardAuthorization = cardAuthorization
    }
}

/// Public: pay an invoice for a user without the portal. The producer's `idempotencyKey` names the
/// payment: the same key again is the same payment, never a second one.
public struct InvoicePay: MessageBody, Equatable {
    public static let messageType = "invoice.pay"
    public static let schemaVersion = 1
    public var user: String
    public var invoiceNumber: String
    public var amount: Money
    public var tender: Tender
    public var cardAuthorization: String?
    public var idempotencyKey: String
    public init(user: String, invoiceNumber: String, amount: Money, tender: Tender, cardAuthorization: String?, idempotencyKey: String) {
        self.user = user
        self.invoiceNumber = invoiceNumber
        self.amount = amount
        self.tender = tender
        self.cardAuthorization = cardAuthorization
        self.idempotencyKey = idempotencyKey
    }
}

/// Public and the portal's: send a copy of an invoice to the user's registered e-mail address.
public struct InvoiceRequest: MessageBody, Equatable {
    public static let messageType = "invoice.request"
    public static let schemaVersion = 1
    public var user: String
    public var invoiceNumber: String
    public init(user: String, invoiceNumber: String) {
        self.user = user
        self.invoiceNumber = invoiceNumber
    }
}

/// The answer to a command whose producer set `reply_to` (published to that address with the
/// producer's AMQP `correlation_id`). The same outcome is kept in the channel store.
public struct CommandReply: MessageBody, Equatable {
    public static let messageType = "remit.reply"
    public static let schemaVersion = 1

    public enum Outcome: String, Sendable, Codable { case accepted, refused }

    /// The command's message type and id.
    public var command: String
    public var commandId: String
    public var outcome: Outcome
    /// A `StorefrontRefusal` code when refused.
    public var code: String?
    public var reason: String?
    public var paymentId: String?
    public var requestId: String?
    public var lineId: String?

    public init(
        command: String, commandId: String, outcome: Outcome, code: String? = nil, reason: String? = nil,
        paymentId: String? = nil, requestId: String? = nil, lineId: String? = nil
    ) {
        self.command = command
        self.commandId = commandId
        self.outcome = outcome
        self.code = code
        self.reason = reason
        self.paymentId = paymentId
        self.requestId = requestId
        self.lineId = lineId
    }
}

/// Products HQ sells, as the channel's cart prices them.
public struct ProductsChanged: MessageBody, Equatable {
    public static let messageType = "channel.products.changed"
    public static let schemaVersion = 1
    public struct Product: Sendable, Codable, Equatable {
        public var sku: String
        public var name: String
        public var price: Money
        public var changedAt: Date
        public init(sku: String, name: String, price: Money, changedAt: Date) {
            self.sku = sku
            self.name = name
            self.price = price
            self.changedAt = changedAt
        }
    }
    public var products: [Product]
    public init(products: [Product]) { self.products = products }
}
