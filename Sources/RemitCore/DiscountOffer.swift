/// The cash discount an invoice offers: how much, and the last day a payment earns it.
public struct DiscountOffer: Sendable, Equatable, Codable {
    public var amount: Money
    public var lastDay: CalendarDate

    public init(amount: Money, lastDay: CalendarDate) {
        self.amount = amount
        self.lastDay = lastDay
    }
}
