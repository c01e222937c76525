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
