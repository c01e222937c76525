/// The status and settlement rules for invoices, in one place for HQ and the channel alike.
/// All amounts are integer minor units; nothing here goes negative or settles more than is open.

/// What a buyer sees an invoice as.
public enum InvoicePaymentStatus: String, Sendable, Codable, CaseIterable {
    case unpaid
    case partiallyPaid = "partially-paid"
    case paid
}

/// The amounts of one invoice: what is due, what payments settled and what cash discount was taken.
public struct InvoiceAmounts: Sendable, Equatable, Codable {
    public var due: Money
    public var settled: Money
    public var discountTaken: Money

    public init(due: Money, settled: Money? = nil, discountTaken: Money? = nil) {
        self.due = due
        self.settled = settled ?? .zero(due.currency)
        self.discountTaken = discountTaken ?? .zero(due.currency)
    }

    /// What is still to pay: due − settled − discount taken, never below zero. Computed with
    /// overflow checks in wider arithmetic, so no stored value, however extreme, can trap here.
    public var open: Money {
        let open = Int128(due.minorUnits) - Int128(settled.minorUnits) - Int128(discountTaken.minorUnits)
        return Money(minorUnits: Int64(clamping: max(0, open)), currency: due.currency)
    }

    public var status: InvoicePaymentStatus {
        if open.isZero { return .paid }
        return settled.isZero && discountTaken.isZero ? .unpaid : .partiallyPaid
    }

    /// Overdue: not paid, and the due date is before `today`.
    public func isOverdue(dueDate: CalendarDate, today: CalendarDate) -> Bool {
        status != .paid && dueDate < today
    }
}

/// Payment terms: net days, and optionally a cash discount for paying within fewer days.
public struct PaymentTerms: Sendable, Equatable, Codable {
    public var code: String
    public var netDays: Int
    public var cashDiscount: CashDiscount?

    public init(code: String, netDays: Int, cashDiscount: CashDiscount? = nil) {
        self.code = code
        self.netDays = netDays
        self.cashDiscount = cashDiscount
    }

    public func dueDate(invoicedOn date: CalendarDate) -> CalendarDate { date.adding(days: netDays) }
}

public struct CashDiscount: Sendable, Equatable, Codable {
    /// Hundredths of a percent: 200 is 2 %.
    public var basisPoints: Int
    public var withinDays: Int

    public init(basisPoints: Int, withinDays: Int) {
        self.basisPoints = basisPoints
        self.withinDays = withinDays
    }

    /// The discount on `amount`, rounded down to the minor unit (never more than the amount).
    public func amount(of due: Money) -> Money {
        let (product, overflow) = due.minorUnits.multipliedReportingOverflow(by: Int64(basisPoints))
        let minor = overflow ? due.minorUnits / 10_000 * Int64(basisPoints) : product / 10_000
        return Money(minorUnits: max(0, min(minor, due.minorUnits)), currency: due.currency)
    }

    public func lastDay(invoicedOn date: CalendarDate) -> CalendarDate { date.adding(days: withinDays) }
}

/// The cash discount an invoice offers: how much, and the last day a payment earns it.
public struct DiscountOffer: Sendable, Equatable, Codable {
    public var amount: Money
    public var lastDay: CalendarDate

    public init(amount: Money, lastDay: CalendarDate) {
        self.amount = amount
        self.lastDay = lastDay
    }
}

/// How one payment settles one invoice.
public struct Settlement: Sendable, Equatable {
    /// Applied to the invoice.
    public var settled: Money
    /// Cash discount granted with this payment.
    public var discount: Money
    /// Part of the payment the invoice did not need (an overpayment); never applied.
    public var unapplied: Money
    /// The invoice after this payment.
    public var after: InvoiceAmounts
}

public enum SettlementError: Error, Sendable, Equatable, CustomStringConvertible {
    case notPositive(Money)
    case currencyMismatch(payment: Currency, invoice: Currency)
    /// The invoice's stored amounts are beyond what a settlement can add to.
    case outOfRange(Money)

    public var description: String {
        switch self {
        case .notPositive(let amount): return "a payment must be more than zero, got \(amount)"
        case .currencyMismatch(let payment, let invoice): return "payment in \(payment.code) for an invoice in \(invoice.code)"
        case .outOfRange(let due): return "the invoice's amounts (due \(due)) are out of range for a settlement"
        }
    }
}

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
