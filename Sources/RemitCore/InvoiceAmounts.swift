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
