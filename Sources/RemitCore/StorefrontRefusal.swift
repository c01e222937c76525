/// Why the storefront says no: a business outcome the buyer reads, never a failure of the message.
/// `code` is stable for programs (the JSON API, producers' replies); `description` is for people.
public enum StorefrontRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The invoice does not exist or is not the user's: the two are never told apart.
    case invoiceNotFound(String)
    case invoiceAlreadyPaid(String)
    /// Open in HQ, but payments the channel took (this user's or another's) cover it until HQ posts them.
    case paymentPending(String, pending: Money)
    case amountNotPositive
    /// Names what is open, never the amount sent.
    case amountOverOpen(available: Money)
    case currencyMismatch(amount: Currency, invoice: Currency)
    case cartHoldsItems
    case cartHoldsInvoices
    case invoiceAlreadyInCart(String)
    case productNotFound(String)
    /// Names the range, never the quantity sent.
    case quantityOutOfRange
    case lineNotFound(String)
    case cartEmpty
    case onAccountNotForInvoices
    case onAccountNotAllowed
    case creditExceeded(needed: Money, headroom: Money)
    case cardAuthorizationMissing
    /// The acting user is not the user named in the command.
    case notActingUser
    case unknownUser(String)
    /// The producer's idempotency key was used before for another payment.
    case idempotencyKeyReused

    public var code: String {
        switch self {
        case .invoiceNotFound: return "invoice-not-found"
        case .invoiceAlreadyPaid: return "invoice-paid"
        case .paymentPending: return "payment-pending"
        case .amountNotPositive: return "amount-not-positive"
        case .amountOverOpen: return "amount-over-open"
        case .currencyMismatch: return "currency-mismatch"
        case .cartHoldsItems: return "cart-holds-items"
        case .cartHoldsInvoices: return "cart-holds-invoices"
        case .invoiceAlreadyInCart: return "invoice-in-cart"
        case .productNotFound: return "product-not-found"
        case .quantityOutOfRange: return "quantity-out-of-range"
        case .lineNotFound: return "line-not-found"
        case .cartEmpty: return "cart-empty"
        case .onAccountNotForInvoices: return "on-account-not-for-invoices"
        case .onAccountNotAllowed: return "on-account-not-allowed"
        case .creditExceeded: return "credit-exceeded"
        case .cardAuthorizationMissing: return "card-authorization-missing"
        case .notActingUser: return "not-acting-user"
        case .unknownUser: return "unknown-user"
        case .idempotencyKeyReused: return "idempotency-key-reused"
        }
    }

    public var description: String {
        switch self {
        case .invoiceNotFound(let number): return "Invoice \(number) was not found."
        case .invoiceAlreadyPaid(let number): return "Invoice \(number) is already paid."
        case .amountNotPositive: return "The amount to pay must be more than zero."
        case .paymentPending(let number, let pending):
            return "A payment of \(pending) is pending for invoice \(number); nothing is left to pay until the shop posts it."
        case .amountOverOpen(let available):
            return "The amount is more than the \(available) still open on this invoice."
        case .currencyMismatch(let amount, let invoice):
            return "The amount is in \(amount.code) but the invoice is in \(invoice.code)."
        case .cartHoldsItems:
            return "Your cart holds items. Invoices can be paid only in a cart without items: check out or remove the items first."
        case .cartHoldsInvoices:
            return "Your cart holds invoices. Items can be added only to a cart without invoices: check out or remove the invoices first."
        case .invoiceAlreadyInCart(let number): return "Invoice \(number) is already in your cart; change its amount there."
        case .productNotFound(let sku): return "Product \(sku) was not found."
        case .quantityOutOfRange: return "A quantity must be a whole number from 1 to \(CartRules.maximumQuantity)."
        case .lineNotFound: return "That line is no longer in your cart."
        case .cartEmpty: return "Your cart is empty."
        case .onAccountNotForInvoices: return "Invoices cannot be paid on account in this shop; pay by card."
        case .onAccountNotAllowed: return "Your customer account may not buy or pay on account; pay by card."
        case .creditExceeded(let needed, let headroom):
            return "Paying \(needed) on account needs more credit than the \(headroom) left on the account."
        case .cardAuthorizationMissing: return "A card payment needs the payment provider's authorization; try the payment again."
        case .notActingUser: return "A user can act only for themselves."
        case .unknownUser(let login): return "User \(login) is not known to the shop."
        case .idempotencyKeyReused: return "This idempotency key was already used for another payment."
        }
    }
}
