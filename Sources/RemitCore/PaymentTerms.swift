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
