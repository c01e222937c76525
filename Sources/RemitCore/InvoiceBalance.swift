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
