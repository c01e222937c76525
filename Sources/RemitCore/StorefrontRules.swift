/// The storefront's rules for paying invoices and filling carts (the seed's points 3–5), as pure
/// functions over amounts the caller reads from its store. The cart worker, payment posting and the
/// producers' `invoice.pay` all decide through these, so a rule lives in one place.

/// A deployment's choices where the seed leaves room.
public struct StorefrontPolicy: Sendable, Equatable {
    /// Lifts the seed's cart rule: one cart may hold invoices and items, and one checkout then yields
    /// an order and invoice payments together. Off by default (the seed's rule).
    public var mixedCart: Bool
    /// Whether invoices may be paid on account. The Dutch seed says yes, the vendor's English page
    /// says no; the default follows the seed.
    public var onAccountForInvoices: Bool
    /// A second copy request for the same invoice by the same user within this many seconds is merged
    /// into the first.
    public var requestMergeSeconds: Int

    public init(mixedCart: Bool = false, onAccountForInvoices: Bool = true, requestMergeSeconds: Int = 300) {
        self.mixedCart = mixedCart
        self.onAccountForInvoices = onAccountForInvoices
        self.requestMergeSeconds = requestMergeSeconds
    }
}

/// How a buyer pays at checkout.
public enum Tender: String, Sendable, Codable, CaseIterable {
    /// Charged to the customer account (needs allow-on-account and credit headroom).
    case onAccount
    /// Paid by card; the storefront's payment connector authorized it and passes its reference.
    case card
}

/// Why the storefront says no: a business outcome the buyer reads, never a failure of the message.
/// `code` is stable for programs (the JSON API, producers' replies); `description` is for people.
public enum StorefrontRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The invoice does not exist or is not the user's: the two are never told apart.
    case invoiceNotFound(String)
    case invoiceAlreadyPaid(String)
    case amountNotPositive
    case amountOverOpen(amount: Money, available: Money)
    case currencyMismatch(amount: Currency, invoice: Currency)
    case cartHoldsItems
    case cartHoldsInvoices
    case invoiceAlreadyInCart(String)
    case productNotFound(String)
    case quantityOutOfRange(Int)
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
        case .amountOverOpen(let amount, let available):
            return "The amount \(amount) is more than the \(available) still open on this invoice."
        case .currencyMismatch(let amount, let invoice):
            return "The amount is in \(amount.code) but the invoice is in \(invoice.code)."
        case .cartHoldsItems:
            return "Your cart holds items. Invoices can be paid only in a cart without items: check out or remove the items first."
        case .cartHoldsInvoices:
            return "Your cart holds invoices. Items can be added only to a cart without invoices: check out or remove the invoices first."
        case .invoiceAlreadyInCart(let number): return "Invoice \(number) is already in your cart; change its amount there."
        case .productNotFound(let sku): return "Product \(sku) was not found."
        case .quantityOutOfRange(let quantity): return "A quantity must be from 1 to \(CartRules.maximumQuantity), not \(quantity)."
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

/// What the storefront knows of one invoice when a buyer pays it: HQ's amounts as last distributed,
/// what the channel took and HQ has not settled yet, and the cash-discount offer.
public struct InvoiceBalance: Sendable, Equatable {
    public var number: String
    public var amounts: InvoiceAmounts
    /// Payments the channel recorded that HQ has not settled (or refused) yet.
    public var pending: Money
    public var offer: DiscountOffer?

    public init(number: String, amounts: InvoiceAmounts, pending: Money, offer: DiscountOffer?) {
        self.number = number
        self.amounts = amounts
        self.pending = pending
        self.offer = offer
    }

    /// What a new payment may still cover: due − settled − discount taken − pending, never below zero.
    public var available: Money {
        let open = amounts.open.minorUnits
        return Money(minorUnits: max(0, open - max(0, pending.minorUnits)), currency: amounts.due.currency)
    }

    /// What the storefront proposes to pay: everything available, less the cash discount when paid
    /// on or before the offer's last day (the discount HQ grants when the payment settles the rest).
    public func proposedPayment(today: CalendarDate) -> Money {
        let available = self.available
        guard let offer, amounts.discountTaken.isZero, today <= offer.lastDay, offer.amount.currency == available.currency
        else { return available }
        let discount = min(max(0, offer.amount.minorUnits), available.minorUnits)
        let proposed = available.minorUnits - discount
        return proposed > 0 ? Money(minorUnits: proposed, currency: available.currency) : available
    }

    /// Checks a payment of `amount` (nil: the proposed amount) against what is open; returns the amount.
    public func checkPayment(_ amount: Money?, today: CalendarDate) throws(StorefrontRefusal) -> Money {
        guard available.minorUnits > 0 else {
            // Paid in HQ, or the channel already holds payments for everything that is open.
            throw .invoiceAlreadyPaid(number)
        }
        let amount = amount ?? proposedPayment(today: today)
        guard amount.currency == amounts.due.currency else {
            throw .currencyMismatch(amount: amount.currency, invoice: amounts.due.currency)
        }
        guard amount.minorUnits > 0 else { throw .amountNotPositive }
        guard amount.minorUnits <= available.minorUnits else { throw .amountOverOpen(amount: amount, available: available) }
        return amount
    }
}

/// A cart's rules: what may go in together, quantities, and the tender at checkout.
public enum CartRules {
    /// Units of one product on one line at most.
    public static let maximumQuantity = 9_999

    public enum LineKind: String, Sendable, Codable { case invoice, item }

    /// Whether a line of `kind` may join a cart holding `existing` lines (the seed's point 5).
    public static func checkAdding(_ kind: LineKind, to existing: [LineKind], policy: StorefrontPolicy) throws(StorefrontRefusal) {
        guard !policy.mixedCart else { return }
        switch kind {
        case .invoice where existing.contains(.item): throw .cartHoldsItems
        case .item where existing.contains(.invoice): throw .cartHoldsInvoices
        default: return
        }
    }

    public static func checkQuantity(_ quantity: Int) throws(StorefrontRefusal) {
        guard quantity >= 1, quantity <= maximumQuantity else { throw .quantityOutOfRange(quantity) }
    }

    /// The tender rules for a checkout (or a producer's payment) of `invoices` and `items` amounts.
    /// - Parameters:
    ///   - allowOnAccount: the customer's permission to buy and pay on account.
    ///   - headroom: the credit left on the account the charge goes to.
    public static func checkTender(
        _ tender: Tender, cardAuthorization: String?, paysInvoices: Bool, charge: Money,
        allowOnAccount: Bool, headroom: Money, policy: StorefrontPolicy
    ) throws(StorefrontRefusal) {
        switch tender {
        case .card:
            guard let reference = cardAuthorization, !reference.isEmpty else { throw .cardAuthorizationMissing }
        case .onAccount:
            if paysInvoices && !policy.onAccountForInvoices { throw .onAccountNotForInvoices }
            guard allowOnAccount else { throw .onAccountNotAllowed }
            guard headroom.currency == charge.currency, charge.minorUnits <= headroom.minorUnits else {
                throw .creditExceeded(needed: charge, headroom: headroom)
            }
        }
    }
}
