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

/// What the storefront knows of one invoice when a buyer pays it: HQ's amounts as last distributed,
/// what the channel took and HQ has not settled yet, and the cash-discount offer.
public struct InvoiceBalance: Sendable, Equatable {
    public var number: String
    public var amounts: InvoiceAmounts
    /// Payments the channel recorded that HQ has not settled (or refused) yet.
    public var pending: Money
    /// The day the latest pending payment was made: HQ settles it as paid on that day.
    public var pendingPaidOn: CalendarDate?
    public var offer: DiscountOffer?

    public init(number: String, amounts: InvoiceAmounts, pending: Money, pendingPaidOn: CalendarDate? = nil, offer: DiscountOffer?) {
        self.number = number
        self.amounts = amounts
        self.pending = pending
        self.pendingPaidOn = pendingPaidOn
        self.offer = offer
    }

    /// The discount a payment made on `day` may earn, as `SettlementRules` grants it: the offer while
    /// none was taken and `day` is not past its last day, never more than what is open.
    private func discount(paidOn day: CalendarDate) -> Int64? {
        guard let offer, amounts.discountTaken.isZero, day <= offer.lastDay, offer.amount.currency == amounts.due.currency,
            offer.amount.minorUnits > 0
        else { return nil }
        return min(offer.amount.minorUnits, amounts.open.minorUnits)
    }

    /// Whether the pending payments settle the invoice with its cash discount once HQ posts them:
    /// they cover all that is open but the discount, the last of them made by the offer's last day.
    public var pendingEarnsDiscount: Bool {
        guard pending.minorUnits > 0, let paidOn = pendingPaidOn, let discount = discount(paidOn: paidOn) else { return false }
        return pending.minorUnits >= amounts.open.minorUnits - discount
    }

    /// What a new payment may still cover: due − settled − discount taken − pending, never below
    /// zero; nothing when the pending payments earn the cash discount (they settle the invoice).
    public var available: Money {
        guard !pendingEarnsDiscount else { return .zero(amounts.due.currency) }
        let open = amounts.open.minorUnits
        return Money(minorUnits: max(0, open - max(0, pending.minorUnits)), currency: amounts.due.currency)
    }

    /// The cash discount a payment made `today` earns — what to pay by when, settling the invoice —
    /// or nil when none is to be had (no offer, taken, past its last day, nothing left to pay). The
    /// portal's pages, the API and the invoice e-mail all offer it from here.
    public func discountProposal(today: CalendarDate) -> DiscountProposal? {
        guard let offer, let discount = discount(paidOn: today) else { return nil }
        let available = self.available.minorUnits
        let earned = min(discount, available)
        guard earned > 0, available - earned > 0 else { return nil }
        let currency = amounts.due.currency
        return DiscountProposal(
            payment: Money(minorUnits: available - earned, currency: currency), discount: Money(minorUnits: earned, currency: currency),
            lastDay: offer.lastDay)
    }

    /// What the storefront proposes to pay: everything available, less the cash discount when paid
    /// on or before the offer's last day (the discount HQ grants when the payment settles the rest).
    public func proposedPayment(today: CalendarDate) -> Money {
        discountProposal(today: today)?.payment ?? available
    }

    /// Checks a payment of `amount` (nil: the proposed amount) against what is open; returns the amount.
    public func checkPayment(_ amount: Money?, today: CalendarDate) throws(StorefrontRefusal) -> Money {
        guard available.minorUnits > 0 else {
            // Open in HQ, but the channel already holds payments for everything that is open.
            if !amounts.open.isZero && pending.minorUnits > 0 { throw .paymentPending(number, pending: pending) }
            throw .invoiceAlreadyPaid(number)
        }
        let amount = amount ?? proposedPayment(today: today)
        guard amount.currency == amounts.due.currency else {
            throw .currencyMismatch(amount: amount.currency, invoice: amounts.due.currency)
        }
        guard amount.minorUnits > 0 else { throw .amountNotPositive }
        guard amount.minorUnits <= available.minorUnits else { throw .amountOverOpen(available: available) }
        return amount
    }
}

/// A cash discount a payment can still earn: pay `payment` by `lastDay` and the invoice is settled,
/// `discount` granted.
public struct DiscountProposal: Sendable, Equatable {
    public var payment: Money
    public var discount: Money
    public var lastDay: CalendarDate

    public init(payment: Money, discount: Money, lastDay: CalendarDate) {
        self.payment = payment
        self.discount = discount
        self.lastDay = lastDay
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
        guard quantity >= 1, quantity <= maximumQuantity else { throw .quantityOutOfRange }
    }

    /// Why a checkout may not be charged on account at all, whatever its amount; nil when it may.
    static func onAccountRefusal(paysInvoices: Bool, allowOnAccount: Bool, policy: StorefrontPolicy) -> StorefrontRefusal? {
        if paysInvoices && !policy.onAccountForInvoices { return .onAccountNotForInvoices }
        return allowOnAccount ? nil : .onAccountNotAllowed
    }

    /// The tenders a checkout may offer the buyer: on account only when the deployment and the
    /// customer allow it (`checkTender` refuses the rest), then card.
    public static func tenders(paysInvoices: Bool, allowOnAccount: Bool, policy: StorefrontPolicy) -> [Tender] {
        onAccountRefusal(paysInvoices: paysInvoices, allowOnAccount: allowOnAccount, policy: policy) == nil
            ? [.onAccount, .card] : [.card]
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
            if let refusal = onAccountRefusal(paysInvoices: paysInvoices, allowOnAccount: allowOnAccount, policy: policy) {
                throw refusal
            }
            guard headroom.currency == charge.currency, charge.minorUnits <= headroom.minorUnits else {
                throw .creditExceeded(needed: charge, headroom: headroom)
            }
        }
    }
}
