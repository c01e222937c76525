/// The status and settlement rules for invoices, in one place for HQ and the channel alike.
/// All amounts are integer minor units; nothing here goes negative or settles more than is open.
public enum SettlementRules {
    /// Settles `payment`, paid on `paidOn`, against `invoice`. The cash discount is granted only when
    /// the payment settles everything that remains after the discount, on or before the offer's last
    /// day, and only once per invoice.
    public static func settle(
        payment: Money, paidOn: CalendarDate, invoice: InvoiceAmounts,
        offer: DiscountOffer?
    ) throws(SettlementError) -> Settlement {
        guard payment.currency == invoice.due.currency else {
            throw .currencyMismatch(payment: payment.currency, invoice: invoice.due.currency)
        }
        guard payment.minorUnits > 0 else { throw .notPositive(payment) }
        let open = invoice.open.minorUnits
        var discount: Int64 = 0
        if let offer, invoice.discountTaken.isZero, paidOn <= offer.lastDay, offer.amount.currency == payment.currency {
            let candidate = min(max(0, offer.amount.minorUnits), open)
            if payment.minorUnits >= open - candidate { discount = candidate }
        }
        let settled = min(payment.minorUnits, open - discount)
        var after = invoice
        let (settledTotal, settledOverflow) = invoice.settled.minorUnits.addingReportingOverflow(settled)
        let (discountTotal, discountOverflow) = invoice.discountTaken.minorUnits.addingReportingOverflow(discount)
        guard !settledOverflow, !discountOverflow else { throw .outOfRange(invoice.due) }
        after.settled = Money(minorUnits: settledTotal, currency: payment.currency)
        after.discountTaken = Money(minorUnits: discountTotal, currency: payment.currency)
        return Settlement(
            settled: Money(minorUnits: settled, currency: payment.currency),
            discount: Money(minorUnits: discount, currency: payment.currency),
            unapplied: Money(minorUnits: payment.minorUnits - settled, currency: payment.currency),
            after: after)
    }
}
