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
